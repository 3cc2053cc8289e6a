/**
 * Batch mode's draws (`npm run fuzz -- --batch`, audit A-batchfuzz): from a seed's base scenario (test/fuzz/generate.ts,
 * unchanged), a small sweep of 2–6 runs over what the sweep format allows (scenarios/sweeps/README.md): grid values at
 * override paths of every form the README names (keys, `agents[home]` by name, `agents[0]` by position, `tariffs[id=…]`
 * that adds an entry, `[+]` that appends, `null` that removes a key, values that are mappings under labels), variants
 * (with overrides, without, or from a base of their own), and the seeds (listed, replications, replications from a
 * seed, or the base's own); then how the batch runs it: 1 or 2 worker threads, csv, parquet or both, and sometimes as
 * n shards merged.
 *
 * The oracle's side of the contract is here too, built from the README alone and never from batch/: every run's id,
 * summary row keys and complete scenario (`expandRun`: the base with the overrides applied as the README defines
 * them, and the run's seed), in the sweep's run order (variants × grid points, first key slowest × seeds).
 *
 * Pure: one mulberry32 stream of its own (`seed ^ 0xba7c4`), so that the base scenario is the seed's scenario of the
 * other modes, byte for byte.
 */
import { rng } from './generate.ts';

export type Formats = 'csv' | 'parquet' | 'csv,parquet';

/** One override: a path as the sweep writes it and the value set there. */
export type Override = readonly [path: string, value: unknown];

export interface ExpectedRun {
  /** Position in the sweep's run order. */
  readonly index: number;
  /** The run's folder name: `<variant>__<grid values>__seed-<n>` (README, "What a batch writes"). */
  readonly id: string;
  readonly variant: string;
  /** Grid key (as written) → value label. */
  readonly params: Readonly<Record<string, string>>;
  readonly seed: number;
  /** The scenario file the run starts from (`base.yaml`, or a variant's own `alt.yaml`), in the fuzzer's folder. */
  readonly baseName: string;
  /** Its path from the sweep file: what the run's summary.json names (README, "Sweeps across machines"). */
  readonly baseFile: string;
  readonly overrides: readonly Override[];
}

export interface BatchDraw {
  /** The sweep document (written as `sweep.yaml` beside the bases). */
  readonly sweep: Record<string, unknown>;
  /** Other base scenarios the variants name: file → document. */
  readonly otherBases: Readonly<Record<string, Record<string, unknown>>>;
  readonly runs: readonly ExpectedRun[];
  readonly hasVariants: boolean;
  readonly paramKeys: readonly string[];
  readonly workers: 1 | 2;
  readonly formats: Formats;
  /** n when the batch is also run as n shards and merged. */
  readonly shards: number | undefined;
  /** Run alone with `--seed` rather than with the seed written in the scenario file. */
  readonly seedFlag: boolean;
  /** The folder of sweep.yaml below the bases' (`''`: beside them; `sweeps`: the bases are `../base.yaml`). */
  readonly sweepFolder: string;
  /** What was drawn, for the tally. */
  readonly features: readonly string[];
}

