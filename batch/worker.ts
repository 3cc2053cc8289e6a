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
import { BooksOpenError, type BooksSummary, UserError } from '../core/errors.ts';
import { runScenario } from '../engine/run.ts';
import { parseScenario } from '../engine/scenario/load.ts';
import { writeAtomic } from '../output/recorder.ts';
import type { OutputFormat } from '../output/parquet.ts';
import { oneLine } from './plan.ts';
import { flattenKpis } from './summary.ts';

export const DONE_FILE = 'DONE';
export const ERROR_FILE = 'error.txt';
export const SCENARIO_FILE = 'scenario.yaml';

export interface RunTask {
  readonly id: string;
  readonly outDir: string;
  readonly file: string;
  readonly text: string;
  readonly seed: number;
  readonly fingerprint: string;
  /** How the run writes its tables (`--format`); default csv. */
  readonly formats?: readonly OutputFormat[] | undefined;
}

export type RunOutcome = { readonly status: 'ok'; readonly kpis: Array<[string, string]> } | { readonly status: 'failed'; readonly error: string };

/** What `DONE` holds: the run's summary row, and what it was computed from. */
export interface DoneMarker {
  readonly run: string;
  readonly seed: number;
  readonly fingerprint: string;
  readonly kpis: Array<[string, string]>;
  /** The formats of its tables, when not csv alone (absent: csv, as before `--format`). */
  readonly formats?: readonly OutputFormat[];
}

/** Formats as DONE records them: absent for the default, csv alone. */
export const markedFormats = (formats: readonly OutputFormat[] | undefined): readonly OutputFormat[] | undefined =>
  formats === undefined || (formats.length === 1 && formats[0] === 'csv') ? undefined : formats;

/** One run; what a worker thread's default export does (batch/workerCode.ts). */
export async function runTask(task: RunTask): Promise<RunOutcome> {
  mkdirSync(task.outDir, { recursive: true });
  writeAtomic(join(task.outDir, SCENARIO_FILE), task.text);
  try {
    const scenario = parseScenario(task.text, task.file);
    const { summary } = await runScenario(scenario, { outDir: task.outDir, seed: task.seed, formats: task.formats });
    // A run whose books did not close finished, but its numbers do not add up: it failed.
    const books = summary.books as BooksSummary;
    if (!books.closed) throw new BooksOpenError(task.outDir, books);
    const kpis = flattenKpis(summary.kpis as Record<string, unknown>);
    const formats = markedFormats(task.formats);
    const marker: DoneMarker = { run: task.id, seed: task.seed, fingerprint: task.fingerprint, kpis, ...(formats ? { formats } : {}) };
    writeAtomic(join(task.outDir, DONE_FILE), `${JSON.stringify(marker, null, 1)}\n`);
    return { status: 'ok', kpis };
  } catch (err) {
    const error = errorText(err);
    writeAtomic(join(task.outDir, ERROR_FILE), `${error}\n`);
    return { status: 'failed', error };
  }
}

/** A user error's message; anything else is a bug, named as such with where it happened. */
export function errorText(err: unknown): string {
  if (err instanceof UserError || err instanceof BooksOpenError) return oneLine(err.message);
  if (err instanceof Error) {
    const at = err.stack?.split('\n').find((l) => l.trim().startsWith('at '))?.trim();
    return `internal error (please report it): ${err.name}: ${oneLine(err.message)}${at ? ` ${at}` : ''}`;
  }
  return `internal error (please report it): ${String(err)}`;
}

/** Piscina calls a worker module's default export with each task. */
export default runTask;
