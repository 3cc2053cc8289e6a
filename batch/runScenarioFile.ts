/**
 * The `scenario.yaml` a run folder holds: the run's complete scenario, written so that
 * `gridbid run <run folder>/scenario.yaml` gives the run again, from wherever the folder sits:
 * its seed set to the run's (a replication's seed was only on the command line), and every
 * strategy module it names by a path from the run folder (the base scenario names them from its
 * own folder: "no such file: ../strategies/remembers.mjs", measured on a sweep's run folder).
 * Comments and layout stay as the base wrote them. A text that does not parse (a run whose
 * scenario is invalid, failed before any worker) is written as it is. Apart from runFiles.ts,
 * which every command loads (`gridbid --version` must not load the YAML parser).
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { ERROR_FILE, type RunOutcome, type RunTask, SCENARIO_FILE, workerDeathText, writeAtomic } from './runFiles.ts';

/** `text` (the run's scenario, read relative to `scenarioFile`) for a run of `seed` written into `runDir`. */
export function runFolderScenarioText(text: string, scenarioFile: string, seed: number, runDir: string): string {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return text;
  let changed = false;
  if (doc.get('seed') !== seed) {
    doc.set('seed', seed);
    changed = true;
  }
  const agents = doc.get('agents');
  if (isSeq(agents)) {
    const from = dirname(resolve(scenarioFile));
    agents.items.forEach((_, i) => {
      const module = doc.getIn(['agents', i, 'strategy', 'module']);
      if (typeof module !== 'string' || isAbsolute(module)) return;
      const there = relative(resolve(runDir), resolve(from, module)).split(sep).join('/');
      const path = there.startsWith('.') ? there : `./${there}`;
      if (path === module) return;
      doc.setIn(['agents', i, 'strategy', 'module'], path);
      changed = true;
    });
  }
  return changed ? doc.toString({ lineWidth: 0 }) : text;
}

/** What a run folder's scenario.yaml is written from: the run's scenario text, the file it is read relative to, its seed. */
export type RunScenario = Pick<RunTask, 'text' | 'file' | 'seed' | 'publishedDir'>;

/** Writes `dir`/scenario.yaml: the run's scenario, rerunnable from the folder it is published in (batch/runScenarioFile.ts). */
export function writeRunScenario(dir: string, run: RunScenario): void {
  writeAtomic(join(dir, SCENARIO_FILE), runFolderScenarioText(run.text, run.file, run.seed, run.publishedDir ?? dir));
}

/**
 * The outcome of a run whose worker thread died in it (or could not load, or was ended by the
 * run's time limit), `err` what the thread pool said, and `dir` made its folder: the files the
 * run had started (`<name>.partial`, never finished) removed, its scenario.yaml written when the
 * run never started, and `error.txt` (`workerDeathText`). What is left is what every failed run leaves.
 */
export function failDeadRun(dir: string, run: RunScenario, err: unknown): RunOutcome {
  return failRunFolder(dir, run, workerDeathText(err));
}

/**
 * `dir` made the folder of a run that failed with `error` before it could write its own: its
 * unfinished files (`<name>.partial`) removed, its scenario.yaml written when missing, and
 * `error.txt`. What is left is what every failed run leaves.
 */
export function failRunFolder(dir: string, run: RunScenario, error: string): RunOutcome {
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(dir);
  // recursive: the Parquet writer's `parquet.partial/` is a folder (output/parquetStream.ts).
  for (const f of files) if (f.endsWith('.partial')) rmSync(join(dir, f), { recursive: true, force: true });
  if (!files.includes(SCENARIO_FILE)) writeRunScenario(dir, run);
  writeAtomic(join(dir, ERROR_FILE), `${error}\n`);
  return { status: 'failed', error };
}
