/**
 * The warm-up oracle of the fuzzer (audit A-review43): a run with `warmUpDays: N` is, interval for interval, the
 * run that starts N days earlier without one (engine/warmUp.ts, README "Warm-up days"). For a generated scenario
 * that ran, `warmUpDraw` draws N in 1..2 from a stream of its own (so every seed's scenario is what it was) and
 * writes the two variants: the scenario with `warmUpDays: N`, and the same scenario with `start` N days earlier and
 * `days` N more. `compareWarmUp` compares what the first reports with the second's rows from `start` on, every
 * per-interval table and bills.csv, byte for byte, with the two documented exceptions handled row by row:
 *
 * - the first reported day's day-ahead auction runs in the warm-up; its rejections (and DAY_AHEAD_FAILED events)
 *   are written with the first reported interval, where the longer run writes them with the interval after the
 *   auction's gate, and its faults (dated at the gate, before `start`) too. So at `start` the warm-up run may have
 *   more rows than the longer run: each extra one must be a row the longer run wrote before `start` (time aside),
 *   and each row of the warm-up run dated before `start` must be an engine fault the longer run wrote at that time;
 * - under a monthly demand charge, bills and the retail desk's running peak restart at `start` where the warm-up
 *   shares a month with the reported period: customers may take flexible load differently from there. Then the
 *   tables must agree up to the first interval where agents.csv differs, and in that interval a customer of the
 *   monthly tariff must differ (the divergence starts with one of them); its bills are checked by the fuzzer's
 *   demand-charge check on the warm-up run's own meters.
 *
 * Interval numbers in message text (`interval 355`) are the engine's, counted from the warm-up's first interval,
 * as in the longer run; a line that counts them from `start` instead (N days of intervals less) is accepted too, so
 * that the oracle holds whichever way the lead settles that.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { billingDays, siteClock, tariffClock, type BillingDays } from './check.ts';
import { rng } from './generate.ts';

const DAY_MS = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export interface WarmUpDraw {
  /** Warm-up days, 1 or 2. */
  readonly n: number;
  /** The scenario with `warmUpDays: n`. */
  readonly warm: string;
  /** The same scenario started `n` days earlier, `n` days longer, without a warm-up. */
  readonly long: string;
  /** The reported start (the scenario's), as the tables write times. */
  readonly start: string;
  /** The warm-up's intervals: `n` calendar days of the site's clock before `start` (23 or 25 hours in a day across a change). */
  readonly warmUpIntervals: number;
  /**
   * Whether a longer run can be compared: not where `start`'s wall time does not exist `n` days earlier (in a spring
   * gap), so that the warm-up starts after the jump and the run of `days + n` from there would end an hour after the
   * warm-up run (engine/scenario/runSpan.ts).
   */
  readonly comparable: boolean;
}

/** N in 1..2 from the seed's own stream (`seed ^ 0x3a7c15`: no other draw of the generator moves), and the two variants. */
export function warmUpDraw(yaml: string, seed: number): WarmUpDraw {
  const n = 1 + Math.floor(rng(seed ^ 0x3a7c15)() * 2);
  const doc = parse(yaml) as Record<string, unknown>;
  const startMs = Date.parse(String(doc.start));
  // N calendar days of the site's clock earlier (docs/time.md): the same wall time N local days before `start`.
  const clock = siteClock({ start: String(doc.start), days: Number(doc.days), warmUpDays: n, site: doc.site as { utcOffsetHours?: number; timeZone?: string } });
  const longStartMs = clock.wallDaysAfter(startMs, -n);
  const warm = { ...doc, warmUpDays: n };
  const long = { ...doc, start: iso(longStartMs), days: Number(doc.days) + n };
  const text = (d: Record<string, unknown>) => stringify(d, { lineWidth: 0, flowCollectionPadding: false });
  const comparable = clock.localMs(longStartMs) === clock.localMs(startMs) - n * DAY_MS;
  return { n, warm: text(warm), long: text(long), start: iso(startMs), warmUpIntervals: Math.round((startMs - longStartMs) / (Number(doc.intervalMinutes) * 60_000)), comparable };
}

/**
 * The id of a monthly demand charge whose month to date the warm-up shares with `start` (the month, `YYYY-MM` on the
 * tariff's wall clock — UTC, or the site's fixed offset or zone for `hours: local`, test/fuzz/check.ts `tariffClock` —
 * holds both the instant before `start` and `start`), if any.
 */
export function monthlyDemandShared(
  config: { tariffs?: readonly unknown[] | undefined; start?: string | Date; days?: number; site: { utcOffsetHours?: number | undefined; timeZone?: string | undefined } },
  startMs: number,
): string | undefined {
  for (const t of (config.tariffs ?? []) as Array<Record<string, unknown>>) {
    if (t.type !== 'demand-charge' || t.demandPeriod !== 'month') continue;
    const clock = tariffClock({ start: config.start ?? new Date(startMs).toISOString(), days: config.days ?? 1, site: config.site }, t as { hours?: string });
    const month = (ms: number) => new Date(clock.localMs(ms)).toISOString().slice(0, 7);
    if (month(startMs - 1) === month(startMs)) return String(t.id);
  }
  return undefined;
}

