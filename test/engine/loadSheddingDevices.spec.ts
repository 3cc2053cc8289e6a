/**
 * Load shedding beyond the free load (engine/interval/shed.ts, tier 2): when even every site's
 * base or plug load at a bus cannot cover a shortage, the rest is shed off the sites' devices
 * (HVAC, lighting, appliance runs, a car's or a battery's charging) pro rata, and the devices
 * feel it: the room's temperature follows the HVAC power delivered, a battery or a car gains
 * only the charge delivered. Before this, such a shortage stayed unserved and the books stayed
 * open (exit 4): two offices on an 8 kW plant left 7 intervals open, three cars charging at home
 * on a 1 kW plant 11, three at a workplace 2.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { IntervalLedger } from '../../engine/interval/ledger.ts';
import { shedLoad } from '../../engine/interval/shed.ts';
import { Money, MoneyUnit } from '../../core/money.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';
import { registerStrategy } from '../../strategies/registry.ts';
import type { StorageView } from '../../strategies/storage/view.ts';
import { Room } from '../../agents/physics/hvac.ts';
import { drawHomeThermal, type HomeThermal } from '../../agents/home/runtime.ts';
import type { HomeGroup } from '../../agents/home/schema.ts';
import { RandomService } from '../../core/rng.ts';

// A battery that charges flat out whatever the price: as a retail customer it takes its whole charge at any tariff.
registerStrategy('test-shed-always-charge', {
  params: undefined,
  kinds: ['storage'],
  create: () => ({
    id: 'test-shed-always-charge',
    bid: (view, market) => ((view as StorageView).maxChargeKw > 0 ? [{ side: 'buy', priceMwh: market.priceCapMwh, quantityKw: (view as StorageView).maxChargeKw }] : []),
  }),
});

/** One bus, one plant of `plantKw`, a retailer, and `agents` buying from it (so they use what they like after the gate). */
function scenario(plantKw: number, agents: readonly object[], opts: { start?: string; days?: number; intervalMinutes?: number; seed?: number } = {}) {
  return parseScenario(
    stringify({
      name: 'shortage-devices',
      seed: opts.seed ?? 3,
      start: opts.start ?? '2026-07-01T00:00:00Z',
      days: opts.days ?? 1,
      intervalMinutes: opts.intervalMinutes ?? 60,
      market: { mechanism: 'double-auction' },
      tariffs: [{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25 }],
      agents: [{ kind: 'generator', id: 'plant', offers: [{ kw: plantKw, priceMwh: 60 }] }, { kind: 'retailer', id: 'retail', tariffs: ['flat'] }, ...agents.map((a) => ({ retailer: 'retail', tariff: 'flat', ...a }))],
    }),
    'shortage-devices.yaml',
  );
}

interface Run {
  readonly sim: Simulation;
  readonly outcomes: IntervalOutcome[];
  /** A home's thermal parameters, drawn as the home draws them (its own 'hvac' stream of the run's seed). */
  readonly thermalOf: (id: string) => HomeThermal | undefined;
}

async function run(plantKw: number, agents: readonly object[], opts?: Parameters<typeof scenario>[2]): Promise<Run> {
  const input = scenario(plantKw, agents, opts);
  const sim = await Simulation.create(input);
  const outcomes: IntervalOutcome[] = [];
  sim.run({ interval: (o) => void outcomes.push(o) });
  const random = new RandomService(input.config.seed);
  const thermalOf = (id: string): HomeThermal | undefined => {
    const group = input.config.agents.find((g) => g.kind === 'home' && id.startsWith(`${(g as HomeGroup).idPrefix}-`)) as HomeGroup | undefined;
    return group?.hvac && drawHomeThermal(group.hvac, random.stream(id, 'hvac'));
  };
  return { sim, outcomes, thermalOf };
}

const agentsOf = (o: IntervalOutcome, prefix: string): number[] => o.parties.flatMap((p, i) => (p.role === 'agent' && p.id.startsWith(prefix) ? [i] : []));

/**
 * What every interval of a one-bus run with one plant must show, shed or not: the shortfall
 * (what the sites wanted beyond the plant) is all shed, nothing stays unserved, the books close,
 * no site is shed beyond its withdrawal, and each site's meter, report and LOAD_SHED row agree.
 */
