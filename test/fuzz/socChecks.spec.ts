/**
 * The SoC oracles of test/fuzz/check.ts (checkStorageEnergy, checkEvEnergy) against the meter's resolution: the meter reads
 * a device's consumption rounded to whole quanta of `market.quantumKw` (engine/interval/meter.ts), so its SoC may move
 * by half a quantum over the interval (through the efficiency) from what the meter says. Fuzz --mix seed 50052 (quantum
 * 0.5 kW): a battery at 8.789 kWh filled to its 9 kWh top over 30 minutes, metered 0.5 kW.
 */
import { expect } from 'chai';
import { checkEvEnergy, checkStorageEnergy, type RunFiles } from './check.ts';

const row = (t: string, id: string, kind: string, state: string, actual: string, soc: string) => ({ interval_start: t, agent_id: id, kind, state, actual_kw: actual, soc_kwh: soc });
const config = (quantumKw: number, kind: 'storage' | 'ev') =>
  ({
    intervalMinutes: 30,
    market: { quantumKw },
    agents: [kind === 'storage' ? { kind, idPrefix: 'battery', chargeEfficiency: 0.95, dischargeEfficiency: 0.95 } : { kind, idPrefix: 'ev', battery: { chargeEfficiency: 0.95, dischargeEfficiency: 0.95 } }],
  }) as any;

describe('fuzz SoC oracles and the meter quantum (test/fuzz/check.ts)', () => {
  // 8.789 → 9 kWh is 0.211 kWh stored = 0.444 kW × 0.5 h × 0.95; the meter rounds 0.444 kW to the quantum.
  const battery: RunFiles = { summary: {}, bills: [], agents: [row('2026-11-02T04:00:00Z', 'battery-1', 'storage', 'charging', '0.5', '8.789'), row('2026-11-02T04:30:00Z', 'battery-1', 'storage', 'charging', '0.5', '9')] };
  it('a battery metered 0.5 kW at a 0.5 kW quantum that stored 0.211 kWh in 30 minutes (0.444 kW at η 0.95) keeps it: 0.2375 − 0.211 = 0.0265 kWh ≤ 0.002 + 0.25 × 0.5 × 0.95', () => {
    expect(checkStorageEnergy(battery, config(0.5, 'storage'))).to.deep.equal([]);
  });
  it('the same readings at the 1 W quantum break it: the meter would have read 0.444 kW, and 0.0265 kWh > 0.002 + 0.0005 × 0.5 × 0.95', () => {
    expect(checkStorageEnergy(battery, config(0.001, 'storage'))).to.have.length(1);
  });
  it('a car metered 7.5 kW at a 0.5 kW quantum whose 7.4 kW charger stored 3.515 kWh in 30 minutes keeps it; a quarter of a kW more does not', () => {
    const car = (soc: string): RunFiles => ({ summary: {}, bills: [], agents: [row('2026-08-08T11:00:00Z', 'ev-1', 'ev', 'charging', '7.5', '20'), row('2026-08-08T11:30:00Z', 'ev-1', 'ev', 'charging', '7.5', soc)] });
    // 7.4 × 0.5 × 0.95 = 3.515 kWh; metered 7.5 × 0.5 × 0.95 = 3.5625; the slack 0.002 + 0.25 × 0.5 × 0.95 = 0.11675.
    expect(checkEvEnergy(car('23.515'), config(0.5, 'ev'))).to.deep.equal([]);
    // 7.15 kW: 3.39625 kWh, 0.16625 below the metered 3.5625: beyond the slack.
    expect(checkEvEnergy(car('23.39625'), config(0.5, 'ev'))).to.have.length(1);
  });
});
