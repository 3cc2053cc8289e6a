/**
 * Why a day-ahead programme (market/dayAhead/program.ts) is infeasible, in the market's own
 * terms: which interval, which generator, bus or branch, with numbers. Asked only when the
 * solver proved the horizon infeasible (market/dayAhead/clear.ts), so a horizon that clears
 * pays nothing for it.
 *
 * What can make a day-ahead horizon infeasible: every simple bid, charge, discharge and
 * block may be zero and a storage or EV need is soft (a priced shortfall), so only
 *  - a ramp limit with `initialKw`: its generator must sell at least initialKw − (t+1)·rampDownKw
 *    in interval t, and someone must take it; and
 *  - on a radial feeder, a bus's voltage band that no dispatch can meet (a substation voltage
 *    above a bus's vMaxPu with nothing to buy downstream), or a branch that cannot carry what a
 *    ramp forces through it.
 *
 * The checks, cheapest first:
 * 1. Ramps, no solve: per interval, the output the ramp limits force against everything that
 *    can take power then (every buy at its quantity, every battery plugged in charging at its
 *    maximum, every block or shiftable option's withdrawal).
 * 2. On a feeder, the real-time diagnosis's two phase-1 (elastic) programmes
 *    (market/lp/feederInfeasibility.ts), over the whole horizon: each interval's block with
 *    its voltage band (or its branch limits) softened by slacks that alone carry a cost, the
 *    horizon's batteries, ramps and blocks kept. The verdicts are the real-time ones; the
 *    slacks at the optimum name the intervals (up to 3, worst first, "and N more") and in each
 *    the buses (the voltage the feeder comes closest to, against which band) or the branches
 *    (the flow, against which limit).
 * On a DC network: after the ramp check, one phase-1 programme with every branch's limit row
 * elastic (a slack each way, the only cost), which names the intervals and the branches.
 *
 * Example (test/market/dayAhead/infeasibility.spec.ts): substation 1.05 p.u., bus b2 limited
 * to 1.03, a 1000 kW buy at b2 in intervals 0 and 2 and none in 1: "the voltage limits cannot
 * be met (the branch limits can): at the least violation, interval 1: bus 'b2' is at 1.0500
 * p.u., above its vMaxPu 1.03".
 *
 * Pure: the same programme and solver give the same message.
 */
import type { RadialFeeder } from '../../network/radial.ts';
import { appendBranchSlacks, appendVoltageSlacks, describeSlacks, type SlackReading } from '../lp/feederInfeasibility.ts';
import type { LinearProgram, LpSolver } from '../lp/solver.ts';
import type { NetworkBlock } from '../lp/networkBlock.ts';
import type { Network } from '../../network/types.ts';
import { linDistFlowGrid } from './feederGrid.ts';
import { buildProgram, type ProgramInput } from './program.ts';

/** Intervals, ramps, buses or branches named in a message; the rest counted. */
const NAMED = 3;
/** kW below this is the solver's rounding, not a shortfall (as DISPATCH_TOLERANCE, relative). */
const RELATIVE_TOLERANCE = 1e-6;

