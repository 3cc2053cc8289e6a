/**
 * MATPOWER case files (`.m`, format version 1 or 2) read as data and solved as a
 * DC optimal power flow with `dispatch`.
 *
 * ## Reading
 * Only `baseMVA` and the numeric matrices `bus`, `gen`, `branch` and `gencost` are
 * read (as `mpc.bus = [...]` or, version 1, `bus = [...]`); comments (`%`) and any
 * other field are ignored; nothing is evaluated. Rows end at `;` or a line break.
 * Every problem is reported with the file, line and matrix row.
 *
 * ## The DC-OPF
 * - Bus Pd + Gs (MW at 1 p.u. voltage) is fixed load; isolated buses (type 4) and what
 *   hangs on them are left out; the type-3 bus is the reference.
 * - Branch RATE_A is the limit in both directions (0 = none); status 0 takes it out.
 *   Angle-difference limits ANGMIN/ANGMAX apply where the case sets them (MATPOWER's
 *   rule: ≤ −360 / ≥ 360, or both 0, mean none). `branchModel` picks the susceptance:
 *   'matpower' 1/(x·tap) with phase shifts, 'powermodels' x/(r²+x²) without (pitfall 5).
 * - In-service generators get Pmin ≤ Pg ≤ Pmax as a row whose duals are MU_PMIN / MU_PMAX.
 * - gencost model 2 (polynomial): linear exactly; **quadratic exactly, as a convex QP
 *   in HiGHS** (javascript-lp-solver refuses it: LP only); degree above 2 is refused.
 *   Model 1 (piecewise linear, convex): one LP column per segment, the first and last
 *   extended beyond the breakpoints as MATPOWER's cost constraints do. Constant cost
 *   terms are in the objective.
 * The LP is solved in MW (unitKw = 1000); prices come out in $/MWh directly (no
 * division by baseMVA: the balance rows are in MW, not per unit; pitfall 2).
 */
import { readInputFile } from '../../../core/inputFile.ts';
import { applyCaseCode } from './matpowerCode.ts';
import { InputFileError, type InputIssue } from '../../../core/errors.ts';
import { MAX_POWER_KW, MAX_PRICE_MWH } from '../../../core/bounds.ts';
import { createNetwork, NetworkError, type BranchDefinition } from '../../../network/validate.ts';
import type { BranchModel, Network } from '../../../network/types.ts';
import type { TopologyCache } from '../../../network/topology.ts';
import { dispatch, type DispatchOptions, type DispatchProblem, type DispatchResult } from '../dispatch.ts';
import type { LpSolver } from '../solver.ts';

export interface MatpowerCase {
  readonly file: string;
  readonly name: string;
  readonly baseMVA: number;
  readonly bus: readonly (readonly number[])[];
  readonly gen: readonly (readonly number[])[];
  readonly branch: readonly (readonly number[])[];
  readonly gencost: readonly (readonly number[])[];
  /** The unit conversions the file's code applied, in words (market/lp/cases/matpowerCode.ts); empty for most cases. */
  readonly conversions?: readonly string[];
  /** 1-based line of each matrix row, for messages. */
  readonly lines: { readonly bus: readonly number[]; readonly gen: readonly number[]; readonly branch: readonly number[]; readonly gencost: readonly number[] };
}

// MATPOWER column indices (0-based), from MATPOWER's idx_bus / idx_gen / idx_brch / idx_cost.
const BUS_I = 0, BUS_TYPE = 1, PD = 2, GS = 4;
const GEN_BUS = 0, GEN_STATUS = 7, PMAX = 8, PMIN = 9;
const F_BUS = 0, T_BUS = 1, BR_R = 2, BR_X = 3, RATE_A = 5, TAP = 8, SHIFT = 9, BR_STATUS = 10, ANGMIN = 11, ANGMAX = 12;
const MODEL = 0, NCOST = 3, COST = 4;
const PW_LINEAR = 1, POLYNOMIAL = 2;
const REF = 3, ISOLATED = 4;

