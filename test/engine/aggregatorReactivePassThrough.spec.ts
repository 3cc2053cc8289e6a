/**
 * An aggregator's members' reactive energy by property (fast-check) over random radial feeders and portfolios: the real
 * aggregator (agents/aggregator, truthful) bids its members per bus and power factor, the real LinDistFlow LP clears the
 * book with the other parties' bids, and the engine's own phases settle it (market/reactiveSettlement.ts, engine/interval/
 * reactive.ts, classAwards.ts, the aggregator's split). Then, every case:
 * - money closes per stage: Σ facing parties' reactive money − the substation's = the rent from bus totals, exactly;
 * - Σ members' reactive money = the aggregator's, exactly (a truthful aggregator holds no position of its own), and the
 *   books' recomputation (engine/interval/books.ts `aggregatorReactive`) finds nothing wrong;
 * - every member's kvar is its tan φ × its bought share, and per bus the kvar settled (members' and the other
 *   parties') is the LP's Q balance (flow in − flows out), within the awards' rounding to quanta.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { aggregatorKind, type AggregatorGroup } from '../../agents/aggregator/index.ts';
import type { AgentEnv, MemberCurve } from '../../agents/types.ts';
import { type ClockSpec, intervalAt } from '../../core/clock.ts';
import { simTime } from '../../core/time.ts';
import { RandomService } from '../../core/rng.ts';
import { agentId, busId } from '../../core/units.ts';
import { checkReactive, aggregatorReactive } from '../../engine/interval/books.ts';
import { aggregatorClassAwards } from '../../engine/interval/classAwards.ts';
import type { PartyBid } from '../../engine/interval/collectBids.ts';
import { IntervalLedger } from '../../engine/interval/ledger.ts';
import type { Party } from '../../engine/interval/participants.ts';
import { passThroughReactive, reactivePositions } from '../../engine/interval/reactive.ts';
import { type FeederGrid, clearOnFeeder } from '../../market/clearFeeder.ts';
import { clearNetworkDetailed } from '../../market/clearNetwork.ts';
import { tanPhi } from '../../market/feederGrid.ts';
import type { FeederDispatchResult } from '../../market/lp/feederDispatch.ts';
import { loadSolver } from '../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { buildOrderBook } from '../../market/orderBook.ts';
import { settleReactive } from '../../market/reactiveSettlement.ts';
import { settle } from '../../market/settlement.ts';
import type { MarketRules } from '../../market/types.ts';
import { radialFeeder } from '../../network/radial.ts';
import type { Network } from '../../network/types.ts';
import type { MarketView } from '../../strategies/types.ts';
import { readmeReactiveLine, RULES, SMALL_FEEDER_SHAPE, smallFeeder } from '../helpers/lpNetworks.ts';

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});

const rules: MarketRules = RULES;
const PF = [1, 0.99, 0.95, 0.9, 0.8] as const;

type Seg = { readonly buy: boolean; readonly price: number; readonly kw: number };
interface Case {
  readonly network: Network;
  readonly ids: readonly string[];
  readonly vMinPu: number;
  readonly vMaxPu: number;
  /** Parties trading themselves: one segment each, at a bus, with a tan φ. */
  readonly others: ReadonlyArray<{ readonly bus: string; readonly tan: number; readonly seg: Seg }>;
  /** The aggregator's members. */
  readonly members: ReadonlyArray<{ readonly bus: string; readonly tan: number; readonly segs: readonly Seg[] }>;
  /** A supply of 2000 kW at 30/MWh at the substation (the property's: every case has a source). */
  readonly substationSupply?: boolean;
}

/**
 * `c` cleared and settled as the engine does it: the real aggregator (truthful, no fee) bids its members per bus and
 * power factor beside the other parties, the LinDistFlow LP clears
 * the book, and the engine's phases settle it: reactive positions, the aggregator's awards per class, its split, the
 * pass-through. Undefined where the LP did not clear or priced no reactive power.
 */
