/**
 * The day-ahead results on the communication plane (engine/interval/comms.ts
 * `dayAheadResults`): each party gets its day-ahead prices and position as a `da-result`
 * message, an agent that operates to a schedule (here electric cars) its schedule with it,
 * and operates to it only from the first interval it bids after the schedule arrived.
 * Real runs of fixtures/scenarios/comms-day-ahead.yaml (the workplace cars of
 * ev-day-ahead.yaml on a plane), worked by hand:
 *
 * - the auction's gate is 12:00 local (10:00 UTC) the day before; a result is 100 B + 16 B per
 *   interval = 1636 B, 1.3633 s at the electric-transportation class's 9.6 kbit/s;
 * - with the cars' results taking 24 h, they arrive at 10:00:01.363 UTC on the delivery day;
 *   the first interval whose bid time (its start − 5 min gate − 1 min) is not earlier is the one
 *   starting 10:15 UTC, interval 49 (the day starts 22:00 UTC): each car operates to its
 *   schedule from interval 49 on, 49 of its 96 scheduled intervals missed, 196 for the four.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { type Row, runAndRead } from '../helpers/runOutputs.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/comms-day-ahead.yaml');
const IDEAL = join(import.meta.dirname, '../fixtures/scenarios/ev-day-ahead.yaml');

interface Out {
  summary: { kpis: Record<string, any>; books: { closed: boolean } };
  messages: Row[];
  agents: Row[];
  agentsText: string;
}

const runRead = (s: Scenario): Promise<Out> =>
  runAndRead(s, (f) => ({
    summary: f.summary(),
    messages: s.config.comms === 'ideal' ? [] : f.rows('messages.csv'),
    agents: f.rows('agents.csv'),
    agentsText: f.text('agents.csv'),
  }));

/** The fixture with the cars' class (electric transportation) changed. */
function withCars(change: Record<string, unknown>): Scenario {
  const s = loadScenarioFile(FIXTURE);
  const c = s.config.comms;
  if (c === 'ideal') throw new Error('the fixture runs on a plane');
  return { ...s, config: { ...s.config, comms: { ...c, classes: { ...c.classes, 'electric-transportation': { ...c.classes['electric-transportation'], ...change } } } } };
}

const CARS = ['car-1', 'car-2', 'car-3', 'car-4'];
const rowsOf = (o: Out, agent: string): Row[] => o.agents.filter((a) => a.agent_id === agent);
const kwh = (rows: readonly Row[], column: string): number => rows.reduce((a, r) => a + Number(r[column] || 0) * 0.25, 0);