interface Dimension {
  readonly key: string;
  /** The last key of the path: the run id's name for it (README: `<last key of its path>-<value>`). */
  readonly short: string;
  /** A list (labels: the values as text) or a mapping of label → value. */
  readonly spec: unknown[] | Record<string, unknown>;
  readonly values: ReadonlyArray<{ label: string; value: unknown }>;
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const agentsOf = (doc: Record<string, unknown>): Array<Record<string, unknown>> => (Array.isArray(doc.agents) ? (doc.agents as Array<Record<string, unknown>>) : []);
const named = (doc: Record<string, unknown>, name: string): Record<string, unknown> | undefined => agentsOf(doc).find((a) => a.id === name || a.idPrefix === name || a.name === name);

/** The overrides that fit `base`, each as a grid dimension of 2 values (the draw picks among them). */
function menu(base: Record<string, unknown>, pick: <T>(xs: readonly T[]) => T): Array<{ key: string; spec: unknown[] | Record<string, unknown> }> {
  const out: Array<{ key: string; spec: unknown[] | Record<string, unknown> }> = [
    { key: 'market.pricing', spec: ['uniform', 'pay-as-bid'] },
    { key: 'market.priceRule', spec: pick([['partial-block', 'midpoint'], ['marginal-offer', 'marginal-bid'], { default: null, midpoint: 'midpoint' }]) },
    { key: 'market.priceCapMwh', spec: [1000, 3000] },
    { key: 'weather.sky', spec: ['clear', 'overcast'] },
    // Scale: the plant's offers, a mapping per value.
    { key: 'agents[plant].offers', spec: { small: [{ kw: 6, priceMwh: 40 }], big: [{ kw: 150, priceMwh: 40 }, { kw: 60, priceMwh: 220 }] } },
    // By position: the plant is the first agent of every generated scenario.
    { key: 'agents[0].offers[0].priceMwh', spec: [30, 85] },
    { key: 'forecast.method', spec: ['persistence', 'same-interval-yesterday'] },
  ];
  if (typeof (base.market as Record<string, unknown> | undefined)?.gateClosureMinutes === 'number' || base.comms !== undefined) out.push({ key: 'market.gateClosureMinutes', spec: [0, 2] });
  if (named(base, 'home')) {
    out.push({ key: 'agents[home].count', spec: [1, 4] });
    out.push({ key: 'agents[home].strategy', spec: { truthful: 'truthful', markup10: { id: 'markup', params: { markup: 0.1 } } } });
  }
  if (named(base, 'battery')) out.push({ key: 'agents[battery].capacityKwh', spec: [5, 20] });
  if (named(base, 'ev')) out.push({ key: 'agents[ev].chargerKw', spec: [3.7, 11] });
  const tariffs = Array.isArray(base.tariffs) ? (base.tariffs as Array<Record<string, unknown>>) : [];
  if (tariffs.some((t) => t.id === 'flat')) out.push({ key: 'tariffs[id=flat].energyPricePerKwh', spec: [0.15, 0.3] });
  return out;
}

/** The last key of an override path (`agents[home].flexibility.share` → `share`). */
export function lastKey(path: string): string {
  const keys = path.replace(/\[[^\]]*\]/g, '').split('.').filter((k) => k !== '');
  return keys.at(-1) ?? 'value';
}

function dimension(key: string, spec: unknown[] | Record<string, unknown>): Dimension {
  const values = Array.isArray(spec) ? spec.map((v) => ({ label: String(v), value: v })) : Object.entries(spec).map(([label, value]) => ({ label, value }));
  return { key, short: lastKey(key), spec, values };
}

/** A variant adding a tariff and moving the home group onto it (README, "Override paths": `[id=…]` and `[+]`). */
function tariffVariant(base: Record<string, unknown>): Override[] | undefined {
  const home = named(base, 'home');
  const retailer = agentsOf(base).find((a) => a.kind === 'retailer' && a.id === home?.retailer);
  if (!home || !retailer || !Array.isArray(base.tariffs)) return undefined;
  return [
    ['tariffs[id=fz]', { type: 'flat', energyPricePerKwh: 0.21 }],
    [`agents[id=${String(retailer.id)}].tariffs[+]`, 'fz'],
    ['agents[home].tariff', 'fz'],
  ];
}