function checkBooks(o: IntervalOutcome, plantKw: number): number {
  const q = o.ledger.quantumKw;
  const sites = o.parties.flatMap((p, i) => (p.role === 'agent' && p.id !== 'plant' ? [i] : []));
  const wanted = sites.reduce((s, i) => s + o.ledger.actualQuanta[i]! + o.ledger.shedQuanta[i]!, 0);
  const short = Math.max(0, wanted - Math.round(plantKw / q));
  const where = `interval ${o.interval.index}`;
  expect(o.imbalance.unservedQuanta[0], where).to.equal(0);
  expect(o.imbalance.shedQuanta[0], where).to.equal(short);
  expect(o.books, where).to.deep.equal([]);
  for (const i of sites) {
    const shed = o.ledger.shedQuanta[i]!;
    if (shed > 0) expect(o.ledger.actualQuanta[i], `${where}: ${o.parties[i]!.id} shed beyond its withdrawal`).to.be.at.least(0);
    expect(Math.round(o.observations[i]!.consumedKw! / q), `${where}: ${o.parties[i]!.id}'s meter`).to.equal(o.ledger.consumedQuanta[i]);
    expect(o.observations[i]!.unservedKwh + 1e-9, `${where}: ${o.parties[i]!.id} counts what it was shed`).to.be.at.least(shed * q * o.interval.durationH);
  }
  const rows = o.events.filter((e) => e.type === 'LOAD_SHED');
  expect(rows.map((e) => [e.target, e.deliveredKw])).to.deep.equal(sites.filter((i) => o.ledger.shedQuanta[i]! > 0).map((i) => [o.parties[i]!.id, o.ledger.shedQuanta[i]! * q]));
  return short;
}

/** A battery's or car's SoC moved by exactly what its meter read (a car plugged in at the interval's start; in the interval it leaves, the SoC it left with). */
function checkCharge(prevSoc: number | undefined, o: IntervalOutcome, i: number, etaC: number, etaD: number): void {
  const obs = o.observations[i]!;
  if (prevSoc === undefined || obs.socKwh === undefined) return;
  const dt = o.interval.durationH;
  const expected = prevSoc + (obs.consumedKw! * etaC - obs.generatedKw! / etaD) * dt;
  expect(obs.socKwh, `interval ${o.interval.index}: ${o.parties[i]!.id}'s SoC gains what it was delivered`).to.be.closeTo(expected, 1e-9);
}

