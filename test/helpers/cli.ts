/** Runs the real `gridbid` executable in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './build.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/gridbid.js', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The executable runs the compiled package: built first when the sources are newer. */
export function gridbid(args: readonly string[], opts: { cwd?: string } = {}): CliResult {
  ensureBuilt();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** True when the text contains a JavaScript stack trace. */
export const hasStackTrace = (s: string): boolean => /^\s+at .+\(.+:\d+:\d+\)$/m.test(s) || /^\s+at .+:\d+:\d+$/m.test(s);

/**
 * Runs the CLI's `main` in this process, capturing what it writes: the same code
 * path as the executable minus process start-up (≈1 s each), for tests that loop.
 */
export async function gridbidInProcess(args: readonly string[]): Promise<CliResult> {
  const { main } = await import('../../cli/program.ts');
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const status = await main(args);
    return { status, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
}