export function drawBatch(seed: number, base: Record<string, unknown>): BatchDraw {
  const r = rng(seed ^ 0xba7c4);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const features: string[] = [];

  // Seeds: listed, replications (from the base's seed or from `seed:`), or none given (the base's seed, once).
  const seedsKind = pick(['list', 'list', 'replications', 'replications-from', 'none']);
  const baseSeed = typeof base.seed === 'number' ? base.seed : 1;
  let seedsKey: Record<string, unknown> = {};
  let seeds: number[];
  if (seedsKind === 'list') {
    const n = pick([1, 1, 2]);
    seeds = [];
    while (seeds.length < n) {
      const s = Math.floor(r() * 1_000_000);
      if (!seeds.includes(s)) seeds.push(s);
    }
    seedsKey = { seeds };
  } else if (seedsKind === 'replications' || seedsKind === 'replications-from') {
    const n = pick([1, 2]);
    const from = seedsKind === 'replications-from' ? Math.floor(r() * 1_000_000) : baseSeed;
    seeds = Array.from({ length: n }, (_, i) => from + i);
    seedsKey = { replications: n, ...(seedsKind === 'replications-from' ? { seed: from } : {}) };
  } else seeds = [baseSeed];
  features.push(`seeds:${seedsKind}`);

  // Variants (a third of the sweeps): one to two, each with overrides, none, or a base of its own.
  const options = menu(base, pick);
  const otherBases: Record<string, Record<string, unknown>> = {};
  let variants: Array<{ name: string; base?: string; set: Override[] }> | undefined;
  if (chance(1 / 3)) {
    variants = [];
    const count = seeds.length === 2 ? 1 + (chance(0.3) ? 1 : 0) : pick([1, 2]);
    for (let i = 0; i < count; i++) {
      const kind = pick(['set', 'set', 'none', 'base', 'tariff']);
      const tariff = kind === 'tariff' ? tariffVariant(base) : undefined;
      if (tariff) {
        variants.push({ name: `tariff-fz${i}`, set: tariff });
        features.push('variant:tariff-upsert');
      } else if (kind === 'base') {
        // The same scenario under another name and file: the run's `scenario` column and summary.json name it.
        otherBases['alt.yaml'] = { ...structuredClone(base), name: `${String(base.name)}-alt` };
        variants.push({ name: `alt${i}`, base: 'alt.yaml', set: [] });
        features.push('variant:base');
      } else if (kind === 'none') {
        variants.push({ name: `baseline${i}`, set: [] });
        features.push('variant:none');
      } else {
        const o = pick(options);
        const d = dimension(o.key, o.spec);
        const v = pick(d.values);
        variants.push({ name: `set${i}`, set: [[o.key, v.value]] });
        features.push('variant:set');
      }
    }
  }

  // Grid dimensions while the runs stay within 6; at least one dimension or a variant, and at least 2 runs.
  const grid: Dimension[] = [];
  const runsNow = (): number => (variants?.length ?? 1) * seeds.length * grid.reduce((n, d) => n * d.values.length, 1);
  const wanted = pick([0, 1, 1, 2]);
  for (let k = 0; k < wanted || (grid.length === 0 && variants === undefined) || runsNow() < 2; k++) {
    const free = options.filter((o) => !grid.some((d) => d.key === o.key || d.short === lastKey(o.key)));
    if (free.length === 0 || runsNow() * 2 > 6) break;
    const o = pick(free);
    grid.push(dimension(o.key, o.spec));
  }
  for (const d of grid) features.push(`grid:${d.key}`);
  if (runsNow() < 2) {
    // Only seeds can still double it (a sweep of one run exercises nothing of a batch).
    seeds.push(seeds[0]! + 1);
    seedsKey = { seeds };
  }

  const sweep: Record<string, unknown> = {
    name: `fuzz-batch-${seed}`,
    base: 'base.yaml',
    ...(grid.length > 0 ? { grid: Object.fromEntries(grid.map((d) => [d.key, d.spec])) } : {}),
    ...(variants ? { variants: variants.map((v) => ({ name: v.name, ...(v.base ? { base: v.base } : {}), ...(v.set.length > 0 ? { set: Object.fromEntries(v.set) } : {}) })) } : {}),
    ...seedsKey,
  };

  // The runs in the README's order: variants (file order) × grid points (first key slowest) × seeds (innermost).
  let points: Array<Array<{ d: Dimension; label: string; value: unknown }>> = [[]];
  for (const d of grid) points = points.flatMap((p) => d.values.map((v) => [...p, { d, label: v.label, value: v.value }]));
  const runs: ExpectedRun[] = [];
  for (const v of variants ?? [undefined]) {
    for (const point of points) {
      const stem = [v?.name ?? '', point.map((p) => `${p.d.short}-${p.label}`).join('_')].filter((s) => s !== '').join('__');
      for (const s of seeds) {
        runs.push({
          index: runs.length,
          id: `${stem}__seed-${s}`,
          variant: v?.name ?? '',
          params: Object.fromEntries(point.map((p) => [p.d.key, p.label])),
          seed: s,
          baseName: v?.base ?? 'base.yaml',
          baseFile: v?.base ?? 'base.yaml',
          overrides: [...(v?.set ?? []), ...point.map((p) => [p.d.key, p.value] as const)],
        });
      }
    }
  }
  const workers = pick([1, 2] as const);
  const formats = pick(['csv', 'csv', 'parquet', 'csv,parquet'] as const);
  const shards = chance(0.4) ? 2 + Math.floor(r() * Math.min(3, runs.length - 1)) : undefined;
  const seedFlag = chance(0.5);
  // The sweep in a folder of its own, its bases named from there (`../base.yaml`): what summary.json names them.
  const sweepFolder = chance(0.3) ? 'sweeps' : '';
  const fromSweep = (f: string): string => (sweepFolder === '' ? f : `../${f}`);
  if (sweepFolder !== '') {
    sweep.base = fromSweep('base.yaml');
    for (const v of (sweep.variants ?? []) as Array<Record<string, unknown>>) if (typeof v.base === 'string') v.base = fromSweep(v.base);
  }
  features.push(`workers:${workers}`, `format:${formats}`, ...(shards ? [`shards:${shards}`] : []), ...(seedFlag ? ['alone:--seed'] : []), ...(sweepFolder ? [`sweep-in:${sweepFolder}`] : []));
  return {
    sweep,
    otherBases,
    runs: runs.map((r) => ({ ...r, baseFile: fromSweep(r.baseName) })),
    hasVariants: variants !== undefined,
    paramKeys: grid.map((d) => d.key),
    workers,
    formats,
    shards,
    seedFlag,
    sweepFolder,
    features,
  };
}