describe('comms: day-ahead results as messages, and a car acting without its schedule (fixtures/scenarios/comms-day-ahead.yaml)', function () {
  this.timeout(180_000);
  let ideal: Out;
  let onTime: Out;
  let late: Out;
  let lost: Out;
  before(async () => {
    ideal = await runRead(loadScenarioFile(IDEAL));
    onTime = await runRead(loadScenarioFile(FIXTURE));
    late = await runRead(withCars({ latency: { distribution: 'fixed', ms: 24 * 3_600_000 } }));
    lost = await runRead(withCars({ lossProbability: 1 }));
  });

  it('every run closes its books', () => {
    for (const o of [onTime, late, lost]) expect(o.summary.books.closed).to.equal(true);
  });

  it('messages.csv: one da-result per party at the gate the day before — the plants over RP1 (der-storage, as their offers), the cars over RP3 (electric-transportation), 1636 B', () => {
    const results = onTime.messages.filter((r) => r.type === 'da-result');
    expect(results.map((r) => [r.to, r.class, r.reference_point, r.sent_at, r.bytes, r.status])).to.deep.equal([
      ['ccgt', 'der-storage', 'RP1', '2026-06-30T10:00:00Z', '1636', 'delivered'],
      ['solar-park', 'der-storage', 'RP1', '2026-06-30T10:00:00Z', '1636', 'delivered'],
      ...CARS.map((car) => [car, 'electric-transportation', 'RP3', '2026-06-30T10:00:00Z', '1636', 'delivered']),
    ]);
    // 1 s latency + 1636 B at 9.6 kbit/s.
    for (const r of results.filter((x) => x.to!.startsWith('car'))) expect(Date.parse(r.delivered_at!) - Date.parse(r.sent_at!)).to.be.closeTo(1000 + (1636 * 8 * 1000) / 9600, 0.5);
    expect(onTime.summary.kpis.comms.dayAheadResultsLate).to.equal(0);
    expect(onTime.summary.kpis.comms.dayAheadScheduleIntervalsMissed).to.equal(0);
  });

  it('on time, the cars do exactly what they do with comms: ideal (agents.csv byte for byte)', () => {
    expect(onTime.agentsText).to.equal(ideal.agentsText);
  });

  it('late (arriving 10:00:01.363 UTC on the day): 49 intervals missed per car; car-2 skips its scheduled 2.902 and 11 kW at 08:45 and 09:15 UTC and makes the 3.4755 kWh up after, as its departure forces', () => {
    const cars = late.messages.filter((r) => r.type === 'da-result' && r.to!.startsWith('car'));
    for (const r of cars) expect([r.status, r.delivered_at]).to.deep.equal(['late', '2026-07-01T10:00:01.363Z']);
    expect(late.summary.kpis.comms.dayAheadResultsLate).to.equal(4);
    expect(late.summary.kpis.comms.dayAheadScheduleIntervalsMissed).to.equal(4 * 49);
    const on = rowsOf(onTime, 'car-2');
    const off = rowsOf(late, 'car-2');
    // The day-ahead position is the market's record: the same whatever the message did.
    expect(off.map((r) => r.da_kw)).to.deep.equal(on.map((r) => r.da_kw));
    expect([43, 45].map((k) => [off[k]!.interval_start, on[k]!.da_kw, on[k]!.actual_kw, off[k]!.actual_kw])).to.deep.equal([
      ['2026-07-01T08:45:00Z', '2.902', '2.902', '0.000'],
      ['2026-07-01T09:15:00Z', '11.000', '11.000', '0.000'],
    ]);
    const missedKwh = (2.902 + 11) * 0.25;
    const madeUpKwh = kwh(off.slice(49), 'actual_kw') - kwh(on.slice(49), 'actual_kw');
    expect(madeUpKwh).to.be.closeTo(missedKwh, 1e-9);
    // From interval 49 on it follows the same schedule wherever it has no shortfall to make up.
    for (let k = 49; k < 96; k++) if (off[k]!.actual_kw !== on[k]!.actual_kw) expect(Number(off[k]!.actual_kw)).to.be.greaterThan(Number(on[k]!.actual_kw));
    // The other cars had nothing scheduled before 10:15 UTC: the same energy at the same times as on time (prices may differ: car-2 moved).
    const physical = (o: Out, car: string): string[][] => rowsOf(o, car).map((r) => [r.da_kw!, r.actual_kw!, r.soc_kwh!]);
    for (const car of ['car-1', 'car-3', 'car-4']) expect(physical(late, car)).to.deep.equal(physical(onTime, car));
  });

  it('lost: no car gets its schedule (96 intervals each missed); each charges on its own strategy what it needed, on other intervals, its day-ahead position unchanged', () => {
    const cars = lost.messages.filter((r) => r.type === 'da-result' && r.to!.startsWith('car'));
    for (const r of cars) expect([r.status, r.attempts]).to.deep.equal(['lost', '4']);
    expect(lost.summary.kpis.comms.dayAheadScheduleIntervalsMissed).to.equal(4 * 96);
    let moved = 0;
    for (const car of CARS) {
      const on = rowsOf(onTime, car);
      const off = rowsOf(lost, car);
      expect(off.map((r) => r.da_kw)).to.deep.equal(on.map((r) => r.da_kw));
      // The same energy by departure (within a 1 W quantum over the day), at other times.
      expect(kwh(off, 'actual_kw')).to.be.closeTo(kwh(on, 'actual_kw'), 0.001);
      moved += off.filter((r, k) => r.actual_kw !== on[k]!.actual_kw).length;
    }
    expect(moved).to.be.greaterThan(10);
  });
});
