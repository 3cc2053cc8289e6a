/**
 * What a batch's main thread and its workers share about one run's folder: the task a
 * worker gets, the outcome it returns, the files it writes (`DONE` last, `error.txt` for a
 * failed run) and how errors are told. Kept apart from batch/worker.ts so that the main
 * thread, which plans the runs and gathers their outcomes, does not load the engine
 * (engine/run.ts and everything it imports: about 0.2 s of CPU at every `gridbid batch`
 * start, before any worker runs).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BooksOpenError, type BooksSummary, UserError } from '../core/errors.ts';
import type { OutputFormat } from '../output/parquet.ts';

export const DONE_FILE = 'DONE';
export const ERROR_FILE = 'error.txt';
export const SCENARIO_FILE = 'scenario.yaml';
/** A batch folder's summary (one row per run) and report. */
export const SUMMARY_FILE = 'summary.csv';
export const REPORT_FILE = 'batch-report.html';

export interface RunTask {
  readonly id: string;
  readonly outDir: string;
  readonly file: string;
  /** What summary.json names the scenario file: its path from the sweep or folder (RunSpec.fileLabel). */
  readonly fileLabel?: string | undefined;
  readonly text: string;
  readonly seed: number;
  readonly fingerprint: string;
  /** Where the run's folder ends up when `outDir` is a staging folder (a queue worker's); default `outDir`. */
  readonly publishedDir?: string | undefined;
  /** How the run writes its tables (`--format`); default csv. */
  readonly formats?: readonly OutputFormat[] | undefined;
}

/**
 * What a worker returns for a run. `renewWorker`: the run loaded strategy modules, whose top-level
 * state would carry over into the worker's next run, so the thread starts a new worker for it
 * (batch/runThreads.ts, which takes the flag off before passing the outcome on).
 */
export type RunOutcome = ({ readonly status: 'ok'; readonly kpis: Array<[string, string]> } | { readonly status: 'failed'; readonly error: string }) & { readonly renewWorker?: true };

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

/** A multi-line message on one line (for a CSV cell and a progress line). */
export const oneLine = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('; ');

/** A user error's message; anything else is a bug, named as such with where it happened. */
export function errorText(err: unknown): string {
  if (err instanceof UserError || err instanceof BooksOpenError) return oneLine(err.message);
  if (err instanceof Error) {
    const frame = err.stack?.split('\n').find((l) => l.trim().startsWith('at '))?.trim();
    const at = frame === undefined ? undefined : inSource(frame);
    return `internal error (please report it): ${err.name}: ${oneLine(err.message)}${at ? ` ${at}` : ''}`;
  }
  return `internal error (please report it): ${String(err)}`;
}

/**
 * The failure of a batch run whose books did not close (exit 4 for `gridbid run`), as summary.csv and its error.txt
 * tell it. The run's folder is named from the batch folder (`<run id>/summary.json`, where summary.csv is), never the
 * folder it was written in: a shard's (`S2/<run>`), or a queue worker's staging folder with its random suffix, would
 * make that run's row differ from a one-machine batch's, which `gridbid batch merge` promises byte for byte.
 */
export function booksOpenInBatch(task: Pick<RunTask, 'id'>, books: BooksSummary): BooksOpenError {
  return new BooksOpenError(task.id, books);
}

/**
 * A run's error text naming files by `label` (their path from the sweep's folder, as summary.json's `scenario.file`)
 * rather than by `path` (as the batch was given them: relative to its working folder, or absolute), wherever the text
 * locates something in them (`path:` or `path:line:column`, at its start or after a space, quote or bracket). A run's
 * row of summary.csv is then the same from any working folder, as `gridbid batch merge` promises for shards started in
 * different folders. Pure.
 */
