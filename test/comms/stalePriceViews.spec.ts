/**
 * On a plane, the run keeps each interval's published market views while some party may
 * still bid on them (its newest received price broadcast is older). A crashed party is
 * sent no more prices and bids no more: its old view is pruned with it, so it no longer
 * pins every view published since (engine/simulation.ts, marketViews).
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { Simulation } from '../../engine/simulation.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/member-award.yaml');

/** The fixture for 6 hours (24 intervals), with `faults`. */
function sixHours(faults: Scenario['config']['faults']): Scenario {
  const s = loadScenarioFile(FIXTURE);
  return { ...s, config: { ...s.config, days: 0.25, faults } };
}

async function run(s: Scenario): Promise<{ retained: number; crashed: string[]; intervals: number }> {
  const sim = await Simulation.create(s);
  const crashed: string[] = [];
  let intervals = 0;
  sim.run({
    interval(o) {
      intervals++;
      for (const f of o.faults) crashed.push(f.agentId);
    },
  });
  return { retained: sim.retainedPriceViews, crashed, intervals };
}

describe('comms: a crashed party’s received-price view is pruned with it', function () {
  this.timeout(60_000);
  it('without a crash the run keeps one interval’s views; with the member crashed at 00:30 it still keeps one, not the 22 since the crash', async () => {
    const healthy = await run(sixHours([]));
    expect(healthy.intervals).to.equal(24);
    expect(healthy.retained).to.equal(1);
    const crash = await run(sixHours([{ type: 'agent-crash', agent: 'member', at: '2026-07-01T00:30:00Z' }]));
    expect(crash.crashed).to.include('member');
    expect(crash.retained).to.equal(1);
  });
});
