/**
 * EVs in the day-ahead stage (issue 12): each car bids one intertemporal `EvBid` per plug-in
 * session of the delivery day, from its calendar, instead of a load-profile forecast.
 * Read back from a real run's agents.csv: the day-ahead schedule lies inside the plug-in
 * window and delivers what the car needed (the energy it then took in real time to reach its
 * target, as metered), and the books close. Plus the pure bid builder, by hand.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';
import { evDayAheadBids } from '../../agents/ev/dayAhead.ts';
import type { EvCar } from '../../agents/ev/session.ts';
import type { MarketInterval } from '../../core/clock.ts';
import { batteryFromFractions } from '../../agents/physics/battery.ts';
import { evCharging } from '../../agents/physics/ev.ts';
import { hours, kw } from '../../core/units.ts';
import type { SimTime } from '../../core/time.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { RandomService } from '../../core/rng.ts';
import { parseSimTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { evKind } from '../../agents/ev/index.ts';
import { type EvRuntime, followEvSchedule } from '../../agents/ev/runtime.ts';
import { evGroupSchema } from '../../agents/ev/schema.ts';
import type { MarketView } from '../../strategies/types.ts';
import type { AgentEnv } from '../../agents/types.ts';
import { type ClockSpec, intervalAt } from '../../core/clock.ts';
import { DEFAULT_WEATHER, Environment } from '../../agents/environment.ts';

type Row = Record<string, string>;
const DT_H = 0.25;
/** The kind's defaults: η_c = η_d = 0.9. */
const ETA = 0.9;

