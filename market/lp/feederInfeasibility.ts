/**
 * Why a feeder's dispatch LP (market/lp/feederProgram.ts) is infeasible, in the feeder's own
 * terms: which family of constraints is to blame, and where, with numbers. Asked only on the
 * failure path (market/lp/feederDispatch.ts), so a feasible interval pays nothing for it.
 *
 * The checks, cheapest first:
 * 1. Supply (no solve, market/lp/supplyBounds.ts): the fixed load at energised buses and the
 *    buys' minimums against every sell at its upper bound; generators' minimums against all
 *    that can take them.
 * 2. Which limits. Two *elastic* programmes, each the same feeder with one family of limits
 *    softened by a slack that costs 1 per unit and nothing else priced (a phase-1 LP):
 *    - voltage: per energised bus k ≠ root, vmin_k² ≤ w_k + s⁻_k − s⁺_k ≤ vmax_k² (p.u.², the
 *      block's own variable), minimising Σ (s⁺ + s⁻), branch limits kept;
 *    - branch: per limited branch, |P| ≤ L + e (or each side of the apparent-power polygon
 *      ±(cos θ P + sin θ Q) ≤ L cos(π/m) + e), minimising Σ e, voltage limits kept.
 *    An elastic programme is infeasible exactly when the *other* family cannot be met even
 *    with this one lifted. So: voltage elastic solves and branch elastic does not → the voltage
 *    limits are to blame; the other way round → the branch limits; both solve → the two
 *    together (either alone can be met); neither → each alone fails, named with the other
 *    lifted; and if even with both lifted nothing fits → the balance itself (generator groups,
 *    reactive sources, linearised losses), not the feeder's limits.
 *    The slacks at the elastic optimum name the buses (the voltage it comes closest to, against
 *    which band) and the branches (the flow it must carry, against which limit).
 *
 * Example (test/market/lp/feederInfeasibility.spec.ts): substation 1.05 p.u., bus b limited to
 * 1.03 p.u., nothing traded: "the voltage limits cannot be met (the branch limits can): at the
 * least violation, bus 'b' is at 1.0500 p.u., above its vMaxPu 1.03".
 *
 * Pure: the same problem and solver give the same message.
 */
import type { RadialFeeder } from '../../network/radial.ts';
import type { LinDistFlowLayout } from './linDistFlowBlock.ts';
import { DISPATCH_TOLERANCE } from './networkBlock.ts';
import { appendFeederProgram, type FeederLayout, type FeederProblem } from './feederProgram.ts';
import { LpBuilder } from './lpBuilder.ts';
import type { LinearProgram, LpSolution, LpSolver } from './solver.ts';
import { supplyBounds } from './supplyBounds.ts';

/** Slack below this (p.u.², or kW per kW of limit) is the solver's tolerance, not a violation. */
const SLACK_TOLERANCE = 1e-7;
/** Buses or branches named in a message; the rest counted. */
const NAMED = 3;

/** The message for an infeasible `problem` (`solverMessage`: what the solver said, kept in brackets at the end). */
export function explainFeederInfeasibility(problem: FeederProblem, solver: LpSolver, solverMessage: string): string {
  const tail = ` (${solverMessage})`;
  const { feeder } = problem;
  const live = (k: number): boolean => feeder.energised[k] === 1;
  const b = supplyBounds(problem.offers, problem.groups, problem.fixedLoadKw, live);
  const need = b.fixedLoadKw + b.minimumDemandKw;
  if (need > b.supplyKw * (1 + DISPATCH_TOLERANCE))
    return `infeasible: the fixed load${b.minimumDemandKw > 0 ? ' and minimum demand' : ''} of ${kw(need)} at energised buses exceeds the ${kw(b.supplyKw)} that all supply there together can give${tail}`;
  if (b.minimumGenerationKw > b.maximumDemandKw * (1 + DISPATCH_TOLERANCE))
    return `infeasible: generator minimums of ${kw(b.minimumGenerationKw)} exceed the ${kw(b.maximumDemandKw)} that load and demand can take${tail}`;

  const voltage = elastic(problem, solver, 'voltage', true);
  const branch = elastic(problem, solver, 'branch', true);
  if (voltage.failed || branch.failed) return `infeasible: the feeder's voltage and branch limits cannot be met (which of them could not be told: ${voltage.failed ?? branch.failed})${tail}`;
  if (voltage.text !== undefined && branch.text === undefined) return `infeasible: the voltage limits cannot be met (the branch limits can): at the least violation, ${voltage.text}${tail}`;
  if (branch.text !== undefined && voltage.text === undefined) return `infeasible: the branch limits cannot be met (the voltage limits can): at the least excess, ${branch.text}${tail}`;
  if (voltage.text !== undefined && branch.text !== undefined)
    return `infeasible: the voltage and branch limits cannot be met together (either alone can): keeping the branch limits, ${voltage.text}; keeping the voltage limits, ${branch.text}${tail}`;
  const voltageAlone = elastic(problem, solver, 'voltage', false);
  if (voltageAlone.text === undefined) {
    const parts = [problem.groups ? 'generator limits' : '', problem.reactiveSources?.count ? 'reactive sources' : '', problem.block?.losses ? 'linearised losses' : ''].filter((s) => s !== '');
    return `infeasible even with the feeder's voltage and branch limits lifted: the offers' bounds${parts.map((p) => `, ${p}`).join('')} and the balance of active and reactive power at each bus cannot all hold (fixed load ${kw(b.fixedLoadKw)}, supply up to ${kw(b.supplyKw)})${tail}`;
  }
  const branchAlone = elastic(problem, solver, 'branch', false);
  return `infeasible: neither the voltage limits nor the branch limits can be met, each on its own: at the least violation, ${voltageAlone.text}; at the least excess, ${branchAlone.text ?? 'the branch limits (not located)'}${tail}`;
}