/** The message for an infeasible horizon (`solverMessage`: what the solver said, kept in brackets at the end). */
export function explainDayAheadInfeasibility(input: ProgramInput, feeder: RadialFeeder | undefined, solver: LpSolver, solverMessage: string, dc?: { readonly block: NetworkBlock; readonly network: Network }): string {
  const block = dc?.block;
  const network = dc?.network;
  const tail = ` (${solverMessage})`;
  const ramps = forcedRampOutput(input);
  if (ramps) return `infeasible: ${ramps}${tail}`;
  if (!feeder) {
    if (!block) return `infeasible: the ramp limits' forced output and the batteries' state-of-charge limits cannot balance in every interval${tail}`;
    const dc = elasticDc(input, block, network!, solver);
    if (dc.failed) return `infeasible: the grid's branch limits cannot be met (where could not be told: ${dc.failed})${tail}`;
    if (dc.text === undefined) return `infeasible even with the grid's branch limits lifted: the ramp limits' forced output and the batteries' state-of-charge limits cannot balance in every interval${tail}`;
    return `infeasible: the branch limits cannot be met: at the least excess, ${dc.text}${tail}`;
  }

  const voltage = elastic(input, feeder, solver, 'voltage', true);
  const branch = elastic(input, feeder, solver, 'branch', true);
  if (voltage.failed || branch.failed) return `infeasible: the feeder's voltage and branch limits cannot be met (which of them could not be told: ${voltage.failed ?? branch.failed})${tail}`;
  if (voltage.text !== undefined && branch.text === undefined) return `infeasible: the voltage limits cannot be met (the branch limits can): at the least violation, ${voltage.text}${tail}`;
  if (branch.text !== undefined && voltage.text === undefined) return `infeasible: the branch limits cannot be met (the voltage limits can): at the least excess, ${branch.text}${tail}`;
  if (voltage.text !== undefined && branch.text !== undefined)
    return `infeasible: the voltage and branch limits cannot be met together (either alone can): keeping the branch limits, ${voltage.text}; keeping the voltage limits, ${branch.text}${tail}`;
  const voltageAlone = elastic(input, feeder, solver, 'voltage', false);
  if (voltageAlone.text === undefined)
    return `infeasible even with the feeder's voltage and branch limits lifted: the ramp limits, the batteries' state-of-charge limits and what the bids can take cannot balance in every interval${tail}`;
  const branchAlone = elastic(input, feeder, solver, 'branch', false);
  return `infeasible: neither the voltage limits nor the branch limits can be met, each on its own: at the least violation, ${voltageAlone.text}; at the least excess, ${branchAlone.text ?? 'the branch limits (not located)'}${tail}`;
}

/**
 * The first interval where the ramp limits force more output than everything there can take,
 * described; undefined when there is none. Forced output of a ramp with `initialKw` in horizon
 * position t: max(0, initialKw − (t + 1) × rampDownKw), a lower bound of its ramp rows.
 */
function forcedRampOutput(input: ProgramInput): string | undefined {
  const { horizon, simple, batteries, ramps, quantumKw: q } = input;
  const integers = input.integers ?? [];
  const bad: string[] = [];
  let first = '';
  for (let t = 0; t < horizon.intervalCount; t++) {
    let forced = 0;
    const who: string[] = [];
    for (const r of ramps) {
      if (r.initialKw === undefined) continue;
      const kw = r.initialKw - (t + 1) * r.rampDownKw;
      if (!(kw > 0)) continue;
      forced += kw;
      who.push(`'${r.agentId}': ${fmt(kw)} = initialKw ${r.initialKw} − ${t + 1} × rampDownKw ${r.rampDownKw}`);
    }
    if (forced === 0) continue;
    const cols = simple[t]!;
    let take = 0;
    for (let c = 0; c < cols.count; c++) if (cols.isBuy[c]) take += cols.quanta[c]! * q;
    for (const b of batteries) if (b.from <= t && t <= b.to) take += b.bid.maxChargeKw;
    for (const b of integers) {
      let most = 0;
      for (const o of b.options) {
        const kw = t >= o.from && t < o.from + o.netKw.length ? o.netKw[t - o.from]! : 0;
        most = Math.max(most, kw);
      }
      take += most;
    }
    if (forced <= take + RELATIVE_TOLERANCE * Math.max(1, forced)) continue;
    const interval = horizon.firstInterval + t;
    if (bad.length === 0) {
      const listed = who.length > NAMED ? `${who.slice(0, NAMED).join(', ')} and ${who.length - NAMED} more` : who.join(', ');
      first = `in interval ${interval} the ramp limits make generators sell at least ${fmt(forced)} (${listed}), more than the ${fmt(take)} that every buy, charging battery and block there can take together`;
    }
    bad.push(String(interval));
  }
  if (bad.length === 0) return undefined;
  return bad.length === 1 ? first : `${first}; so too in ${bad.length - 1} more interval${bad.length > 2 ? 's' : ''} (${listOf(bad.slice(1))})`;
}

interface Elastic {
  readonly text?: string;
  readonly failed?: string;
}

/**
 * The whole horizon with `family`'s limits elastic in every interval (the other family kept, or
 * lifted), only the slacks priced; names the intervals with a violation and, in each, where.
 * Integer columns are kept (HiGHS solves the phase-1 MIP; zero is always one of its options).
 */