describe('load shedding beyond the free load: HVAC, lighting, appliances, charging (engine/interval/shed.ts)', function () {
  this.timeout(300_000);

  it('by hand, the two tiers: 8 quanta over sites with (free, device) (2, 6) and (1, 3), and an exporter: tier 1 sheds 2 and 1, tier 2 the 5 left as 3 and 2', () => {
    const ledger = new IntervalLedger(3, new MoneyUnit(new Money('0.001')), 1);
    ledger.actualQuanta.set([8, 4, -1]);
    ledger.consumedQuanta.set([8, 4, 2]);
    const done = shedLoad(ledger, Float64Array.of(8), { busOf: Int32Array.of(0, 0, 0), viaOf: Int32Array.of(-1, -1, -1) }, Float64Array.of(2, 1, 2), Float64Array.of(6, 3, 0));
    expect([...done]).to.deep.equal([8]);
    expect([...ledger.shedQuanta]).to.deep.equal([5, 3, 0]);
    expect([...ledger.actualQuanta]).to.deep.equal([3, 1, -1]);
    // Tier 2 only once tier 1 is gone at the bus: 2 quanta come off the free load alone, pro rata 2 : 1 → 1.33, 0.67 → 1 and 1.
    const light = new IntervalLedger(3, new MoneyUnit(new Money('0.001')), 1);
    light.actualQuanta.set([8, 4, -1]);
    shedLoad(light, Float64Array.of(2), { busOf: Int32Array.of(0, 0, 0), viaOf: Int32Array.of(-1, -1, -1) }, Float64Array.of(2, 1, 2), Float64Array.of(6, 3, 0));
    expect([...light.shedQuanta]).to.deep.equal([1, 1, 0]);
    // Never beyond a site's withdrawal, however much it reports: 20 over the same sites sheds 8 and 4.
    const all = new IntervalLedger(3, new MoneyUnit(new Money('0.001')), 1);
    all.actualQuanta.set([8, 4, -1]);
    expect([...shedLoad(all, Float64Array.of(20), { busOf: Int32Array.of(0, 0, 0), viaOf: Int32Array.of(-1, -1, -1) }, Float64Array.of(2, 1, 2), Float64Array.of(60, 30, 5))]).to.deep.equal([12]);
    expect([...all.shedQuanta]).to.deep.equal([8, 4, 0]);
  });

  it('by hand: one battery charging 4 kW on a 1 kW plant: 3 kW shed, its SoC gains 1 kW × 1 h × η_c, the 3 kWh are its unserved, the books close', async () => {
    const eta = 0.9;
    const { outcomes } = await run(1, [{ kind: 'storage', idPrefix: 'bat', count: 1, capacityKwh: 20, maxChargeKw: 4, maxDischargeKw: 4, chargeEfficiency: eta, dischargeEfficiency: eta, initialSocFraction: 0.1, strategy: 'test-shed-always-charge' }], { days: 0.25 });
    const [first] = outcomes;
    const bat = agentsOf(first!, 'bat')[0]!;
    // Interval 0: it wanted 4 kW, the plant gives 1: 3 kW shed (quantum 1 W: 3000 quanta).
    expect(first!.ledger.shedQuanta[bat]! * first!.ledger.quantumKw).to.be.closeTo(3, 1e-9);
    expect(first!.observations[bat]!.consumedKw).to.be.closeTo(1, 1e-9);
    expect(first!.observations[bat]!.socKwh).to.be.closeTo(2 + 1 * 1 * eta, 1e-9);
    expect(first!.observations[bat]!.unservedKwh).to.be.closeTo(3, 1e-9);
    expect(first!.observations[bat]!.state).to.equal('charging');
    expect(first!.books).to.deep.equal([]);
    // Every interval: 1 kW delivered while it can take it; the SoC climbs 0.9 kWh an hour and never passes its max.
    let soc = 2;
    for (const o of outcomes) {
      checkBooks(o, 1);
      const obs = o.observations[bat]!;
      soc = Math.min(20, soc + Math.min(1, obs.consumedKw!) * eta);
      expect(obs.socKwh).to.be.closeTo(soc, 1e-9);
      expect(obs.socKwh!).to.be.at.most(20 + 1e-9);
    }
    expect(outcomes.map((o) => o.observations[bat]!.socKwh!.toFixed(1))).to.deep.equal(['2.9', '3.8', '4.7', '5.6', '6.5', '7.4']);
  });

  it('the reproducer: two offices on an 8 kW plant, 7 intervals open before, now all closed; where HVAC is shed the offices get warmer than their twins on a plant large enough', async () => {
    const offices = [{ kind: 'building', idPrefix: 'office', count: 2, floorAreaM2: 450 }];
    const opts = { start: '2026-07-01T06:00:00Z', days: 0.5, intervalMinutes: 30, seed: 3 };
    const short = await run(8, offices, opts);
    const twin = await run(1000, offices, opts);
    let deviceShed = 0;
    let firstDeviceShed = -1;
    for (const o of short.outcomes) {
      checkBooks(o, 8);
      for (const i of agentsOf(o, 'office')) {
        // Shed beyond its plug load: its plug load is all gone (tier 1 first).
        if (o.ledger.shedQuanta[i]! > 0 && o.observations[i]!.sheddableKw! > o.ledger.quantumKw) expect(o.observations[i]!.consumedKw).to.be.at.least(o.observations[i]!.sheddableKw! - 1e-9);
        const fullPlug = twin.outcomes[o.interval.index]!.observations[i]!.sheddableKw!;
        if (o.ledger.shedQuanta[i]! * o.ledger.quantumKw > fullPlug + 0.01) {
          deviceShed++;
          if (firstDeviceShed < 0) firstDeviceShed = o.interval.index;
        }
      }
    }
    expect(deviceShed, 'office hours draw more than the plug load can cover').to.be.above(0);
    // Up to the first interval that reached their devices the two runs are the same; there it is warmer (cooling, July).
    const k = firstDeviceShed;
    for (const i of agentsOf(short.outcomes[k]!, 'office')) {
      if (k > 0) expect(short.outcomes[k - 1]!.observations[i]!.indoorTempC).to.equal(twin.outcomes[k - 1]!.observations[i]!.indoorTempC);
      expect(short.outcomes[k]!.observations[i]!.indoorTempC!).to.be.above(twin.outcomes[k]!.observations[i]!.indoorTempC! + 1e-6);
    }
  });

  it('cars charging at home and at a workplace (1 kW plant, two days): their charging is shed, each SoC gains exactly what it was delivered, and a car shed as it leaves lacks exactly that at departure', async () => {
    for (const sessions of ['home', 'workplace']) {
      const { outcomes } = await run(1, [{ kind: 'ev', idPrefix: 'car', count: 3, sessions }], { days: 2 });
      let shedKw = 0;
      let shedAtDeparture = 0;
      const prev = new Map<number, number | undefined>();
      const targets = new Set<string>();
      for (const o of outcomes) {
        checkBooks(o, 1);
        for (const i of agentsOf(o, 'car')) {
          const obs = o.observations[i]!;
          checkCharge(prev.get(i), o, i, 0.9, 0.9);
          prev.set(i, obs.socKwh);
          shedKw += o.ledger.shedQuanta[i]! * o.ledger.quantumKw;
          // Short at departure by what it lacks of its target (the same 54 kWh for every car here): SoC left with + shortfall.
          if (obs.unmetDepartureKwh! > 1e-9) {
            targets.add((obs.socKwh! + obs.unmetDepartureKwh!).toFixed(9));
            if (o.ledger.shedQuanta[i]! > 0) shedAtDeparture++;
          }
        }
      }
      expect(shedKw, `${sessions}: the cars want more than 1 kW`).to.be.above(1);
      expect(shedAtDeparture, `${sessions}: some car was shed in the interval it left`).to.be.above(0);
      expect([...targets]).to.have.length(1);
    }
  });

  it('homes with air conditioning on a hot afternoon: once their base load is gone the HVAC is shed, and the indoor temperature is the one the HVAC power delivered gives', async () => {
    const homes = [{ kind: 'home', idPrefix: 'h', count: 3, baseLoad: { annualKwh: 100 }, flexibility: { share: 0 }, hvac: { share: 1, mode: 'cool' } }];
    const r = await run(0.5, homes, { start: '2026-07-01T10:00:00Z', days: 0.5 });
    const { outcomes } = r;
    let hvacShed = 0;
    for (const o of outcomes) {
      checkBooks(o, 0.5);
      hvacShed += checkHomeRooms(r, o, outcomes[o.interval.index - 1]);
    }
    expect(hvacShed, 'the air conditioners were shed in some interval').to.be.above(0);
  });

  it('homes running a 2 kWh dishwasher on a 1 kW plant: the runs are shed with the rest, each advances only by the energy it was delivered, so each still draws its whole 2 kWh, later', async () => {
    const homes = [{ kind: 'home', idPrefix: 'h', count: 3, baseLoad: { annualKwh: 100 }, flexibility: { share: 0 }, appliances: [{ name: 'dishwasher', energyKwh: 2, powerKw: 2, earliestStartHour: { min: 18, max: 19 }, windowHours: { min: 2, max: 3 } }] }];
    const { outcomes } = await run(1, homes, { start: '2026-07-01T12:00:00Z', days: 1 });
    const drawn = new Map<string, number>();
    let shedRuns = 0;
    for (const o of outcomes) {
      checkBooks(o, 1);
      for (const i of agentsOf(o, 'h')) {
        const obs = o.observations[i]!;
        const id = o.parties[i]!.id;
        // Beyond its base load (what is left of it after the shed) a home here draws only its dishwasher.
        drawn.set(id, (drawn.get(id) ?? 0) + obs.deviceSheddableKw! * o.interval.durationH);
        if (o.ledger.shedQuanta[i]! * o.ledger.quantumKw > 0.1) shedRuns++;
      }
    }
    expect(shedRuns, 'three dishwashers at 2 kW on a 1 kW plant').to.be.above(2);
    // 2 kWh each, to within the metering's rounding (a quantum per interval it ran).
    for (const [id, kwh] of drawn) expect(kwh, id).to.be.closeTo(2, 0.05);
  });

  it('any plant from 0.5 to 8 kW and any mix of homes (with or without HVAC), offices, cars and batteries: every interval sheds the shortfall, within each withdrawal, SoC within bounds and as delivered, rooms as delivered, books closed (fast-check)', async () => {
    const mix = fc.record({
      halfKw: fc.integer({ min: 1, max: 16 }),
      homes: fc.integer({ min: 0, max: 3 }),
      hvacHomes: fc.integer({ min: 0, max: 3 }),
      offices: fc.integer({ min: 0, max: 1 }),
      homeCars: fc.integer({ min: 0, max: 3 }),
      workCars: fc.integer({ min: 0, max: 2 }),
      batteries: fc.integer({ min: 0, max: 2 }),
      seed: fc.integer({ min: 1, max: 1000 }),
      startHour: fc.constantFrom(0, 8, 16),
    });
    let devicesShed = 0;
    await fc.assert(
      fc.asyncProperty(mix, async (m) => {
        const agents = [
          ...(m.homes > 0 ? [{ kind: 'home', idPrefix: 'h', count: m.homes }] : []),
          ...(m.hvacHomes > 0 ? [{ kind: 'home', idPrefix: 'th', count: m.hvacHomes, flexibility: { share: 0 }, hvac: { share: 1 } }] : []),
          ...(m.offices > 0 ? [{ kind: 'building', idPrefix: 'office', count: m.offices, floorAreaM2: 300 }] : []),
          ...(m.homeCars > 0 ? [{ kind: 'ev', idPrefix: 'car', count: m.homeCars, sessions: 'home' }] : []),
          ...(m.workCars > 0 ? [{ kind: 'ev', idPrefix: 'wcar', count: m.workCars, sessions: 'workplace' }] : []),
          ...(m.batteries > 0 ? [{ kind: 'storage', idPrefix: 'bat', count: m.batteries, capacityKwh: 10, maxChargeKw: 3, maxDischargeKw: 3, chargeEfficiency: 0.9, dischargeEfficiency: 0.9, strategy: 'test-shed-always-charge' }] : []),
        ];
        if (agents.length === 0) return;
        const plantKw = m.halfKw / 2;
        const r = await run(plantKw, agents, { seed: m.seed, start: `2026-07-01T${String(m.startHour).padStart(2, '0')}:00:00Z`, days: 0.5 });
        const prev = new Map<number, number | undefined>();
        for (const o of r.outcomes) {
          checkBooks(o, plantKw);
          checkHomeRooms(r, o, r.outcomes[o.interval.index - 1], 'th');
          for (const i of [...agentsOf(o, 'car'), ...agentsOf(o, 'wcar'), ...agentsOf(o, 'bat')]) {
            const bat = o.parties[i]!.id.startsWith('bat');
            // A car or a battery has no free load: what it is shed is its charging.
            if (o.ledger.shedQuanta[i]! > 0) devicesShed++;
            checkCharge(prev.get(i), o, i, 0.9, 0.9);
            const soc = o.observations[i]!.socKwh;
            if (bat) expect(soc!).to.be.within(1 - 1e-9, 10 + 1e-9);
            prev.set(i, soc);
          }
        }
      }),
      { numRuns: 40 },
    );
    expect(devicesShed, 'the runs reached the devices').to.be.above(0);
  });
});

