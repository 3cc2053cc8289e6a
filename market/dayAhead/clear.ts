/**
 * `clearDayAhead(book, market)`: every interval of a horizon cleared as one LP, with the
 * grid constraints of every interval and the intertemporal bids that link them.
 *
 * Steps: validate (simple bids per interval through `OrderBookBuilder`, intertemporal bids
 * and ramp limits through market/dayAhead/validate.ts) → aggregate simple segments into
 * columns → build the programme (market/dayAhead/program.ts) → solve through `LpSolver`
 * → read back: battery schedules rounded along their SoC paths (schedule.ts), then each
 * interval's simple columns rounded so that Σ buys + Σ schedules' net withdrawal = Σ sells
 * exactly (`roundColumns`, as `clearNetwork` does), shared among segments pro rata, nodal
 * prices −dual/Δt on the tick, flows to the quantum.
 *
 * Pure: no I/O, no clock, inputs only read. Never throws on an optimisation outcome:
 * infeasible, unbounded and solver failures come back as a status with a message, zero
 * awards and NaN prices and welfare. Throws `UserError` only when a bus list does not fit
 * the network.
 *
 * Supported intertemporal bids: storage and EV (LP), and ramp limits on simple sell bids.
 * Shiftable loads and block orders are validated but rejected with code
 * 'invalid-parameter' ("not supported by this clearing yet"): their integer decisions are
 * not implemented.
 *
 * Example (the hand-computed case of test/market/dayAhead/handCase.spec.ts):
 *
 *   const r = clearDayAhead({ horizon: { firstInterval: 0, intervalCount: 2, durationH: 1 },
 *                             rules: DEFAULT_RULES, bids, intertemporalBids: [battery] },
 *                           { network, solver: await loadSolver('highs') });
 *   r.intervals[0].busPriceMwh   // [20, 81]
 *   r.schedules[0].netKw         // [20, -16.2]  (+ charging, − discharging)
 */
import { UserError } from '../../core/errors.ts';
import type { BusId } from '../../core/units.ts';
import { sharedTopologyCache } from '../../network/topology.ts';
import { roundColumns, shareColumns } from '../clearNetwork.ts';
import { dcNetworkBlock, type NetworkBlock, readNetworkBlock } from '../lp/networkBlock.ts';
import type { LpSolution } from '../lp/solver.ts';
import { OrderBookBuilder } from '../orderBook.ts';
import type { BranchFlow, OrderBook } from '../types.ts';
import { aggregateSimpleBids, type BatteryBid, buildProgram, copperPlate, type DayAheadProgram, type IntervalGrid, type SimpleColumns } from './program.ts';
import { roundBatteries, type RoundedBattery } from './schedule.ts';
import type { DayAheadBook, DayAheadIntervalResult, DayAheadMarket, DayAheadRejection, DayAheadResult, GeneratorRamp, IntertemporalSchedule } from './types.ts';
import { rampFollowable, rampProblem, validateIntertemporalBids } from './validate.ts';

export function clearDayAhead(book: DayAheadBook, market: DayAheadMarket): DayAheadResult {
  const prepared = prepareDayAhead(book, market);
  return readBackDayAhead(prepared, solveDayAhead(prepared));
}

/** The validated book and its programme, ready to solve (steps 1–3 of `clearDayAhead`). */
export interface PreparedDayAhead {
  readonly book: DayAheadBook;
  readonly market: DayAheadMarket;
  readonly buses: readonly BusId[];
  readonly rejections: readonly DayAheadRejection[];
  readonly books: readonly OrderBook[];
  readonly supported: readonly Extract<DayAheadBook['intertemporalBids'][number], { kind: 'storage' | 'ev' }>[];
  readonly batteries: readonly BatteryBid[];
  readonly simple: readonly SimpleColumns[];
  readonly program: DayAheadProgram;
  readonly block: NetworkBlock | undefined;
  readonly network: DayAheadMarket['network'];
  readonly gridBusOf: Int32Array;
  readonly busIndexOf: ReadonlyMap<string, number>;
  readonly size: DayAheadResult['size'];
}

/** Step 4: the programme through the market's solver (duals on). */
export function solveDayAhead(p: PreparedDayAhead): LpSolution {
  return p.market.solver.solve(p.program.lp, { duals: true });
}

