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
 * Intertemporal bids: storage and EV (continuous), ramp limits on simple sell bids, and
 * the integer decisions of block orders (all or nothing, linked to a parent) and shiftable
 * loads (which start, or none). With any integer decision the horizon is solved as a
 * mixed-integer programme (HiGHS branch and bound, to a zero gap), then the LP with those
 * decisions fixed is solved again for the prices (its duals): `integerRule`
 * 'mip-then-fixed-lp', the practice of European power exchanges. Prices so formed may
 * leave an accepted block paid less than its limit ("paradoxically accepted", its
 * `surplus` < 0, no side payment) or reject a block the prices would have paid
 * ("paradoxically rejected"); docs/clear.md has the rule. javascript-lp-solver does not
 * take integer columns: such a book reports 'solver-error' with it.
 *
 * Example (the hand-computed case of test/market/dayAhead/handCase.spec.ts):
 *
 *   const r = clearDayAhead({ horizon: { firstInterval: 0, intervalCount: 2, durationH: 1 },
 *                             rules: DEFAULT_RULES, bids, intertemporalBids: [battery] },
 *                           { network, solver: await loadSolver('highs') });
 *   r.intervals[0].busPriceMwh   // [20, 81]
 *   r.schedules[0].netKw         // [20, -16.2]  (+ charging, − discharging)
 */
import { appendAll } from '../../core/arrays.ts';
import { UserError } from '../../core/errors.ts';
import type { BusId } from '../../core/units.ts';
import { sharedTopologyCache } from '../../network/topology.ts';
import { roundColumns, shareColumns } from '../clearNetwork.ts';
import { type LinDistFlowLayout, readLinDistFlow } from '../lp/linDistFlowBlock.ts';
import { dcNetworkBlock, type NetworkBlock, readNetworkBlock } from '../lp/networkBlock.ts';
import { hasIntegerColumns, type LinearProgram, type LpSolution } from '../lp/solver.ts';
import { OrderBookBuilder } from '../orderBook.ts';
import { type OrderBook, ticksToPrice } from '../types.ts';
import type { BranchFlow } from '../../network/types.ts';
import { aggregateSimpleBids, type BatteryBid, buildProgram, type IntegerBid, copperPlate, type DayAheadProgram, type IntervalGrid, type ProgramInput, type SimpleColumns } from './program.ts';
import { bandsAt, carryBasis, PRICE_BAND_MARGIN_MWH, PRICE_BAND_MIN_COLUMNS, PRICE_BAND_TOLERANCE_MWH, restrictColumns, type RestrictedColumns, seedBands, widenAll } from './priceBands.ts';
import { coarseSeedBands } from './coarseSeed.ts';
import { linDistFlowGrid } from './feederGrid.ts';
import { explainDayAheadInfeasibility } from './infeasibility.ts';
import { roundBatteries, type RoundedBattery } from './schedule.ts';
import type { BlockOrder, DayAheadBook, DayAheadIntervalResult, DayAheadMarket, DayAheadRejection, DayAheadResult, GeneratorRamp, IntertemporalBid, IntertemporalSchedule, ShiftableBid } from './types.ts';
import { rampFollowable, rampProblem, validateIntertemporalBids } from './validate.ts';

export function clearDayAhead(book: DayAheadBook, market: DayAheadMarket): DayAheadResult {
  const prepared = prepareDayAhead(book, market);
  return readBackDayAhead(prepared, solveDayAhead(prepared));
}

