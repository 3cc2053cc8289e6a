/**
 * Two operators over the same devices on a communication plane (engine/interval/comms.ts): every
 * command is signed by its operator and verified by the device, which trusts every operator whose
 * feeder serves its bus (README, "Several operators"), not only the first listed. Real files and the
 * real engine: test/fixtures/scenarios/nested-operators-plane.yaml (nested-operators.yaml with 1-2 ms
 * of latency and no loss).
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/cli.ts';
import { runAndRead, type RunOutputs } from './outputs.ts';

const PLANE = join(REPO_ROOT, 'test/fixtures/scenarios/nested-operators-plane.yaml');

describe('operations acceptance: two nested operators on a communication plane', function () {
  this.timeout(120_000);
  let run: RunOutputs;
  before(async () => {
    run = await runAndRead(PLANE, 'gridbid-nested-plane-');
  });
  after(() => run?.cleanup());

  it("the second operator's genuine commands are verified and obeyed, not rejected as from an unknown issuer", () => {
    const rejected = run.events.filter((e) => e.type === 'COMMAND_REJECTED');
    expect(rejected.slice(0, 2).map((e) => `${e.issuer} → ${e.target}: ${e.detail}`)).to.deep.equal([]);
    const dr = run.summary.kpis.operations.demandResponse as Record<string, { committedKwh: number; responses: Record<string, number> }>;
    // tx-op commits devices (nested-operators.yaml without a plane: 13.956 kWh), and none of it is lost.
    expect(dr['tx-op']!.committedKwh).to.be.greaterThan(10);
    expect(run.events.filter((e) => e.type === 'COMMAND_NOT_IN_FORCE')).to.have.length(0);
  });

  it('nothing lost: the final settlement from the MDMS settles both operators as the meter phase did (no adjustment), and the books close', () => {
    const fs = run.summary.kpis.settlement as { closed: boolean; demandResponse: Record<string, { initialPaid: string; finalPaid: string; adjustment: string }> };
    expect(Object.keys(fs.demandResponse).sort()).to.deep.equal(['feeder-op', 'tx-op']);
    for (const o of Object.values(fs.demandResponse)) expect([o.finalPaid, o.adjustment]).to.deep.equal([o.initialPaid, '0']);
    expect(fs.closed).to.equal(true);
    expect(run.summary.books.closed).to.equal(true);
  });
});
