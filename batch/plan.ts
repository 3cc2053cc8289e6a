/**
 * From a sweep file, a scenario file or a folder of them to the list of runs, in
 * the sweep's run order: variants (file order) × grid points (first key slowest)
 * × seeds (innermost, so a configuration's replications sit together). The seeds
 * are the same for every configuration (common random numbers: variants differ
 * only by what they change). Each run's scenario is the base with its overrides
 * applied, then checked exactly as a scenario file is (`parseScenario`); a run
 * whose scenario is invalid carries its error and fails alone.
 *
 * Not pure: reads the files. Throws `UserError` when the sweep itself is unusable.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readInputFile } from '../core/inputFile.ts';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument, stringify, type Document } from 'yaml';
import { InputFileError, UserError } from '../core/errors.ts';
import { parseScenario, scenarioFromData } from '../engine/scenario/load.ts';
import { estimateFootprint, footprintProblem } from '../engine/footprint.ts';
import { applyOverride, type ConcretePath, formatConcrete, OverrideError, parseOverridePath, pathWithin } from './paths.ts';
import { isSweepDocument, locateInSweep, missingFile, type Override, parseSweep, safeLabel, type Sweep } from './sweepFile.ts';
import { locate, plainData, where } from '../core/yamlIssues.ts';
import { oneLine, withFileLabels } from './runFiles.ts';

export interface RunSpec {
  /** Position in the sweep's run order (0-based). */
  readonly index: number;
  /** Folder name and summary key: `<variant or parameter values>__seed-<n>`. */
  readonly id: string;
  /** The scenario's `name`. */
  readonly scenario: string;
  /** Variant name, or '' without variants. */
  readonly variant: string;
  /** Grid key → value label. */
  readonly params: Readonly<Record<string, string>>;
  readonly seed: number;
  /** Base scenario file as read (from the working folder), for messages and for the run to read its modules from. */
  readonly file: string;
  /**
   * The base scenario's path from the sweep file's folder (or the batch's folder, or its own name
   * for a scenario given alone): what the run's summary.json records, the same whatever folder the
   * batch was started from, so shards merged from several machines equal one batch byte for byte.
   */
  readonly fileLabel: string;
  /** The run's complete scenario (YAML or JSON text). */
  readonly text: string;
  /** Hash of text and seed: a finished run is reused only while both are unchanged. */
  readonly fingerprint: string;
  /** Why the run cannot start (an invalid scenario after overrides); undefined when it can. */
  readonly error: string | undefined;
  /**
   * The run's size, agents × intervals (engine/footprint.ts), which its computing time
   * follows: a batch starts the largest runs first (`longestFirst`). Undefined for a run
   * that cannot start.
   */
  readonly work?: number | undefined;
}

export interface BatchPlan {
  readonly name: string;
  readonly description: string;
  /** The sweep file or folder given. */
  readonly source: string;
  readonly runs: readonly RunSpec[];
  /** Parameter columns of summary.csv: the grid keys, in order of first appearance. */
  readonly paramKeys: readonly string[];
  readonly hasVariants: boolean;
  /** KPIs the batch report charts (the sweep's `report.kpis`, else a default set). */
  readonly reportKpis: readonly string[];
}

export const DEFAULT_REPORT_KPIS = ['welfare', 'totalCost', 'averagePriceMwh', 'peakKw', 'peakReductionPct'] as const;
const SCENARIO_EXT = ['.yaml', '.yml', '.json'];

/** Plans a batch for a sweep file, a scenario file (one run) or a folder of either. */
export function planBatch(target: string): BatchPlan {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch (err) {
    throw missingFile(target, (err as NodeJS.ErrnoException).code);
  }
  if (!isDir) {
    const part = planFile(target, '');
    return { ...part, source: target, runs: numbered(part.runs, target) };
  }
  const files = readdirSync(target)
    .filter((f) => SCENARIO_EXT.includes(extname(f).toLowerCase()) && statSync(join(target, f)).isFile())
    .sort();
  if (files.length === 0) throw new UserError(`${target}: no .yaml, .yml or .json files in this folder`);
  const parts = files.map((f) => planFile(join(target, f), safeLabel(basename(f, extname(f)))));
  return {
    name: safeLabel(basename(resolve(target))),
    description: `every scenario and sweep in ${target}`,
    source: target,
    runs: numbered(parts.flatMap((p) => p.runs), target),
    paramKeys: [...new Set(parts.flatMap((p) => p.paramKeys))],
    hasVariants: parts.some((p) => p.hasVariants),
    reportKpis: parts.find((p) => p.explicitKpis)?.reportKpis ?? DEFAULT_REPORT_KPIS,
  };
}

