/**
 * Two operators over the same devices on a communication plane (engine/interval/comms.ts): every
 * command is signed by its operator and verified by the device, which trusts every operator whose
 * feeder serves its bus (README, "Several operators"), not only the first listed. Real files and the
 * real engine: test/fixtures/scenarios/nested-operators-plane.yaml (nested-operators.yaml with 1-2 ms
 * of latency and no loss).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { parseScenario } from '../../engine/scenario/load.ts';
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

  it('a lossy plane: every opt-out whose reply was lost counts as an opt-in for the operator it answered (OPT_OUT_LATE), whatever became of the same device\'s reply to the other operator', async () => {
    // 30 % of the demand-response messages lost, no retries: in 359 of the intervals a device asked by both operators had
    // one reply delivered and the other lost. Replies were tracked by device, not by command, so 159 lost opt-outs to
    // tx-op were taken as heard because the device's reply to feeder-op arrived (A-conflict finding 6).
    const text = readFileSync(PLANE, 'utf8').replace(
      'demand-response: { latency: { distribution: uniform, minMs: 1, maxMs: 2 } }',
      'demand-response: { latency: { distribution: uniform, minMs: 1, maxMs: 2 }, lossProbability: 0.3, retry: { maxRetries: 0, backoffMs: 0 } }',
    );
    const lossy = await runAndRead(parseScenario(text, PLANE), 'gridbid-nested-lossy-');
    try {
      const messages = parse(readFileSync(join(lossy.dir, 'messages.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
      const intervalOf = (iso: string): string => new Date(Math.floor(Date.parse(iso) / 900_000) * 900_000).toISOString().replace('.000Z', 'Z');
      const late = new Set(lossy.events.filter((e) => e.type === 'OPT_OUT_LATE').map((e) => `${e.interval_start}|${e.issuer}|${e.target}`));
      const lostOptOuts = messages.filter((m) => m.type === 'opt-out' && m.status !== 'delivered');
      const replies = messages.filter((m) => m.type === 'opt-out' || m.type === 'opt-in');
      const split = new Set(replies.filter((m) => m.status !== 'delivered').map((m) => `${intervalOf(m.sent_at!)}|${m.from}`));
      const splitDelivered = replies.filter((m) => m.status === 'delivered' && split.has(`${intervalOf(m.sent_at!)}|${m.from}`));
      expect(splitDelivered.length, 'devices with one reply delivered and another lost').to.be.greaterThan(100);
      expect(lostOptOuts.length).to.be.greaterThan(100);
      expect(lostOptOuts.filter((m) => !late.has(`${intervalOf(m.sent_at!)}|${m.from}|${m.to}`)).map((m) => `${m.sent_at} ${m.from} → ${m.to}`)).to.deep.equal([]);
      expect(lossy.summary.books.closed).to.equal(true);
    } finally {
      lossy.cleanup();
    }
  });
});
