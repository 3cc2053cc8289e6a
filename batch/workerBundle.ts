/**
 * The code batch workers load. gridbid ships as TypeScript that tsx compiles on
 * load; in a worker thread that costs about 1.2 s and 1.8 s of CPU per worker
 * (tsx's loader thread, and every engine module and dependency through its hooks),
 * which with 2 workers on 2 cores is taken from the runs themselves. So the main
 * thread bundles the worker's code with esbuild (the compiler tsx itself uses, a
 * dependency) into one JavaScript file in node_modules/.cache/gridbid/, which a
 * worker loads in about 0.4 s without any loader. Dependencies are not bundled:
 * they load from node_modules as usual.
 *
 * The bundle is rebuilt whenever a source file it was built from changed (size or
 * modification time), or esbuild, Node or the build options did; the check costs a
 * stat per source file. When no bundle can be made (a read-only install, an esbuild
 * error) or GRIDBID_BATCH_BUNDLE=0 is set, the workers load the TypeScript sources
 * through tsx as before (batch/workerEntry.js): slower to start, same results.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, version as esbuildVersion, type BuildOptions } from 'esbuild';

/** The package's folder (bundle inputs are recorded relative to it). */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Default place of the bundle: inside node_modules, so its imports of dependencies resolve from there. */
export const BUNDLE_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'gridbid');
const MANIFEST = 'batch-worker.json';
/** Old bundles are removed once this old (a running batch keeps its own until it ends). */
const KEEP_OLD_MS = 60 * 60 * 1000;

/** Where workers load their code from. */
export interface WorkerCode {
  readonly kind: 'bundle' | 'source';
  /** URL of the module piscina loads in each worker. */
  readonly url: string;
  /** Node options for the worker threads. */
  readonly execArgv: readonly string[];
  /** Why the sources are used, when they are. */
  readonly reason?: string;
}

/** The TypeScript sources through tsx: batch/workerEntry.js registers the loader in each worker. */
export const SOURCE_WORKER: WorkerCode = { kind: 'source', url: new URL('./workerEntry.js', import.meta.url).href, execArgv: [] };

interface Manifest {
  readonly key: string;
  /** Bundle file name, inside the cache folder. */
  readonly file: string;
  /** Every source file in the bundle: path relative to ROOT, mtimeMs, size. */
  readonly inputs: ReadonlyArray<readonly [string, number, number]>;
}

const options = (outfile: string): BuildOptions => ({
  absWorkingDir: ROOT,
  entryPoints: [fileURLToPath(new URL('./workerBundleEntry.ts', import.meta.url))],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: `node${process.versions.node.split('.')[0]}`,
  packages: 'external',
  // Stack traces of internal errors point to the TypeScript sources (workers run with --enable-source-maps).
  sourcemap: 'linked',
  sourcesContent: false,
  write: false,
  metafile: true,
  logLevel: 'silent',
});

/** Everything besides the sources that decides the bundle's content. */
const buildKey = (): string =>
  createHash('sha256')
    .update(JSON.stringify({ esbuildVersion, node: process.versions.node, options: options('') }))
    .digest('hex')
    .slice(0, 16);

/** The bundle when it is current, else undefined. */
function current(cacheDir: string, key: string): string | undefined {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(join(cacheDir, MANIFEST), 'utf8')) as Manifest;
    if (m.key !== key || !Array.isArray(m.inputs) || m.inputs.length === 0) return undefined;
    statSync(join(cacheDir, m.file));
    for (const [path, mtimeMs, size] of m.inputs) {
      const s = statSync(join(ROOT, path));
      if (s.mtimeMs !== mtimeMs || s.size !== size) return undefined;
    }
  } catch {
    return undefined;
  }
  return join(cacheDir, m.file);
}

/**
 * The worker code to use: the bundle, built first if it is missing or stale (about
 * half a second), or the sources when it cannot be built. Never throws.
 */
export async function workerCode(cacheDir = BUNDLE_CACHE_DIR): Promise<WorkerCode> {
  if (process.env.GRIDBID_BATCH_BUNDLE === '0') return { ...SOURCE_WORKER, reason: 'GRIDBID_BATCH_BUNDLE=0' };
  const bundle = (file: string): WorkerCode => ({ kind: 'bundle', url: pathToFileURL(file).href, execArgv: ['--enable-source-maps'] });
  try {
    const key = buildKey();
    const ready = current(cacheDir, key);
    if (ready) return bundle(ready);

    const file = `batch-worker-${randomBytes(6).toString('hex')}.mjs`;
    const started = Date.now();
    const result = await build(options(join(cacheDir, file)));
    mkdirSync(cacheDir, { recursive: true });
    for (const out of result.outputFiles ?? []) writeFileSync(out.path, out.contents);
    // Sizes and times after the build; a source saved during the build invalidates it next time.
    const inputs = Object.keys(result.metafile!.inputs).map((path) => {
      const s = statSync(join(ROOT, path));
      return [path, s.mtimeMs >= started ? -1 : s.mtimeMs, s.size] as const;
    });
    const manifest: Manifest = { key, file, inputs };
    const tmp = join(cacheDir, `${MANIFEST}.${file}.partial`);
    writeFileSync(tmp, JSON.stringify(manifest));
    renameSync(tmp, join(cacheDir, MANIFEST));
    removeOld(cacheDir, file);
    return bundle(join(cacheDir, file));
  } catch (err) {
    return { ...SOURCE_WORKER, reason: `could not bundle the worker code (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
}

/** Removes earlier bundles (and their maps) older than KEEP_OLD_MS. */
function removeOld(cacheDir: string, keep: string): void {
  for (const f of readdirSync(cacheDir)) {
    if (!f.startsWith('batch-worker-') || f.startsWith(keep)) continue;
    try {
      if (Date.now() - statSync(join(cacheDir, f)).mtimeMs > KEEP_OLD_MS) rmSync(join(cacheDir, f), { force: true });
    } catch {
      // another batch removed it
    }
  }
}