/** Steps 1–3: validate, aggregate the simple segments into columns, build the programme. */
export function prepareDayAhead(book: DayAheadBook, market: DayAheadMarket): PreparedDayAhead {
  const { horizon, rules } = book;
  const T = horizon.intervalCount;
  const dt = horizon.durationH;
  const first = horizon.firstInterval;
  if (!(Number.isInteger(T) && T >= 1 && Number.isInteger(first) && dt > 0 && Number.isFinite(dt)))
    throw new RangeError(`clearDayAhead: the horizon needs intervalCount ≥ 1, a whole firstInterval and durationH > 0, got ${JSON.stringify(horizon)}`);
  const network = market.network && market.network.buses.length >= 2 ? market.network : undefined;
  const isKnownAgent = market.isKnownAgent ?? (() => true);
  const buses = busesOf(book, market);
  const busSet = new Set<string>(buses);

  // 1. Validate: simple bids per interval, then intertemporal bids and ramps.
  const rejections: DayAheadRejection[] = [];
  const builders = Array.from({ length: T }, (_, t) => new OrderBookBuilder({ interval: first + t, durationH: dt, rules, buses, isKnownAgent, ...(market.trustedIdentities ? { trustedIdentities: true } : {}) }, 64));
  for (const bid of book.bids) {
    const t = bid.interval - first;
    if (!(Number.isInteger(t) && t >= 0 && t < T)) {
      rejections.push({ bidId: String(bid.id), agentId: String(bid.agentId), interval: bid.interval, code: 'unknown-interval', reason: `bid is for interval ${bid.interval}, outside the horizon ${first}–${first + T - 1}` });
      continue;
    }
    const r = builders[t]!.add(bid);
    if (r) rejections.push(r);
  }
  const books: OrderBook[] = builders.map((b) => b.build());
  const ctx = { horizon, rules, isKnownBus: (b: string) => busSet.has(b), isKnownAgent: market.trustedIdentities ? () => true : isKnownAgent };
  const checked = validateIntertemporalBids(book.intertemporalBids, ctx);
  rejections.push(...checked.rejections);
  const supported = checked.accepted.filter((b) => {
    if (b.kind === 'storage' || b.kind === 'ev') return true;
    rejections.push({ bidId: b.id, agentId: b.agentId, interval: b.firstInterval, code: 'invalid-parameter', reason: `kind '${b.kind}' is not supported by this clearing yet (integer decisions are not implemented)` });
    return false;
  }) as Array<Extract<DayAheadBook['intertemporalBids'][number], { kind: 'storage' | 'ev' }>>;
  const ramps = validRamps(book.rampLimits ?? [], books, rules.quantumKw, horizon, rejections);

  // 2. The grid of one interval, and bus mappings.
  const topology = network ? (market.topologyCache ?? sharedTopologyCache).get(network, market.branchModel ?? 'matpower') : undefined;
  const block: NetworkBlock | undefined = topology ? dcNetworkBlock(topology, market.formulation ?? market.solver.preferredFormulation, 1) : undefined;
  const grid: IntervalGrid = block ?? copperPlate(1);
  const gridBusOf = Int32Array.from(buses, (b) => {
    if (!topology) return 0;
    const k = topology.busIndex.get(b);
    if (k === undefined) throw new UserError(`bus '${b}' is not in network '${network!.name}'`);
    return k;
  });
  const busIndexOf = new Map<string, number>(buses.map((b, i) => [b, i]));

  // 3. Columns and programme.
  const rampOfAgent = new Map<string, number>(ramps.map((r, i) => [r.agentId, i]));
  const simple: SimpleColumns[] = books.map((bk) => aggregateSimpleBids(bk, gridBusOf, (b) => rampOfAgent.get(bk.bids[b]!.agentId) ?? -1));
  const batteries: BatteryBid[] = supported.map((bid) => {
    const from = bid.kind === 'ev' ? bid.firstInterval - first : 0;
    const to = bid.kind === 'ev' ? bid.lastInterval - first : T - 1;
    const target = bid.kind === 'ev' ? bid.initialSocKwh + bid.energyNeededKwh : (bid.finalSocMinKwh ?? bid.minSocKwh);
    return {
      bid,
      gridBus: gridBusOf[busIndexOf.get(bid.bus)!]!,
      from,
      to,
      targetKwh: target,
      shortfallCostMwh: (bid.needValueMwh ?? rules.priceCapMwh) / bid.chargeEfficiency,
      terminalValueMwh: bid.kind === 'storage' ? bid.terminalValueMwh : 0,
    };
  });
  const program = buildProgram({ horizon, priceTickMwh: rules.priceTickMwh, quantumKw: rules.quantumKw, buses, grid, simple, batteries, ramps });
  const { lp } = program;
  const simpleSegments = books.reduce((a, b) => a + b.size, 0);
  const size = { rows: lp.numRows, cols: lp.numCols, nonzeros: lp.matrix.rows.length, integerCols: 0, simpleSegments, simpleColumns: simple.reduce((a, c) => a + c.count, 0) };
  return { book, market, buses, rejections, books, supported, batteries, simple, program, block, network, gridBusOf, busIndexOf, size };
}

