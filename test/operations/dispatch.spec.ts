import { expect } from 'chai';
import { feederHeadTopology } from '../helpers/feederHead.ts';
import type { CommandResponder, OperatorCommand } from '../../agents/types.ts';
import { agentId } from '../../core/units.ts';
import { intervalAt } from '../../core/clock.ts';
import { deliver, type DispatchParty, Operator, operatorSchema } from '../../agents/operations/operator.ts';
import { networkFromConfig } from '../../network/schema.ts';
import { TopologyCache } from '../../network/topology.ts';

const interval = intervalAt({ start: Date.parse('2026-07-01T17:00:00Z') as never, intervalMinutes: 15, intervals: 8, gateClosureMinutes: 5 }, 0);
const command = (value: number, issuer = 'dso'): OperatorCommand => ({
  eventId: 'e1',
  program: 'p',
  issuer,
  target: agentId('x'),
  type: 'DISPATCH_SETPOINT',
  notifiedAt: interval.start,
  intervalStart: interval.start,
  durationMinutes: 15,
  value,
});
/** An agent that commits a fixed change (or throws). */
const gives = (kw: number | 'throw'): CommandResponder => ({
  respond: () => {
    if (kw === 'throw') throw new Error('boom');
    return { optIn: kw < 0, reason: kw < 0 ? 'sure' : 'no', deliverKw: kw };
  },
});
const r6 = (x: number): number => Math.round(x * 1e6) / 1e6 + 0; // PTDF arithmetic leaves 1e-14s; + 0 turns −0 into 0
const party = (responder: CommandResponder | undefined, reachable = true, busIndex = 1): DispatchParty => ({ id: agentId('x'), busIndex, responder, reachable: () => reachable });

describe('operations: delivering a command (agents/operations/operator.ts deliver)', () => {
  it('lost when unreachable, rejected from a foreign issuer or without the signature, else the agent answers', () => {
    expect(deliver(command(-5), party(gives(-2), false), 0, 3, interval, 'head', 'dso').response).to.equal('lost');
    const foreign = deliver(command(-5, 'mallory'), party(gives(-2)), 0, 3, interval, 'head', 'dso');
    expect([foreign.response, foreign.reason]).to.deep.equal(['rejected', "forged or foreign command: 'mallory' is not the operator of this agent's feeder (that is 'dso')"]);
    expect(deliver(command(-5), party(gives(-2)), 0, 3, interval, 'head', undefined).reason).to.match(/it has none/);
    expect(deliver(command(-5), party(gives(-2)), 0, 3, interval, 'head', 'dso', false).reason).to.match(/does not carry its signature/);
    expect(deliver(command(-5), party(undefined), 0, 3, interval, 'head', 'dso').response).to.equal('opt-out');
    expect(deliver(command(-5), party(gives(-2)), 0, 3, interval, 'head', 'dso')).to.include({ response: 'opt-in', deliverKw: -2 });
  });

  it('holds answers to the contract: never more than asked, never the other way, a throw is a failure, nonsense a refusal', () => {
    expect(deliver(command(-5), party(gives(-9)), 0, 3, interval, 'head', 'dso').deliverKw).to.equal(-5);
    expect(deliver(command(-5), party({ respond: () => ({ optIn: true, reason: 'up', deliverKw: 2 }) }), 0, 3, interval, 'head', 'dso').deliverKw).to.equal(0);
    const thrown = deliver(command(-5), party(gives('throw')), 0, 3, interval, 'head', 'dso');
    expect([thrown.response, thrown.reason, thrown.deliverKw]).to.deep.equal(['failed', 'the agent threw while answering: boom', 0]);
    const nan = deliver(command(-5), party({ respond: () => ({ optIn: true, reason: '?', deliverKw: NaN }) }), 0, 3, interval, 'head', 'dso');
    expect([nan.response, nan.deliverKw]).to.deep.equal(['opt-out', 0]);
  });
});

