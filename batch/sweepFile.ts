/**
 * The sweep file format (YAML or JSON; scenarios/sweeps/README.md shows it with
 * examples): a base scenario, a grid of values at override paths, named variants
 * (each a set of overrides), and the seeds. Unknown keys are errors. Every problem
 * is reported at once with `file:line:column path: reason`, as for scenarios.
 * Throws only `UserError`s (`InputFileError` for problems inside the file).
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { type Document, type LineCounter, parseDocument } from 'yaml';
import * as z from 'zod';
import { formatPath, InputFileError, type InputIssue, UserError } from '../core/errors.ts';
import { lastKey, parseOverridePath, type PathStep } from './paths.ts';
import { describeIssue, type Located, locate, parseYamlFile, plainData, type Problem, show } from '../core/yamlIssues.ts';
import { readInputFile } from '../core/inputFile.ts';
import { safeLabel } from '../output/outDir.ts';

/** Names that become parts of folder names: run ids stay readable and portable. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const label = z.string().regex(LABEL, 'use letters, digits and . _ + - only, starting with a letter or digit');
const seedSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** At most this many runs in one sweep: a typo in a grid should not start a million runs. */
export const MAX_RUNS = 10_000;

export const variantSchema = z.strictObject({
  name: label,
  description: z.string().optional(),
  /** Another base scenario for this variant (path relative to the sweep file). */
  base: z.string().min(1).optional(),
  /** Overrides: path → value (`null` removes the key). */
  set: z.record(z.string(), z.unknown()).default({}),
});

export const sweepSchema = z.strictObject({
  name: label.optional(),
  description: z.string().optional(),
  /** The scenario every run starts from, relative to the sweep file. */
  base: z.string().min(1),
  /** Override path → values: a list, or a mapping of label → value (for values that are mappings). */
  grid: z.record(z.string(), z.unknown()).optional(),
  variants: z.array(variantSchema).min(1).optional(),
  /** Runs per configuration, with seeds `seed`, `seed + 1`, … (default: the base scenario's seed). */
  replications: z.int().min(1).max(1000).optional(),
  seed: seedSchema.optional(),
  /** Or the seeds themselves. */
  seeds: z.array(seedSchema).min(1).optional(),
  report: z.strictObject({ kpis: z.array(z.string().min(1)).min(1) }).optional(),
});

/** A value set at a path, and where the sweep file says so (for error messages). */
export interface Override {
  readonly key: string;
  readonly steps: readonly PathStep[];
  readonly value: unknown;
  /** Path of the value inside the sweep document, to locate problems within it. */
  readonly docPath: readonly PropertyKey[];
  /** Who set it, for messages: `variant 'x'` or `grid market.pricing = y`. */
  readonly origin: string;
}

export interface GridDimension {
  readonly key: string;
  /** Short name for run ids: the path's last key, or the whole path when two dimensions share it. */
  readonly short: string;
  readonly values: ReadonlyArray<Override & { readonly label: string }>;
}

export interface Variant {
  readonly name: string;
  /** The variant's base scenario file, when it has its own. */
  readonly base: string | undefined;
  readonly set: readonly Override[];
}

