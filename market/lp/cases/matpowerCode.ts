/**
 * The code in a MATPOWER case file besides its data, read without evaluating it.
 *
 * Distribution cases in MATPOWER (case33bw, case69, case141 …) give loads in kW and
 * impedances in ohms and convert them in code after their matrices. This module
 * recognises exactly those statements, applies them to the parsed matrices in file
 * order, and says which it applied; any other statement outside the data is refused
 * with the file and line, rather than guessed at (refcases README, pitfall 9).
 *
 * Recognised (whitespace free, MATPOWER's column names):
 * - `[PQ, PV, …] = idx_bus;` (and idx_brch, idx_gen, idx_cost): column names, nothing to do;
 * - `Vbase = mpc.bus(1, BASE_KV) * 1e3;` and `Sbase = mpc.baseMVA * 1e6;`;
 * - `mpc.branch(:, [BR_R BR_X]) = mpc.branch(:, [BR_R BR_X]) / (Vbase^2 / Sbase);` — ohms to p.u.;
 * - `mpc.bus(:, [PD, QD]) = mpc.bus(:, [PD, QD]) / 1e3;` — kW to MW (any number, `/` or `*`);
 * - `pf = 0.85;`, `mpc.bus(:, QD) = mpc.bus(:, PD) * sin(acos(pf));`, `mpc.bus(:, PD) = mpc.bus(:, PD) * pf;`
 *   — loads given in MVA turned into P and Q at a power factor;
 * - the `function` line, `mpc.version = '…'`, `mpc.baseMVA = …`, `return`, `end`,
 *   and data assignments `name = [ … ]` / `{ … }` (read by the parser, or ignored).
 */
import type { InputIssue } from '../../../core/errors.ts';

/** MATPOWER column indices (0-based) by name, for the columns a conversion may touch. */
const BUS_COLUMNS: Record<string, number> = { PD: 2, QD: 3, GS: 4, BS: 5, BASE_KV: 9 };
const BRANCH_COLUMNS: Record<string, number> = { BR_R: 2, BR_X: 3, BR_B: 4 };

export interface CaseMatrices {
  readonly baseMVA: number;
  readonly bus: readonly (readonly number[])[];
  readonly branch: readonly (readonly number[])[];
}

export interface CaseCode<M extends CaseMatrices> {
  /** The matrices after the conversions. */
  readonly matrices: M;
  /** What was applied, in order, in words (e.g. "branch r, x from ohms to p.u. (÷ 16.0276 Ω)"). */
  readonly applied: readonly string[];
  readonly issues: readonly InputIssue[];
}

interface Statement {
  readonly text: string;
  readonly line: number;
}

/**
 * Applies the case's conversion code to `m`. `clean` is the file text with comments
 * blanked (offsets and lines intact).
 */