const MIN_COLUMNS = { bus: 13, gen: 10, branch: 11, gencost: 4 } as const;
type MatrixName = keyof typeof MIN_COLUMNS;

export function readMatpowerFile(file: string): MatpowerCase {
  return parseMatpower(readInputFile(file, 'case file'), file);
}

/** Stands for a line break after `...` inside a matrix: the row goes on (a character no case text holds). */
const CONTINUED = '\u0001';

/** Parses MATPOWER case text. Throws `InputFileError` listing every problem. */
export function parseMatpower(text: string, file: string): MatpowerCase {
  const issues: InputIssue[] = [];
  // Blank out comments, keeping offsets (and so line numbers) intact.
  const clean = text.replace(/%[^\n]*/g, (c) => ' '.repeat(c.length));
  const lineAt = (offset: number): number => {
    let line = 1;
    for (let i = 0; i < offset; i++) if (clean.charCodeAt(i) === 10) line++;
    return line;
  };
  const nameMatch = /^\s*function\s+(?:\[[^\]]*\]|\w+)\s*=\s*(\w+)/m.exec(clean);
  const baseMatch = /^\s*(?:mpc\.)?baseMVA\s*=\s*([^;\n]+)/m.exec(clean);
  let baseMVA = NaN;
  if (!baseMatch) issues.push({ path: 'baseMVA', message: 'missing: expected a line such as `mpc.baseMVA = 100;`' });
  else {
    baseMVA = Number(baseMatch[1]!.trim());
    if (!(Number.isFinite(baseMVA) && baseMVA > 0)) issues.push({ path: 'baseMVA', message: `must be a positive number, got '${baseMatch[1]!.trim()}'`, line: lineAt(baseMatch.index) });
  }
  const matrices: Record<MatrixName, number[][]> = { bus: [], gen: [], branch: [], gencost: [] };
  const lines: Record<MatrixName, number[]> = { bus: [], gen: [], branch: [], gencost: [] };
  for (const name of Object.keys(MIN_COLUMNS) as MatrixName[]) {
    const re = new RegExp(`^\\s*(?:mpc\\.)?${name}\\s*=\\s*\\[`, 'gm');
    const all = [...clean.matchAll(re)];
    // MATLAB keeps the last assignment: reading the first of two would solve another case than MATPOWER's.
    if (all.length > 1) {
      issues.push({ path: name, message: `defined ${all.length} times (lines ${all.map((d) => lineAt(d.index)).join(', ')}): MATPOWER would use the last; keep one definition`, line: lineAt(all[1]!.index) });
      continue;
    }
    const m = all[0];
    if (!m) {
      issues.push({ path: name, message: `missing: expected a matrix \`mpc.${name} = [ … ];\`${name === 'gencost' ? ' (costs are needed for an OPF)' : ''}` });
      continue;
    }
    const open = m.index + m[0].length;
    const close = clean.indexOf(']', open);
    if (close < 0) {
      issues.push({ path: name, message: 'the matrix is not closed with ]', line: lineAt(m.index) });
      continue;
    }
    let line = lineAt(open);
    let width = -1;
    // Rows end at ';' or a line break; '...' continues a line (its line break becomes CONTINUED: counted, not a row's end).
    if (clean.slice(open, close).includes(CONTINUED)) {
      issues.push({ path: name, message: 'holds a control character (U+0001): not a MATPOWER matrix', line: lineAt(m.index) });
      continue;
    }
    const body = clean.slice(open, close).replace(/\.\.\.[^\n]*\n/g, (c) => `${' '.repeat(c.length - 1)}${CONTINUED}`);
    let rowStartLine = line;
    let current = '';
    const flush = (): void => {
      const cells = current.trim();
      current = '';
      if (cells === '') return;
      const tokens = cells.split(/[\s,]+/);
      const row: number[] = [];
      for (const t of tokens) {
        const v = parseNumber(t);
        if (v === undefined) {
          issues.push({ path: `${name}[${matrices[name].length + 1}]`, message: `'${t}' is not a number`, line: rowStartLine });
          return;
        }
        row.push(v);
      }
      const at = `${name}[${matrices[name].length + 1}]`;
      if (row.length < MIN_COLUMNS[name]) issues.push({ path: at, message: `has ${row.length} columns, expected at least ${MIN_COLUMNS[name]}`, line: rowStartLine });
      else if (width >= 0 && row.length !== width && name !== 'gencost') issues.push({ path: at, message: `has ${row.length} columns, the rows above have ${width}`, line: rowStartLine });
      if (width < 0) width = row.length;
      matrices[name].push(row);
      lines[name].push(rowStartLine);
    };
    for (const ch of body) {
      if (ch === CONTINUED) {
        line++;
        current += ' ';
        continue;
      }
      if (ch === ';' || ch === '\n') {
        if (current.trim() !== '') flush();
        else current = '';
        if (ch === '\n') line++;
        rowStartLine = line;
        continue;
      }
      if (current.trim() === '' && ch.trim() === '') {
        current = '';
        continue;
      }
      if (current === '') rowStartLine = line;
      current += ch;
    }
    flush();
  }
  if (issues.length === 0) {
    if (matrices.bus.length === 0) issues.push({ path: 'bus', message: 'has no rows' });
    if (matrices.gen.length === 0) issues.push({ path: 'gen', message: 'has no rows' });
    if (matrices.gencost.length < matrices.gen.length)
      issues.push({ path: 'gencost', message: `has ${matrices.gencost.length} rows, expected one per generator (${matrices.gen.length})` });
  }
  if (issues.length > 0) throw new InputFileError(file, issues);
  // Code besides the data: MATPOWER's unit conversions are applied, anything else refused.
  const code = applyCaseCode(clean, { baseMVA, bus: matrices.bus, branch: matrices.branch });
  if (code.issues.length > 0) throw new InputFileError(file, code.issues);
  return { file, name: nameMatch?.[1] ?? file, baseMVA, ...matrices, bus: code.matrices.bus, branch: code.matrices.branch, lines, conversions: code.applied };
}