export function withFileLabels(text: string, files: ReadonlyArray<readonly [path: string, label: string]>): string {
  let out = text;
  // Longer paths first, so a path that ends another is not replaced inside it.
  for (const [path, label] of [...files].sort((a, b) => b[0].length - a[0].length)) {
    if (path === label || path === '') continue;
    out = out.replace(new RegExp(`(^|[\\s'"(\\[])${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=:)`, 'g'), (_, before: string) => `${before}${label}`);
  }
  return out;
}

/** A run refused because its worker thread could not load the engine's code (batch/runThreads.ts): `reason` says why. */
export class WorkerLoadError extends Error {
  constructor(readonly reason: unknown) {
    super(`the worker thread could not load its code: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'WorkerLoadError';
  }
}

/**
 * A run ended by its time limit (`gridbid batch --run-timeout`, batch/runThreads.ts): it ran longer
 * than `limitSeconds` of real time, and its worker thread was ended in the middle of it (a strategy
 * that never returns cannot be stopped any other way).
 */
export class RunTimeoutError extends Error {
  constructor(readonly limitSeconds: number) {
    super(`ran longer than its time limit of ${formatSeconds(limitSeconds)}`);
    this.name = 'RunTimeoutError';
  }
}

/** Seconds as a person reads them: "90 s", "2.5 s". */
export const formatSeconds = (s: number): string => `${Number(s.toPrecision(6))} s`;

/**
 * Why a run's worker thread died in the middle of it, for summary.csv: what the thread did
 * (exited with a code, e.g. a strategy module calling `process.exit`, which in a worker ends
 * that thread; or ran out of memory), not the thread pool's stack frame, which says nothing
 * about the run. Anything else is told as `errorText` tells it.
 */
export function workerDeathText(err: unknown): string {
  if (err instanceof WorkerLoadError) return `its worker thread could not load gridbid's code: ${errorText(err.reason)}`;
  if (err instanceof RunTimeoutError) return `it ${err.message} (--run-timeout): its worker thread was ended in the middle of it`;
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && code === 'ERR_WORKER_OUT_OF_MEMORY') return `the worker running it crashed: its thread ran out of memory (${oneLine(err.message)})`;
  const exit = err instanceof Error ? /^worker exited with code: (-?\d+)$/.exec(err.message) : null;
  if (exit) return `the worker running it crashed: its thread exited with code ${exit[1]} in the middle of the run (process.exit in a worker thread ends that thread)`;
  return `the worker running it crashed: ${errorText(err)}`;
}

/**
 * A stack frame of compiled code (`at f (file:///…/dist/batch/worker.bundle.js:120:7)`)
 * with its location in the TypeScript source (`…/engine/run.ts:88:5`), read from the
 * source map beside the file; the frame unchanged when there is none (the sources under
 * tsx, whose frames already name them). Workers run without `--enable-source-maps`
 * (batch/workerCode.ts): the map is read here, once an internal error is reported.
 */
export function inSource(frame: string): string {
  const m = /(file:\/\/[^\s()]+?|\/[^\s():]+?):(\d+):(\d+)/.exec(frame);
  if (!m) return frame;
  const [whole, file, line, column] = m as unknown as [string, string, string, string];
  if (!/\.m?js$/.test(file)) return frame;
  try {
    const url = file.startsWith('file:') ? new URL(file) : pathToFileURL(file);
    const mapUrl = new URL(`${url.href}.map`);
    const entry = new SourceMap(JSON.parse(readFileSync(mapUrl, 'utf8'))).findEntry(Number(line) - 1, Number(column) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return frame;
    const source = fileURLToPath(new URL(entry.originalSource, mapUrl));
    return frame.replace(whole, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
  } catch {
    return frame;
  }
}

/**
 * Writes a file under its final name only once complete (`<path>.partial`, then renamed),
 * as output/recorder.ts does for a run's own files; here so that the main thread does not
 * load the recorder (and through it every agent machine) to write summary.csv.
 */
export function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.partial`, text);
  renameSync(`${path}.partial`, path);
}
