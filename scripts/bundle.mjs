/**
 * `npm run build`, second step: two entry points of the compiled package bundled with
 * what they import, beside the modules tsc has just written:
 * - dist/batch/worker.bundle.js, what a batch worker thread loads (batch/workerCode.ts);
 * - dist/cli/program.bundle.js, what the `gridbid` executable runs (bin/gridbid.js), and
 *   the chunks it loads (dist/cli/program.chunk-*.js): split where the CLI imports a
 *   command's code (see "Split" below).
 * Each is used only while it was built from the module beside it: both end with the same
 * stamp line (`// gridbid-bundle <id>`, core/bundleStamp.ts says why not file times), which
 * tsc, compiling dist/ again alone, leaves out of the module it writes anew; then dist/ runs
 * as separate modules (the chunks are written in the same build as program.bundle.js).
 *
 * Why: every worker of every `gridbid batch` loads the engine before its first run, and
 * the command's main thread loads the CLI before it plans the runs and starts them.
 * Loaded as ~330 modules (our ~220 compiled files, zod's ~95, xstate, rxjs, yaml…) the
 * engine cost ~0.41 s of CPU per worker, mostly resolving, reading and compiling files
 * one by one; in one file ~0.14 s. The CLI's ~0.3 s before a batch plans fell the same
 * way (docs/performance.md; bench/batch.bench.ts). The code is tsc's output, unchanged
 * but for being concatenated: esbuild only bundles (no TypeScript, no minifying), and
 * its source maps go through tsc's back to the TypeScript sources (batch/runFiles.ts
 * `inSource` reads them for an internal error's location).
 *
 * Split: the CLI is ES module code splitting (esbuild `splitting`), not one file. Every
 * command's definition (options, help) is in program.bundle.js; its action loads what it
 * runs with `await import(…)` (cli/commands/*.ts), and each such import is a chunk here,
 * with the code only it needs; code two of them share is a chunk of its own. So
 * `--version`, `--help`, `query`, `worker` and `batch merge` do not parse the engine, and
 * `gridbid batch`'s main thread loads the scenario loader it plans with, not the engine,
 * the recorder or the LP solvers (only its workers run those: worker.bundle.js). One
 * file held everything, 3.3 MB that every command parsed (~0.14 s of CPU) before its first
 * step. Chunks rather than one bundle per command: the shared code (the scenario schema,
 * zod, yaml) is written once, and the dynamic imports of the engine inside the commands
 * (engine/run.ts, the recorder) stay lazy too. The chunks sit beside program.bundle.js,
 * one folder below dist/ like the modules they hold, so that code finding files from
 * `import.meta.url` (batch/workerCode.ts, cli/program.ts `packageVersion`) finds them.
 * The worker stays one file: a worker thread runs every part of it.
 *
 * Left outside, loaded from node_modules as before: packages that find files next to
 * themselves (highs' .wasm, DuckDB's native binding, piscina's worker script), tsx (only for a scenario's
 * TypeScript strategy module), and the queue's clients (bullmq, ioredis: only with --queue).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
// tsc has just compiled it: the stamp's format is written in one place.
import { stampLine } from '../dist/core/bundleStamp.js';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['highs', '@duckdb/node-api', 'piscina', 'tsx', 'tsx/*', 'bullmq', 'ioredis'],
  // rxjs's ES module build: for node its package exports the CommonJS one, which esbuild keeps
  // whole (337 kB of the worker, parsed by every worker before its first run); of the ES
  // modules it keeps only what the engine imports.
  alias: { rxjs: './node_modules/rxjs/dist/esm/index.js' },
  // CommonJS packages inside an ES module bundle call require() for node's own modules.
  banner: { js: "import { createRequire as __gridbidCreateRequire } from 'node:module'; const require = __gridbidCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'inline',
  logLevel: 'warning',
};

// A new build's chunks have new names: the last build's would stay beside them, loaded by
// nothing but shipped in the package.
for (const f of readdirSync('dist/cli')) if (/^program\.chunk-.*\.js(\.map)?$/.test(f)) rmSync(join('dist/cli', f));

const builds = await Promise.all([
  build({ ...common, metafile: true, entryPoints: ['dist/batch/worker.js'], outfile: 'dist/batch/worker.bundle.js' }),
  build({ ...common, metafile: true, entryPoints: ['dist/cli/program.js'], outdir: 'dist/cli', splitting: true, entryNames: '[name].bundle', chunkNames: 'program.chunk-[hash]' }),
]);

// The bundles hold copies of npm packages' code, and most licences of those (MIT, ISC, BSD,
// Apache) ask that a copy carry the licence; few packages' files say so in a comment that
// `legalComments` would keep. So the package ships each one's licence file in one place.
// The packages are read from the bundles' source maps, which also name the packages that a
// bundled package had itself bundled (dagre's copy of graphlib), not only esbuild's inputs.
const maps = builds.flatMap((b) => Object.keys(b.metafile.outputs)).filter((f) => f.endsWith('.map'));
writeFileSync('dist/THIRD-PARTY-LICENSES.txt', thirdPartyLicenses(maps.flatMap((map) => JSON.parse(readFileSync(map, 'utf8')).sources.map((s) => join(dirname(map), s)))));

/** The licence texts of the npm packages that `sources` (paths of bundled files) belong to, one section per package. */
function thirdPartyLicenses(sources) {
  const dirs = new Map();
  for (const source of sources) {
    const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(source);
    // A package bundled inside another names the folder it was built in: ours may hold it at the top.
    if (m) dirs.set(m[2], existsSync(join(m[1], 'package.json')) ? m[1] : join('node_modules', m[2]));
  }
  const sections = [...dirs.values()].map((dir) => {
    const { name, version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const files = readdirSync(dir).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f)).sort();
    if (files.length === 0) throw new Error(`${name}@${version} is bundled but has no licence file in ${dir}`);
    const texts = files.map((f) => readFileSync(join(dir, f), 'utf8').trim());
    return { key: `${name}@${version}`, text: `${name}@${version} (${license ?? 'see below'})\n\n${texts.join('\n\n')}\n` };
  });
  sections.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const head = 'gridbid\'s bundles (dist/batch/worker.bundle.js, dist/cli/program.bundle.js and its chunks) contain code of these npm packages, under these licences.\n';
  return [head, ...sections.map((s) => s.text)].join(`\n${'-'.repeat(78)}\n\n`);
}

// The stamps (core/bundleStamp.ts): one id for the module and the bundle made from it,
// after the source map comments, which therefore still point where they did.
for (const [modules, bundle] of [
  ['dist/batch/worker.js', 'dist/batch/worker.bundle.js'],
  ['dist/cli/program.js', 'dist/cli/program.bundle.js'],
]) {
  const id = createHash('sha256').update(readFileSync(modules)).update(readFileSync(bundle)).digest('hex').slice(0, 16);
  for (const file of [modules, bundle]) appendFileSync(file, stampLine(id));
}
