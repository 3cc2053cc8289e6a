/**
 * The counterfactual pass (engine/run.ts, the run without operators that DR baselines are
 * measured against) does not settle from the MDMS: on a plane it skips the capture and the
 * final settlement, and encodes no row of messages.csv (no recorder reads them); what the real run takes from it — every site's metered net per
 * interval and the overload count — is what it was when it did settle. Real runs of
 * fixtures/scenarios/comms-dr.yaml (a plane, an operator), no mocks.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { COUNTERFACTUAL_PASS, runCounterfactual } from '../../engine/run.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { Simulation, type SimulationOptions } from '../../engine/simulation.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/comms-dr.yaml');

interface Pass {
  readonly netKw: Float64Array[];
  readonly overloadIntervals: number;
  readonly settled: boolean;
  /** Bytes of messages.csv rows the pass handed to its sink. */
  readonly messageBytes: number;
}

async function pass(options: SimulationOptions): Promise<Pass> {
  const sim = await Simulation.create(loadScenarioFile(FIXTURE), options);
  const netKw = sim.parties.map(() => new Float64Array(sim.info.intervals).fill(NaN));
  let overloadIntervals = -1;
  let settled = false;
  let messageBytes = 0;
  sim.run({
    interval(o) {
      for (const piece of o.comms?.rows ?? []) messageBytes += piece.length;
      for (let i = 0; i < o.parties.length; i++) netKw[i]![o.interval.index] = o.ledger.actualQuanta[i]! * o.book.rules.quantumKw;
    },
    completed(end) {
      overloadIntervals = Number(end.operations.overloadIntervals ?? 0);
      settled = end.settlement !== undefined;
      for (const piece of end.comms?.rows ?? []) messageBytes += piece.length;
    },
  });
  return { netKw, overloadIntervals, settled, messageBytes };
}

describe('the counterfactual pass does not settle from the MDMS (engine/run.ts COUNTERFACTUAL_PASS)', function () {
  this.timeout(120_000);
  let settling: Pass;
  let counterfactual: Pass;
  before(async () => {
    settling = await pass({ withoutOperators: true, finalSettlement: true });
    counterfactual = await pass(COUNTERFACTUAL_PASS);
  });

  it('the pass as it was (final settlement on) settled; the counterfactual pass does not', () => {
    expect(settling.settled).to.equal(true);
    expect(counterfactual.settled).to.equal(false);
  });

  it('the pass as it was wrote the rows of messages.csv; the counterfactual pass encodes none', () => {
    expect(settling.messageBytes).to.be.greaterThan(10_000);
    expect(counterfactual.messageBytes).to.equal(0);
  });

  it('what the run uses from it is unchanged: every site’s metered net in every interval, and the overload count', async () => {
    expect(counterfactual.overloadIntervals).to.equal(settling.overloadIntervals);
    expect(settling.overloadIntervals).to.be.greaterThan(0); // the fixture's feeder head is overrun without operators
    expect(settling.netKw.filter((xs) => xs.some((x) => x > 0)).length).to.be.greaterThan(20); // sites that consumed
    expect(counterfactual.netKw).to.deep.equal(settling.netKw);
    const used = await runCounterfactual(loadScenarioFile(FIXTURE), undefined);
    expect(used.overloadIntervals).to.equal(settling.overloadIntervals);
    expect(used.netKw).to.deep.equal(settling.netKw);
  });
});