/** Step 5: schedules, awards, prices and flows back in whole quanta, ticks and kW. */
export function readBackDayAhead(p: PreparedDayAhead, solution: LpSolution): DayAheadResult {
  const { buses, rejections, books, supported, batteries, simple, block, network, gridBusOf, busIndexOf, size } = p;
  const { horizon, rules } = p.book;
  const { layout, lp } = p.program;
  const T = horizon.intervalCount;
  const dt = horizon.durationH;
  const first = horizon.firstInterval;
  const topology = block?.topology;
  const base = { horizon, buses, rejections, integerRule: 'none' as const, size };
  if (solution.status !== 'optimal') return failed(base, books, supported, solution, network);
  const x = solution.colValue;
  const q = rules.quantumKw;
  // Battery schedules first, within what each interval's simple bids can balance; then the simple columns.
  const roundedOrFailure = roundBatteries(batteries, layout.batteries, x, T, dt, q, (t) => {
    const cols = simple[t]!;
    let buy = 0;
    let sell = 0;
    for (let c = 0; c < cols.count; c++) {
      if (cols.isBuy[c]) buy += cols.quanta[c]!;
      else sell += cols.quanta[c]!;
    }
    return [-buy, sell];
  });
  if (!Array.isArray(roundedOrFailure)) {
    const { failedInterval, netQuanta } = roundedOrFailure as { failedInterval: number; netQuanta: number };
    const message = `interval ${first + failedInterval}: the schedules rounded to whole quanta withdraw ${netQuanta} quanta net, which no whole-quanta award of the simple bids balances`;
    return failed(base, books, supported, { ...solution, status: 'solver-error', message }, network);
  }
  const rounded: RoundedBattery[] = roundedOrFailure;

  const intervals: DayAheadIntervalResult[] = [];
  let welfare = 0;
  for (let t = 0; t < T; t++) {
    const bk = books[t]!;
    const cols = simple[t]!;
    const netPerBus = new Float64Array(buses.length);
    let net = 0;
    let withdrawn = 0;
    rounded.forEach((r, i) => {
      const v = r.chargeQuanta[t]! - r.dischargeQuanta[t]!;
      netPerBus[busIndexOf.get(batteries[i]!.bid.bus)!]! += v;
      net += v;
      withdrawn += r.chargeQuanta[t]!;
    });
    const colValue = new Float64Array(cols.count);
    for (let c = 0; c < cols.count; c++) colValue[c] = x[layout.simpleCol[t]! + c]! / q;
    const colAward = roundColumns(colValue, cols.quanta, cols.isBuy, net);
    if (!colAward) {
      const message = `interval ${first + t}: the rounded schedules withdraw ${net} quanta net, which the simple bids cannot balance in whole quanta`;
      return failed({ ...base }, books, supported, { ...solution, status: 'solver-error', message }, network);
    }
    const awarded = new Float64Array(bk.size);
    shareColumns(bk, cols.columnOf, colAward, cols.quanta, awarded);
    let welfareTicksQuanta = 0;
    for (let i = 0; i < bk.size; i++) {
      const a = awarded[i]!;
      if (a === 0) continue;
      if (bk.isBuy[i]) {
        withdrawn += a;
        welfareTicksQuanta += a * bk.priceTicks[i]!;
      } else welfareTicksQuanta -= a * bk.priceTicks[i]!;
    }
    const intervalWelfare = (welfareTicksQuanta * rules.priceTickMwh * q * dt) / 1000;
    welfare += intervalWelfare;
    const reading = readGrid(block, network, solution, layout.gridRow[t]!, layout.gridCol[t]!, dt, lp.rowLower, lp.rowUpper, netInjectionKw(t));
    const busPriceMwh = new Float64Array(buses.length).fill(NaN);
    let message = '';
    if (withdrawn === 0) message = 'nothing traded in this interval';
    else for (let k = 0; k < buses.length; k++) busPriceMwh[k] = Math.round(reading.priceMwh[gridBusOf[k]!]! / rules.priceTickMwh) * rules.priceTickMwh + 0;
    intervals.push({
      interval: first + t,
      status: 'cleared',
      message,
      mechanism: 'lp-dispatch',
      awardedQuanta: awarded,
      busPriceMwh,
      flows: flowsOf(network, reading, rules.quantumKw, rules.priceTickMwh, false),
      welfare: intervalWelfare,
      book: bk,
      intertemporalNetQuanta: netPerBus,
    });
  }

  const schedules: IntertemporalSchedule[] = rounded.map((r, i) => {
    const bid = batteries[i]!.bid;
    const netQuanta = Float64Array.from(r.chargeQuanta, (c, t) => c - r.dischargeQuanta[t]!);
    const netKw = Float64Array.from(netQuanta, (v) => v * q + 0);
    const k = busIndexOf.get(bid.bus)!;
    let paid = 0;
    for (let t = 0; t < T; t++) if (netQuanta[t] !== 0) paid += (netKw[t]! * dt * intervals[t]!.busPriceMwh[k]!) / 1000;
    welfare += r.value;
    return {
      bidId: bid.id,
      agentId: bid.agentId,
      kind: bid.kind,
      bus: bid.bus,
      netQuanta,
      netKw,
      chargeKw: Float64Array.from(r.chargeQuanta, (v) => v * q),
      dischargeKw: Float64Array.from(r.dischargeQuanta, (v) => v * q),
      socKwh: r.socKwh,
      accepted: true,
      shortfallKwh: r.shortfallKwh,
      value: r.value,
      surplus: r.value - paid,
    };
  });
  return { ...base, status: 'cleared', message: '', intervals, schedules, welfare };

  /** Net injection per grid bus in interval t, kW, from the LP (the PTDF form's angles need it). */
  function netInjectionKw(t: number): Float64Array {
    const n = topology ? topology.busCount : 1;
    const out = new Float64Array(n);
    if (!block || block.formulation !== 'ptdf') return out;
    const cols = simple[t]!;
    for (let c = 0; c < cols.count; c++) out[cols.gridBus[c]!]! += (cols.isBuy[c] ? -1 : 1) * x[layout.simpleCol[t]! + c]!;
    batteries.forEach((b, i) => {
      const bc = layout.batteries[i]!;
      if (bc.charge[t]! >= 0) out[b.gridBus]! -= x[bc.charge[t]!]!;
      if (bc.discharge[t]! >= 0) out[b.gridBus]! += x[bc.discharge[t]!]!;
    });
    return out;
  }
}

