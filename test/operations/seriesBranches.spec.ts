/**
 * Two watched branches over their limits at once, sharing the agents that relieve them
 * (fixtures/scenarios/ops-series.yaml: grid ─ head 2 kW ─ a ─ ab 1.5 kW ─ b, three homes and a
 * 20 kWh / 3 kW lossless battery at b, no headroom). An agent is asked once per interval, so
 * the operator asks it for the most any overloaded watched branch needs from it
 * (agents/operations/operator.ts `otherNeedKw`).
 *
 * By hand, 16:00: the homes draw 0.685 + 0.383 + 0.960 = 2.028 kW, through both branches: head
 * is 0.028 kW over 2 kW, ab 0.528 kW over 1.5 kW. The battery comes first (scenario order, equal
 * PTDF) and is asked for max(0.028, 0.528) = 0.528 kW; it discharges that, and both branches
 * carry 1.500 kW. Before, it was asked for head's 0.028 kW only, then skipped for ab as already
 * asked; the homes shed 0.098 + 0.054 + 0.192 = 0.344 kW and ab stayed 0.156 kW over
 * (OVERLOAD_SHORTFALL) with 2.97 kW of the battery unused.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { expectBooksClosed, expectEventsReconcile, expectWithinLimitOrShortfall, runAndRead, type RunOutputs } from './outputs.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/ops-series.yaml');
const AT = '2026-07-01T16:00:00Z';

describe('operations: two watched branches in series share their battery (fixtures/scenarios/ops-series.yaml)', function () {
  this.timeout(60_000);
  let o: RunOutputs;
  before(async () => {
    o = await runAndRead(FIXTURE);
  });
  after(() => o?.cleanup());

  it('16:00 by hand: the battery is asked 0.528 kW, gives it, and both branches carry 1.500 kW', () => {
    const homes = ['home-1', 'home-2', 'home-3'].reduce((s, id) => s + o.award.get(`${AT}|${id}`)!, 0);
    expect(homes).to.be.closeTo(2.028, 1e-9);
    const commands = o.events.filter((e) => e.interval_start === AT && e.type === 'DISPATCH_SETPOINT').map((e) => [e.target, Number(e.requested_kw), e.response, Number(e.delivered_kw)]);
    expect(commands).to.deep.equal([['bat', -0.528, 'opt-in', -0.528]]);
    expect(o.flows.filter((f) => f.interval_start === AT).map((f) => [f.line_id, Number(f.flow_kw)])).to.deep.equal([['head', 1.5], ['ab', 1.5]]);
    expect(o.actual.get(`${AT}|bat`)).to.equal(-0.528);
  });

  it('no interval is left over a limit, while the battery had room', () => {
    expect(expectWithinLimitOrShortfall(o, ['head', 'ab'])).to.equal(0);
    expect(o.events.filter((e) => e.type === 'OVERLOAD_SHORTFALL' || e.type === 'OVERLOAD_METERED')).to.deep.equal([]);
    expect(o.summary.kpis.operations).to.include({ overloadIntervals: 0, overloadIntervalsWithoutOperator: 6 });
    expect(o.summary.kpis.operations.demandResponse.dso.shortfallKwh).to.equal(0);
  });

  it('events reconcile and the books close', () => {
    expect(expectEventsReconcile(o)).to.equal(6);
    expectBooksClosed(o);
  });
});