function parseNumber(t: string): number | undefined {
  if (/^[+-]?inf$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

/** One in-service generator of the OPF. */
export interface OpfGenerator {
  /** 1-based row in the case's gen matrix. */
  readonly row: number;
  readonly bus: number;
  readonly pminMw: number;
  readonly pmaxMw: number;
  /** Marginal cost function for checks: cost segments [fromMw, toMw, $/MWh at fromMw, slope $/MWh per MW]. */
  readonly segments: readonly { readonly fromMw: number; readonly toMw: number; readonly priceMwh: number; readonly slopePerMw: number }[];
}

export interface OpfProblem {
  readonly case: MatpowerCase;
  readonly branchModel: BranchModel;
  readonly network: Network;
  /** The case's bus number of each network bus. */
  readonly busNumbers: readonly number[];
  /** The 1-based branch row of each network branch. */
  readonly branchRows: readonly number[];
  readonly generators: readonly OpfGenerator[];
  /**
   * The isolated (type 4) buses left out, in bus-matrix order, with what went with them: their
   * fixed load (Pd + Gs, MW) and the 1-based rows of the in-service generators and branches
   * at them. MATPOWER drops them too; callers say so, since that load is in no figure.
   */
  readonly isolated: readonly { readonly bus: number; readonly loadMw: number; readonly genRows: readonly number[]; readonly branchRows: readonly number[] }[];
  readonly problem: DispatchProblem;
}

/** Builds the DC-OPF of a parsed case. Throws `InputFileError` for data the OPF cannot take. */
export function matpowerOpf(mpc: MatpowerCase, branchModel: BranchModel, opts: { topologyCache?: TopologyCache } = {}): OpfProblem {
  const issues: InputIssue[] = [];
  const at = (name: MatrixName, r: number): { path: string; line?: number } => ({ path: `${name}[${r + 1}]`, ...(mpc.lines[name][r] !== undefined ? { line: mpc.lines[name][r] } : {}) });
  const isolated = new Set<number>();
  const busRow = new Map<number, number>();
  // Every MW value must be one the LP can hold (bounded like scenario powers: core/bounds.ts); ±Inf only where MATPOWER means "no limit".
  const maxMw = MAX_POWER_KW / 1000;
  const bounded = (name: MatrixName, r: number, what: string, v: number, infOk = false): void => {
    if (Number.isNaN(v) || (!infOk && !Number.isFinite(v)) || (Number.isFinite(v) && Math.abs(v) > maxMw))
      issues.push({ ...at(name, r), message: `${what} ${v} MW is not a number the engine can use (|value| ≤ ${maxMw.toExponential(0)} MW${infOk ? ', or Inf' : ''})` });
  };
  mpc.bus.forEach((b, r) => {
    bounded('bus', r, 'Pd', b[PD]!);
    bounded('bus', r, 'Gs', b[GS]!);
  });
  mpc.gen.forEach((g, r) => {
    bounded('gen', r, 'Pmin', g[PMIN]!, true);
    bounded('gen', r, 'Pmax', g[PMAX]!, true);
  });
  mpc.branch.forEach((br, r) => bounded('branch', r, 'RATE_A', br[RATE_A]!));
  mpc.gencost.forEach((c, r) => {
    if (c.some((v) => !Number.isFinite(v) || Math.abs(v) > MAX_PRICE_MWH * 1e6)) issues.push({ ...at('gencost', r), message: 'has a value that is not finite or beyond ±1e13: costs must be finite numbers' });
  });
  mpc.bus.forEach((b, r) => {
    const id = b[BUS_I]!;
    if (!Number.isInteger(id) || id <= 0) issues.push({ ...at('bus', r), message: `bus number must be a positive integer, got ${id}` });
    if (busRow.has(id)) issues.push({ ...at('bus', r), message: `duplicate bus number ${id} (also row ${busRow.get(id)! + 1})` });
    busRow.set(id, r);
    if (b[BUS_TYPE] === ISOLATED) isolated.add(id);
    else if (![1, 2, 3].includes(b[BUS_TYPE]!)) issues.push({ ...at('bus', r), message: `bus type must be 1, 2, 3 or 4, got ${b[BUS_TYPE]}` });
  });
  const buses = mpc.bus.filter((b) => !isolated.has(b[BUS_I]!));
  const busNumbers = buses.map((b) => b[BUS_I]!);
  const kw = 1000;

  const branchDefs: BranchDefinition[] = [];
  const branchRows: number[] = [];
  const ids = new Map<string, number>();
  mpc.branch.forEach((br, r) => {
    const f = br[F_BUS]!;
    const t = br[T_BUS]!;
    for (const b of [f, t]) if (!busRow.has(b)) issues.push({ ...at('branch', r), message: `connects bus ${b}, which is not in the bus matrix` });
    if (isolated.has(f) || isolated.has(t)) return;
    const base = `${f}-${t}`;
    const k = (ids.get(base) ?? 0) + 1;
    ids.set(base, k);
    const rate = br[RATE_A]!;
    const amin = br.length > ANGMIN ? br[ANGMIN]! : -360;
    const amax = br.length > ANGMAX ? br[ANGMAX]! : 360;
    const noAngle = amin === 0 && amax === 0;
    branchDefs.push({
      id: k === 1 ? base : `${base}#${k}`,
      kind: br[TAP] !== 0 && br[TAP] !== 1 ? 'transformer' : 'line',
      from: String(f),
      to: String(t),
      reactancePu: br[BR_X]!,
      resistancePu: br[BR_R]!,
      limitKw: rate === 0 ? Infinity : rate * kw,
      inService: br[BR_STATUS] !== 0,
      tapRatio: br[TAP] === 0 ? 1 : br[TAP]!,
      phaseShiftDeg: br[SHIFT]!,
      angleMinDeg: noAngle || amin <= -360 ? -Infinity : amin,
      angleMaxDeg: noAngle || amax >= 360 ? Infinity : amax,
    });
    branchRows.push(r + 1);
  });
  if (issues.length > 0) throw new InputFileError(mpc.file, issues);

  let network: Network;
  try {
    network = createNetwork(
      {
        name: mpc.name,
        baseKva: mpc.baseMVA * 1000,
        buses: buses.map((b) => ({ id: String(b[BUS_I]), reference: b[BUS_TYPE] === REF })),
        branches: branchDefs,
      },
      { allowNegativeReactance: true },
    );
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    // Each problem at its matrix row: network branch i is branch row branchRows[i], bus k the k-th non-isolated bus row.
    const busRows = mpc.bus.flatMap((b, r) => (isolated.has(b[BUS_I]!) ? [] : [r]));
    throw new InputFileError(
      mpc.file,
      err.issues.map((i) => {
        const [list, index] = i.path;
        // An island is a case's own choice in MATPOWER terms: type 4 leaves a bus out (see above).
        const hint = / islanded: /.test(i.message) ? '; set a bus type to 4 (isolated) to leave it out with its load and generators' : '';
        const message = `${i.element}: ${i.message.replace('reference: true', 'type 3')}${hint}`;
        if (list === 'branches' && typeof index === 'number') return { ...at('branch', branchRows[index]! - 1), message };
        if (list === 'buses' && typeof index === 'number') return { ...at('bus', busRows[index]!), message };
        if (list === 'buses') return { path: 'bus', ...(mpc.lines.bus[0] !== undefined ? { line: mpc.lines.bus[0] } : {}), message: i.message.replace('reference: true', 'type 3') };
        return { path: i.element, message: `${i.message}${hint}` };
      }),
    );
  }
  const busIndex = new Map(busNumbers.map((b, i) => [b, i]));

  const fixedLoadKw = new Float64Array(buses.length);
  buses.forEach((b, i) => (fixedLoadKw[i] = (b[PD]! + b[GS]!) * kw));

  // Generators: one group each, one column per cost segment.
  const offerBus: number[] = [];
  const offerPrice: number[] = [];
  const offerSlope: number[] = [];
  const offerLower: number[] = [];
  const offerUpper: number[] = [];
  const offerGroup: number[] = [];
  const groupLower: number[] = [];
  const groupUpper: number[] = [];
  const generators: OpfGenerator[] = [];
  let constant = 0;
  mpc.gen.forEach((g, r) => {
    if (!(g[GEN_STATUS]! > 0)) return;
    const bus = g[GEN_BUS]!;
    if (!busRow.has(bus)) {
      issues.push({ ...at('gen', r), message: `is at bus ${bus}, which is not in the bus matrix` });
      return;
    }
    if (isolated.has(bus)) return;
    const pmin = g[PMIN]!;
    const pmax = g[PMAX]!;
    if (!(pmin <= pmax)) issues.push({ ...at('gen', r), message: `Pmin ${pmin} MW is above Pmax ${pmax} MW` });
    const cost = mpc.gencost[r]!;
    const segments = costSegments(cost, (message) => issues.push({ ...at('gencost', r), message }));
    if (!segments) return;
    const group = groupLower.length;
    groupLower.push(pmin * kw);
    groupUpper.push(pmax * kw);
    constant += segments.constant;
    for (const s of segments.columns) {
      offerBus.push(busIndex.get(bus)!);
      offerPrice.push(s.priceMwh);
      offerSlope.push(s.slopePerMw / kw);
      offerLower.push(s.lowerMw * kw);
      offerUpper.push(s.upperMw * kw);
      offerGroup.push(group);
    }
    generators.push({ row: r + 1, bus, pminMw: pmin, pmaxMw: pmax, segments: segments.marginal });
  });
  if (issues.length > 0) throw new InputFileError(mpc.file, issues);
  const count = offerBus.length;
  const problem: DispatchProblem = {
    network,
    branchModel,
    unitKw: 1000,
    offers: {
      count,
      bus: Int32Array.from(offerBus),
      isBuy: new Uint8Array(count),
      priceMwh: Float64Array.from(offerPrice),
      lowerKw: Float64Array.from(offerLower),
      upperKw: Float64Array.from(offerUpper),
      ...(offerSlope.some((s) => s !== 0) ? { slopeMwhPerKw: Float64Array.from(offerSlope) } : {}),
      group: Int32Array.from(offerGroup),
    },
    groups: { count: groupLower.length, lowerKw: Float64Array.from(groupLower), upperKw: Float64Array.from(groupUpper) },
    fixedLoadKw,
    constantCostPerH: constant,
    ...(opts.topologyCache ? { topologyCache: opts.topologyCache } : {}),
  };
  return { case: mpc, branchModel, network, busNumbers, branchRows, generators, isolated: isolatedParts(mpc, isolated), problem };
}

/** What each isolated bus takes out of the case with it (OpfProblem.isolated). */
function isolatedParts(mpc: MatpowerCase, isolated: ReadonlySet<number>): OpfProblem['isolated'] {
  const rowsAt = (m: readonly (readonly number[])[], at: (row: readonly number[]) => boolean): number[] => m.flatMap((row, r) => (at(row) ? [r + 1] : []));
  return mpc.bus
    .filter((b) => isolated.has(b[BUS_I]!))
    .map((b) => {
      const bus = b[BUS_I]!;
      return {
        bus,
        loadMw: b[PD]! + b[GS]!,
        genRows: rowsAt(mpc.gen, (g) => g[GEN_BUS] === bus && g[GEN_STATUS]! > 0),
        branchRows: rowsAt(mpc.branch, (br) => (br[F_BUS] === bus || br[T_BUS] === bus) && br[BR_STATUS] !== 0),
      };
    });
}

interface CostSegments {
  /** LP columns: bounds in MW (relative: Σ columns = Pg), price $/MWh, slope $/MWh per MW. */
  readonly columns: { lowerMw: number; upperMw: number; priceMwh: number; slopePerMw: number }[];
  readonly constant: number;
  readonly marginal: OpfGenerator['segments'];
}

function costSegments(cost: readonly number[], fail: (message: string) => void): CostSegments | undefined {
  const model = cost[MODEL]!;
  const n = cost[NCOST]!;
  if (!Number.isInteger(n) || n < 0) {
    fail(`NCOST must be a non-negative integer, got ${n}`);
    return undefined;
  }
  if (model === POLYNOMIAL) {
    if (cost.length < COST + n) {
      fail(`polynomial with ${n} coefficients needs ${COST + n} columns, the row has ${cost.length}`);
      return undefined;
    }
    const c = cost.slice(COST, COST + n).reverse(); // c[0] = constant, c[1] = linear, …
    if (c.slice(3).some((v) => v !== 0)) {
      fail(`polynomial costs above degree 2 are not supported (NCOST ${n} with non-zero higher terms)`);
      return undefined;
    }
    const c2 = c[2] ?? 0;
    if (c2 < 0) {
      fail(`quadratic cost coefficient ${c2} is negative: the cost is not convex, so the OPF is not a convex programme`);
      return undefined;
    }
    const c1 = c[1] ?? 0;
    return {
      columns: [{ lowerMw: -Infinity, upperMw: Infinity, priceMwh: c1, slopePerMw: 2 * c2 }],
      constant: c[0] ?? 0,
      marginal: [{ fromMw: -Infinity, toMw: Infinity, priceMwh: c1, slopePerMw: 2 * c2 }],
    };
  }
  if (model === PW_LINEAR) {
    if (n < 2) {
      fail(`a piecewise-linear cost needs at least 2 points, got ${n}`);
      return undefined;
    }
    if (cost.length < COST + 2 * n) {
      fail(`piecewise-linear cost with ${n} points needs ${COST + 2 * n} columns, the row has ${cost.length}`);
      return undefined;
    }
    const xs: number[] = [];
    const ys: number[] = [];
    for (let k = 0; k < n; k++) {
      xs.push(cost[COST + 2 * k]!);
      ys.push(cost[COST + 2 * k + 1]!);
    }
    const slopes: number[] = [];
    for (let k = 0; k + 1 < n; k++) {
      if (!(xs[k + 1]! > xs[k]!)) {
        fail(`piecewise-linear breakpoints must increase, got x = ${xs[k]} then ${xs[k + 1]}`);
        return undefined;
      }
      slopes.push((ys[k + 1]! - ys[k]!) / (xs[k + 1]! - xs[k]!));
      if (k > 0 && slopes[k]! < slopes[k - 1]! - 1e-9 * Math.max(1, Math.abs(slopes[k - 1]!))) {
        fail(`piecewise-linear cost is not convex: slope ${slopes[k]} after ${slopes[k - 1]}`);
        return undefined;
      }
    }
    // Pg = a + Σ s_k: a ∈ (−∞, x2] at the first slope, s_k ∈ [0, x_{k+2} − x_{k+1}], the last unbounded above.
    const columns: CostSegments['columns'] = [];
    const segs = slopes.length;
    columns.push({ lowerMw: -Infinity, upperMw: segs === 1 ? Infinity : xs[1]!, priceMwh: slopes[0]!, slopePerMw: 0 });
    for (let k = 1; k < segs; k++) columns.push({ lowerMw: 0, upperMw: k === segs - 1 ? Infinity : xs[k + 1]! - xs[k]!, priceMwh: slopes[k]!, slopePerMw: 0 });
    return {
      columns,
      constant: ys[0]! - slopes[0]! * xs[0]!,
      marginal: slopes.map((m, k) => ({ fromMw: k === 0 ? -Infinity : xs[k]!, toMw: k === segs - 1 ? Infinity : xs[k + 1]!, priceMwh: m, slopePerMw: 0 })),
    };
  }
  fail(`cost model must be 1 (piecewise linear) or 2 (polynomial), got ${model}`);
  return undefined;
}

export interface OpfBusResult {
  readonly id: number;
  /** $/MWh. */
  readonly lmp: number;
}
export interface OpfGeneratorResult {
  readonly row: number;
  readonly bus: number;
  readonly pgMw: number;
  readonly pminMw: number;
  readonly pmaxMw: number;
  /** $/MWh, ≥ 0. */
  readonly muPmin: number;
  readonly muPmax: number;
}
export interface OpfBranchResult {
  readonly id: string;
  readonly row: number;
  readonly from: number;
  readonly to: number;
  readonly flowMw: number;
  /** MW; null when none. */
  readonly limitMw: number | null;
  readonly shadowPrice: number;
  readonly angleShadowPrice: number;
  /** False for a branch out of service (status 0): flow and shadow price 0. */
  readonly inService: boolean;
}

export interface OpfResult {
  readonly status: DispatchResult['status'];
  readonly message: string;
  /** Total cost, $/h, constant terms included; NaN unless optimal. */
  readonly objective: number;
  readonly buses: readonly OpfBusResult[];
  readonly generators: readonly OpfGeneratorResult[];
  readonly branches: readonly OpfBranchResult[];
  readonly dispatch: DispatchResult;
}

/** Solves the DC-OPF and reports in the case's units: MW, $/h, $/MWh, its bus numbers. */
export function solveOpf(opf: OpfProblem, solver: LpSolver, opts: DispatchOptions = {}): OpfResult {
  const res = dispatch(opf.problem, solver, opts);
  const mw = 1 / 1000;
  return {
    status: res.status,
    message: res.message,
    objective: -res.welfarePerH,
    buses: opf.busNumbers.map((id, k) => ({ id, lmp: res.priceMwh[k]! })),
    generators: opf.generators.map((g, i) => ({
      row: g.row,
      bus: g.bus,
      pgMw: res.groupKw[i]! * mw,
      pminMw: g.pminMw,
      pmaxMw: g.pmaxMw,
      muPmin: res.groupLowerDualMwh[i]!,
      muPmax: res.groupUpperDualMwh[i]!,
    })),
    branches: opf.network.branches.map((br, i) => ({
      id: br.id,
      row: opf.branchRows[i]!,
      from: Number(br.from),
      to: Number(br.to),
      flowMw: res.flowKw[i]! * mw,
      limitMw: Number.isFinite(br.limitKw) ? br.limitKw * mw : null,
      shadowPrice: res.flowShadowMwh[i]!,
      angleShadowPrice: res.angleShadowMwh[i]!,
      inService: br.inService,
    })),
    dispatch: res,
  };
}