/** What an elastic programme found: `text` names the violations (undefined: infeasible, the other family is to blame), `failed` a solver failure. */
interface Elastic {
  readonly text?: string;
  readonly failed?: string;
}

/**
 * Solves `problem` with `family`'s limits elastic (see the header), the other family's kept
 * (`keepOther`) or lifted, and names the violations at the optimum.
 */
function elastic(problem: FeederProblem, solver: LpSolver, family: 'voltage' | 'branch', keepOther: boolean): Elastic {
  const builder = new LpBuilder();
  const block = { ...problem.block, voltageLimits: family === 'voltage' ? false : keepOther, lineLimits: family === 'branch' ? false : keepOther };
  const layout = appendFeederProgram(builder, { ...problem, block });
  const slackFrom = builder.numCols;
  const where = family === 'voltage' ? voltageSlacks(builder, problem, layout) : branchSlacks(builder, problem, layout);
  const built = builder.build('min');
  // Phase 1: only the slacks are priced.
  const colCost = new Float64Array(built.numCols);
  colCost.fill(1, slackFrom);
  const lp: LinearProgram = { ...built, colCost };
  const solution = solver.solve(lp, { duals: false });
  if (solution.status === 'infeasible') return {};
  if (solution.status !== 'optimal') return { failed: `${solution.status}: ${solution.message}` };
  return { text: where(solution) };
}

/** One bus's or branch's slack at an elastic optimum, and how a message names it. */
export interface SlackReading {
  /** p.u.² for a bus, kW per kW of limit for a branch (what `ranked` compares). */
  readonly slack: number;
  readonly text: string;
}

/** Adds the voltage slacks; returns how to name the violations of a solution. */
function voltageSlacks(builder: LpBuilder, problem: FeederProblem, layout: FeederLayout): (s: LpSolution) => string {
  const read = appendVoltageSlacks(builder, problem.feeder, layout.block);
  return (s) => describeSlacks(read(s.colValue), 'buses');
}

/**
 * Adds, for every bus k ≠ root of `block` (one LinDistFlow block in `builder`), two slack columns
 * and the row vmin_k² ≤ w_k + s⁻_k − s⁺_k ≤ vmax_k²; returns the reading of each bus from a
 * solution's columns (indexed as `builder`'s). Also used per interval by the day-ahead diagnosis
 * (market/dayAhead/infeasibility.ts), with the columns of one interval's block.
 */
export function appendVoltageSlacks(builder: LpBuilder, feeder: RadialFeeder, block: LinDistFlowLayout): (x: ArrayLike<number>) => SlackReading[] {
  const buses: number[] = [];
  const slackCol: number[] = [];
  for (const k of feeder.order) {
    if (k === feeder.root) continue;
    const hi = builder.addColumn(0, Infinity);
    const lo = builder.addColumn(0, Infinity);
    const row = builder.addRow(feeder.vMinPu[k]! ** 2, feeder.vMaxPu[k]! ** 2);
    builder.add(row, block.wCol[k]!, 1);
    builder.add(row, hi, -1);
    builder.add(row, lo, 1);
    buses.push(k);
    slackCol.push(hi);
  }
  return (x) =>
    buses.map((k, i) => {
      const above = x[slackCol[i]!]!;
      const below = x[slackCol[i]! + 1]!;
      const vm = Math.sqrt(Math.max(0, x[block.wCol[k]!]!));
      const id = feeder.busIds[k]!;
      const text = above >= below ? `bus '${id}' is at ${vm.toFixed(4)} p.u., above its vMaxPu ${feeder.vMaxPu[k]}` : `bus '${id}' is at ${vm.toFixed(4)} p.u., below its vMinPu ${feeder.vMinPu[k]}`;
      return { slack: Math.max(above, below), text };
    });
}