type Line = string;
const lines = (dir: string, f: string): Line[] => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== '');
const timeOf = (l: Line): string => l.slice(0, l.indexOf(','));

/** `a` is `b`, or `b` with every `interval k` of its text counted from `start` (k − shift). */
function sameLine(a: Line, b: Line, shift: number): boolean {
  return a === b || a === b.replace(/\binterval(s?) (\d+)/g, (_, s: string, k: string) => `interval${s} ${Number(k) - shift}`);
}

/** Removes from `pool` (the longer run's lines) one that the warm-up run's `l` is (by `sameLine`); false when none is. */
function take(pool: Line[], l: Line, shift: number): boolean {
  const i = pool.findIndex((p) => sameLine(l, p, shift));
  if (i < 0) return false;
  pool.splice(i, 1);
  return true;
}

export interface WarmUpComparison {
  readonly problems: string[];
  /** Rows moved to `start` by the day-ahead exception, and where the monthly-demand exception began (none: the runs agreed throughout). */
  readonly movedRows: number;
  readonly divergedAt?: string | undefined;
}

/**
 * Compares the warm-up run's files (`warmDir`) with the longer run's (`longDir`) from `start` on, as the header says.
 * `warmUpIntervals` is the warm-up's interval count; `monthlyTariff` the id of a monthly demand-charge tariff whose
 * month the warm-up shares with `start` (the second exception), if any.
 */