/** The programme solved last and its solution (step 4's result, step 5's input). */
export interface SolvedDayAhead {
  readonly program: DayAheadProgram;
  readonly solution: LpSolution;
  /** Per interval, how its simple columns were restricted in `program`; absent: the full LP. */
  readonly restriction?: readonly RestrictedColumns[] | undefined;
  /** LPs solved by price bands (the full one included when they ended there); 0 without bands. */
  readonly bandIterations: number;
  /** Restricted LPs that started from the previous one's basis. */
  readonly warmStarts?: number;
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
  /** Block orders and shiftable loads that entered, in the programme's order of integer bids. */
  readonly integerBids: readonly (BlockOrder | ShiftableBid)[];
  readonly integers: readonly IntegerBid[];
  /** Every intertemporal bid that entered, in input order (the order of `schedules`). */
  readonly entered: readonly IntertemporalBid[];
  readonly simple: readonly SimpleColumns[];
  /** What `buildProgram` takes (the full LP's simple columns); step 4 builds the programme(s). */
  readonly programInput: ProgramInput;
  /** Whether step 4 restricts the simple columns by price bands (market/dayAhead/priceBands.ts). */
  readonly priceBands: boolean;
  /** With price bands: warm-start each restricted LP from the previous one's basis. */
  readonly warmStart: boolean;
  readonly grid: IntervalGrid;
  readonly block: NetworkBlock | undefined;
  readonly network: DayAheadMarket['network'];
  /** Each interval's LinDistFlow block, when clearing on a feeder (its indices are local to one interval). */
  readonly feederLayout: LinDistFlowLayout | undefined;
  readonly gridBusOf: Int32Array;
  readonly busIndexOf: ReadonlyMap<string, number>;
  readonly integerCols: number;
  readonly simpleColumns: number;
}

/**
 * Step 4: the programme through the market's solver (duals on). With integer decisions:
 * the mixed-integer programme first, then the LP with its integer columns fixed at the
 * MIP's values (0 or 1), whose duals are the prices and whose solution is read back.
 * With price bands (large books without integer decisions): restricted LPs until the
 * bands certify the solution optimal for the full LP (market/dayAhead/priceBands.ts).
 */
export function solveDayAhead(p: PreparedDayAhead): SolvedDayAhead {
  if (p.priceBands) return solveWithPriceBands(p);
  const program = buildProgram(p.programInput);
  const { lp } = program;
  if (!hasIntegerColumns(lp)) return { program, solution: p.market.solver.solve(lp, { duals: true }), bandIterations: 0 };
  const mip = p.market.solver.solve(lp, { duals: false });
  if (mip.status !== 'optimal') return { program, solution: mip, bandIterations: 0 };
  return { program, solution: p.market.solver.solve(fixIntegers(lp, mip.colValue), { duals: true }), bandIterations: 0 };
}

/** The most restricted LPs solved before the full one is (bands only grow: a safeguard, never reached in the tests). */
const MAX_BAND_ITERATIONS = 12;

/**
 * Column generation by price bands: seed the bands (per interval and grid bus) from a coarse
 * day's prices or the merit order, solve the restricted LP (dual simplex, warm-started from the
 * previous restricted LP's basis), check every fixed or dropped column's reduced cost against
 * its bus price (strictly, by `PRICE_BAND_TOLERANCE_MWH`) and every merged fixed column at its
 * quantity, widen the bands of the buses whose prices failed, and again; an infeasible
 * restricted LP widens every band. Ends with a certified optimum of the full LP, or with the
 * full LP itself.
 */