function settleCase(c: Case) {
  const parties: Party[] = [];
  const tan: number[] = [];
  const add = (id: string, bus: string, role: Party['role'], via: string, t: number): number => {
    parties.push({ id: agentId(id), kind: role === 'aggregator' ? 'aggregator' : 'site', bus: busId(bus), role, via });
    return tan.push(t) - 1;
  };
  const bids: PartyBid[] = [];
  const supply = add('supply', c.ids[0]!, 'agent', '', 0);
  if (c.substationSupply) bids.push({ id: 'supply@0', agentId: agentId('supply'), bus: busId(c.ids[0]!), interval: 0, segments: [{ side: 'sell', priceMwh: 30, quantityKw: 2000 }], party: supply });
  c.others.forEach((o, j) => {
    const i = add(`o${j}`, o.bus, 'agent', '', o.tan);
    bids.push({ id: `o${j}@0`, agentId: agentId(`o${j}`), bus: busId(o.bus), interval: 0, segments: [{ side: o.seg.buy ? 'buy' : 'sell', priceMwh: o.seg.price, quantityKw: o.seg.kw }], party: i });
  });
  const agg = add('agg', '', 'aggregator', '', 0);
  const curves: MemberCurve[] = c.members.map((m, j) => {
    const i = add(`m${j}`, m.bus, 'agent', 'agg', m.tan);
    return { member: i, memberId: `m${j}`, bus: busId(m.bus), segments: m.segs.map((s) => ({ side: s.buy ? ('buy' as const) : ('sell' as const), priceMwh: s.price, quantityKw: s.kw })), kvarPerKw: m.tan };
  });
  const group: AggregatorGroup = { kind: 'aggregator', id: 'agg', count: 1, contract: { type: 'pass-through', feePerKwh: 0 } };
  // The aggregator's kind reads only these of its environment (its strategy's randomness and fault reporting).
  const env = { random: new RandomService(1), reportStrategyFault: () => undefined } as unknown as AgentEnv;
  const runtime = aggregatorKind.create(group, env);
  const interval = intervalAt({ start: simTime(0), intervalMinutes: 60, intervals: 1, gateClosureMinutes: 5 } as ClockSpec, 0);
  const view = (): MarketView => ({ interval: { index: 0, start: interval.start, durationH: interval.durationH }, priceCapMwh: rules.priceCapMwh, priceFloorMwh: rules.priceFloorMwh, quantumKw: rules.quantumKw, lastPriceMwh: undefined, priceForecastMwh: [], conditions: { outdoorC: 10, ghiWm2: 0 } }) as unknown as MarketView;
  const aggBids = runtime.bid(interval, curves, view);
  for (const b of aggBids) bids.push({ id: `agg@${b.bus}~${b.kvarPerKw}@0`, agentId: agentId('agg'), bus: b.bus, interval: 0, segments: b.segments, party: agg, kvarPerKw: b.kvarPerKw! });
  const { book, rejections } = buildOrderBook(bids, { interval: 0, durationH: 1, rules, buses: c.ids.map(busId), isKnownAgent: () => true });
  expect(rejections).to.deep.equal([]);
  const byAgent = new Map(parties.map((p, i) => [p.id as string, tan[i]!]));
  const grid: FeederGrid = { limits: { defaultVMinPu: c.vMinPu, defaultVMaxPu: c.vMaxPu }, lineLimit: 'active', polygonSides: 12, kvarPerKw: (id) => byAgent.get(id) ?? 0 };
  const result = clearOnFeeder(book, 'lp', c.network, highs, grid);
  if (result.status !== 'cleared' || Number.isNaN(result.busPriceMwh[0]!)) return undefined;
  const s = settle(book, result);
  const stage = settleReactive(book, result, s.unit);
  if (!stage) return undefined;
  const ledger = new IntervalLedger(parties.length, s.unit, rules.quantumKw);
  for (let b = 0; b < book.bids.length; b++) {
    const i = (book.bids[b] as PartyBid).party;
    ledger.buyQuanta[i]! += s.buyQuanta[b]!;
    ledger.sellQuanta[i]! += s.sellQuanta[b]!;
  }
  const reactive = reactivePositions(ledger, book, stage);
  const awards = aggregatorClassAwards(book, s, result.busPriceMwh, stage, rules.priceTickMwh).get(agg) ?? [];
  const shares = runtime.allocate(interval, curves, awards, rules);
  for (const sh of shares) {
    ledger.buyQuanta[sh.member] = sh.buyQuanta;
    ledger.sellQuanta[sh.member] = sh.sellQuanta;
  }
  const busIndex = new Map(book.buses.map((b, k) => [b, k]));
  passThroughReactive(ledger, reactive, shares, Float64Array.from(tan), busIndex);
  const busOf = Int32Array.from(parties, (p) => (p.role === 'aggregator' ? -1 : busIndex.get(p.bus)!));
  return { parties, tan, agg, curves, aggBids, book, grid, result, s, stage, ledger, reactive, awards, shares, busOf };
}

