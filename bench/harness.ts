/**
 * A small benchmark harness. These machines are shared and noisy, so every
 * figure is reported next to a baseline measured in the same run, as a ratio;
 * absolute milliseconds are printed for context only.
 */
export interface Timing {
  readonly name: string;
  readonly medianMs: number;
  readonly runs: number;
}

export interface BenchRow {
  readonly suite: string;
  readonly case: string;
  readonly ms: number;
  readonly baseline?: string;
  readonly baselineMs?: number;
  /** Target for `ms / baselineMs` (or for `ms` when there is no baseline). */
  readonly target?: { readonly max: number; readonly of: 'ratio' | 'ms' | 'MB' };
  readonly note?: string;
  /** What `ms` and `baselineMs` hold when not milliseconds (a target in MB says MB itself). */
  readonly unit?: 'MB' | 'µs';
}

export interface BenchSuite {
  readonly name: string;
  run(): Promise<BenchRow[]>;
}

/**
 * Median wall time of `fn` over at least `minRuns` runs and `minTotalMs` of work
 * (after `warmup` untimed runs). `setup` runs before each call, untimed.
 */
export function measure<S>(
  name: string,
  fn: (state: S) => unknown,
  opts: { setup?: () => S; minRuns?: number; maxRuns?: number; minTotalMs?: number; warmup?: number } = {},
): Timing {
  const { minRuns = 5, maxRuns = 50, minTotalMs = 300, warmup = 1 } = opts;
  const setup = opts.setup ?? (() => undefined as S);
  for (let i = 0; i < warmup; i++) fn(setup());
  const times: number[] = [];
  let total = 0;
  while (times.length < minRuns || (total < minTotalMs && times.length < maxRuns)) {
    const s = setup();
    const t0 = performance.now();
    fn(s);
    const dt = performance.now() - t0;
    times.push(dt);
    total += dt;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { name, medianMs, runs: times.length };
}

/** Interleaves runs of a candidate and its baseline so both see the same machine load. */
export function measurePair<S>(
  candidate: { name: string; fn: (s: S) => unknown },
  baseline: { name: string; fn: (s: S) => unknown },
  opts: { setup?: () => S; rounds?: number } = {},
): { candidate: Timing; baseline: Timing } {
  const rounds = opts.rounds ?? 5;
  const setup = opts.setup ?? (() => undefined as S);
  const c: number[] = [];
  const b: number[] = [];
  candidate.fn(setup());
  baseline.fn(setup());
  for (let r = 0; r < rounds; r++) {
    for (const [fn, out] of [
      [baseline.fn, b],
      [candidate.fn, c],
    ] as const) {
      const s = setup();
      const t0 = performance.now();
      fn(s);
      out.push(performance.now() - t0);
    }
  }
  const med = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  return {
    candidate: { name: candidate.name, medianMs: med(c), runs: rounds },
    baseline: { name: baseline.name, medianMs: med(b), runs: rounds },
  };
}

export function formatRows(rows: readonly BenchRow[]): string {
  const lines = rows.map((r) => {
    const ratio = r.baselineMs ? r.ms / r.baselineMs : undefined;
    const unit = r.target?.of === 'MB' ? 'MB' : (r.unit ?? 'ms');
    const shown = unit === 'MB' ? `${r.ms.toFixed(0)} MB` : `${r.ms.toFixed(r.ms < 10 ? 2 : 0)} ${unit}`;
    const base = r.baseline ? `${r.baseline} ${r.baselineMs!.toFixed(r.baselineMs! < 10 ? 2 : 0)} ${unit}` : '';
    const value = r.target?.of === 'ratio' ? (ratio ?? r.ms) : r.ms;
    const verdict = r.target ? (value <= r.target.max ? 'ok' : 'MISS') : '';
    const target = r.target ? `≤ ${r.target.max}${r.target.of === 'ratio' ? '×' : ` ${r.target.of}`}` : '';
    return [r.suite, r.case, shown, base, ratio !== undefined ? `${ratio.toFixed(2)}×` : '', target, verdict, r.note ?? ''];
  });
  const header = ['suite', 'case', 'time', 'baseline (same run)', 'ratio', 'target', '', 'note'];
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((l) => l[i]!.length)));
  return all.map((l) => l.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
