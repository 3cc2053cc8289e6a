/**
 * Typed, tagged errors. A `UserError` is something the person running gridbid can
 * fix (a bad scenario, a missing file, an invalid option): the CLI prints its
 * message without a stack trace and exits with code 1. Anything else is a bug
 * in gridbid and exits with code 2.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One problem found in an input file: where it is and what was expected. */
export interface InputIssue {
  /** Path inside the document, e.g. `agents[3].count`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
  /** 1-based line and column in the file, when known. */
  readonly line?: number;
  readonly column?: number;
}

/** A file that does not satisfy its schema. The message lists every issue found. */
export class InputFileError extends UserError {
  override readonly name = 'InputFileError';
  constructor(
    readonly file: string,
    readonly issues: readonly InputIssue[],
    /** Problems found but not listed in `issues` (syntax errors after the first few, which follow from them). */
    readonly unlisted = 0,
  ) {
    super(formatIssues(file, issues, unlisted));
  }
}

export function formatIssues(file: string, issues: readonly InputIssue[], unlisted = 0): string {
  const lines = issues.map((i) => {
    const where = i.line !== undefined ? `${file}:${i.line}:${i.column ?? 1}` : file;
    return `  ${where} ${i.path === '' ? '(document)' : i.path}: ${i.message}`;
  });
  const total = issues.length + unlisted;
  const listed = unlisted > 0 ? `, the first ${issues.length} listed (the rest usually follow from the first: fix it and check again)` : '';
  return `${file}: ${total} problem${total === 1 ? '' : 's'}${listed}\n${lines.join('\n')}`;
}

/** Formats a path array such as ['agents', 3, 'count'] as `agents[3].count`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * The keys of a path `formatPath` wrote (`agents[3].count` → ['agents', 3, 'count']): its inverse for keys that
 * are non-negative integers or non-empty strings without '.', '[' or ']' (the schema's own keys, as tariffs/compat.ts
 * writes them). `formatPath` loses the rest, so nothing can read them back: a key 'a.b' reads as 'a', 'b', a key ''
 * is dropped, a key '[0]' reads as the index 0. Do not use it on paths that hold keys from user data (map keys).
 */
export function parsePath(path: string): PropertyKey[] {
  const keys: PropertyKey[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) keys.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return keys;
}

/** Exit codes of a process stopped by a signal (a run, a worker): 128 + the signal's number, as shells report it. */
export const EXIT_SIGNAL: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ends a command with a particular exit code (and a message for stderr, unless
 * empty): for outcomes that are neither success nor a user error, such as a batch
 * in which some runs failed (3) or one interrupted by Ctrl-C (130).
 */
export class ExitCode extends Error {
  override readonly name = 'ExitCode';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Exit code of a run whose books did not close (energy or money): its outputs are written and say where. */
export const EXIT_BOOKS_OPEN = 4;

/** What summary.json says of a run's books (engine/interval/books.ts). */
export interface BooksSummary {
  readonly closed: boolean;
  readonly intervals: number;
  /** Warm-up intervals checked before the reported period (`warmUpDays`); absent without a warm-up. */
  readonly warmUpIntervals?: number;
  readonly openIntervals: number;
  readonly violationCount: number;
  readonly violations: ReadonlyArray<{ readonly interval: string; readonly identity: string; readonly detail: string }>;
}

/**
 * A run whose books did not close: a failure, not a user error — the run finished and
 * wrote its outputs, but its numbers do not add up. Carries exit code 4 and names the
 * first violations.
 */
export class BooksOpenError extends ExitCode {
  constructor(
    readonly outDir: string,
    readonly books: BooksSummary,
  ) {
    super(EXIT_BOOKS_OPEN, booksOpenMessage(outDir, books));
  }
}

/** The intervals whose books were checked, as a phrase: the reported ones, and a warm-up's (`warmUpDays`) where there was one. */
export function checkedIntervals(books: BooksSummary): string {
  return books.warmUpIntervals ? `${books.intervals + books.warmUpIntervals} intervals (${books.warmUpIntervals} of them the warm-up's)` : `${books.intervals} intervals`;
}

/** The message of a run whose books did not close: how many intervals, and the first violations. */
export function booksOpenMessage(outDir: string, books: BooksSummary, first = 3): string {
  const lines = books.violations.slice(0, first).map((v) => `  ${v.interval} ${v.identity}: ${v.detail}`);
  return `the books did not close in ${books.openIntervals} of ${checkedIntervals(books)} (${books.violationCount} violations; all listed in ${outDir}/summary.json):\n${lines.join('\n')}`;
}