/** The identities every settled case keeps (see the header). */
function expectPassThrough(c: Case, x: NonNullable<ReturnType<typeof settleCase>>): void {
  const { parties, tan, agg, curves, book, grid, result, stage, ledger, reactive, awards, shares, busOf } = x;
  // Money closes per stage (Σ facing parties − substation = rent), exactly.
  expect(checkReactive(reactive, stage, parties), 'stage money').to.equal(undefined);
  // A truthful aggregator's awards go to its members whole, per class: Σ bought shares = the class's award.
  for (const a of awards) {
    const taken = shares.filter((sh) => sh.bus === a.bus && tan[sh.member] === a.kvarPerKw).reduce((t, sh) => t + sh.buyQuanta, 0);
    expect(taken, `${a.bus} class ${a.kvarPerKw}: Σ members' shares of the award ${a.buyQuanta}`).to.equal(a.buyQuanta);
  }
  // Σ members' reactive money = the aggregator's, exactly; the books' recomputation agrees.
  let members = 0n;
  for (const cv of curves) members += reactive.microTicks[cv.member]!;
  expect(members, "members' reactive money").to.equal(reactive.microTicks[agg]);
  expect(aggregatorReactive(agg, book, reactive, stage, parties, busOf, ledger, Float64Array.from(tan)).problem).to.equal(undefined);
  // Each member's kvar is its tan φ × its bought share (millionths of a quantum).
  for (const cv of curves) expect(Number.isNaN(reactive.kvarMicro[cv.member]!) ? 0 : reactive.kvarMicro[cv.member], cv.memberId).to.equal(ledger.buyQuanta[cv.member]! * Math.round(tan[cv.member]! * 1e6));
  // Per bus, the kvar settled with the parties there (members by their shares) is the LP's Q balance.
  const { lp } = clearNetworkDetailed(book, c.network, highs, { feeder: { feeder: radialFeeder(c.network, grid.limits) }, segmentKvarPerKw: result.feeder!.segmentKvarPerKw! });
  const f = (lp as FeederDispatchResult).feeder;
  const fr = result.feeder!;
  const n = c.ids.length;
  const settledAt = new Float64Array(n);
  parties.forEach((p, i) => {
    if (p.role === 'aggregator' || Number.isNaN(reactive.kvarMicro[i]!)) return;
    settledAt[c.ids.indexOf(p.bus)]! += (reactive.kvarMicro[i]! * rules.quantumKw) / 1e6;
  });
  for (let k = 0; k < n; k++) {
    if (k === fr.rootIndex) continue;
    let balance = f.qFlowKvar[k]!;
    for (let j = 0; j < n; j++) if (j !== fr.rootIndex && c.network.branches.some((br) => br.from === c.ids[k] && br.to === c.ids[j])) balance -= f.qFlowKvar[j]!;
    // Within the awards' rounding to whole quanta (tan φ ≤ 0.75 kvar a kW, a quantum per segment).
    expect(settledAt[k], `Q balance at ${c.ids[k]}`).to.be.closeTo(balance, book.size * rules.quantumKw + 1e-6);
  }
}