describe('operations: the operator commands flexibility where a branch would overload (Operator.dispatch)', () => {
  // grid ─head (100 kW)─ a ─ b (50 kW line): loads at a and b both load the head; only b loads a-b.
  const network = networkFromConfig({
    baseKva: 1000,
    buses: [{ id: 'grid', reference: true }, { id: 'a' }, { id: 'b' }],
    branches: [
      { id: 'head', kind: 'feeder-head', from: 'grid', to: 'a', reactancePu: 0.04, resistancePu: 0, limitKw: 100, inService: true, tapRatio: 1, phaseShiftDeg: 0 },
      { id: 'a-b', kind: 'line', from: 'a', to: 'b', reactancePu: 0.08, resistancePu: 0, limitKw: 50, inService: true, tapRatio: 1, phaseShiftDeg: 0 },
    ],
  });
  const topology = new TopologyCache().get(network);
  const ids = ['head', 'a-b'];
  const setup = (cfg: Record<string, unknown>, parties: DispatchParty[], netKw: number[]) => {
    const op = new Operator(operatorSchema.parse({ id: 'dso', ...cfg }), 8, 96);
    const net = Float64Array.from(netKw);
    const injection = new Float64Array(3);
    parties.forEach((p, i) => (injection[p.busIndex]! -= net[i]!));
    return { out: op.dispatch(interval, topology, ids, parties, net, injection), net };
  };

  it('asks until the flow is back under limit × (1 − headroom), nobody more; what it could not get is a shortfall', () => {
    // 120 kW at a: 22 kW over 98 kW. The first gives 10, the second 15 (asked for the remaining 12).
    const { out, net } = setup({ headroomPct: 2 }, [party(gives(-10)), party(gives(-15)), party(gives(-5))].map((p) => ({ ...p, busIndex: 1 })), [40, 40, 40]);
    expect(out.commands.map((c) => [c.party, r6(c.command.value), r6(c.deliverKw)])).to.deep.equal([
      [0, -22, -10],
      [1, -12, -12],
    ]);
    expect(Array.from(net, r6)).to.deep.equal([30, 28, 40]);
    expect(out.overloads).to.have.length(1);
    expect(out.overloads[0]).to.include({ branch: 'head', remainingKw: 0 });
    const short = setup({}, [party(gives(-5))], [130]).out.overloads[0]!;
    expect(short.remainingKw).to.be.closeTo(25, 1e-9);
  });

  it('asks the agents that move the overloaded flow most first (a-b: only the agent at b), and never crashed ones (no responder)', () => {
    // 60 kW at b overloads a-b (limit 50); the agent at a cannot help a-b.
    const { out } = setup({}, [party(gives(-20), true, 1), party(undefined, true, 2), party(gives(-20), true, 2)], [10, 30, 30]);
    expect(out.commands.map((c) => c.party)).to.deep.equal([2]);
  });

  it('without V2G it asks an agent for at most what it consumes', () => {
    const { out } = setup({ v2g: false }, [party(gives(-50)), party(gives(-50))], [4, 120]);
    expect(out.commands.map((c) => r6(c.command.value))).to.deep.equal([-4, -22]);
  });
});

describe('operations: the look-ahead learns from metered flows (Operator.recordMetered)', () => {
  const topology = feederHeadTopology(100);
  const clock = { start: Date.parse('2026-07-01T17:00:00Z') as never, intervalMinutes: 15, intervals: 8, gateClosureMinutes: 5 };
  /** One load at a scheduled at `kw`: no overload now (limit 100, headroom 2 %: 98). */
  const dispatchAt = (op: Operator, k: number, kw: number) => {
    const net = Float64Array.of(kw);
    return op.dispatch(intervalAt(clock, k), topology, ['head'], [{ id: agentId('x'), busIndex: 1, responder: undefined, reachable: () => true }], net, Float64Array.of(kw, -kw));
  };

  it('first interval: forecasts from the schedule (90 kW: nothing); then from what the head carried (metered 110 kW: 12 kW over 98 for the next 3 intervals), whatever the schedule says', () => {
    const op = new Operator(operatorSchema.parse({ id: 'dso', lookaheadIntervals: 3 }), 8, 96);
    expect(dispatchAt(op, 0, 90).notices).to.deep.equal([]);
    // The agents did not keep to the 90 kW schedule: the head carried 110 kW.
    op.recordMetered(0, [{ id: 'head', flowKw: 110 }]);
    const next = dispatchAt(op, 1, 90);
    expect(next.notices.map((n) => [n.forInterval, r6(n.forecastExcessKw)])).to.deep.equal([
      [2, 12],
      [3, 12],
      [4, 12],
    ]);
    // Metered within limits again: nothing new to announce (each overload is announced once).
    op.recordMetered(1, [{ id: 'head', flowKw: 50 }]);
    expect(dispatchAt(op, 2, 120).notices).to.deep.equal([]);
  });

  it('an overload the operator relieved is forecast again: scheduled 110 kW, commanded down to 98, metered 98 — the next intervals forecast 110 (12 over), not 98', () => {
    const op = new Operator(operatorSchema.parse({ id: 'dso', lookaheadIntervals: 2 }), 8, 96);
    const out = op.dispatch(intervalAt(clock, 0), topology, ['head'], [party(gives(-12))], Float64Array.of(110), Float64Array.of(110, -110));
    expect(out.commands.map((c) => r6(c.deliverKw))).to.deep.equal([-12]);
    // The run's first interval forecasts from the schedule: intervals 1 and 2 announced.
    expect(out.notices.map((n) => [n.forInterval, r6(n.forecastExcessKw)])).to.deep.equal([
      [1, 12],
      [2, 12],
    ]);
    op.recordMetered(0, [{ id: 'head', flowKw: 98 }]);
    // Without the operator's command the head would have carried 110 kW: interval 3 is announced too
    // (persistence of the uncontrolled flow; the metered 98 kW alone forecast nothing).
    expect(dispatchAt(op, 1, 90).notices.map((n) => [n.forInterval, r6(n.forecastExcessKw)])).to.deep.equal([[3, 12]]);
  });
});
