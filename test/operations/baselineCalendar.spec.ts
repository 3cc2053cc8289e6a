import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { runAndRead, type RunOutputs } from './outputs.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/scenarios');

/**
 * The run's calendar reaches the 10-of-10 baseline. fixtures/scenarios/ops-faults.yaml (UTC+2, two
 * days, `baseline: ten-of-ten`) commands homes on its second day, baselined on its first. From
 * Wednesday 2026-07-01 both days are business days; from Friday 2026-07-03 the second day's
 * commanded evening (18:00 UTC, 20:00 local) is a Saturday's, and a Friday is no history for it.
 */
describe('10-of-10 baselines follow the run\'s calendar (ops-faults.yaml from a Wednesday and from a Friday)', function () {
  this.timeout(120_000);
  let wednesday: RunOutputs;
  let friday: RunOutputs;
  before(async () => {
    const file = join(FIXTURES, 'ops-faults.yaml');
    wednesday = await runAndRead(file, 'gridbid-baseline-wed-');
    const s = loadScenarioFile(file);
    friday = await runAndRead({ ...s, config: { ...s.config, start: '2026-07-03T00:00:00Z' } }, 'gridbid-baseline-fri-');
  });
  after(() => {
    wednesday?.cleanup();
    friday?.cleanup();
  });

  /** The days each REPORT:BASELINE of the second day says its 10-of-10 averaged. */
  const daysUsed = (o: RunOutputs): number[] => {
    const secondDay = Date.parse(o.agents[0]!.interval_start!) + 86_400_000;
    return o.events
      .filter((e) => e.type === 'REPORT:BASELINE' && Date.parse(e.interval_start!) >= secondDay)
      .map((e) => Number(/10-of-10 \S+ kW \((\d+) days/.exec(e.detail!)![1]));
  };

  it('from a Wednesday, the Thursday events average the Wednesday; from a Friday, the Saturday events have no baseline and pay nothing', () => {
    const wed = daysUsed(wednesday);
    const fri = daysUsed(friday);
    expect(wed.length).to.be.greaterThan(5);
    expect(fri.length).to.be.greaterThan(5);
    // From a Wednesday: one day of history, except for a home that had an event on the first day too.
    expect(wed.filter((d) => d === 1).length).to.be.greaterThan(5);
    expect(wed.every((d) => d <= 1)).to.equal(true);
    expect(new Set(fri)).to.deep.equal(new Set([0]));
    // Unmeasured: what was committed without a baseline to measure it against. From a Friday, all of
    // it (the first day has no history, the second no weekend day before it); from a Wednesday, less.
    const dr = (o: RunOutputs) => o.summary.kpis.operations.demandResponse.dso;
    expect(dr(friday).committedKwh).to.be.greaterThan(0);
    expect(dr(friday).unmeasuredKwh).to.equal(dr(friday).committedKwh);
    expect(dr(friday).payments).to.equal('0');
    expect(dr(wednesday).unmeasuredKwh).to.be.lessThan(dr(wednesday).committedKwh);
  });
});
