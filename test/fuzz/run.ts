/**
 * `npm run fuzz -- --runs N --seed S [--same-every K] [--keep] [--no-warm-up] [--feeder] [--tariffs] [--mix] [--batch]`: generates N random
 * scenarios (test/fuzz/generate.ts, seeds S … S+N−1; `--feeder`: every one on a LinDistFlow feeder with the options of
 * test/fuzz/feederDraw.ts; `--tariffs`: every one retail, with the intervals, clocks and tariff options of
 * test/fuzz/tariffDraw.ts; `--mix`, with any of them: the combinations of test/fuzz/mixDraw.ts), loads each through the real loader and runs the
 * valid ones through the real engine, checking the invariants of test/fuzz/check.ts; every
 * K-th run (default 5) is run twice and compared byte for byte; every run that ran is run again with one or two warm-up
 * days and compared with the same scenario started that much earlier (test/fuzz/warmUp.ts; `--no-warm-up` skips it). Prints each failure with its
 * seed, what broke and the scenario's YAML, then a tally of the feature mix; exits 1 when any
 * scenario failed. `--batch`: each seed's scenario becomes the base of a small sweep run through `gridbid batch` and
 * checked against the same runs alone, shards merged, 1 and 2 workers, Parquet and `gridbid query`
 * (test/fuzz/batchOracle.ts). Not part of `npm test` (test/fuzz/smoke.spec.ts runs a few seeds).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputFileError, UserError } from '../../core/errors.ts';
import { runScenario, runScenarioWith } from '../../engine/run.ts';
import { checkPayAsBidCosts, PayAsBidRecorder } from './payAsBidChecks.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { expectEventsReconcile } from '../operations/outputs.ts';
import { billingDays, checkAggregators, checkBillEnergy, checkRetailers, checkBooks, checkCrashes, checkCuts, checkEvEnergy, checkNoNonNumbers, checkPositions, checkDemandCharges, checkMoney, checkPartyCosts, checkSameFiles, checkShedPrices, checkSoc, checkStorageEnergy, checkTouEnergy, readRun, type RunFiles } from './check.ts';
import { type Features, type GenerateOptions, generateScenario } from './generate.ts';
import { checkBillArithmetic, checkBillDays, checkCriticalPeakEnergy, checkMeterReads, checkRealTimeEnergy, checkRetailerBooks, checkRunSpan } from './billChecks.ts';
import { checkFeederPowerFlow, checkLossesStage, checkMarginalLosses, checkVoltageBands } from './feederChecks.ts';
import { compareWarmUp, monthlyDemandShared, warmUpDraw } from './warmUp.ts';
import { refusalsHeld, zoneRefusals } from './zoneRefusals.ts';
import { parse as parseYaml } from 'yaml';
import type { ScenarioConfig } from '../../engine/scenario/schema.ts';

export interface FuzzOutcome {
  readonly seed: number;
  readonly status: 'refused' | 'ok' | 'failed';
  readonly problems: readonly string[];
  readonly features: Features;
  readonly yaml: string;
  /** The events.csv types the run wrote, agents.csv states own-control / crashed, re-dispatch and retailer moves: which features it exercised. */
  readonly exercised?: readonly string[];
  /** The first refusal's path and message, for the tally of what validation refused. */
  readonly refusal?: string;
}

