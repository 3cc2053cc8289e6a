/**
 * The compiled package (dist/) that the `gridbid` executable runs. Tests that start the
 * executable (test/helpers/cli.ts) or pack the package (test/package/) call `ensureBuilt`
 * first: it runs `npm run build` when dist/ is missing or older than a source file, so
 * a test never exercises a stale build (`npm ci` builds it through `prepare`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What tsconfig.build.json compiles, and the files that decide how (scripts/bundle.mjs: the bundles and chunks). */
const SOURCES = ['index.ts', 'agents', 'batch', 'cli', 'comms', 'core', 'engine', 'market', 'metering', 'network', 'output', 'strategies', 'tariffs', 'tsconfig.json', 'tsconfig.build.json', 'scripts/bundle.mjs'];
const STAMP = join(ROOT, 'dist', 'cli', 'program.js');

function newestMtimeMs(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return path.endsWith('.ts') || path.endsWith('.json') || path.endsWith('.mjs') ? s.mtimeMs : 0;
  let newest = 0;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, e)));
  return newest;
}

let built = false;
export function ensureBuilt(): void {
  if (built) return;
  const stale = !existsSync(STAMP) || SOURCES.some((p) => newestMtimeMs(join(ROOT, p)) > statSync(STAMP).mtimeMs);
  if (stale) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}