describe('EVs bid their sessions day-ahead (EvBid)', function () {
  this.timeout(60_000);
  let dir: string;
  let agents: Row[];
  let summary: { books: { closed: boolean; intervals: number } };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-ev-da-'));
    await runScenarioFile(join(REPO_ROOT, 'test/fixtures/scenarios/ev-day-ahead.yaml'), { outDir: dir });
    agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true });
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('closes its books in all 96 intervals', () => {
    expect(summary.books).to.deep.include({ closed: true, intervals: 96 });
  });

  it("schedules every car's day-ahead charge inside its plug-in window, delivering the energy it needed", () => {
    const cars = new Set(agents.filter((r) => r.kind === 'ev').map((r) => r.agent_id));
    expect(cars.size).to.equal(4);
    for (const id of cars) {
      const rows = agents.filter((r) => r.agent_id === id);
      let daCellKwh = 0;
      let actualCellKwh = 0;
      for (const r of rows) {
        const da = Number(r.da_kw);
        const actual = Number(r.actual_kw);
        if (da !== 0) expect(r.state, `${id} has a day-ahead position at ${r.interval_start} while away`).not.to.equal('away');
        // It operates to its schedule (followEvSchedule): nothing here forces a deviation.
        expect(Number(r.award_kw), `${id} at ${r.interval_start}`).to.be.closeTo(da, 0.0011);
        expect(actual, `${id} at ${r.interval_start}`).to.be.closeTo(da, 0.0011);
        daCellKwh += (da >= 0 ? da * ETA : da / ETA) * DT_H;
        actualCellKwh += (actual >= 0 ? actual * ETA : actual / ETA) * DT_H;
      }
      // Workplace cars left full yesterday, so each arrives short by its trip and leaves at its
      // target: what it took in real time is its need, and the day-ahead schedule bought that.
      expect(actualCellKwh, `${id} charged`).to.be.greaterThan(1);
      expect(daCellKwh, id).to.be.closeTo(actualCellKwh, 0.01);
    }
  });

  it('builds the bid by hand: a car arriving in the day needs its trip; one leaving after the day, only what keeps its departure reachable', () => {
    const battery = batteryFromFractions({ capacityKwh: 60, minSocFraction: 0.2, maxSocFraction: 0.9, maxChargeKw: 10, maxDischargeKw: 0, chargeEfficiency: 0.9, dischargeEfficiency: 0.9, degradationCostPerMwh: 35 });
    const car: EvCar = { battery, charging: evCharging(battery, kw(10), battery.maxSocKwh), chargerKw: 10, v2gCapable: false };
    const H = 3_600_000;
    // A day of 24 one-hour intervals from t = 0.
    const day: MarketInterval[] = Array.from({ length: 24 }, (_, i) => ({ index: 100 + i, start: (i * H) as SimTime, end: ((i + 1) * H) as SimTime, durationH: hours(1), gateClosure: (-12 * H) as SimTime }));
    const bids = evDayAheadBids(
      car,
      [
        // Plugged in since yesterday, leaves at 07:30: whole intervals 0..6.
        { arrival: (-5 * H) as SimTime, departure: (7.5 * H) as SimTime, needKwh: 20 },
        // Arrives 18:00 with 54 − 12 = 42 kWh, leaves 07:00 tomorrow (7 h after the day): 54 − 10·0.9·7 = −9 ≤ 0, so nothing is needed today.
        { arrival: (18 * H) as SimTime, departure: (31 * H) as SimTime, needKwh: 12 },
      ],
      day,
      40,
    );
    expect(bids).to.have.length(2);
    // Plugged now at 40 kWh; departure-feasible at the window's start: 54 − 9·7.5 < 40. Need 54 − 40 = 14.
    expect(bids[0]).to.deep.include({ firstInterval: 100, lastInterval: 106, initialSocKwh: 40, energyNeededKwh: 14, maxDischargeKw: 0, minSocKwh: 12, maxSocKwh: 54 });
    expect(bids[1]).to.deep.include({ firstInterval: 118, lastInterval: 123, initialSocKwh: 42, energyNeededKwh: 0 });
    // Arriving at 22:00 after a 40 kWh trip (54 − 40 = 14 kWh, above the 12 kWh reserve) and leaving at 02:00
    // tomorrow: by midnight it must hold 54 − 9·2 = 36, so 22 kWh in its 2 h — more than the 2·9 = 18 the charger
    // delivers: capped at 18 (less a µWh), so the bid stays feasible.
    const late = evDayAheadBids(car, [{ arrival: (22 * H) as SimTime, departure: (26 * H) as SimTime, needKwh: 40 }], day, undefined);
    expect(late[0]).to.deep.include({ firstInterval: 122, lastInterval: 123, initialSocKwh: 14 });
    expect(late[0]!.minSocKwh).to.equal(12);
    expect(late[0]!.energyNeededKwh).to.be.closeTo(18, 1e-5).and.below(18);
  });

  it('asking a car for its day-ahead bids changes nothing it then does (same bids, awards and records over 3 days)', () => {
    const start = parseSimTime('2026-07-01T00:00:00Z')!;
    const clock: ClockSpec = { start, intervalMinutes: 15, intervals: 288, gateClosureMinutes: 5 };
    const fleet = (): EvRuntime[] => {
      const random = new RandomService(5);
      const site = { latitude: 52.37, longitude: 4.9, zone: SiteZone.fixed(2) };
      const env = { random, site, environment: new Environment(site, DEFAULT_WEATHER, random), clock, defaultBus: busId('main'), reportStrategyFault: () => {} } as AgentEnv;
      return evKind.create(evGroupSchema.parse({ kind: 'ev', idPrefix: 'ev', count: 3, v2gShare: 1 }), env) as EvRuntime[];
    };
    const drive = (cars: EvRuntime[], askDayAhead: boolean): unknown[] => {
      const trace: unknown[] = [];
      for (let k = 0; k < clock.intervals; k++) {
        const iv = intervalAt(clock, k);
        if (askDayAhead && k % 96 === 0) {
          const day = Array.from({ length: 96 }, (_, j) => intervalAt(clock, k + j));
          for (const c of cars) expect(c.dayAhead!(day).intertemporal).to.be.an('array');
        }
        for (const c of cars) {
          const market = { interval: { index: iv.index, start: iv.start, durationH: iv.durationH }, priceCapMwh: 3000, priceFloorMwh: -500, quantumKw: 0.001, lastPriceMwh: 50, priceForecastMwh: Array(96).fill(50), conditions: { outdoorC: 20, ghiWm2: 0 } };
          const segs = c.bid(iv, market as never) as ReadonlyArray<{ side: string; quantityKw: number }>;
          const buy = segs.filter((x) => x.side === 'buy').reduce((a, x) => a + x.quantityKw, 0);
          c.settle({ interval: iv, buyKw: buy, sellKw: 0, priceMwh: 50, bidAccepted: segs.length > 0 });
          trace.push([c.id, segs, c.observe()]);
        }
      }
      return trace;
    };
    const plain = drive(fleet(), false);
    expect(drive(fleet(), true)).to.deep.equal(plain);
    // It did drive: some car charged.
    expect(plain.some((t) => ((t as [string, unknown, { consumedKw: number }])[2].consumedKw ?? 0) > 0)).to.equal(true);
  });
});

