/**
 * Pre-positioning end to end (scenarios/pre-position.yaml): a winter street's evening peak over
 * its 18 kW transformer, 4 empty batteries. The scenario as it is (the operator with
 * `prePosition`) against the same scenario without it: the second evening's shortfall goes, the
 * first evening's (no yesterday to forecast from) stays. Real files, the real engine.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { expectBooksClosed, expectEventsReconcile, expectWithinLimitOrShortfall, runAndRead, type RunOutputs } from './outputs.ts';

const FILE = join(import.meta.dirname, '../../scenarios/pre-position.yaml');

describe('operations acceptance: pre-positioning batteries before an evening peak (scenarios/pre-position.yaml)', function () {
  this.timeout(120_000);
  let on: RunOutputs;
  let off: RunOutputs;
  before(async () => {
    on = await runAndRead(FILE, 'gridbid-prepos-');
    const s = loadScenarioFile(FILE);
    const { prePosition: _, ...dso } = s.config.operations[0]!;
    off = await runAndRead({ ...s, config: { ...s.config, operations: [dso] } }, 'gridbid-prepos-off-');
  });
  after(() => {
    on?.cleanup();
    off?.cleanup();
  });
  const dso = (r: RunOutputs) => r.summary.kpis.operations.demandResponse.dso;
  const shortfalls = (r: RunOutputs, day: string) => r.events.filter((e) => e.type === 'OVERLOAD_SHORTFALL' && e.interval_start!.startsWith(day)).length;

  it("the header's numbers: 10.361 kWh unrelieved over 29 intervals without it, 4.85 kWh over 14 with it (none on the second evening)", () => {
    expect([off.summary.kpis.operations.overloadIntervals, dso(off).shortfallKwh, dso(off).meteredOverKwh]).to.deep.equal([29, 10.361, 10.361]);
    expect([on.summary.kpis.operations.overloadIntervals, dso(on).shortfallKwh, dso(on).meteredOverKwh]).to.deep.equal([14, 4.85, 4.85]);
    expect([shortfalls(off, '2026-01-14'), shortfalls(off, '2026-01-15')]).to.deep.equal([14, 15]);
    expect([shortfalls(on, '2026-01-14'), shortfalls(on, '2026-01-15')]).to.deep.equal([14, 0]);
    expect(dso(on).prePosition).to.deep.equal({ setpoints: 1, responses: { 'opt-in': 1, 'opt-out': 0, lost: 0, rejected: 0, failed: 0 }, shiftedKwh: 7.585 });
    // Off, the summary has no prePosition figures at all (outputs unchanged where the option is not used).
    expect(dso(off)).to.not.have.property('prePosition');
  });

  it('the setpoint is a row of events.csv, and the battery holds what it committed at the start of the peak, then discharges on command', () => {
    const rows = on.events.filter((e) => e.type === 'CHARGE_STATE_SETPOINT');
    expect(rows.map((e) => [e.interval_start, e.issuer, e.target, e.response, e.requested_kw, e.delivered_kw])).to.deep.equal([['2026-01-15T11:30:00Z', 'dso', 'battery-1', 'opt-in', '', '']]);
    expect(rows[0]!.detail).to.equal(
      'distribution-flexibility dso-874 for transformer: SoC at-least 8.585 kWh by interval 158 for 26 intervals: charges from SoC 1.00 to 8.59 kWh before the event and holds at least that until its end (commits 8.585 kWh, moves 7.585 kWh)',
    );
    const soc = (t: string) => Number(on.agents.find((r) => r.agent_id === 'battery-1' && r.interval_start === t)!.soc_kwh);
    // agents.csv's SoC is at the interval's end: 11:30 at the reserve, 15:15 (the last before 15:30) at the setpoint.
    expect([soc('2026-01-15T11:30:00Z'), soc('2026-01-15T15:15:00Z')]).to.deep.equal([1, 8.585]);
    expect(off.agents.find((r) => r.agent_id === 'battery-1' && r.interval_start === '2026-01-15T15:15:00Z')!.soc_kwh).to.equal('1.000');
    const discharged = on.events.filter((e) => e.type === 'DISPATCH_SETPOINT' && e.target === 'battery-1' && e.response === 'opt-in' && e.interval_start! >= '2026-01-15T15:30:00Z');
    expect(discharged.length).to.be.greaterThan(0);
    expect(soc('2026-01-15T23:45:00Z')).to.be.below(8.585);
  });

  it('the transformer is within its limit wherever no shortfall is recorded; commands reconcile; books close in both', () => {
    expect(expectWithinLimitOrShortfall(on, ['transformer'])).to.equal(14);
    expect(expectWithinLimitOrShortfall(off, ['transformer'])).to.equal(29);
    expectEventsReconcile(on);
    expectBooksClosed(on);
    expectBooksClosed(off);
    for (const r of on.agents) if (r.kind === 'storage') expect(Number(r.soc_kwh), `${r.interval_start} ${r.agent_id}`).to.be.within(1, 10);
  });
});