export function compareWarmUp(warmDir: string, longDir: string, start: string, warmUpIntervals: number, monthlyTariff?: string, days: BillingDays = billingDays({ start, days: 1, site: {} })): WarmUpComparison {
  const problems: string[] = [];
  const wFiles = readdirSync(warmDir).filter((f) => f.endsWith('.csv')).sort();
  const lFiles = readdirSync(longDir).filter((f) => f.endsWith('.csv')).sort();
  // A table the warm-up run lacks where the longer run wrote rows only before start (voltages of a feeder, messages) is fine the other way
  // only if the longer run has none from start: checked below per file.
  for (const f of lFiles) if (!wFiles.includes(f) && lines(longDir, f).slice(1).some((l) => timeOf(l) >= start)) problems.push(`${f}: the longer run writes rows from ${start}, the warm-up run has no such file`);
  // The first interval where agents.csv differs (the monthly-demand exception): every table must agree before it.
  let divergedAt: string | undefined;
  if (monthlyTariff !== undefined && wFiles.includes('agents.csv')) {
    const w = lines(warmDir, 'agents.csv').slice(1);
    const l = lines(longDir, 'agents.csv').slice(1).filter((x) => timeOf(x) >= start);
    for (let i = 0; i < Math.max(w.length, l.length); i++) {
      if (w[i] === l[i]) continue;
      divergedAt = [w[i], l[i]].filter((x): x is string => x !== undefined).map(timeOf).sort()[0];
      break;
    }
    if (divergedAt !== undefined) {
      const customers = new Set(lines(warmDir, 'bills.csv').slice(1).map((b) => b.split(',')).filter((b) => b[3] === monthlyTariff).map((b) => b[1]!));
      const at = (xs: Line[]) => xs.filter((x) => timeOf(x) === divergedAt);
      const wAt = at(w);
      const lAt = new Set(at(l));
      const first = wAt.filter((x) => !lAt.has(x)).map((x) => x.split(',')[1]!);
      if (!first.some((id) => customers.has(id))) problems.push(`agents.csv: the runs diverge at ${divergedAt} (monthly demand charge '${monthlyTariff}' restarting at start) but no customer of that tariff differs there: ${first.slice(0, 5).join(' ')}`);
    }
  }
  const before = (t: string) => divergedAt === undefined || t < divergedAt;
  let movedRows = 0;
  const longBefore = new Map<string, Line[]>(); // per file: the longer run's rows dated before start (a pool for the moved rows)
  for (const f of wFiles) {
    if (f === 'bills.csv') continue;
    const w = lines(warmDir, f);
    if (!lFiles.includes(f)) {
      if (w.length > 1) problems.push(`${f}: the warm-up run writes ${w.length - 1} rows, the longer run has no such file`);
      continue;
    }
    const l = lines(longDir, f);
    if (w[0] !== l[0]) problems.push(`${f}: header ${w[0]} ≠ ${l[0]}`);
    const pool = l.slice(1).filter((x) => timeOf(x) < start);
    longBefore.set(f, pool);
    const wRows = w.slice(1).filter((x) => before(timeOf(x)));
    const lRows = l.slice(1).filter((x) => timeOf(x) >= start && before(timeOf(x)));
    // Rows dated before start: only an engine fault of the day-ahead auction held for the first reported day, as the longer run wrote it.
    for (const x of wRows.filter((r) => timeOf(r) < start)) {
      const fault = f === 'events.csv' && /^[^,]*,engine,[^,]*,(STRATEGY_FAULT|AGENT_CRASH),/.test(x);
      if (!fault || !take(pool, x, warmUpIntervals)) problems.push(`${f}: a row dated before start that the longer run did not write then (or not a held day-ahead fault): ${x.slice(0, 200)}`);
      else movedRows++;
    }
    // At start: the longer run's rows, plus rows the longer run wrote before start (the held day-ahead reports), in any order.
    const wAt = wRows.filter((r) => timeOf(r) === start);
    const lAt = lRows.filter((r) => timeOf(r) === start);
    const extra = [...wAt];
    for (const x of lAt) {
      const i = extra.findIndex((e) => sameLine(e, x, warmUpIntervals));
      if (i >= 0) extra.splice(i, 1);
      else problems.push(`${f}: the longer run's row at start is missing from the warm-up run: ${x.slice(0, 200)}`);
    }
    for (const x of extra) {
      const then = pool.find((p) => sameLine(x.slice(timeOf(x).length), p.slice(timeOf(p).length), warmUpIntervals));
      if (then === undefined) problems.push(`${f}: a row at start the longer run does not write at start nor before: ${x.slice(0, 200)}`);
      else {
        pool.splice(pool.indexOf(then), 1);
        movedRows++;
      }
    }
    if (extra.length === 0 && wAt.some((x, i) => !sameLine(x, lAt[i]!, warmUpIntervals))) problems.push(`${f}: the rows at start come in another order`);
    // After start: the same rows in the same order.
    const wAfter = wRows.filter((r) => timeOf(r) > start);
    const lAfter = lRows.filter((r) => timeOf(r) > start);
    const n = Math.max(wAfter.length, lAfter.length);
    for (let i = 0; i < n; i++) {
      if (wAfter[i] !== undefined && lAfter[i] !== undefined && sameLine(wAfter[i]!, lAfter[i]!, warmUpIntervals)) continue;
      problems.push(`${f}: row ${i + 1} after start differs:\n      warm-up: ${wAfter[i]?.slice(0, 240) ?? '(none)'}\n      longer:  ${lAfter[i]?.slice(0, 240) ?? '(none)'}`);
      break;
    }
  }
  // bills.csv: each billing day from start. Billing days are the site's local days (engine/billingDays.ts), `day` their local
  // date; the warm-up run's first reported one starts at start. Off local midnight that day is partial in the warm-up run and
  // whole in the longer run: compared from the next local day on.
  if (wFiles.includes('bills.csv') || lFiles.includes('bills.csv')) {
    // The reported billing days (check.ts billingDays: which instants a bill's day spans). Where the runs parted
    // (monthly demand), only the billing days that ended by then are compared.
    const startMs = Date.parse(start);
    const day = days.dayOf(startMs);
    const ended = (b: Line) => divergedAt === undefined || days.span(b.slice(0, 10)).toMs <= Date.parse(divergedAt);
    const reported = (b: Line) => days.span(b.slice(0, 10)).fromMs >= startMs;
    const keep = (b: Line) => reported(b) && ended(b);
    // A monthly tariff's bill: its month to date starts at start in the one run, at the month's start in the other; all
    // but demand_charge and total must agree (the fuzzer's demand-charge check recomputes them from the warm-up run's meters).
    const blank = (b: Line) => {
      const c = b.split(',');
      return c[3] === monthlyTariff ? [...c.slice(0, 7), '…', c[8], c[9], '…'].join(',') : b;
    };
    // The warm-up run's bills are all the reported days' (none of the warm-up's: bills start at start); its first may be a
    // partial day (start off local midnight), reported but not compared.
    const wAll = wFiles.includes('bills.csv') ? lines(warmDir, 'bills.csv').slice(1) : [];
    for (const b of wAll.filter((x) => days.span(x.slice(0, 10)).toMs <= startMs)) problems.push(`bills.csv: a bill before ${day}, the warm-up's: ${b}`);
    const w = wAll.filter(keep).map(blank);
    const l = lFiles.includes('bills.csv') ? lines(longDir, 'bills.csv').slice(1).filter(keep).map(blank) : [];
    const n = Math.max(w.length, l.length);
    for (let i = 0; i < n; i++) {
      if (w[i] === l[i]) continue;
      problems.push(`bills.csv: bill ${i + 1} from ${day} differs:\n      warm-up: ${w[i] ?? '(none)'}\n      longer:  ${l[i] ?? '(none)'}`);
      break;
    }
  }
  return { problems, movedRows, divergedAt };
}
