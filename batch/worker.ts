/**
 * One run of a batch, in a worker thread: write the run's scenario, simulate it
 * (every output file appears under its final name only once complete), then write
 * the `DONE` marker last, atomically. A folder with `DONE` is a finished run that
 * a resumed batch keeps; any other folder is cleaned and run again.
 *
 * Never throws for a failed run: the error comes back as the outcome (and in
 * `error.txt`), so the main thread can tell a failed run from a crashed worker.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BooksSummary } from '../core/errors.ts';
import { runScenario } from '../engine/run.ts';
import { parseScenario } from '../engine/scenario/load.ts';
import { namesStrategyModules } from '../engine/strategyModules.ts';
import { flattenKpis } from './summary.ts';
import { booksOpenInBatch, DONE_FILE, type DoneMarker, ERROR_FILE, errorText, markedFormats, type RunOutcome, type RunTask, withFileLabels, writeAtomic } from './runFiles.ts';
import { writeRunScenario } from './runScenarioFile.ts';

// What the batch's main thread shares with its workers lives in runFiles.ts, which does not load the engine.
export { DONE_FILE, type DoneMarker, ERROR_FILE, errorText, markedFormats, type RunOutcome, type RunTask, SCENARIO_FILE } from './runFiles.ts';

/** One run; what a worker thread's default export does (batch/workerCode.ts). */
export async function runTask(task: RunTask): Promise<RunOutcome> {
  mkdirSync(task.outDir, { recursive: true });
  writeRunScenario(task.outDir, task);
  // Module state must not reach the worker's next run: once a module may have loaded, the thread starts a new worker.
  let renew = false;
  try {
    const scenario = parseScenario(task.text, task.file);
    renew = namesStrategyModules(scenario);
    const { summary } = await runScenario(scenario, { outDir: task.outDir, seed: task.seed, formats: task.formats, scenarioFileLabel: task.fileLabel });
    // A run whose books did not close finished, but its numbers do not add up: it failed.
    const books = summary.books as BooksSummary;
    if (!books.closed) throw booksOpenInBatch(task, books);
    const kpis = flattenKpis(summary.kpis as Record<string, unknown>);
    const formats = markedFormats(task.formats);
    const marker: DoneMarker = { run: task.id, seed: task.seed, fingerprint: task.fingerprint, kpis, ...(formats ? { formats } : {}) };
    writeAtomic(join(task.outDir, DONE_FILE), `${JSON.stringify(marker, null, 1)}\n`);
    return { status: 'ok', kpis, ...(renew ? { renewWorker: true } : {}) };
  } catch (err) {
    // Files named as the plan names them (their path from the sweep's folder), so the text is the same from any working folder.
    const error = task.fileLabel === undefined ? errorText(err) : withFileLabels(errorText(err), [[task.file, task.fileLabel]]);
    writeAtomic(join(task.outDir, ERROR_FILE), `${error}\n`);
    return { status: 'failed', error, ...(renew ? { renewWorker: true } : {}) };
  }
}

/** Piscina calls a worker module's default export with each task. */
export default runTask;

/**
 * A thread's first task (batch/runThreads.ts): its answer says the code has loaded, after
 * which the thread may be ended safely.
 */
export function ready(): true {
  return true;
}