/** The invariants of test/fuzz/check.ts on the run written to `dir`: its problems are added to `problems`. */
function invariants(dir: string, config: ScenarioConfig, problems: string[], seen?: Set<string>): { run: RunFiles; events: Record<string, string>[] } {
  const run = readRun(dir);
  const events = parse(readFileSync(join(dir, 'events.csv')), { columns: true }) as Record<string, string>[];
  problems.push(...checkBooks(run), ...checkMoney(run), ...checkSoc(run, config), ...checkDemandCharges(run, config), ...checkPartyCosts(run, config), ...checkStorageEnergy(run, config), ...checkBillEnergy(run, config), ...checkCrashes(run, config), ...checkShedPrices(run, events, config), ...checkNoNonNumbers(dir), ...checkPositions(run), ...checkCuts(run, events, config), ...checkEvEnergy(run, config), ...checkRetailers(run, config), ...checkAggregators(run), ...checkTouEnergy(run, config));
  // The run's span and its bills (test/fuzz/billChecks.ts).
  problems.push(...checkRunSpan(dir, run, config), ...checkBillDays(run, config), ...checkBillArithmetic(run, config, seen), ...checkRealTimeEnergy(dir, run, config, seen), ...checkCriticalPeakEnergy(run, config, seen), ...checkRetailerBooks(run), ...checkMeterReads(run));
  // On a radial feeder, the oracle's own AC power flow and the losses stage (test/fuzz/feederChecks.ts).
  problems.push(...checkFeederPowerFlow(dir, run, config, seen), ...checkLossesStage(dir, run, config), ...checkMarginalLosses(dir, run, config, seen), ...checkVoltageBands(dir, config, seen));
  // On a plane a late command is in force pro rata (COMMAND_LATE), which the operations specs' check does not model.
  if (config.operations.length > 0 && config.comms === 'ideal') problems.push(...eventsReconcile(dir));
  return { run, events };
}

/**
 * The warm-up oracle (test/fuzz/warmUp.ts): the scenario with `warmUpDays: N` (N from the seed's own stream) and the same
 * scenario started N days earlier; the first's reported days must be the second's last, but for the documented exceptions,
 * and the first keeps every invariant on its own files. Adds its problems (prefixed) to `problems`; returns what it did:
 * `same` (compared, equal), `moved` (equal with held day-ahead rows), `monthly` (the monthly-demand exception applied),
 * `refused` (validate refused the warm-up, located: a plane, a critical-peak event in the warm-up), `gap-start` (not compared:
 * `start`'s wall time does not exist N days earlier, so no longer run ends where the warm-up run does; WarmUpDraw.comparable).
 */