function solveWithPriceBands(p: PreparedDayAhead): SolvedDayAhead {
  const { programInput: input, simple, grid } = p;
  const T = simple.length;
  const dt = input.horizon.durationH;
  const tick = input.priceTickMwh;
  const margin = Math.ceil(PRICE_BAND_MARGIN_MWH / tick);
  // Seeds: the prices of a coarse day (copper plate, bucketed bids, merged batteries), else each interval's merit order.
  const { injectionStarts, injectionRows, injectionValues } = grid;
  const busCount = injectionStarts.length - 1;
  const bands = (p.market.bandSeed !== 'merit-order' ? coarseSeedBands(input, p.market.solver, margin, busCount)?.bands : undefined) ?? seedBands(simple, margin, busCount);
  const priceAt = new Float64Array(busCount);
  let iterations = 0;
  let warmStarts = 0;
  // The previous restricted LP's optimal basis, for a warm start of the next (wider) one.
  let prev: Parameters<typeof carryBasis>[0] | undefined;
  for (let it = 1; it <= MAX_BAND_ITERATIONS; it++) {
    iterations = it;
    const restriction = simple.map((cols, t) => restrictColumns(cols, bandsAt(bands, t).lo, bandsAt(bands, t).hi));
    const program = buildProgram({ ...input, simple: restriction.map((r) => r.columns) });
    const layout = { simpleCol: program.layout.simpleCol, gridCol: program.layout.gridCol, gridCols: grid.numCols, numCols: program.lp.numCols, numRows: program.lp.numRows };
    const startBasis = prev && p.warmStart ? carryBasis(prev, { layout, restriction }, simple) : undefined;
    if (startBasis) warmStarts++;
    // Dual simplex: on these programmes (the storage/EV core and a few simple columns) it beats interior point (docs/day-ahead.md), and it takes the warm start.
    const solution = p.market.solver.solve(program.lp, { duals: true, method: 'simplex', keepBasis: p.warmStart, ...(startBasis ? { startBasis } : {}) });
    prev = solution.basis ? { layout, restriction, basis: solution.basis } : undefined;
    if (solution.status === 'infeasible') {
      // Fixed acceptances the grid cannot carry: widen every band (the full LP when none is left partial).
      if (!widenAll(bands, simple)) break;
      continue;
    }
    // Unbounded: so is the full LP (its feasible set holds the restricted one). Other failures: the full LP decides.
    if (solution.status === 'unbounded') return { program, solution, restriction, bandIterations: it, warmStarts };
    if (solution.status !== 'optimal' || !solution.rowDual) break;
    const y = solution.rowDual;
    let widened = 0;
    for (let t = 0; t < T; t++) {
      const r0 = program.layout.gridRow[t]!;
      for (let b = 0; b < busCount; b++) {
        let v = 0;
        for (let k = injectionStarts[b]!; k < injectionStarts[b + 1]!; k++) v += injectionValues[k]! * y[r0 + injectionRows[k]!]!;
        priceAt[b] = -v / dt;
      }
      const cols = simple[t]!;
      const { freeAt, accepted, columns: rc } = restriction[t]!;
      const { lo, hi } = bandsAt(bands, t);
      // The bus's band takes in its price (± the margin): the failing column (priced between the band and π) becomes free.
      let moved = false;
      const widen = (b: number): boolean => {
        const pi = priceAt[b]!;
        const l = Math.min(lo[b]!, Math.floor(pi / tick) - margin);
        const h = Math.max(hi[b]!, Math.ceil(pi / tick) + margin);
        if (l === lo[b] && h === hi[b]) return false;
        lo[b] = l;
        hi[b] = h;
        moved = true;
        return true;
      };
      // A fixed-acceptance column short of its quantity (the grid could not take it all): its members cannot all stay fixed.
      // Its bus price then lies below (buy) or above (sell) some member's price; should the band hold π already (a numerical
      // corner), every member of that bus and side is freed, so a short merged column is never certified.
      for (let k = 0; k < rc.count; k++) {
        if (!rc.fixed![k] || solution.colValue[program.layout.simpleCol[t]! + k]! >= rc.quanta[k]! * input.quantumKw * (1 - 1e-9)) continue;
        const b = rc.gridBus[k]!;
        if (widen(b)) continue;
        if (rc.isBuy[k]) hi[b] = Infinity;
        else lo[b] = -Infinity;
        moved = true;
      }
      for (let c = 0; c < cols.count; c++) {
        if (freeAt[c]! >= 0) continue;
        const price = cols.priceTicks[c]! * tick;
        const b = cols.gridBus[c]!;
        const pi = priceAt[b]!;
        // Strictly the right sign: a fixed buy (or dropped sell) priced above π, a dropped buy (or fixed sell) below.
        const above = (cols.isBuy[c] === 1) === (accepted[c] === 1);
        if (above ? price > pi + PRICE_BAND_TOLERANCE_MWH : price < pi - PRICE_BAND_TOLERANCE_MWH) continue;
        widen(b);
      }
      if (moved) widened++;
    }
    if (widened === 0) return { program, solution, restriction, bandIterations: it, warmStarts };
  }
  // Every band holds every column (or the safeguard): the full LP, counted as one more iteration.
  const program = buildProgram(input);
  return { program, solution: p.market.solver.solve(program.lp, { duals: true }), bandIterations: iterations + 1, warmStarts };
}