/** Bus order: given, the network's, or first appearance in the bids. */
function busesOf(book: DayAheadBook, market: DayAheadMarket): readonly BusId[] {
  if (market.buses) return market.buses;
  if (market.network) return market.network.buses.map((b) => b.id);
  const seen = new Set<BusId>();
  for (const b of book.bids) seen.add(b.bus);
  for (const b of book.intertemporalBids) seen.add(b.bus);
  return [...seen];
}

function validRamps(ramps: readonly GeneratorRamp[], books: readonly OrderBook[], quantumKw: number, horizon: DayAheadBook['horizon'], rejections: DayAheadRejection[]): GeneratorRamp[] {
  const out: GeneratorRamp[] = [];
  const seen = new Set<string>();
  for (const r of ramps) {
    let p = seen.has(r.id) ? { code: 'duplicate-bid-id' as const, reason: `ramp id '${r.id}' was already used` } : rampProblem(r);
    if (!p && out.some((o) => o.agentId === r.agentId)) p = { code: 'invalid-parameter', reason: `agent '${r.agentId}' already has a ramp limit` };
    seen.add(r.id);
    if (!p) {
      const offered = Float64Array.from(books, (bk) => {
        let s = 0;
        for (let i = 0; i < bk.size; i++) if (!bk.isBuy[i] && bk.bids[bk.bidIndex[i]!]!.agentId === r.agentId) s += bk.quantityQuanta[i]!;
        return s * quantumKw;
      });
      p = rampFollowable(r, offered);
    }
    if (p) rejections.push({ bidId: r.id, agentId: r.agentId, interval: horizon.firstInterval, code: p.code, reason: p.reason });
    else out.push(r);
  }
  return out;
}

