/**
 * The marker of a run folder being written. The folder is marked before the first byte
 * and unmarked after the last: a folder with `INCOMPLETE` (and `*.partial` files, which
 * never take their final names) holds an interrupted run, and the next run into it says
 * what it found and clears it. Ctrl-C (SIGINT) or SIGTERM stops `gridbid run` between two
 * intervals and adds how far it got to the marker; a kill (SIGKILL, a crash) leaves the
 * marker as it was.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const INCOMPLETE_FILE = 'INCOMPLETE';

/** What an earlier run left in `dir`, as a sentence, or undefined when it left nothing unfinished. Removes what it found. */
export function clearInterruptedRun(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const partial = names.filter((n) => n.endsWith('.partial'));
  const marked = names.includes(INCOMPLETE_FILE);
  if (!marked && partial.length === 0) return undefined;
  let started = '';
  if (marked) {
    try {
      started = readFileSync(join(dir, INCOMPLETE_FILE), 'utf8').split('\n')[0]!.replace(/^started: /, '');
    } catch {
      /* unreadable marker: still an unfinished run */
    }
  }
  // recursive: the Parquet writer's `parquet.partial/` is a folder (output/parquetStream.ts).
  for (const n of [...partial, ...(marked ? [INCOMPLETE_FILE] : [])]) rmSync(join(dir, n), { recursive: true, force: true });
  return `${dir} held a run that did not finish${started ? ` (${started})` : ''}${partial.length ? `: ${partial.length} partial file${partial.length === 1 ? '' : 's'} (${partial.join(', ')})` : ''}; removed, running again`;
}

/** Marks `dir` as being written by the run `what` (e.g. "scenarios/x.yaml, seed 7"). */
export function markIncomplete(dir: string, what: string): void {
  writeFileSync(
    join(dir, INCOMPLETE_FILE),
    `started: ${what}\nThis folder is being written by gridbid run. If this file is still here, that run was interrupted (Ctrl-C or killed)\nand the files in this folder are incomplete; files ending in .partial were cut off mid-write. Run again to replace them.\n`,
  );
}

export function unmarkIncomplete(dir: string): void {
  rmSync(join(dir, INCOMPLETE_FILE), { force: true });
}

/**
 * After a run that stopped with a user error before writing any result (a strategy module that does
 * not load, a factory that throws: exit 1), removes the marker, and the folders the run created:
 * the file system is left as it was before the command. A marker left there said the run was
 * "interrupted (Ctrl-C or killed)", and the next run reported a run that did not finish.
 * `existing`: the deepest part of the path that existed before the run (`deepestExisting`); the
 * folders below it are removed, each only if empty. False when the folder holds anything else
 * (results written), which keeps its marker.
 */
export function unmarkUnstarted(dir: string, existing: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  if (names.some((n) => n !== INCOMPLETE_FILE)) return false;
  unmarkIncomplete(dir);
  for (let at = resolve(dir); at !== existing && dirname(at) !== at; at = dirname(at)) {
    try {
      rmdirSync(at);
    } catch {
      break; /* something appeared in it meanwhile: leave it */
    }
  }
  return true;
}

/** The deepest part of `dir`'s absolute path that exists now (`dir` itself when it does). */
export function deepestExisting(dir: string): string {
  let at = resolve(dir);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

/** Adds to `dir`'s marker why and where its run stopped (one line). */
export function noteInterruption(dir: string, line: string): void {
  appendFileSync(join(dir, INCOMPLETE_FILE), `${line}\n`);
}

/** The `.partial` files in `dir`, sorted. */
export function partialFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.partial')).sort();
  } catch {
    return [];
  }
}
