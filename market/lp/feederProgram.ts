/**
 * The LP of one interval's dispatch on a radial feeder, as data: the offers' columns, the
 * LinDistFlow block (market/lp/linDistFlowBlock.ts), offer groups and reactive sources. The
 * dispatch (market/lp/feederDispatch.ts) solves it and reads it back; the diagnosis of an
 * infeasible one (market/lp/feederInfeasibility.ts) appends elastic rows to the same
 * programme. The programme itself is documented in feederDispatch.ts.
 *
 * Pure.
 */
import type { OfferGroups, Offers } from './dispatch.ts';
import { appendLinDistFlow, type LinDistFlowBlockSpec, type LinDistFlowLayout } from './linDistFlowBlock.ts';
import { LpBuilder } from './lpBuilder.ts';
import { flowRange, PRUNE_MIN_COLUMNS } from './voltageSlack.ts';
import type { LinearProgram } from './solver.ts';
import type { RadialFeeder } from '../../network/radial.ts';

export interface ReactiveSources {
  readonly count: number;
  /** Bus index of each source. */
  readonly bus: Int32Array;
  /** Bounds on its reactive injection, kvar (lower = upper: fixed). */
  readonly lowerKvar: Float64Array;
  readonly upperKvar: Float64Array;
  /**
   * A small cost per Mvarh of |Q|, currency/Mvarh (default 0). Q from free sources is otherwise a
   * degenerate choice: the lossless LP is indifferent between every Q that keeps the limits, and a
   * vertex may absorb or supply far more than needed (more losses, worse AC voltages). With a cost
   * the clearing uses inverter Q only where it is worth something. Needs lower ≤ 0 ≤ upper (the
   * source is split into its supply and absorption parts).
   */
  readonly costPerMvarh?: number;
}

export interface FeederProblem {
  readonly feeder: RadialFeeder;
  /** kW per LP unit (scaling only); default 1. */
  readonly unitKw?: number;
  readonly offers: Offers;
  /** Per offer: tan φ, kvar per kW (reactive withdrawal with a buy, injection with a sell); default 0. */
  readonly kvarPerKw?: Float64Array;
  readonly groups?: OfferGroups;
  /** Fixed withdrawals per bus, kW and kvar. */
  readonly fixedLoadKw?: Float64Array;
  readonly fixedLoadKvar?: Float64Array;
  readonly reactiveSources?: ReactiveSources;
  readonly constantCostPerH?: number;
  /** Line-limit form, relaxations, substation reactive source (see the block). */
  readonly block?: Omit<LinDistFlowBlockSpec, 'unitKw' | 'fixedLoadKw' | 'fixedLoadKvar'>;
}

/** Where the offers, groups and sources sit around the block. */
export interface FeederLayout {
  readonly block: LinDistFlowLayout;
  readonly groupRow: number;
  /** Per reactive source, its column (supply part when split) and its absorption part's column (−1 unless split). */
  readonly sourceCol: Int32Array;
  readonly sourceNegCol: Int32Array;
}

/** False when nothing on the feeder draws or makes reactive power: the programme then leaves Q out (every Q would be 0). */
export function modelsReactive(problem: FeederProblem): boolean {
  return (problem.kvarPerKw?.some((t) => t !== 0) ?? false) || (problem.fixedLoadKvar?.some((q) => q !== 0) ?? false) || (problem.reactiveSources?.count ?? 0) > 0;
}

/**
 * Builds the programme; exposed for tests that inspect it (complementary slackness). The voltage rows
 * the book cannot make bind are left out (market/lp/voltageSlack.ts) from `PRUNE_MIN_COLUMNS` offer
 * columns, or as `pruneSlackVoltages` says.
 */
export function buildFeederLp(problem: FeederProblem, opts: FeederProgramOptions = {}): { lp: LinearProgram; layout: FeederLayout } {
  const U = problem.unitKw ?? 1;
  const builder = new LpBuilder({ cols: problem.offers.count + 4 * problem.feeder.busCount, nonzeros: 3 * problem.offers.count + 12 * problem.feeder.busCount });
  const layout = appendFeederProgram(builder, problem, { pruneSlackVoltages: opts.pruneSlackVoltages ?? problem.offers.count >= PRUNE_MIN_COLUMNS });
  const offset = -((problem.constantCostPerH ?? 0) * 1000) / U;
  return { lp: builder.build('max', offset), layout };
}