describe('EVs operate to their day-ahead schedule in real time (followEvSchedule)', () => {
  const market = { priceCapMwh: 3000, priceFloorMwh: -500 } as MarketView;

  it('by hand: plan 7 kW → buy 7 at the cap; plan 2 with a 3.5 kW need → buy 3.5; plan −5 (V2G) sells 5 at the floor, or buys a 1 kW need instead; plan 0 → no bid', () => {
    const limits = (mustChargeKw: number) => ({ maxChargeKw: 11, maxDischargeKw: 6, mustChargeKw });
    expect(followEvSchedule(7, limits(0), market)).to.deep.equal([{ side: 'buy', priceMwh: 3000, quantityKw: 7 }]);
    expect(followEvSchedule(20, limits(0), market)).to.deep.equal([{ side: 'buy', priceMwh: 3000, quantityKw: 11 }]); // clipped to the charger now
    expect(followEvSchedule(2, limits(3.5), market)).to.deep.equal([{ side: 'buy', priceMwh: 3000, quantityKw: 3.5 }]);
    expect(followEvSchedule(-5, limits(0), market)).to.deep.equal([{ side: 'sell', priceMwh: -500, quantityKw: 5 }]);
    expect(followEvSchedule(-8, limits(0), market)).to.deep.equal([{ side: 'sell', priceMwh: -500, quantityKw: 6 }]); // clipped to what V2G allows now
    expect(followEvSchedule(-5, limits(1), market)).to.deep.equal([{ side: 'buy', priceMwh: 3000, quantityKw: 1 }]);
    expect(followEvSchedule(0, limits(0), market)).to.deep.equal([]);
  });

  it('a workplace car scheduled 7 kW for its first hour plugged in, 0 after: buys exactly that at the cap, then only what its departure forces, and leaves at its target', () => {
    const start = parseSimTime('2026-07-01T00:00:00Z')!;
    const clock: ClockSpec = { start, intervalMinutes: 15, intervals: 96, gateClosureMinutes: 5 };
    const random = new RandomService(5); // its trip used 15.38 kWh: arrives 06:39 UTC at 54 − 15.38 kWh, leaves 16:00
    const site = { latitude: 52.37, longitude: 4.9, zone: SiteZone.fixed(2) };
    const env = { random, site, environment: new Environment(site, DEFAULT_WEATHER, random), clock, defaultBus: busId('main'), reportStrategyFault: () => {} } as AgentEnv;
    const [car] = evKind.create(evGroupSchema.parse({ kind: 'ev', id: 'car', sessions: 'workplace', chargerKw: 11, v2gShare: 0 }), env) as EvRuntime[];
    const { session } = car!.status();
    const ivs = Array.from({ length: 96 }, (_, k) => intervalAt(clock, k));
    const plugged = ivs.filter((iv) => iv.start >= session.arrival && iv.end <= session.departure);
    expect(plugged.length, 'the session lies within the day').to.be.above(12);
    const schedule = new Map(plugged.map((iv, j) => [iv.index, j < 4 ? 7 : 0]));
    car!.dayAheadAwarded!(schedule);
    const view = (iv: MarketInterval) => ({ interval: { index: iv.index, start: iv.start, durationH: iv.durationH }, priceCapMwh: 3000, priceFloorMwh: -500, quantumKw: 0.001, lastPriceMwh: 50, priceForecastMwh: Array(96).fill(50), conditions: { outdoorC: 20, ghiWm2: 0 } }) as never;
    const bought: number[] = [];
    let total = 0;
    let arrival = NaN;
    let unmet: number | undefined;
    for (const iv of ivs) {
      const segs = car!.bid(iv, view(iv));
      if (iv.index === plugged[0]!.index) arrival = car!.status().socKwh;
      const buy = segs.filter((x) => x.side === 'buy').reduce((a, x) => a + x.quantityKw, 0);
      total += buy;
      if (schedule.has(iv.index)) {
        bought.push(buy);
        for (const x of segs) expect(x).to.deep.include({ side: 'buy', priceMwh: 3000 });
      }
      car!.settle({ interval: iv, buyKw: buy, sellKw: 0, priceMwh: 50, bidAccepted: segs.length > 0 });
      unmet ??= car!.observe().unmetDepartureKwh;
    }
    // The first hour as planned: 4 × 7 kW.
    expect(bought.slice(0, 4)).to.deep.equal([7, 7, 7, 7]);
    // Then nothing until the departure forces it: the forced intervals are the last ones, flat out (11 kW) but the first of them.
    const forced = bought.slice(4).map((kw, j) => ({ kw, j: j + 4 })).filter((x) => x.kw > 0);
    // 15.38 − 0.9 × 7 kWh = 9.08 kWh left. It leaves at 15:59:56, so 15:45–16:00 is no whole interval (no schedule: its
    // strategy bids there, 0.9 × 11 kW × 0.249 h = 2.46 kWh at most); 6.62 kWh / (0.9 × 11 × 0.25) = 2.67 → 3 forced intervals before it.
    expect(session.needKwh).to.be.closeTo(15.38, 0.005);
    expect(forced.length).to.equal(3);
    expect(forced.at(-1)!.j).to.equal(plugged.length - 1);
    forced.forEach((x, k) => {
      expect(x.j).to.equal(forced[0]!.j + k);
      if (k > 0) expect(x.kw).to.be.closeTo(11, 1e-9);
    });
    // Energy by hand: arrival SoC + 0.9 × 0.25 h × (4 × 7 + Σ forced + the partial interval) = the target, 54 kWh (60 kWh × 0.9); nothing unmet.
    const cellKwh = 0.9 * 0.25 * total; // the last, partial interval: bought for 0.249 h, billed over 0.25 h (its average)
    expect(arrival).to.be.closeTo(54 - 15.38, 0.005);
    expect(arrival + cellKwh).to.be.closeTo(54, 1e-3);
    expect(unmet).to.be.closeTo(0, 1e-3);
  });
});