/**
 * For each home with HVAC (and no flexible load, appliances or PV, so that what it consumes
 * beyond its base load is its HVAC): the indoor temperature is the room's step from the last
 * one with the HVAC power it was delivered, by the thermal model itself. Returns the intervals
 * × homes whose HVAC was shed.
 */
function checkHomeRooms(r: Run, o: IntervalOutcome, prev: IntervalOutcome | undefined, prefix = 'h'): number {
  if (!prev) return 0;
  let shed = 0;
  const dt = o.interval.durationH;
  const weather = r.sim.environment.at(o.interval.start, dt);
  for (const i of agentsOf(o, prefix)) {
    const th = r.thermalOf(o.parties[i]!.id);
    const obs = o.observations[i]!;
    if (!th || obs.indoorTempC === undefined) continue;
    // What it drew beyond its base load served: its HVAC, as delivered.
    const hvacKw = obs.deviceSheddableKw!;
    expect(obs.consumedKw!, `${o.parties[i]!.id}: base + HVAC`).to.be.closeTo(obs.sheddableKw! + hvacKw, 1e-6);
    const gains = th.internalGainsKw + (weather.ghiWm2 > 0 ? (th.apertureM2 * weather.ghiWm2) / 1000 : 0);
    const room = new Room(th.unit).step(dt);
    const start = prev.observations[i]!.indoorTempC!;
    const expected = room.endC(start, weather.outdoorC, gains, hvacKw);
    // The meter reads whole quanta, the needs are served to the watt: what it draws beyond its base load is its HVAC to within
    // a quantum or two, so the room is where that power takes it to within what two quanta of HVAC power would move it.
    const q = o.ledger.quantumKw;
    const within = Math.abs(room.endC(start, weather.outdoorC, gains, hvacKw + 2 * q) - expected) + 1e-9;
    expect(obs.indoorTempC, `interval ${o.interval.index}: ${o.parties[i]!.id}'s room follows the HVAC power delivered`).to.be.closeTo(expected, within);
    // Shed more than its whole base load could be (a 100 kWh/a home draws some 0.01 kW): its HVAC was shed.
    if (o.ledger.shedQuanta[i]! * o.ledger.quantumKw > 0.1) shed++;
  }
  return shed;
}