export interface FeederProgramOptions {
  /**
   * Leave out the drop rows and w columns of every subtree whose voltage limits no dispatch of the book can reach
   * (market/lp/voltageSlack.ts: the same optimum and prices, up to half the rows fewer). `buildFeederLp`: default
   * from `PRUNE_MIN_COLUMNS` offer columns; `appendFeederProgram`: default false (the infeasibility diagnosis softens
   * every bus's voltage limits).
   */
  readonly pruneSlackVoltages?: boolean;
}

/** Appends the programme's columns and rows to `builder` (the welfare objective on the offers' columns; no offset). */
export function appendFeederProgram(builder: LpBuilder, problem: FeederProblem, opts: FeederProgramOptions = {}): FeederLayout {
  const U = problem.unitKw ?? 1;
  const { feeder, offers } = problem;
  const M = offers.count;
  const reactive = problem.block?.reactive ?? modelsReactive(problem);
  // Offers first: columns 0 … M−1, as in `dispatch`.
  const tan = problem.kvarPerKw;
  for (let j = 0; j < M; j++) {
    const live = feeder.energised[offers.bus[j]!] === 1;
    const cost = offers.isBuy[j] ? offers.priceMwh[j]! : -offers.priceMwh[j]!;
    builder.addColumn(live ? offers.lowerKw[j]! / U : 0, live ? offers.upperKw[j]! / U : 0, cost);
  }
  const range = opts.pruneSlackVoltages
    ? flowRange({ feeder, offers, kvarPerKw: tan, fixedLoadKw: problem.fixedLoadKw, fixedLoadKvar: problem.fixedLoadKvar, sources: problem.reactiveSources, reactive, lossless: !problem.block?.losses })
    : undefined;
  const block = appendLinDistFlow(builder, feeder, { reactive, ...problem.block, ...(range ? { flowRange: range } : {}), unitKw: U, ...(problem.fixedLoadKw ? { fixedLoadKw: problem.fixedLoadKw } : {}), ...(problem.fixedLoadKvar ? { fixedLoadKvar: problem.fixedLoadKvar } : {}) });
  for (let j = 0; j < M; j++) {
    const k = offers.bus[j]!;
    if (block.pBalanceRow[k]! < 0) continue;
    const dir = offers.isBuy[j] ? -1 : 1;
    builder.add(block.pBalanceRow[k]!, j, dir);
    if (tan && tan[j]! !== 0 && block.qBalanceRow[k]! >= 0) builder.add(block.qBalanceRow[k]!, j, dir * tan[j]!);
  }
  const G = problem.groups?.count ?? 0;
  const groupRow = builder.numRows;
  for (let g = 0; g < G; g++) builder.addRow(problem.groups!.lowerKw[g]! / U, problem.groups!.upperKw[g]! / U);
  const group = offers.group;
  if (group) for (let j = 0; j < M; j++) if (group[j]! >= 0) builder.add(groupRow + group[j]!, j, 1);
  const src = problem.reactiveSources;
  const S = src?.count ?? 0;
  const sourceCol = new Int32Array(S);
  const sourceNegCol = new Int32Array(S).fill(-1);
  const cost = src?.costPerMvarh ?? 0;
  for (let s = 0; s < S; s++) {
    const row = block.qBalanceRow[src!.bus[s]!]!;
    const live = row >= 0;
    const lo = live ? src!.lowerKvar[s]! / U : 0;
    const hi = live ? src!.upperKvar[s]! / U : 0;
    if (cost > 0 && lo <= 0 && hi >= 0 && lo < hi) {
      sourceCol[s] = builder.addColumn(0, hi, -cost);
      sourceNegCol[s] = builder.addColumn(0, -lo, -cost);
      builder.add(row, sourceCol[s]!, 1);
      builder.add(row, sourceNegCol[s]!, -1);
      continue;
    }
    sourceCol[s] = builder.addColumn(lo, hi);
    if (live) builder.add(row, sourceCol[s]!, 1);
  }
  return { block, groupRow, sourceCol, sourceNegCol };
}