function elastic(input: ProgramInput, feeder: RadialFeeder, solver: LpSolver, family: 'voltage' | 'branch', keepOther: boolean): Elastic {
  let slackFrom = 0;
  let read: (x: ArrayLike<number>) => SlackReading[] = () => [];
  const limits = { voltageLimits: family === 'voltage' ? false : keepOther, lineLimits: family === 'branch' ? false : keepOther };
  const { grid } = linDistFlowGrid(feeder, limits, (builder, layout) => {
    slackFrom = builder.numCols;
    read = family === 'voltage' ? appendVoltageSlacks(builder, feeder, layout) : appendBranchSlacks(builder, feeder, layout, layout.unitKw, false);
  });
  const { lp, layout } = buildProgram({ ...input, grid });
  // Phase 1: only the slacks are priced.
  const colCost = new Float64Array(lp.numCols);
  for (let t = 0; t < input.horizon.intervalCount; t++) colCost.fill(1, layout.gridCol[t]! + slackFrom, layout.gridCol[t]! + grid.numCols);
  const { hessianDiagonal: _none, ...rest } = lp;
  const phase1: LinearProgram = { ...rest, sense: 'min', offset: 0, colCost };
  const solution = solver.solve(phase1, { duals: false });
  if (solution.status === 'infeasible') return {};
  if (solution.status !== 'optimal') return { failed: `${solution.status}: ${solution.message}` };
  const what = family === 'voltage' ? 'buses' : 'branches';
  const found: { interval: number; worst: number; text: string }[] = [];
  for (let t = 0; t < input.horizon.intervalCount; t++) {
    const readings = read(solution.colValue.subarray(layout.gridCol[t]!));
    const worst = readings.reduce((a, r) => Math.max(a, r.slack), 0);
    found.push({ interval: input.horizon.firstInterval + t, worst, text: describeSlacks(readings, what) });
  }
  return { text: intervalsText(found) };
}

/** The intervals with a violation, worst first (ties in time order; the worst alone if none is above the tolerance), the first `NAMED` described. */
function intervalsText(found: readonly { readonly interval: number; readonly worst: number; readonly text: string }[]): string {
  const order = found.map((f, i) => ({ f, i })).sort((a, b) => b.f.worst - a.f.worst || a.i - b.i);
  const over = order.filter((o) => o.f.worst > SLACK_TOLERANCE);
  const shown = (over.length > 0 ? over : order.slice(0, 1)).map((o) => o.f);
  const texts = shown.slice(0, NAMED).map((f) => `interval ${f.interval}: ${f.text}`);
  return shown.length > NAMED ? `${texts.join('; ')}; and ${shown.length - NAMED} more intervals (${listOf(shown.slice(NAMED).map((f) => String(f.interval)))})` : texts.join('; ');
}

/**
 * The DC horizon with every limit row of the network block elastic (lower ≤ flow − e⁺ + e⁻ ≤ upper, only e priced):
 * infeasible → the branch limits are not to blame; optimal → the intervals and branches over their limits.
 */