export interface Sweep {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  /** Base scenario file (relative to the working folder when inside it). */
  readonly base: string;
  readonly grid: readonly GridDimension[];
  readonly variants: readonly Variant[] | undefined;
  readonly seeds: { readonly list: readonly number[] } | { readonly replications: number; readonly from: number | undefined };
  readonly reportKpis: readonly string[] | undefined;
  /** The parsed document, to locate problems found later (in overrides) inside this file. */
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

/** True when the file at `abs` reads as a sweep document (unreadable or invalid files are left to the scenario check). */
function isSweepFile(abs: string): boolean {
  try {
    return isSweepDocument(plainData(parseDocument(readInputFile(abs, 'scenario file'), { prettyErrors: false })));
  } catch {
    return false;
  }
}

/** True when a parsed YAML document is a sweep (it names a base scenario), not a scenario. */
export const isSweepDocument = (raw: unknown): boolean => raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'base' in raw;

/** A path for messages: relative to the working folder when inside it, else absolute. */
export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

/** Label text of a grid value for run ids and summary columns. */
export function valueLabel(v: unknown): string | undefined {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A label as it appears in a folder name: unsafe characters become '-'. */
export { safeLabel };

/** Parses and checks sweep text. `file` names it in messages and anchors relative paths. */
export function parseSweep(text: string, file: string): Sweep {
  const { doc, lineCounter, raw } = parseYamlFile(text, file, 'the file is empty; expected a sweep mapping with base and grid or variants');
  const parsed = sweepSchema.safeParse(raw);
  const issues: InputIssue[] = [];
  const at = (p: Problem): InputIssue => ({ path: formatPath(p.path), message: p.message, ...locate(doc, lineCounter, p.path, p.atKey ?? false) });
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push(...describeIssue(i, raw, allowedKeys).map(at));
    throw new InputFileError(file, sortIssues(issues));
  }
  const s = parsed.data;
  const problems: Problem[] = [];
  const dir = dirname(file);

  const baseFile = (p: string, path: PropertyKey[]): string => {
    const abs = resolve(dir, p);
    if (!existsSync(abs)) problems.push({ path, message: `no such file '${p}' (looked for ${displayPath(abs)})` });
    else if (statSync(abs).isDirectory()) problems.push({ path, message: `'${p}' is a folder; expected a scenario file` });
    else if (!['.yaml', '.yml', '.json'].includes(extname(abs).toLowerCase())) problems.push({ path, message: `'${p}' is not a .yaml, .yml or .json scenario file` });
    else if (isSweepFile(abs))
      // A sweep cannot start from a sweep (itself, or one that leads back to it): it would never reach a scenario.
      problems.push({ path, message: `${p} is a sweep, not a scenario${abs === resolve(file) ? ' (this very file)' : ''}: a base must be a scenario file` });
    return displayPath(abs);
  };
  const base = baseFile(s.base, ['base']);

  const steps = (key: string, path: PropertyKey[]): PathStep[] => {
    const r = parseOverridePath(key);
    if (typeof r === 'string') {
      problems.push({ path, atKey: true, message: `not a valid override path: ${r}` });
      return [];
    }
    if (r.length === 1 && 'key' in r[0]! && r[0].key === 'seed') {
      problems.push({ path, atKey: true, message: 'the seed is not an override: give seeds or replications in the sweep' });
    }
    return r;
  };

  // Grid dimensions, in file order; values in file order.
  const grid: Array<{ key: string; steps: PathStep[]; values: Array<Override & { label: string }> }> = [];
  for (const [key, spec] of Object.entries(s.grid ?? {})) {
    const path = ['grid', key];
    const st = steps(key, path);
    const values: Array<Override & { label: string }> = [];
    if (Array.isArray(spec)) {
      if (spec.length === 0) problems.push({ path, message: 'expected at least 1 value' });
      spec.forEach((v, i) => {
        const l = valueLabel(v);
        values.push({ key, steps: st, value: v, docPath: [...path, i], label: l ?? String(i + 1), origin: `grid ${key} = ${l ?? `value ${i + 1}`}` });
      });
    } else if (spec !== null && typeof spec === 'object') {
      const entries = Object.entries(spec as Record<string, unknown>);
      if (entries.length === 0) problems.push({ path, message: 'expected at least 1 value' });
      for (const [l, v] of entries) {
        if (!LABEL.test(l)) problems.push({ path: [...path, l], atKey: true, message: `label '${l}': use letters, digits and . _ + - only, starting with a letter or digit` });
        values.push({ key, steps: st, value: v, docPath: [...path, l], label: l, origin: `grid ${key} = ${l}` });
      }
    } else {
      problems.push({ path, message: `expected a list of values, or a mapping of label: value; got ${show(spec)}` });
    }
    const seen = new Map<string, number>();
    values.forEach((v, i) => {
      const safe = safeLabel(v.label);
      const before = seen.get(safe);
      if (before !== undefined) problems.push({ path: v.docPath as PropertyKey[], message: `gives the same run name '${safe}' as value ${before + 1}; label the values (a mapping of label: value)` });
      else seen.set(safe, i);
    });
    grid.push({ key, steps: st, values });
  }
  const shortNames = grid.map((g) => lastKey(g.steps));
  const dims: GridDimension[] = grid.map((g, i) => ({
    key: g.key,
    short: shortNames.indexOf(shortNames[i]!) === shortNames.lastIndexOf(shortNames[i]!) ? shortNames[i]! : safeLabel(g.key.replace(/[[\].]+/g, '-')),
    values: g.values,
  }));

  let variants: Variant[] | undefined;
  if (s.variants) {
    const names = new Map<string, number>();
    variants = s.variants.map((v, i) => {
      const first = names.get(v.name);
      if (first !== undefined) problems.push({ path: ['variants', i, 'name'], message: `'${v.name}' is also the name of variants[${first}]; names must differ` });
      else names.set(v.name, i);
      const set = Object.entries(v.set).map(([key, value]) => ({
        key,
        steps: steps(key, ['variants', i, 'set', key]),
        value,
        docPath: ['variants', i, 'set', key],
        origin: `variant '${v.name}'`,
      }));
      return { name: v.name, base: v.base === undefined ? undefined : baseFile(v.base, ['variants', i, 'base']), set };
    });
  }

  if (s.seeds && s.replications !== undefined) problems.push({ path: ['seeds'], atKey: true, message: 'give either seeds or replications, not both' });
  if (s.seeds && s.seed !== undefined) problems.push({ path: ['seed'], atKey: true, message: 'seed (the first of the replications) does not apply with seeds: give one or the other' });
  if (s.seeds) {
    const seen = new Set<number>();
    s.seeds.forEach((x, i) => {
      if (seen.has(x)) problems.push({ path: ['seeds', i], message: `seed ${x} is listed twice` });
      seen.add(x);
    });
  }
  const runs = (variants?.length ?? 1) * dims.reduce((n, d) => n * Math.max(1, d.values.length), 1) * (s.seeds?.length ?? s.replications ?? 1);
  if (runs > MAX_RUNS) problems.push({ path: [], message: `this sweep makes ${runs} runs; at most ${MAX_RUNS} are allowed in one sweep (split it into several files)` });

  if (problems.length > 0) throw new InputFileError(file, sortIssues(problems.map(at)));
  return {
    file,
    name: s.name ?? safeLabel(basename(file, extname(file))),
    description: s.description ?? '',
    base,
    grid: dims,
    variants,
    seeds: s.seeds ? { list: s.seeds } : { replications: s.replications ?? 1, from: s.seed },
    reportKpis: s.report?.kpis,
    doc,
    lineCounter,
  };
}

const sortIssues = (issues: InputIssue[]): InputIssue[] => issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));

function allowedKeys(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return Object.keys(sweepSchema.shape);
  if (path.length === 2 && path[0] === 'variants') return Object.keys(variantSchema.shape);
  if (path.length === 1 && path[0] === 'report') return ['kpis'];
  return [];
}

/** Where an override's value sits in the sweep file, and deeper inside it. */
export function locateInSweep(sweep: Sweep, o: Override, inside: readonly PropertyKey[] = [], atKey = false): Located {
  return locate(sweep.doc, sweep.lineCounter, [...o.docPath, ...inside], atKey);
}

/** `UserError` for a file that is not there or unreadable, as scenarios word it. */
export function missingFile(file: string, code: string | undefined): UserError {
  return new UserError(code === 'ENOENT' ? `${file}: no such file or folder` : `${file}: cannot read (${code ?? 'unknown error'})`);
}