type Part = Omit<BatchPlan, 'source' | 'runs'> & { runs: readonly Draft[]; explicitKpis: boolean };
type Draft = Omit<RunSpec, 'index'>;

/** Run indexes in order, and ids made unique (a suffix for the rare clash of cleaned labels). */
function numbered(runs: readonly Draft[], source: string): RunSpec[] {
  // Compared without case: on macOS and Windows `Hello` and `hello` are one folder.
  const used = new Set<string>();
  return runs.map((r, index) => {
    let id = r.id;
    for (let k = 2; used.has(id.toLowerCase()); k++) id = r.id.replace(/__seed-/, `-${k}__seed-`);
    used.add(id.toLowerCase());
    const bytes = Buffer.byteLength(id);
    if (bytes > MAX_RUN_ID_BYTES)
      throw new UserError(`${source}: run ${index + 1}'s folder name is ${bytes} bytes (${id.slice(0, 60)}…), above the ${MAX_RUN_ID_BYTES} a folder name may have here: give long grid values short labels (grid: { key: { label: value } })`);
    return { ...r, id, index };
  });
}

/** Longest run id (a folder name): file systems allow 255 bytes, and the id gets a suffix for files written beside it. */
const MAX_RUN_ID_BYTES = 200;

function planFile(file: string, prefix: string): Part {
  if (!SCENARIO_EXT.includes(extname(file).toLowerCase())) throw new UserError(`${file}: expected a .yaml, .yml or .json sweep or scenario file`);
  const text = readInputFile(file, 'sweep or scenario file');
  const raw = safeToJs(text);
  if (isSweepDocument(raw)) return planSweep(parseSweep(text, file), prefix);
  if (prefix === '' && (raw === undefined || raw === null)) {
    // Given alone, a file that is neither a sweep nor a scenario is the batch's own problem.
    if (raw === null) throw new UserError(`${file}: the file is empty; expected a sweep (with base:) or a scenario`);
    parseSweep(text, file); // throws the located YAML errors
  }
  // A scenario file: a batch of one run with its own seed, checked as `gridbid run` would.
  const stem = safeLabel(basename(file, extname(file)));
  const base = readBase(file);
  const seed = scenarioSeed(base.raw);
  // Given alone, an invalid scenario is the batch's own problem (exit 1), as `gridbid run` would say.
  const problem = prefix === '' ? baseProblem(base) : undefined;
  if (problem !== undefined) throw new UserError(`${problem}\n(no run started)`);
  return {
    name: stem,
    description: `the scenario ${file}`,
    runs: [draft({ id: `${prefix || stem}__seed-${seed}`, variant: '', params: {}, seed, file, from: dirname(resolve(file)), text, ...checked(text, file, base) }, base.raw, stem, strategyModuleTexts(base.raw, file))],
    paramKeys: [],
    hasVariants: false,
    reportKpis: DEFAULT_REPORT_KPIS,
    explicitKpis: false,
  };
}

/**
 * Whether `file` is a sweep (a mapping with `base:`), for `gridbid validate`, which otherwise
 * checked a sweep as a scenario: "base: unknown key 'base' (did you mean 'name'?)" and five more.
 * False for anything unreadable or unparsable: the scenario check says what is wrong with it.
 */
export function isSweepFile(file: string): boolean {
  try {
    return isSweepDocument(safeToJs(readInputFile(file, 'sweep or scenario file')));
  } catch {
    return false;
  }
}

function safeToJs(text: string): unknown {
  try {
    return plainData(parseDocument(text, { prettyErrors: false }));
  } catch {
    return undefined;
  }
}