describe("an aggregator's members' reactive energy passed through (engine/interval/reactive.ts, classAwards.ts, agents/aggregator)", () => {
  it("splits an award where absorbing vars is worth something (the README's line: DLMP 3291.26, reactive price −2044.03) among the members whose buys at 3000 the LP took, pro rata, each paying ≈ 3000/MWh in all", () => {
    const { line, segments } = readmeReactiveLine();
    const tan = tanPhi(0.99);
    // The README's book, its buy at b1 (3000 × 59 kW at power factor 0.99) now two members of the aggregator (40 + 19 kW).
    const others = segments.filter((sg) => sg[0] !== 'b1').map(([bus, side, price, kw]) => ({ bus, tan: side === 'buy' && bus !== 'b2' ? tan : 0, seg: { buy: side === 'buy', price, kw } }));
    const members = [40, 19].map((kw) => ({ bus: 'b1', tan, segs: [{ buy: true, price: 3000, kw }] }));
    const c: Case = { network: line, ids: ['grid', 'b1', 'b2', 'b3'], vMinPu: 0.95, vMaxPu: 1.05, others, members };
    const x = settleCase(c)!;
    expect(x.aggBids.map((b) => [b.bus, b.kvarPerKw])).to.deep.equal([['b1', 0.142492]]);
    expect(x.result.busPriceMwh[1]).to.equal(3291.26);
    expect(x.stage.priceMvarh[1]).to.equal(-2044.03);
    const award = x.awards[0]!;
    // The LP weighed the class at 3291.26 − 0.142492 × 2044.03 = 3000.0021: it took part of the 59 kW at 3000.
    expect(award.buyQuanta * rules.quantumKw).to.be.within(1, 58);
    // Split at the DLMP (3291.26) no member would take it and it would stay with the aggregator; at 2999.98 they do.
    expect(award.splitPriceMwh).to.equal(2999.98);
    const [m0, m1] = x.curves.map((cv) => x.ledger.buyQuanta[cv.member]!);
    expect(m0! + m1!).to.equal(award.buyQuanta);
    expect(Math.abs(m0! * 19 - m1! * 40), 'pro rata 40 : 19, to a quantum').to.be.at.most(40);
    // Each pays its kW at 3291.26 less its kvar at 2044.03: per MWh, 3000.0021 to the prices' rounding.
    for (const cv of x.curves) {
      const kw = x.ledger.buyQuanta[cv.member]! * rules.quantumKw;
      const perMwh = (kw * 3291.26 + (Number(x.reactive.microTicks[cv.member]!) * rules.quantumKw * rules.priceTickMwh) / 1e6) / kw;
      expect(perMwh, cv.memberId).to.be.closeTo(3000.0021, 1e-3);
    }
    expectPassThrough(c, x);
    // The books see a wrong pass-through: a member charged one millionth of a quantum × tick too much is reported.
    const tampered = { ...x.reactive, microTicks: BigInt64Array.from(x.reactive.microTicks) };
    tampered.microTicks[x.curves[0]!.member]! += 1n;
    expect(aggregatorReactive(x.agg, x.book, tampered, x.stage, x.parties, x.busOf, x.ledger, Float64Array.from(x.tan)).problem).to.match(/^reactive pass-through: m0 pays for .* \(expected .*\); pays .* its members pay it .* own position's kvar comes to 0$/);
  });

  it('by property over random 3–5-bus feeders and portfolios: closes the stage\'s reactive money, passes the aggregator\'s through to its members exactly, and settles per bus the LP\'s Q balance', () => {
    const segment = fc.record({ buy: fc.boolean(), price: fc.integer({ min: -200, max: 3000 }), kw: fc.integer({ min: 1, max: 120 }) });
    const caseArb = fc.record({
      ...SMALL_FEEDER_SHAPE,
      vmin: fc.integer({ min: 900, max: 990 }),
      vmax: fc.integer({ min: 1002, max: 1060 }),
      others: fc.array(fc.record({ bus: fc.nat(), pf: fc.constantFrom(...PF), seg: segment }), { minLength: 0, maxLength: 4 }),
      members: fc.array(fc.record({ bus: fc.nat(), pf: fc.constantFrom(...PF), segs: fc.array(segment, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 6 }),
    });
    let priced = 0;
    let paidThrough = 0;
    fc.assert(
      fc.property(caseArb, (r) => {
        const { ids, network } = smallFeeder(r);
        const c: Case = {
          network,
          ids,
          vMinPu: r.vmin / 1000,
          vMaxPu: r.vmax / 1000,
          others: r.others.map((o) => ({ bus: ids[o.bus % r.n]!, tan: tanPhi(o.pf), seg: o.seg })),
          members: r.members.map((m) => ({ bus: ids[m.bus % r.n]!, tan: tanPhi(m.pf), segs: m.segs })),
          substationSupply: true,
        };
        const x = settleCase(c);
        if (!x) return;
        priced++;
        expectPassThrough(c, x);
        if (x.reactive.microTicks[x.agg] !== 0n) paidThrough++;
      }),
      { numRuns: 120, seed: 5151 },
    );
    // The property must have had something to prove: most cases price reactive power, and many pass money through.
    expect(priced, 'cases with reactive prices').to.be.at.least(80);
    expect(paidThrough, 'cases with reactive money passed through').to.be.at.least(40);
  });
});
