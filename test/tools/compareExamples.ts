/**
 * `npm run -s compare:examples -- [git-ref] [scenario …]`: runs every example scenario (or
 * those named) with the build of `git-ref` (default `main`) and with this checkout's, and
 * compares every output file byte for byte. Exit 1 when a scenario with `comms: ideal`
 * (the default) differs: a change that only adds to runs on a communication plane must
 * leave those runs as they were (issue 17). Scenarios on a plane are reported, not failed.
 *
 * Too slow for `npm test` (every example runs twice, minutes on a shared machine); run it
 * before merging a change to settlement or metering. Needs git and the checkout's node_modules.
 */
import { execFileSync, execSync } from 'node:child_process';
import { type Dirent, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const [ref = 'main', ...only] = process.argv.slice(2);

/** Scenario files under scenarios/ (sweeps and batch files are variants of these: left out). */
function scenarios(): string[] {
  const all = (readdirSync(join(ROOT, 'scenarios'), { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((f) => {
      const doc = parse(readFileSync(join(ROOT, f), 'utf8')) as Record<string, unknown> | null;
      return doc !== null && !('base' in doc) && !('sweep' in doc) && !('runs' in doc) && 'agents' in doc;
    })
    .sort();
  return only.length > 0 ? all.filter((f) => only.some((o) => f.includes(o))) : all;
}

/** Relative paths of every file under `dir`, sorted. */
const filesUnder = (dir: string): string[] =>
  (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();

/** The first difference between two output folders, or undefined when byte-identical. */
function firstDifference(a: string, b: string): string | undefined {
  const fa = filesUnder(a);
  const fb = filesUnder(b);
  if (fa.join('\n') !== fb.join('\n')) return `files differ: [${fa.join(', ')}] vs [${fb.join(', ')}]`;
  for (const f of fa) if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) return f;
  return undefined;
}

const work = mkdtempSync(join(tmpdir(), 'gridbid-compare-'));
try {
  const base = join(work, 'base');
  execSync(`mkdir -p '${base}' && git -C '${ROOT}' archive '${ref}' | tar -x -C '${base}'`, { stdio: 'inherit' });
  symlinkSync(join(ROOT, 'node_modules'), join(base, 'node_modules'));
  for (const dir of [base, ROOT]) execFileSync('npm', ['run', '-s', 'build'], { cwd: dir, stdio: 'inherit' });
  let failed = 0;
  for (const f of scenarios()) {
    // An example this checkout adds has nothing to be compared with (the base may not even load it: a new key).
    if (!existsSync(join(base, f))) {
      console.log(`${f}: new in this checkout (not in ${ref}): not compared`);
      continue;
    }
    const name = f.replace(/[/\\]/g, '_');
    const out = (side: string): string => join(work, side, name);
    for (const [side, cli] of [['out-base', join(base, 'bin', 'gridbid.js')], ['out-this', join(ROOT, 'bin', 'gridbid.js')]] as const) {
      execFileSync(process.execPath, [cli, 'run', join(ROOT, f), '--out', out(side)], { stdio: 'ignore' });
    }
    const doc = parse(readFileSync(join(ROOT, f), 'utf8')) as { comms?: unknown };
    const ideal = doc.comms === undefined || doc.comms === 'ideal';
    const diff = firstDifference(out('out-base'), out('out-this'));
    if (diff !== undefined && ideal) failed++;
    console.log(`${f}: ${diff === undefined ? 'identical' : `${ideal ? 'DIFFERS' : 'differs (on a plane)'}: ${diff}`}`);
  }
  process.exitCode = failed > 0 ? 1 : 0;
} finally {
  rmSync(work, { recursive: true, force: true });
}