function elasticDc(input: ProgramInput, block: NetworkBlock, network: Network, solver: LpSolver): Elastic {
  const F = block.numRows - block.limitRow;
  const { starts, rows, values } = block.columns;
  const own = block.numCols;
  const nnz = starts[own]!;
  const grid = {
    ...block,
    numCols: own + 2 * F,
    colLower: Float64Array.from({ length: own + 2 * F }, (_, c) => (c < own ? block.colLower[c]! : 0)),
    colUpper: Float64Array.from({ length: own + 2 * F }, (_, c) => (c < own ? block.colUpper[c]! : Infinity)),
    columns: {
      starts: Int32Array.from({ length: own + 2 * F + 1 }, (_, c) => (c <= own ? starts[c]! : nnz + (c - own))),
      rows: Int32Array.from({ length: nnz + 2 * F }, (_, p) => (p < nnz ? rows[p]! : block.limitRow + ((p - nnz) >> 1))),
      values: Float64Array.from({ length: nnz + 2 * F }, (_, p) => (p < nnz ? values[p]! : (p - nnz) % 2 === 0 ? -1 : 1)),
    },
  };
  const { lp, layout } = buildProgram({ ...input, grid });
  const colCost = new Float64Array(lp.numCols);
  for (let t = 0; t < input.horizon.intervalCount; t++) colCost.fill(1, layout.gridCol[t]! + own, layout.gridCol[t]! + own + 2 * F);
  const { hessianDiagonal: _none, ...rest } = lp;
  const solution = solver.solve({ ...rest, sense: 'min', offset: 0, colCost }, { duals: false });
  if (solution.status === 'infeasible') return {};
  if (solution.status !== 'optimal') return { failed: `${solution.status}: ${solution.message}` };
  const U = block.unitKw;
  const { topology } = block;
  const found: { interval: number; worst: number; text: string }[] = [];
  for (let t = 0; t < input.horizon.intervalCount; t++) {
    const readings: SlackReading[] = [];
    for (let f = 0; f < F; f++) {
      const up = solution.colValue[layout.gridCol[t]! + own + 2 * f]!;
      const down = solution.colValue[layout.gridCol[t]! + own + 2 * f + 1]!;
      const row = block.limitRow + f;
      const l = topology.limited[f]!;
      const id = network.branches[l]!.id;
      // The row's activity the programme needs, the slacks taken back out: b·(θ_from − θ_to) plus, in PTDF form, the flow
      // the fixed withdrawals drive (`moved`). The branch's flow is that less b·φ (a phase shifter's part) and `moved`.
      const activity = solution.rowValue[layout.gridRow[t]! + row]! + up - down;
      const moved = movedOf(block, f);
      const flowKw = (activity - moved) * U - topology.susceptanceKw[l]! * topology.shiftRad[l]!;
      // Which bound it breaks: the thermal limit where that is the row's bound, else an angle limit.
      const thermal = up >= down ? block.rowUpper[row] === block.thermalUpper[f] : block.rowLower[row] === block.thermalLower[f];
      const limitKw = topology.limitKw[l]!;
      let text: string;
      if (thermal) text = `branch '${id}' carries ${fmt(Math.abs(flowKw))}, over its ${fmt(limitKw)} limit`;
      else {
        const deg = (((activity - moved) * U) / topology.susceptanceKw[l]!) * (180 / Math.PI);
        const below = deg < topology.angleMinRad[l]! * (180 / Math.PI);
        text = `branch '${id}' is at an angle difference of ${fmtDeg(deg)}, ${below ? `below its angleMinDeg ${fmtDeg(topology.angleMinRad[l]! * (180 / Math.PI))}` : `above its angleMaxDeg ${fmtDeg(topology.angleMaxRad[l]! * (180 / Math.PI))}`}`;
      }
      const boundLp = Math.abs(up >= down ? block.rowUpper[row]! : block.rowLower[row]!);
      readings.push({ slack: (up + down) / Math.max(1, Number.isFinite(limitKw) && thermal ? limitKw / U : boundLp), text });
    }
    found.push({ interval: input.horizon.firstInterval + t, worst: readings.reduce((a, r) => Math.max(a, r.slack), 0), text: describeSlacks(readings, 'branches') });
  }
  return { text: intervalsText(found) };
}

/**
 * Limit row f's offset from the fixed withdrawals (PTDF form: PTDF × the phase shifters' outflow and fixed load, LP units;
 * 0 in B-θ form), read back from the bounds `dcNetworkBlock` built: the thermal bounds are b·φ + moved ± L, and with no
 * thermal limit the angle bound is b·angle + moved.
 */
function movedOf(block: NetworkBlock, f: number): number {
  const { topology } = block;
  const l = topology.limited[f]!;
  const U = block.unitKw;
  const lo = block.thermalLower[f]!;
  const hi = block.thermalUpper[f]!;
  if (Number.isFinite(lo) && Number.isFinite(hi)) return (lo + hi) / 2 - (topology.susceptanceKw[l]! * topology.shiftRad[l]!) / U;
  const b = topology.susceptanceKw[l]!;
  const a1 = (b * topology.angleMinRad[l]!) / U;
  const a2 = (b * topology.angleMaxRad[l]!) / U;
  const row = block.limitRow + f;
  const low = Math.min(a1, a2);
  return Number.isFinite(low) ? block.rowLower[row]! - low : block.rowUpper[row]! - Math.max(a1, a2);
}

/** As market/lp/feederInfeasibility.ts's: slack below this is the solver's tolerance, not a violation. */
const SLACK_TOLERANCE = 1e-7;

/** Up to ten items, then how many more. */
function listOf(items: readonly string[]): string {
  return items.length > 10 ? `${items.slice(0, 10).join(', ')}, …` : items.join(', ');
}

function fmt(kw: number): string {
  return `${Number(kw.toPrecision(6))} kW`;
}

function fmtDeg(deg: number): string {
  return `${Number(deg.toPrecision(6)) + 0}°`;
}
