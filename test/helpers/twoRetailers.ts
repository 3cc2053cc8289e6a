/**
 * The two-retailer scenario of the retail-choice tests (test/tariffs/choice.spec.ts,
 * retailerSwitching.spec.ts, test/engine/retailerSwitchPrivacy.spec.ts): h starts on r1's dear
 * tariff (0.90/kWh; r1 also offers mid, 0.50), r2 offers cheap (0.10) and supplies h2. h looks every
 * day (inertia 0) and takes the cheapest offer it may compare (rationality 100): r1's mid, or with
 * `among: every-retailer` r2's cheap. `more`: the run's days (3), the switch's notice, and a day-ahead stage
 * (gate 12:00 local the day before) ahead of real time. The site's clock is UTC (utcOffsetHours: 0), so its billing
 * days, local days (engine/billingDays.ts), are the UTC days from the start at 00:00Z.
 */
export function twoRetailersYaml(among?: 'own-retailer' | 'every-retailer', more: { days?: number; noticeDays?: number; dayAhead?: boolean } = {}): string {
  const choice = `rationality: 100, inertia: 0${among === undefined ? '' : `, among: ${among}`}${more.noticeDays === undefined ? '' : `, noticeDays: ${more.noticeDays}`}`;
  return `name: two-retailers
start: 2026-07-01T00:00:00Z
days: ${more.days ?? 3}
intervalMinutes: 60
seed: 2
site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 }
${more.dayAhead ? 'market:\n  timeline:\n    - { stage: dayAhead, gateClosureLocal: "12:00", daysBefore: 1 }\n    - realTime\n' : ''}tariffs:
  - { id: dear, type: flat, energyPricePerKwh: 0.90, fixedChargePerDay: 0.3 }
  - { id: mid, type: flat, energyPricePerKwh: 0.50, fixedChargePerDay: 0.3 }
  - { id: cheap, type: flat, energyPricePerKwh: 0.10, fixedChargePerDay: 0.1 }
agents:
  - { kind: generator, id: plant, offers: [{ kw: 50, priceMwh: 40 }] }
  - { kind: retailer, id: r1, tariffs: [dear, mid] }
  - { kind: retailer, id: r2, tariffs: [cheap] }
  - { kind: home, id: h, retailer: r1, tariff: dear, tariffChoice: { ${choice} } }
  - { kind: home, id: h2, retailer: r2, tariff: cheap }
`;
}

/** A communication plane whose messages take 10–20 ms and whose meter reads are lost with `amiLossProbability`. */
export function fastPlaneYaml(amiLossProbability: number): string {
  return `comms:
  classes:
    demand-response: { latency: { distribution: uniform, minMs: 10, maxMs: 20 } }
    ami: { latency: { distribution: uniform, minMs: 10, maxMs: 20 }, lossProbability: ${amiLossProbability} }
`;
}