async function warmUpOracle(seed: number, yaml: string, ideal: boolean, problems: string[]): Promise<string> {
  const draw = warmUpDraw(yaml, seed);
  const say = (p: string) => problems.push(`warm-up ${draw.n} day(s): ${p}`);
  // A warm-up may reach back across a change of the site's clock the run alone does not hold: what that calls for.
  const predicted = zoneRefusals(parseYaml(draw.warm));
  let warm;
  try {
    warm = parseScenario(draw.warm, `fuzz-${seed}-warm.yaml`);
  } catch (err) {
    // Refused, located, for what validate documents: a communication plane, a dated event in the warm-up, or (predicted
    // by zoneRefusals) the site's clock in the warm-up's offsets.
    const issues = err instanceof InputFileError ? err.issues : [];
    const zone = predicted.length > 0 && refusalsHeld(predicted, issues.map((i) => i.path)).length === 0;
    const documented = issues.length > 0 && issues.every((i) => i.path !== undefined && (/warm-up/.test(i.message) || (zone && predicted.some((p) => i.path!.startsWith(p.path)))));
    if (zone && documented) return 'refused-zone';
    if (!documented) say(`validate refused the warm-up variant of a scenario it accepts: ${err instanceof InputFileError ? err.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : String(err)}`);
    else if (ideal && !issues.some((i) => /critical-peak|tariffs/.test(`${i.path} ${i.message}`))) say(`refused on the ideal plane: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    return 'refused';
  }
  if (predicted.length > 0) say(`validate accepted the warm-up variant, which the site's clock calls to refuse: ${predicted.map((p) => `${p.path}: ${p.why}`).join('; ')}`);
  if (!draw.comparable) return 'gap-start';
  const dirs = [mkdtempSync(join(tmpdir(), `gridbid-fuzz-${seed}-warm-`)), mkdtempSync(join(tmpdir(), `gridbid-fuzz-${seed}-long-`))];
  try {
    const long = parseScenario(draw.long, `fuzz-${seed}-long.yaml`);
    await runScenario(warm, { outDir: dirs[0]! });
    await runScenario(long, { outDir: dirs[1]! });
    const own: string[] = [];
    invariants(dirs[0]!, warm.config, own);
    for (const p of own) say(`the warm-up run: ${p}`);
    const monthly = monthlyDemandShared(warm.config, Date.parse(draw.start));
    const c = compareWarmUp(dirs[0]!, dirs[1]!, draw.start, draw.warmUpIntervals, monthly, billingDays(warm.config));
    for (const p of c.problems) say(p);
    const summary = JSON.parse(readFileSync(join(dirs[0]!, 'summary.json'), 'utf8'));
    if (summary.start !== draw.start || summary.warmUp?.intervals !== draw.warmUpIntervals || summary.books?.warmUpIntervals !== draw.warmUpIntervals || summary.warmUp?.days !== draw.n) say(`summary.json start ${summary.start}, warmUp ${JSON.stringify(summary.warmUp)}, books.warmUpIntervals ${summary.books?.warmUpIntervals}`);
    return c.divergedAt !== undefined ? 'monthly-diverged' : monthly !== undefined ? 'monthly-same' : c.movedRows > 0 ? 'moved' : 'same';
  } catch (err) {
    say(`a run threw: ${err instanceof UserError ? err.message : err instanceof Error ? err.stack : String(err)}`);
    return 'threw';
  } finally {
    if (!process.env.GRIDBID_FUZZ_KEEP) for (const d of dirs) rmSync(d, { recursive: true, force: true });
    else for (const d of dirs) console.log(`  kept ${d}`);
  }
}

/** Generates, loads, runs and checks one scenario (and, unless `withWarmUp` is false, its warm-up oracle). */
export async function fuzzOne(seed: number, twice: boolean, withWarmUp = true, opts: GenerateOptions = {}): Promise<FuzzOutcome> {
  const g = generateScenario(seed, opts);
  const base = { seed, features: g.features, yaml: g.yaml };
  // What the site's clock calls for validate to refuse (test/fuzz/zoneRefusals.ts).
  const predicted = zoneRefusals(parseYaml(g.yaml));
  let scenario;
  try {
    scenario = parseScenario(g.yaml, `fuzz-${seed}.yaml`);
  } catch (err) {
    if (err instanceof InputFileError) {
      const unlocated = err.issues.filter((i) => i.path === undefined || i.message.length < 5);
      const first = err.issues[0]!;
      // A refusal the clock called for is expected; the tally says whether validate named it (it may refuse something else first: rounds).
      const named = predicted.length > 0 && refusalsHeld(predicted, err.issues.map((i) => i.path)).length === 0;
      return { ...base, status: unlocated.length > 0 ? 'failed' : 'refused', problems: unlocated.map((i) => `an issue without path or reason: ${JSON.stringify(i)}`), refusal: `${named ? '(clock, predicted) ' : ''}${first.path}: ${first.message}` };
    }
    return { ...base, status: 'failed', problems: [`the loader threw ${err instanceof Error ? err.stack : String(err)}`] };
  }
  const dirs: string[] = [];
  const problems: string[] = [];
  // Under pay-as-bid the first run records its books for the pay-as-bid oracle (test/fuzz/payAsBidChecks.ts).
  const payAsBid = scenario.config.market.pricing === 'pay-as-bid' ? new PayAsBidRecorder() : undefined;
  if (predicted.length > 0) problems.push(`validate accepted a scenario the site's clock calls to refuse: ${predicted.map((p) => `${p.path}: ${p.why}`).join('; ')}`);
  try {
    for (let pass = 0; pass < (twice ? 2 : 1); pass++) {
      const dir = mkdtempSync(join(tmpdir(), `gridbid-fuzz-${seed}-`));
      dirs.push(dir);
      try {
        if (pass === 0 && payAsBid) await runScenarioWith(scenario, { outDir: dir }, { phases: { positions: payAsBid.positions } });
        else await runScenario(scenario, { outDir: dir });
      } catch (err) {
        // validate accepted it, so the run must not fail with an input error, nor with an internal one.
        const what = err instanceof InputFileError ? 'an input error validate did not report' : err instanceof UserError ? 'a user error validate did not report' : 'an internal error';
        problems.push(`the run threw ${what}: ${err instanceof UserError ? err.message : err instanceof Error ? err.stack : String(err)}`);
        return { ...base, status: 'failed', problems };
      }
    }
    const seen = new Set<string>();
    const { run, events } = invariants(dirs[0]!, scenario.config, problems, seen);
    if (payAsBid) {
      problems.push(...checkPayAsBidCosts(run, scenario.config, payAsBid));
      seen.add(payAsBid.selfTrades > 0 ? 'pay-as-bid:self-trade' : 'pay-as-bid');
    }
    if (twice) problems.push(...checkSameFiles(dirs[0]!, dirs[1]!));
    const exercised = new Set([...seen, ...events.map((e) => e.type!), ...run.agents.filter((r) => r.state === 'own-control' || r.state === 'crashed').map((r) => `state:${r.state}`)]);
    if (run.agents.some((r) => r.rt_price !== '' && r.imbalance_price !== '')) exercised.add('redispatch');
    if ((run.summary.kpis.retail?.retailerSwitches ?? 0) > 0) exercised.add('retailer-move');
    const warmUp = withWarmUp ? await warmUpOracle(seed, g.yaml, scenario.config.comms === 'ideal', problems) : undefined;
    if (warmUp) exercised.add(`warm-up:${warmUp}`);
    return { ...base, status: problems.length > 0 ? 'failed' : 'ok', problems, exercised: [...exercised] };
  } finally {
    if (!process.env.GRIDBID_FUZZ_KEEP) for (const d of dirs) rmSync(d, { recursive: true, force: true });
    else for (const d of dirs) console.log(`  kept ${d}`);
  }
}

/** The operations specs' check that events.csv reconciles with agents.csv (test/operations/outputs.ts), its failure as text. */
function eventsReconcile(dir: string): string[] {
  const agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Record<string, string>[];
  const o = {
    dir,
    summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')),
    agents,
    flows: [],
    events: parse(readFileSync(join(dir, 'events.csv')), { columns: true }) as Record<string, string>[],
    award: new Map(agents.map((r) => [`${r.interval_start}|${r.agent_id}`, Number(r.award_kw)])),
    actual: new Map(agents.filter((r) => r.actual_kw !== '').map((r) => [`${r.interval_start}|${r.agent_id}`, Number(r.actual_kw)])),
    cleanup: () => {},
  };
  try {
    expectEventsReconcile(o);
    return [];
  } catch (err) {
    return [`events.csv does not reconcile: ${err instanceof Error ? err.message : String(err)}`];
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) {
    console.error(`--${name}: expected a whole number ≥ 0, got ${process.argv[i + 1]}`);
    process.exit(1);
  }
  return v;
}

/** `--batch`: each seed's small sweep through `gridbid batch`, against the same runs alone (test/fuzz/batchOracle.ts). */
async function mainBatch(runs: number, first: number, opts: GenerateOptions): Promise<void> {
  const { fuzzBatchOne } = await import('./batchOracle.ts');
  const tally = new Map<string, number>();
  const count = (key: string): void => void tally.set(key, (tally.get(key) ?? 0) + 1);
  let ok = 0;
  let refused = 0;
  let totalRuns = 0;
  const failed: number[] = [];
  const t0 = performance.now();
  for (let seed = first; seed < first + runs; seed++) {
    const o = await fuzzBatchOne(seed, opts);
    if (o.status === 'refused') {
      refused++;
      continue;
    }
    totalRuns += o.runs;
    for (const f of o.features) count(f);
    if (o.status === 'ok') {
      ok++;
      continue;
    }
    failed.push(seed);
    console.log(`\n=== seed ${seed} (batch): FAILED\n${o.problems.slice(0, 12).map((p) => `  - ${p}`).join('\n')}\n--- sweep.yaml\n${o.sweepYaml}--- base.yaml\n${o.baseYaml}`);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`\n${runs} sweeps (seeds ${first}–${first + runs - 1}) in ${secs} s: ${ok} clean, ${failed.length} failed, ${refused} refused whole (base and every run invalid); ${totalRuns} runs in the sweeps checked`);
  console.log(`draws: ${[...tally].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (failed.length > 0) console.log(`failed seeds: ${failed.join(' ')}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

async function main(): Promise<void> {
  const runs = arg('runs', 20);
  const first = arg('seed', 1);
  if (process.argv.includes('--batch')) {
    if (process.argv.includes('--keep')) process.env.GRIDBID_FUZZ_KEEP = '1';
    return mainBatch(runs, first, { feeder: process.argv.includes('--feeder'), tariffs: process.argv.includes('--tariffs'), mix: process.argv.includes('--mix') });
  }
  const sameEvery = arg('same-every', 5);
  if (process.argv.includes('--keep')) process.env.GRIDBID_FUZZ_KEEP = '1';
  const tally = new Map<string, number>();
  const refusals = new Map<string, number>();
  const exercisedTally = new Map<string, number>();
  const count = (key: string, m = tally): void => void m.set(key, (m.get(key) ?? 0) + 1);
  let ok = 0;
  let refused = 0;
  const failed: number[] = [];
  const t0 = performance.now();
  for (let seed = first; seed < first + runs; seed++) {
    const o = await fuzzOne(seed, sameEvery > 0 && (seed - first) % sameEvery === 0, !process.argv.includes('--no-warm-up'), { feeder: process.argv.includes('--feeder'), tariffs: process.argv.includes('--tariffs'), mix: process.argv.includes('--mix') });
    if (o.status === 'refused') {
      refused++;
      count(o.refusal!.replace(/\d+(\.\d+)?/g, '#').slice(0, 120), refusals);
      continue;
    }
    const f = o.features;
    // Feeder mode's draws (test/fuzz/feederDraw.ts) are counted one by one.
    for (const [k, v] of Object.entries(f.feeder ?? {})) if (v !== false && v !== undefined) count(v === true ? `feeder.${k}` : `feeder.${k}=${v}`);
    // So are tariff mode's (test/fuzz/tariffDraw.ts).
    for (const [k, v] of Object.entries(f.tariffs ?? {})) if (v !== false && v !== 'none') count(v === true ? `tariffs.${k}` : `tariffs.${k}=${v}`);
    // And mix mode's (test/fuzz/mixDraw.ts).
    for (const [k, v] of Object.entries(f.mix ?? {})) if (v !== false && v !== undefined) count(v === true ? `mix.${k}` : `mix.${k}=${v}`);
    for (const [k, v] of Object.entries(f)) if (k !== 'intervals' && k !== 'feeder' && k !== 'tariffs' && k !== 'mix' && v !== false && v !== 0 && v !== 'none' && v !== undefined) count(k === 'minutes' || k === 'network' || k === 'demandCharge' || k === 'timeZone' ? `${k}=${v}` : k);
    for (const e of o.exercised ?? []) count(e, exercisedTally);
    if (o.status === 'ok') {
      ok++;
      continue;
    }
    failed.push(seed);
    console.log(`\n=== seed ${seed}: FAILED\n${o.problems.slice(0, 8).map((p) => `  - ${p}`).join('\n')}\n--- fuzz-${seed}.yaml\n${o.yaml}`);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`\n${runs} scenarios (seeds ${first}–${first + runs - 1}) in ${secs} s: ${ok} ran clean, ${failed.length} failed, ${refused} refused by validation`);
  console.log(`feature mix of the ${ok + failed.length} that ran: ${[...tally].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`runs that wrote each event type (or state): ${[...exercisedTally].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (refusals.size > 0) console.log(`refusals: ${[...refusals].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v}× ${k}`).join('\n          ')}`);
  if (failed.length > 0) console.log(`failed seeds: ${failed.join(' ')}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