/** Adds the branch slacks; returns how to name the violations of a solution. */
function branchSlacks(builder: LpBuilder, problem: FeederProblem, layout: FeederLayout): (s: LpSolution) => string {
  const read = appendBranchSlacks(builder, problem.feeder, layout.block, problem.unitKw ?? 1, problem.block?.lineLimit === 'apparent');
  return (s) => describeSlacks(read(s.colValue), 'branches');
}

/**
 * Adds, for every limited branch of `block`, a slack column e and |P| ≤ L + e (or each side of the
 * apparent-power polygon); returns the reading of each branch from a solution's columns. Also used
 * per interval by the day-ahead diagnosis.
 */
export function appendBranchSlacks(builder: LpBuilder, feeder: RadialFeeder, b: LinDistFlowLayout, U: number, apparent: boolean): (x: ArrayLike<number>) => SlackReading[] {
  const sides = 2 * b.polygonRows;
  const shrink = apparent ? Math.cos(Math.PI / sides) : 1;
  const buses: number[] = [];
  const slackCol: number[] = [];
  for (const k of feeder.order) {
    if (k === feeder.root || !Number.isFinite(feeder.limitKw[k]!)) continue;
    const e = builder.addColumn(0, Infinity);
    const edge = (feeder.limitKw[k]! / U) * shrink;
    const side = (cos: number, sin: number): void => {
      // −edge ≤ cos P + sin Q + e and cos P + sin Q − e ≤ edge: |cos P + sin Q| ≤ edge + e.
      const up = builder.addRow(-Infinity, edge);
      const down = builder.addRow(-edge, Infinity);
      for (const [row, sign] of [[up, -1], [down, 1]] as const) {
        builder.add(row, b.pFlowCol[k]!, cos);
        if (b.qFlowCol[k]! >= 0) builder.add(row, b.qFlowCol[k]!, sin);
        builder.add(row, e, sign);
      }
    };
    if (apparent) for (let s = 0; s < b.polygonRows; s++) side(b.polygonCos[s]!, b.polygonSin[s]!);
    else side(1, 0);
    buses.push(k);
    slackCol.push(e);
  }
  return (x) =>
    buses.map((k, i) => {
      const id = feeder.network.branches[feeder.parentBranch[k]!]!.id;
      const pKw = Math.abs(x[b.pFlowCol[k]!]! * U);
      const slack = x[slackCol[i]!]! / Math.max(1, feeder.limitKw[k]! / U);
      if (!apparent) return { slack, text: `branch '${id}' carries ${kw(pKw)}, over its ${kw(feeder.limitKw[k]!)} limit` };
      const qKvar = b.qFlowCol[k]! >= 0 ? Math.abs(x[b.qFlowCol[k]!]! * U) : 0;
      return { slack, text: `branch '${id}' carries ${kw(pKw)} and ${num(qKvar)} kvar (${num(Math.hypot(pKw, qKvar))} kVA), over its ${num(feeder.limitKw[k]!)} kVA limit (a ${sides}-sided polygon)` };
    });
}

/** Whether any reading is above the tolerance (a violation rather than the solver's rounding). */
export function anyViolation(readings: readonly SlackReading[]): boolean {
  return readings.some((r) => r.slack > SLACK_TOLERANCE);
}

/** The readings above the tolerance, worst first (the worst alone if none is), the first `NAMED` of them and how many more. */
export function describeSlacks(readings: readonly SlackReading[], what: string): string {
  const worst = ranked(readings, (r) => r.slack);
  return named(
    worst.map((r) => r.text),
    worst.length,
    what,
  );
}

/** The entries whose slack is above the tolerance, largest first (ties by position); the largest alone if none is. */
function ranked<T>(found: readonly T[], slack: (t: T) => number): T[] {
  const order = found.map((t, i) => ({ t, i, v: slack(t) })).sort((a, c) => c.v - a.v || a.i - c.i);
  const over = order.filter((o) => o.v > SLACK_TOLERANCE);
  return (over.length > 0 ? over : order.slice(0, 1)).map((o) => o.t);
}

/** The first `NAMED` descriptions, and how many more. */
function named(texts: readonly string[], count: number, what: string): string {
  const shown = texts.slice(0, NAMED).join(', ');
  return count > NAMED ? `${shown}, and ${count - NAMED} more ${what}` : shown;
}

function num(v: number): string {
  return `${Number(v.toPrecision(6))}`;
}

function kw(v: number): string {
  return `${num(v)} kW`;
}