interface Base {
  readonly file: string;
  readonly text: string;
  /** The parsed mapping, or undefined when the file is not valid YAML or not a mapping (its runs then fail with the scenario's own errors). */
  readonly raw: Record<string, unknown> | undefined;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

function readBase(file: string): Base {
  const text = readInputFile(file, 'scenario file');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  let raw: unknown;
  try {
    raw = plainData(doc);
  } catch {
    raw = undefined;
  }
  return { file, text, raw: raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined, doc, lineCounter };
}

const scenarioSeed = (raw: Record<string, unknown> | undefined): number => (Number.isSafeInteger(raw?.seed) && (raw!.seed as number) >= 0 ? (raw!.seed as number) : 1);

function planSweep(sweep: Sweep, prefix: string): Part {
  const bases = new Map<string, Base>();
  const baseOf = (file: string): Base => {
    let b = bases.get(file);
    if (!b) bases.set(file, (b = readBase(file)));
    return b;
  };
  const main = baseOf(sweep.base);
  const s = sweep.seeds;
  const seeds = 'list' in s ? s.list : Array.from({ length: s.replications }, (_, i) => (s.from ?? scenarioSeed(main.raw)) + i);
  if (!('list' in s) && !Number.isSafeInteger(seeds.at(-1)))
    throw new UserError(`${sweep.file}: replications: ${s.replications} seeds from ${s.from ?? scenarioSeed(main.raw)} go past ${Number.MAX_SAFE_INTEGER}, the largest seed (no run started)`);

  // Grid points: the cartesian product, first dimension slowest.
  let points: Array<ReadonlyArray<Override & { label: string }>> = [[]];
  for (const dim of sweep.grid) points = points.flatMap((p) => dim.values.map((v) => [...p, v]));
  const variants = sweep.variants ?? [undefined];

  const runs: Draft[] = [];
  // Override paths that fit no scenario key or entry would fail every run: refused before any starts.
  const pathErrors = new Map<string, string>();
  for (const variant of variants) {
    const base = variant?.base ? baseOf(variant.base) : main;
    for (const point of points) {
      const overrides = [...(variant?.set ?? []), ...point];
      const parts = [prefix, variant?.name ?? '', point.map((v, i) => `${sweep.grid[i]!.short}-${safeLabel(v.label)}`).join('_')].filter((s) => s !== '');
      const stem = parts.length ? parts.join('__') : 'base';
      const { text, error, work, pathError, data } = configure(sweep, base, overrides);
      if (pathError) for (const [key, message] of pathError) if (!pathErrors.has(key)) pathErrors.set(key, message);
      const params = Object.fromEntries(point.map((v) => [v.key, v.label]));
      // Once per configuration, not per seed: every seed runs the same modules.
      const modules = strategyModuleTexts(data, base.file);
      for (const seed of seeds) runs.push(draft({ id: `${stem}__seed-${seed}`, variant: variant?.name ?? '', params, seed, file: base.file, from: dirname(resolve(sweep.file)), sweepFile: sweep.file, text, error, work }, base.raw, stem, modules));
    }
  }
  if (pathErrors.size > 0) throw new UserError(`${sweep.file}: ${pathErrors.size} override path${pathErrors.size === 1 ? '' : 's'} that fit${pathErrors.size === 1 ? 's' : ''} no scenario key (no run started)\n${[...pathErrors.values()].map((e) => `  ${e}`).join('\n')}`);
  // A base scenario invalid on its own that no run's overrides repair: the sweep is unusable (exit 1), not n failed runs.
  for (const base of bases.values()) {
    const fromBase = runs.filter((r) => r.file === base.file);
    if (fromBase.length === 0 || fromBase.some((r) => r.error === undefined)) continue;
    const problem = baseProblem(base);
    if (problem !== undefined) throw new UserError(`${sweep.file}: its base scenario is invalid and no run's overrides repair it (no run started)\n${problem}`);
  }
  return {
    name: sweep.name,
    description: sweep.description,
    runs,
    paramKeys: sweep.grid.map((d) => d.key),
    hasVariants: sweep.variants !== undefined,
    reportKpis: sweep.reportKpis ?? DEFAULT_REPORT_KPIS,
    explicitKpis: sweep.reportKpis !== undefined,
  };
}

/**
 * A run as planned. `modules`: the text of the strategy modules its scenario names
 * (`strategyModuleTexts`), in the fingerprint with the scenario's text and the seed: a run
 * finished before a module was edited is run again, not kept with the old module's numbers.
 */
function draft(r: Omit<Draft, 'scenario' | 'fingerprint' | 'fileLabel'> & { readonly from: string; readonly sweepFile?: string }, raw: Record<string, unknown> | undefined, fallbackName: string, modules: ReadonlyArray<[string, string]>): Draft {
  const name = typeof raw?.name === 'string' && raw.name !== '' ? raw.name : fallbackName;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(modules.length === 0 ? ['gridbid-run', r.seed, r.text] : ['gridbid-run', r.seed, r.text, modules]))
    .digest('hex')
    .slice(0, 32);
  const { from, sweepFile, ...run } = r;
  const fileLabel = relative(from, resolve(r.file));
  // Its error names the base and the sweep by their paths from the sweep's folder, as fileLabel: the same from any working folder.
  const files: Array<[string, string]> = [[r.file, fileLabel], ...(sweepFile === undefined ? [] : [[sweepFile, relative(from, resolve(sweepFile))] as [string, string]])];
  return { ...run, error: r.error === undefined ? undefined : withFileLabels(r.error, files), scenario: name, fingerprint, fileLabel };
}