export function applyCaseCode<M extends CaseMatrices>(clean: string, m: M): CaseCode<M> {
  const issues: InputIssue[] = [];
  const applied: string[] = [];
  let bus = m.bus.map((r) => [...r]);
  let branch = m.branch.map((r) => [...r]);
  const vars = new Map<string, number>();
  let changedBus = false;
  let changedBranch = false;
  const num = (s: string): number | undefined => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : undefined);
  const columns = (list: string, table: Record<string, number>): number[] | undefined => {
    const names = list.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter((x) => x !== '');
    const idx = names.map((x) => table[x]);
    return names.length > 0 && idx.every((i) => i !== undefined) ? (idx as number[]) : undefined;
  };
  for (const st of statements(clean)) {
    const s = st.text;
    const flat = s.replace(/\s+/g, ' ');
    const fail = (message: string): void => {
      issues.push({ path: 'code', line: st.line, message });
    };
    if (/^function\b/.test(s) || /^(return|end)$/.test(s)) continue;
    if (/^(mpc\.)?\w+\s*=\s*[[{]/.test(s)) continue; // data
    if (/^(mpc\.)?version\s*=\s*'[^']*'$/.test(s) || /^(mpc\.)?baseMVA\s*=\s*\S+$/.test(s)) continue;
    if (/^\[[\w\s,.]*\]\s*=\s*idx_(bus|brch|gen|cost)$/.test(flat.replace(/\.\.\./g, ''))) continue;
    let r: RegExpExecArray | null;
    if ((r = /^Vbase\s*=\s*mpc\.bus\(\s*(\d+)\s*,\s*BASE_KV\s*\)\s*\*\s*(\S+)$/.exec(s))) {
      const row = bus[Number(r[1]) - 1];
      const f = num(r[2]!);
      if (!row || f === undefined) fail(`cannot evaluate '${flat}': bus row ${r[1]} or factor '${r[2]}' is not there`);
      else vars.set('Vbase', row[BUS_COLUMNS.BASE_KV!]! * f);
      continue;
    }
    if ((r = /^Sbase\s*=\s*mpc\.baseMVA\s*\*\s*(\S+)$/.exec(s))) {
      const f = num(r[1]!);
      if (f === undefined) fail(`cannot evaluate '${flat}': '${r[1]}' is not a number`);
      else vars.set('Sbase', m.baseMVA * f);
      continue;
    }
    if ((r = /^pf\s*=\s*(\S+)$/.exec(s))) {
      const v = num(r[1]!);
      if (v === undefined || !(v > 0 && v <= 1)) fail(`a power factor must be a number in (0, 1], got '${r[1]}'`);
      else vars.set('pf', v);
      continue;
    }
    if ((r = /^mpc\.branch\(\s*:\s*,\s*(\[[^\]]*\])\s*\)\s*=\s*mpc\.branch\(\s*:\s*,\s*(\[[^\]]*\])\s*\)\s*\/\s*\(\s*Vbase\s*\^\s*2\s*\/\s*Sbase\s*\)$/.exec(s))) {
      const cols = columns(r[1]!, BRANCH_COLUMNS);
      if (!cols || r[1]!.replace(/\s+/g, ' ') !== r[2]!.replace(/\s+/g, ' ')) {
        fail(`unrecognised conversion '${flat}': expected the same branch columns (BR_R, BR_X, BR_B) on both sides`);
        continue;
      }
      const v = vars.get('Vbase');
      const sb = vars.get('Sbase');
      if (v === undefined || sb === undefined) {
        fail(`'${flat}' uses ${v === undefined ? 'Vbase' : 'Sbase'} before it is set`);
        continue;
      }
      const zBase = (v * v) / sb;
      branch = branch.map((row) => row.map((x, c) => (cols.includes(c) ? x / zBase : x)));
      changedBranch = true;
      applied.push(`branch ${namesOf(cols, BRANCH_COLUMNS)} from ohms to p.u. (÷ Vbase²/Sbase = ${fmt(zBase)} Ω)`);
      continue;
    }
    if ((r = /^mpc\.bus\(\s*:\s*,\s*(\[[^\]]*\]|\w+)\s*\)\s*=\s*mpc\.bus\(\s*:\s*,\s*(\[[^\]]*\]|\w+)\s*\)\s*([*/])\s*(\S+)$/.exec(s))) {
      const lhs = columns(r[1]!, BUS_COLUMNS);
      const rhs = columns(r[2]!, BUS_COLUMNS);
      const op = r[3]!;
      const operand = r[4]!;
      const sinAcos = /^sin\(\s*acos\(\s*pf\s*\)\s*\)$/.exec(operand);
      const factor = operand === 'pf' ? vars.get('pf') : sinAcos ? (vars.has('pf') ? Math.sin(Math.acos(vars.get('pf')!)) : undefined) : num(operand);
      if (!lhs || !rhs || lhs.length !== rhs.length) {
        fail(`unrecognised conversion '${flat}': expected bus columns (PD, QD, GS, BS) of equal count on both sides`);
        continue;
      }
      if (factor === undefined) {
        fail(`cannot evaluate '${operand}' in '${flat}'${operand.includes('pf') ? ': pf is not set before it' : ''}`);
        continue;
      }
      const k = op === '*' ? factor : 1 / factor;
      bus = bus.map((row) => {
        const out = [...row];
        lhs.forEach((c, i) => (out[c] = row[rhs[i]!]! * k));
        return out;
      });
      changedBus = true;
      const same = lhs.every((c, i) => c === rhs[i]);
      if (operand === 'pf') applied.push(`bus ${namesOf(lhs, BUS_COLUMNS)} = ${namesOf(rhs, BUS_COLUMNS)} × pf (${fmt(factor)}): loads given in MVA, active part`);
      else if (sinAcos) applied.push(`bus ${namesOf(lhs, BUS_COLUMNS)} = ${namesOf(rhs, BUS_COLUMNS)} × sin(acos(pf)) (${fmt(factor)}): loads given in MVA, reactive part at power factor ${fmt(vars.get('pf')!)}`);
      else if (same && op === '/' && factor === 1e3) applied.push(`bus ${namesOf(lhs, BUS_COLUMNS)} from kW to MW (÷ 1e3)`);
      else applied.push(`bus ${namesOf(lhs, BUS_COLUMNS)} = ${namesOf(rhs, BUS_COLUMNS)} ${op === '*' ? '×' : '÷'} ${fmt(factor)}`);
      continue;
    }
    fail(`code gridbid does not recognise: '${flat.length > 80 ? `${flat.slice(0, 77)}…` : flat}'. A case is read as data; only MATPOWER's unit conversions of distribution cases (ohms → p.u., kW → MW, power factor) are applied — convert the data in the file instead`);
  }
  const matrices = { ...m, ...(changedBus ? { bus } : {}), ...(changedBranch ? { branch } : {}) };
  return { matrices, applied, issues };
}