/**
 * A run's complete scenario, from the README's definition of overrides (scenarios/sweeps/README.md, "Override
 * paths"), not from batch/paths.ts: keys joined by dots; `[n]` the entry at position n; `[name]` the entry whose `id`,
 * `idPrefix` or `name` is name; `[key=value]` the entry whose key is value, added at the end (with `key: value`) when
 * there is none; `[+]` a new entry at the end; missing mappings on the way are created; `null` removes the key; the
 * value replaces what is there. Then the run's seed, unless `withSeed` is false. Returns why it does not fit, if not.
 */
export function expandRun(base: Record<string, unknown>, overrides: readonly Override[], seed: number, withSeed = true): Record<string, unknown> | string {
  const doc = structuredClone(base);
  for (const [path, value] of overrides) {
    const steps = [...path.matchAll(/([A-Za-z_][A-Za-z0-9_-]*)|\[([^\]]*)\]/g)].map((m) => (m[1] !== undefined ? { key: m[1] } : { bracket: m[2]! }));
    let cur: unknown = doc;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const last = i === steps.length - 1;
      let slot: string | number;
      if ('key' in step) {
        if (!isMapping(cur)) return `${path}: not a mapping at ${step.key}`;
        slot = step.key;
      } else {
        if (!Array.isArray(cur)) return `${path}: not a list at [${step.bracket}]`;
        const b = step.bracket;
        const eq = /^([A-Za-z_][A-Za-z0-9_-]*)=(.+)$/.exec(b);
        if (/^\d+$/.test(b)) slot = Number(b);
        else if (b === '+') slot = cur.length;
        else if (eq) {
          const at = cur.findIndex((e) => isMapping(e) && String(e[eq[1]!]) === eq[2]);
          slot = at >= 0 ? at : cur.length;
          if (at < 0) cur.push({ [eq[1]!]: eq[2] });
          if (last && isMapping(value) && value[eq[1]!] === undefined) {
            (cur as unknown[])[slot] = { [eq[1]!]: eq[2], ...structuredClone(value) };
            break;
          }
        } else {
          const at = cur.findIndex((e) => isMapping(e) && (e.id === b || e.idPrefix === b || e.name === b));
          if (at < 0) return `${path}: no entry named ${b}`;
          slot = at;
        }
      }
      const c = cur as Record<string | number, unknown>;
      if (last) {
        if (value === null) delete c[slot];
        else c[slot] = structuredClone(value);
      } else {
        if (c[slot] === undefined && 'key' in steps[i + 1]!) c[slot] = {};
        cur = c[slot];
      }
    }
  }
  if (withSeed) doc.seed = seed;
  return doc;
}