/** The LP with every integer column fixed at its (rounded) value in x. */
export function fixIntegers(lp: LinearProgram, x: Float64Array): LinearProgram {
  const colLower = lp.colLower.slice();
  const colUpper = lp.colUpper.slice();
  const integrality = lp.integrality!;
  for (let j = 0; j < lp.numCols; j++) {
    if (integrality[j] === 0) continue;
    colLower[j] = colUpper[j] = Math.round(x[j]!);
  }
  const { integrality: _dropped, ...rest } = lp;
  return { ...rest, colLower, colUpper };
}

/** Steps 1–3: validate, aggregate the simple segments into columns, build the programme. */
export function prepareDayAhead(book: DayAheadBook, market: DayAheadMarket): PreparedDayAhead {
  const { horizon, rules } = book;
  const T = horizon.intervalCount;
  const dt = horizon.durationH;
  const first = horizon.firstInterval;
  if (!(Number.isInteger(T) && T >= 1 && Number.isInteger(first) && dt > 0 && Number.isFinite(dt)))
    throw new RangeError(`clearDayAhead: the horizon needs intervalCount ≥ 1, a whole firstInterval and durationH > 0, got ${JSON.stringify(horizon)}`);
  const feeder = market.feeder;
  if (feeder && feeder.islanded.length > 0) throw new UserError(`feeder '${feeder.network.name}': buses ${feeder.islanded.join(', ')} are islanded; day-ahead clearing on a feeder needs every bus energised`);
  const network = feeder ? feeder.network : market.network && market.network.buses.length >= 2 ? market.network : undefined;
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
  // The simple bids' ids an intertemporal bid also has (found without a set of every simple id: books are large).
  const intertemporalIds = new Set(book.intertemporalBids.map((b) => b.id));
  const shared = new Set<string>();
  if (intertemporalIds.size > 0) for (const bid of book.bids) if (intertemporalIds.has(String(bid.id))) shared.add(String(bid.id));
  const checked = validateIntertemporalBids(book.intertemporalBids, ctx, shared);
  appendAll(rejections, checked.rejections);
  const q = rules.quantumKw;
  // Block and shiftable quantities to whole quanta; a shiftable load rounding to nothing cannot run (and its children, none, need no care).
  const entered = checked.accepted.filter((b) => {
    if (b.kind !== 'shiftable' || Math.round(b.powerKw / q) >= 1) return true;
    rejections.push({ bidId: b.id, agentId: b.agentId, interval: b.firstInterval, code: 'empty-curve', reason: `powerKw ${b.powerKw} is below half a quantum (${q} kW)` });
    return false;
  });
  const supported = entered.filter((b) => b.kind === 'storage' || b.kind === 'ev');
  const integerBids = entered.filter((b) => b.kind === 'block' || b.kind === 'shiftable');
  const ramps = validRamps(book.rampLimits ?? [], books, rules.quantumKw, horizon, rejections);

  // 2. The grid of one interval, and bus mappings.
  const topology = network && !feeder ? (market.topologyCache ?? sharedTopologyCache).get(network, market.branchModel ?? 'matpower') : undefined;
  const block: NetworkBlock | undefined = topology ? dcNetworkBlock(topology, market.formulation ?? market.solver.preferredFormulation, 1) : undefined;
  const lindist = feeder ? linDistFlowGrid(feeder) : undefined;
  const grid: IntervalGrid = lindist?.grid ?? block ?? copperPlate(1);
  const gridBusOf = Int32Array.from(buses, (b) => {
    if (!topology && !feeder) return 0;
    const k = (feeder ?? topology)!.busIndex.get(b);
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
  const integerIndex = new Map<string, number>(integerBids.map((b, i) => [b.id, i]));
  const integers: IntegerBid[] = integerBids.map((bid) => integerBidOf(bid, first, dt, q, gridBusOf[busIndexOf.get(bid.bus)!]!, integerIndex));
  const programInput: ProgramInput = { horizon, priceTickMwh: rules.priceTickMwh, quantumKw: rules.quantumKw, buses, grid, simple, batteries, ramps, integers };
  const simpleColumns = simple.reduce((a, c) => a + c.count, 0);
  const integerCols = integers.reduce((a, b) => a + b.options.length, 0);
  const mode = market.priceBands ?? 'off';
  const priceBands = integerCols === 0 && (mode === 'always' || (mode === 'auto' && simpleColumns >= PRICE_BAND_MIN_COLUMNS));
  return { book, market, buses, rejections, books, supported, batteries, integerBids, integers, entered, simple, programInput, priceBands, warmStart: market.bandWarmStart ?? true, grid, block, network, feederLayout: lindist?.layout, gridBusOf, busIndexOf, integerCols, simpleColumns };
}

/**
 * A block or shiftable load as options of fixed profiles, quantities rounded to whole
 * quanta: a block one option (its quantities, + buy, − sell), a shiftable load one per
 * start from `firstInterval` to `lastInterval − runIntervals + 1`.
 */
function integerBidOf(bid: BlockOrder | ShiftableBid, first: number, dt: number, q: number, gridBus: number, index: ReadonlyMap<string, number>): IntegerBid {
  if (bid.kind === 'block') {
    const sign = bid.side === 'buy' ? 1 : -1;
    const netKw = bid.quantitiesKw.map((kw) => sign * Math.round(kw / q) * q + 0);
    const energyKwh = netKw.reduce((a, v) => a + Math.abs(v), 0) * dt;
    return { gridBus, options: [{ from: bid.firstInterval - first, netKw }], value: sign * bid.priceMwh * energyKwh, parent: bid.parentId === undefined ? -1 : index.get(bid.parentId)! };
  }
  const kw = Math.round(bid.powerKw / q) * q;
  const options = [];
  for (let s = bid.firstInterval; s + bid.runIntervals - 1 <= bid.lastInterval; s++) options.push({ from: s - first, netKw: new Array<number>(bid.runIntervals).fill(kw) });
  return { gridBus, options, value: bid.valueMwh * kw * bid.runIntervals * dt, parent: -1 };
}

/** Step 5: schedules, awards, prices and flows back in whole quanta, ticks and kW. */
export function readBackDayAhead(p: PreparedDayAhead, solved: SolvedDayAhead): DayAheadResult {
  const { buses, rejections, books, batteries, integerBids, integers, entered, simple, block, network, feederLayout, gridBusOf, busIndexOf } = p;
  const { horizon, rules } = p.book;
  const { program, solution, restriction } = solved;
  const { layout, lp } = program;
  const size = sizeOf(p, solved);
  const T = horizon.intervalCount;
  const dt = horizon.durationH;
  const first = horizon.firstInterval;
  const topology = block?.topology;
  const base = { horizon, buses, rejections, integerRule: size.integerCols > 0 ? ('mip-then-fixed-lp' as const) : ('none' as const), size };
  if (solution.status === 'infeasible') {
    // Only a horizon proved infeasible is diagnosed (more solves, market/dayAhead/infeasibility.ts): one that clears pays nothing.
    const message = explainDayAheadInfeasibility(p.programInput, p.market.feeder, p.market.solver, solution.message, p.block && network ? { block: p.block, network } : undefined);
    return failed(base, books, entered, { ...solution, message }, network);
  }
  if (solution.status !== 'optimal') return failed(base, books, entered, solution, network);
  const x = solution.colValue;
  const q = rules.quantumKw;
  // Integer decisions (fixed in the solution read): the option taken, and its profile in whole quanta.
  const chosen = integers.map((b, i) => b.options.findIndex((_, k) => x[layout.integers[i]![k]!]! > 0.5));
  const integerNetQuanta = integers.map((b, i) => {
    const out = new Float64Array(T);
    const o = b.options[chosen[i]!];
    if (o) o.netKw.forEach((kw, k) => (out[o.from + k] = Math.round(kw / q) + 0));
    return out;
  });
  const integerNetAt = (t: number): number => integerNetQuanta.reduce((a, n) => a + n[t]!, 0);
  // Battery schedules first, within what each interval's simple bids can balance; then the simple columns.
  const roundedOrFailure = roundBatteries(batteries, layout.batteries, x, T, dt, q, (t) => {
    const cols = simple[t]!;
    let buy = 0;
    let sell = 0;
    for (let c = 0; c < cols.count; c++) {
      if (cols.isBuy[c]) buy += cols.quanta[c]!;
      else sell += cols.quanta[c]!;
    }
    const fixed = integerNetAt(t);
    return [-buy - fixed, sell - fixed];
  });
  if (!Array.isArray(roundedOrFailure)) {
    const { failedInterval, netQuanta } = roundedOrFailure as { failedInterval: number; netQuanta: number };
    const message = `interval ${first + failedInterval}: the schedules rounded to whole quanta withdraw ${netQuanta} quanta net, which no whole-quanta award of the simple bids balances`;
    return failed(base, books, entered, { ...solution, status: 'solver-error', message }, network);
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
    integerNetQuanta.forEach((n, i) => {
      const v = n[t]!;
      netPerBus[busIndexOf.get(integerBids[i]!.bus)!]! += v;
      net += v;
      if (v > 0) withdrawn += v;
    });
    const xs = simpleValues(t);
    const colValue = new Float64Array(cols.count);
    for (let c = 0; c < cols.count; c++) colValue[c] = xs[c]! / q;
    const colAward = roundColumns(colValue, cols.quanta, cols.isBuy, net);
    if (!colAward) {
      const message = `interval ${first + t}: the rounded schedules withdraw ${net} quanta net, which the simple bids cannot balance in whole quanta`;
      return failed({ ...base }, books, entered, { ...solution, status: 'solver-error', message }, network);
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
    const reading = feederLayout
      ? readFeederGrid(feederLayout, network!, solution, layout.gridRow[t]!, layout.gridCol[t]!, dt)
      : readGrid(block, network, solution, layout.gridRow[t]!, layout.gridCol[t]!, dt, lp.rowLower, lp.rowUpper, netInjectionKw(t));
    if (withdrawn > 0) {
      const unsupported = unsupportedSimpleColumn(cols, xs, reading.priceMwh, rules.priceTickMwh, q);
      if (unsupported) {
        const bus = buses[gridBusOf.indexOf(cols.gridBus[unsupported.column]!)] ?? `grid bus ${cols.gridBus[unsupported.column]}`;
        const message = `interval ${first + t}: ${p.market.solver.name}'s prices do not support its awards: ${unsupported.what} at bus '${bus}' ${unsupported.how}; not an optimum's prices, so the horizon is not cleared`;
        return failed({ ...base }, books, entered, { ...solution, status: 'solver-error', message }, network);
      }
    }
    const busPriceMwh = new Float64Array(buses.length).fill(NaN);
    let message = '';
    if (withdrawn === 0) message = 'nothing traded in this interval';
    else for (let k = 0; k < buses.length; k++) busPriceMwh[k] = ticksToPrice(Math.round(reading.priceMwh[gridBusOf[k]!]! / rules.priceTickMwh), rules.priceTickMwh) + 0;
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
      ...(reading.vmPu ? { voltagePu: Float64Array.from(gridBusOf, (k) => reading.vmPu![k]!) } : {}),
    });
  }

  const paidAt = (bus: BusId, netKw: Float64Array): number => {
    const k = busIndexOf.get(bus)!;
    let paid = 0;
    for (let t = 0; t < T; t++) if (netKw[t] !== 0) paid += (netKw[t]! * dt * intervals[t]!.busPriceMwh[k]!) / 1000;
    return paid;
  };
  const scheduleOf = new Map<string, IntertemporalSchedule>();
  integerBids.forEach((bid, i) => {
    const netQuanta = integerNetQuanta[i]!;
    const netKw = Float64Array.from(netQuanta, (v) => v * q + 0);
    const accepted = chosen[i]! >= 0;
    const value = accepted ? integers[i]!.value / 1000 : 0;
    welfare += value;
    const o = integers[i]!.options[chosen[i]!];
    scheduleOf.set(bid.id, {
      bidId: bid.id,
      agentId: bid.agentId,
      kind: bid.kind,
      bus: bid.bus,
      netQuanta,
      netKw,
      chargeKw: Float64Array.from(netKw, (v) => Math.max(0, v)),
      dischargeKw: Float64Array.from(netKw, (v) => Math.max(0, -v)),
      accepted,
      ...(bid.kind === 'shiftable' && o ? { startInterval: first + o.from } : {}),
      shortfallKwh: 0,
      value,
      surplus: accepted ? value - paidAt(bid.bus, netKw) : 0,
    });
  });
  rounded.forEach((r, i) => {
    const bid = batteries[i]!.bid;
    const netQuanta = Float64Array.from(r.chargeQuanta, (c, t) => c - r.dischargeQuanta[t]!);
    const netKw = Float64Array.from(netQuanta, (v) => v * q + 0);
    const paid = paidAt(bid.bus, netKw);
    welfare += r.value;
    scheduleOf.set(bid.id, {
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
    });
  });
  const schedules = entered.map((b) => scheduleOf.get(b.id)!);
  return { ...base, status: 'cleared', message: '', intervals, schedules, welfare };

  /** Net injection per grid bus in interval t, kW, from the LP (the PTDF form's angles need it). */
  function netInjectionKw(t: number): Float64Array {
    const n = topology ? topology.busCount : 1;
    const out = new Float64Array(n);
    if (!block || block.formulation !== 'ptdf') return out;
    const cols = simple[t]!;
    const xs = simpleValues(t);
    for (let c = 0; c < cols.count; c++) out[cols.gridBus[c]!]! += (cols.isBuy[c] ? -1 : 1) * xs[c]!;
    batteries.forEach((b, i) => {
      const bc = layout.batteries[i]!;
      if (bc.charge[t]! >= 0) out[b.gridBus]! -= x[bc.charge[t]!]!;
      if (bc.discharge[t]! >= 0) out[b.gridBus]! += x[bc.discharge[t]!]!;
    });
    integerNetQuanta.forEach((n, i) => (out[integers[i]!.gridBus]! -= n[t]! * q));
    return out;
  }

  /** Interval t's simple columns' values, kW, in `simple[t]`'s order: the LP's, or with price bands the free ones' and the fixed ones' (Q or 0). */
  function simpleValues(t: number): Float64Array {
    const cols = simple[t]!;
    const at = layout.simpleCol[t]!;
    if (!restriction) return x.subarray(at, at + cols.count);
    const { freeAt, accepted } = restriction[t]!;
    return Float64Array.from(freeAt, (k, c) => (k >= 0 ? x[at + k]! : accepted[c] ? cols.quanta[c]! * q : 0));
  }
}

/**
 * The first simple column whose award its bus price does not support, or undefined: an accepted
 * buy must be priced at or below its bid and a buy left with room at or above it (a sell the other
 * way round), within a price tick — complementary slackness, the property of the duals a bidder
 * sees, as the real-time clearing checks (`unsupportedAward`, market/clearNetwork.ts). Columns in a
 * ramp group are left out: their reduced costs include the ramp rows' duals, so a bus price alone
 * does not decide them. One pass; buses without a price (NaN) are skipped.
 */
export function unsupportedSimpleColumn(
  cols: SimpleColumns,
  valuesKw: Float64Array,
  priceMwhAtGridBus: ArrayLike<number>,
  tickMwh: number,
  quantumKw: number,
): { readonly column: number; readonly what: string; readonly how: string } | undefined {
  const eps = 1e-6 * quantumKw;
  for (let c = 0; c < cols.count; c++) {
    if (cols.ramp[c]! >= 0) continue;
    const price = priceMwhAtGridBus[cols.gridBus[c]!]!;
    const bid = cols.priceTicks[c]! * tickMwh;
    const surplus = cols.isBuy[c] ? bid - price : price - bid;
    if (!(surplus < -tickMwh || surplus > tickMwh)) continue;
    const kw = valuesKw[c]!;
    const upperKw = cols.quanta[c]! * quantumKw;
    if (surplus < -tickMwh ? kw > eps : kw < upperKw - eps)
      return { column: c, what: `${cols.isBuy[c] ? 'a buy' : 'a sell'} at ${bid} /MWh`, how: `was awarded ${+kw.toPrecision(12)} of ${+upperKw.toPrecision(12)} kW at a price of ${+price.toPrecision(12)}` };
  }
  return undefined;
}

/** The size of the programme solved last, and how price bands restricted it. */
function sizeOf(p: PreparedDayAhead, solved: SolvedDayAhead): DayAheadResult['size'] {
  const { lp } = solved.program;
  const simpleSegments = p.books.reduce((a, b) => a + b.size, 0);
  const base = { rows: lp.numRows, cols: lp.numCols, nonzeros: lp.matrix.rows.length, integerCols: p.integerCols, simpleSegments, simpleColumns: p.simpleColumns };
  if (solved.bandIterations === 0) return base;
  if (!solved.restriction) return { ...base, priceBands: { iterations: solved.bandIterations, freeColumns: p.simpleColumns, fixedColumns: 0, warmStarts: solved.warmStarts ?? 0 } };
  let free = 0;
  let fixed = 0;
  for (const r of solved.restriction) {
    const n = r.columns.count;
    for (let c = 0; c < n; c++) if (r.columns.fixed![c]) fixed++;
    free += n;
  }
  return { ...base, priceBands: { iterations: solved.bandIterations, freeColumns: free - fixed, fixedColumns: fixed, warmStarts: solved.warmStarts ?? 0 } };
}

/** Bus order: given, the network's, or first appearance in the bids. */
function busesOf(book: DayAheadBook, market: DayAheadMarket): readonly BusId[] {
  if (market.buses) return market.buses;
  if (market.feeder) return market.feeder.busIds;
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
  /** LinDistFlow only: voltage magnitude per feeder bus, p.u. */
  readonly vmPu?: Float64Array;
}

/** One interval's LinDistFlow block from the horizon's solution: its slice, read as a single-interval block. */
function readFeederGrid(layout: LinDistFlowLayout, network: NonNullable<DayAheadMarket['network']>, solution: LpSolution, row: number, col: number, dt: number): GridReading {
  const { feeder } = layout;
  const slice: LpSolution = {
    ...solution,
    colValue: solution.colValue.subarray(col),
    rowValue: solution.rowValue.subarray(row),
    ...(solution.rowDual ? { rowDual: solution.rowDual.subarray(row) } : {}),
    ...(solution.colDual ? { colDual: solution.colDual.subarray(col) } : {}),
  };
  const r = readLinDistFlow(layout, slice);
  const flowKw = new Float64Array(network.branches.length);
  const flowShadowMwh = new Float64Array(network.branches.length);
  for (let k = 0; k < feeder.busCount; k++) {
    const b = feeder.parentBranch[k]!;
    if (b < 0) continue;
    flowKw[b] = feeder.orientation[k]! * r.pFlowKw[k]!;
    flowShadowMwh[b] = r.lineShadowMwh[k]! / dt;
  }
  // DLMP per bus: −dual of its P balance row, per hour of the interval.
  return { priceMwh: Float64Array.from(r.priceMwh, (v) => v / dt), flowKw, flowShadowMwh, vmPu: r.vmPu };
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
  bids: readonly IntertemporalBid[],
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
    ...(bid.kind === 'storage' || bid.kind === 'ev' ? { socKwh: nan() } : {}),
    accepted: false,
    shortfallKwh: NaN,
    value: NaN,
    surplus: NaN,
  }));
  return { ...base, status, message, intervals, schedules, welfare: NaN };
}