/**
 * The strategy modules a scenario names (`agents[i].strategy.module`), each as [path, text], in
 * order. Only the files named: a module's own imports are not followed (README, "Resuming").
 */
function strategyModuleTexts(data: unknown, scenarioFile: string): Array<[string, string]> {
  const agents = (data as { agents?: unknown } | undefined)?.agents;
  if (!Array.isArray(agents)) return [];
  const out: Array<[string, string]> = [];
  for (const g of agents as unknown[]) {
    const ref = (g as { strategy?: unknown } | null)?.strategy as { module?: unknown } | undefined;
    if (typeof ref?.module !== 'string') continue;
    const file = resolve(dirname(scenarioFile), ref.module);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      text = `unreadable: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
    out.push([ref.module, text]);
  }
  return out;
}

/** The base with the overrides applied (later ones win), as text, and why it is invalid if it is. */
function configure(sweep: Sweep, base: Base, overrides: readonly Override[]): { text: string; data: unknown; error: string | undefined; work?: number | undefined; pathError?: ReadonlyMap<string, string> } {
  if (overrides.length === 0 || base.raw === undefined) return { text: base.text, data: base.raw, ...checked(base.text, base.file, base) };
  const raw = structuredClone(base.raw);
  const applied: Array<{ o: Override; at: ConcretePath }> = [];
  for (const o of overrides) {
    try {
      applied.push({ o, at: applyOverride(raw, o.steps, o.value) });
    } catch (err) {
      if (!(err instanceof OverrideError)) throw err;
      return { text: stringify(raw, { aliasDuplicateObjects: false, lineWidth: 0 }), data: raw, error: `${where(sweep.file, locateInSweep(sweep, o, [], true))} ${o.key}: ${err.message} (${o.origin})`, pathError: new Map([[o.key, `${where(sweep.file, locateInSweep(sweep, o, [], true))} ${o.key}: ${err.message}`]]) };
    }
  }
  const text = stringify(raw, { aliasDuplicateObjects: false, lineWidth: 0 });
  // A key the override path created that the schema does not know: the path is wrong, not the value.
  // Checked once: the schema's verdict serves both checks (a batch's main thread plans every run before
  // any starts). On the data the text was written from; the text is read back only to locate problems.
  const valid = scenarioFromData(raw, base.file);
  const parsed: ParseOutcome = valid ? { scenario: valid } : parseOutcome(text, base.file);
  const unknown = unknownKeysFromOverrides(sweep, parsed, applied);
  if (unknown.size > 0) return { text, data: raw, error: [...unknown.values()].join('; '), pathError: unknown };
  const error = checkScenario(text, base.file, sweep, base, applied, parsed);
  return { text, data: raw, error, work: error === undefined ? workOf(parsed) : undefined };
}

/** A scenario without overrides: why it cannot run, or its size. */
function checked(text: string, file: string, base: Base): { error: string | undefined; work: number | undefined } {
  const parsed = parseOutcome(text, file);
  const error = checkScenario(text, file, undefined, base, [], parsed);
  return { error, work: error === undefined ? workOf(parsed) : undefined };
}

/** agents × intervals of a valid scenario (what a run's computing time follows). */
function workOf(parsed: ParseOutcome): number | undefined {
  if (!('scenario' in parsed)) return undefined;
  const f = estimateFootprint(parsed.scenario.config);
  return f.agents * f.intervals;
}

/**
 * The runs in the order a batch starts them: the largest first (`work`), so that a long run
 * does not start last and keep one worker busy while the others idle; equal sizes (and
 * runs without a size, last) keep the sweep's order. Where each run's row goes in
 * summary.csv does not change (its index).
 */
export function longestFirst<R extends Pick<RunSpec, 'index' | 'work'>>(runs: readonly R[]): R[] {
  return [...runs].sort((a, b) => (b.work ?? -1) - (a.work ?? -1) || a.index - b.index);
}

/** The override paths that created keys the scenario schema does not know, located in the sweep file; undefined when none. */
function unknownKeysFromOverrides(sweep: Sweep, parsed: ParseOutcome, applied: ReadonlyArray<{ o: Override; at: ConcretePath }>): Map<string, string> {
  const out = new Map<string, string>();
  const err = 'failure' in parsed ? parsed.failure : undefined;
  if (err instanceof InputFileError) {
    for (const i of err.issues) {
      if (!i.message.startsWith('unknown key')) continue;
      const hit = [...applied].reverse().find((a) => pathWithin(i.path, formatConcrete(a.at)) || pathWithin(formatConcrete(a.at), i.path));
      if (hit && !out.has(hit.o.key)) out.set(hit.o.key, `${where(sweep.file, locateInSweep(sweep, hit.o, [], true))} ${hit.o.key}: ${i.message}`);
    }
  }
  return out;
}

type ParseOutcome = { readonly scenario: ReturnType<typeof parseScenario> } | { readonly failure: unknown };

/** A scenario text through the schema: the scenario, or what parsing threw. */
function parseOutcome(text: string, file: string): ParseOutcome {
  try {
    return { scenario: parseScenario(text, file) };
  } catch (failure) {
    return { failure };
  }
}

/** Why a base scenario file is invalid on its own, as `gridbid validate` says it; undefined when it is valid. */
function baseProblem(base: Base): string | undefined {
  try {
    const tooLarge = footprintProblem(parseScenario(base.text, base.file).config);
    return tooLarge === undefined ? undefined : `${base.file}: ${tooLarge}`;
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
}

/**
 * Checks a run's scenario as `gridbid run` would. Each problem is located where the
 * person can fix it: inside the override that set the value (in the sweep file), or
 * in the base scenario file. Returns the problems joined on one line, or undefined.
 */
function checkScenario(
  text: string,
  file: string,
  sweep: Sweep | undefined,
  base: Base,
  applied: ReadonlyArray<{ o: Override; at: ConcretePath }>,
  parsed: ParseOutcome = parseOutcome(text, file),
): string | undefined {
  try {
    if ('failure' in parsed) throw parsed.failure;
    const tooLarge = footprintProblem(parsed.scenario.config);
    return tooLarge === undefined ? undefined : `${file}: ${tooLarge}`;
  } catch (err) {
    if (!(err instanceof InputFileError)) {
      if (err instanceof UserError) return oneLine(err.message);
      throw err;
    }
    if (!sweep || applied.length === 0) return err.issues.map((i) => `${where(file, i)} ${i.path || '(document)'}: ${i.message}`).join('; ');
    const origins = [...new Set(applied.map((a) => a.o.origin))].join(', ');
    return err.issues
      .map((i) => {
        const unknownKey = i.message.startsWith('unknown key');
        // The last override that wrote this path (or a mapping around it) is the one to blame.
        const hit = [...applied].reverse().find((a) => pathWithin(i.path, formatConcrete(a.at)));
        const steps = parseOverridePath(i.path);
        const concrete = typeof steps === 'string' ? undefined : steps.map((s) => ('key' in s ? s.key : 'index' in s ? s.index : 'select' in s ? s.select : ''));
        if (hit) {
          const inside = concrete ? concrete.slice(hit.at.length) : [];
          // Named as the sweep names it: agents[home].count rather than agents[3].count.
          const shown = `${hit.o.key}${i.path.slice(formatConcrete(hit.at).length)}`;
          return `${where(sweep.file, locateInSweep(sweep, hit.o, inside, inside.length === 0 && unknownKey))} ${shown}: ${i.message} (${hit.o.origin})`;
        }
        const at = concrete ? locate(base.doc, base.lineCounter, concrete, unknownKey) : {};
        return `${where(file, at)} ${i.path || '(document)'}: ${i.message} (after ${origins})`;
      })
      .join('; ');
  }
}

// A multi-line message on one line: in batch/runFiles.ts, so that the modules that need only it
// (batch/queue.ts, runFiles.ts itself: the CLI loads both before any command runs) do not load this
// one and, through the scenario loader, the agents.
export { oneLine } from './runFiles.ts';