const fmt = (x: number): string => String(Number(x.toPrecision(6)));

function namesOf(cols: readonly number[], table: Record<string, number>): string {
  return cols.map((c) => Object.keys(table).find((k) => table[k] === c)!.replace(/^BR_/, '').toLowerCase().replace(/^p(d)$/, 'Pd').replace(/^q(d)$/, 'Qd')).join(', ');
}

/**
 * Top-level statements with the line each starts on: split at `;`, `,` and line ends
 * outside brackets and strings, `...` continuing a line. Comments must already be blanked.
 */
function statements(clean: string): Statement[] {
  const out: Statement[] = [];
  let depth = 0;
  let line = 1;
  let start = 1;
  let cur = '';
  // Whether `cur` holds anything but whitespace: tracked, not recomputed with trim() per
  // character, which made a case's data matrices (one statement each) quadratic to scan.
  let blank = true;
  let last = '';
  let inString = false;
  const flush = (): void => {
    if (!blank) out.push({ text: cur.trim(), line: start });
    cur = '';
    blank = true;
  };
  for (let i = 0; i < clean.length; i++) {
    const ch = clean[i]!;
    if (ch === '\n') line++;
    if (inString) {
      cur += ch;
      last = ch;
      if (ch === "'") inString = false;
      continue;
    }
    // The last character of `cur` (not cur.slice(-1), which flattens the growing string each time).
    const prev = cur === '' ? '' : last;
    if (ch === "'" && (prev === '' || /[=([{,;\s]/.test(prev))) {
      inString = true;
      blank = false;
      cur += ch;
      last = ch;
      continue;
    }
    if (clean.startsWith('...', i)) {
      // Continuation: skip to the end of the line.
      const nl = clean.indexOf('\n', i);
      if (nl < 0) break;
      cur += ' ';
      last = ' ';
      i = nl;
      line++;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && (ch === ';' || ch === '\n' || ch === ',')) {
      flush();
      start = line;
      continue;
    }
    const space = ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch.trim() === '';
    if (blank && space) {
      cur = '';
      start = line;
      continue;
    }
    if (!space) blank = false;
    cur += ch;
    last = ch;
  }
  flush();
  return out;
}