interface GridReading {
  readonly priceMwh: Float64Array;
  readonly flowKw: Float64Array;
  readonly flowShadowMwh: Float64Array;
}

function readGrid(
  block: NetworkBlock | undefined,
  network: DayAheadMarket['network'],
  solution: LpSolution,
  row: number,
  col: number,
  dt: number,
  rowLower: Float64Array,
  rowUpper: Float64Array,
  netInjectionKw: Float64Array,
): GridReading {
  if (!block || !network) {
    const d = solution.rowDual ? solution.rowDual[row]! : NaN;
    return { priceMwh: Float64Array.of(-d / dt + 0), flowKw: new Float64Array(0), flowShadowMwh: new Float64Array(0) };
  }
  return readNetworkBlock(block, network.branches.length, solution, { rowOffset: row, colOffset: col, dualPerPrice: dt, rowLower: rowLower.subarray(row), rowUpper: rowUpper.subarray(row) }, netInjectionKw);
}

/** Flows to the quantum (clipped to ±limit) and shadow prices to the tick, as `clearNetwork` reports them. */
function flowsOf(network: DayAheadMarket['network'], r: GridReading | undefined, quantumKw: number, tickMwh: number, failed: boolean): BranchFlow[] {
  if (!network || network.buses.length < 2) return [];
  return network.branches.map((br, i) => {
    const limitKw = br.inService ? br.limitKw : 0;
    let flowKw = failed || !r ? NaN : Math.round(r.flowKw[i]! / quantumKw) * quantumKw;
    if (Number.isFinite(limitKw)) flowKw = Math.max(-limitKw, Math.min(limitKw, flowKw));
    const shadow = failed || !r ? NaN : Math.round(r.flowShadowMwh[i]! / tickMwh) * tickMwh;
    return { id: br.id, flowKw: flowKw + 0, limitKw, shadowPriceMwh: shadow + 0 };
  });
}

/** A horizon that did not clear: its status and message in every interval, zero awards, NaN prices and welfare. */
function failed(
  base: Pick<DayAheadResult, 'horizon' | 'buses' | 'rejections' | 'integerRule' | 'size'>,
  books: readonly OrderBook[],
  bids: readonly Extract<DayAheadBook['intertemporalBids'][number], { kind: 'storage' | 'ev' }>[],
  solution: LpSolution,
  network: DayAheadMarket['network'],
): DayAheadResult {
  const status = solution.status === 'optimal' ? 'solver-error' : solution.status;
  const message = solution.message || status;
  const T = base.horizon.intervalCount;
  const intervals: DayAheadIntervalResult[] = books.map((bk, t) => ({
    interval: base.horizon.firstInterval + t,
    status,
    message,
    mechanism: 'lp-dispatch',
    awardedQuanta: new Float64Array(bk.size),
    busPriceMwh: new Float64Array(base.buses.length).fill(NaN),
    flows: flowsOf(network, undefined, 1, 1, true),
    welfare: NaN,
    book: bk,
    intertemporalNetQuanta: new Float64Array(base.buses.length),
  }));
  const nan = (): Float64Array => new Float64Array(T).fill(NaN);
  const schedules: IntertemporalSchedule[] = bids.map((bid) => ({
    bidId: bid.id,
    agentId: bid.agentId,
    kind: bid.kind,
    bus: bid.bus,
    netQuanta: nan(),
    netKw: nan(),
    chargeKw: nan(),
    dischargeKw: nan(),
    socKwh: nan(),
    accepted: false,
    shortfallKwh: NaN,
    value: NaN,
    surplus: NaN,
  }));
  return { ...base, status, message, intervals, schedules, welfare: NaN };
}
