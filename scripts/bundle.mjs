/**
 * `npm run build`, second step: two entry points of the compiled package, each with
 * everything it imports in one file, beside the modules tsc has just written:
 * - dist/batch/worker.bundle.js, what a batch worker thread loads (batch/workerCode.ts);
 * - dist/cli/program.bundle.js, what the `gridbid` executable runs (bin/gridbid.js).
 * Each is used only while it is not older than the module it was built from; dist/
 * compiled by tsc alone runs as separate modules, as before.
 *
 * Why: every worker of every `gridbid batch` loads the engine before its first run, and
 * the command's main thread loads the CLI before it plans the runs and starts them.
 * Loaded as ~330 modules (our ~220 compiled files, zod's ~95, xstate, rxjs, yaml…) the
 * engine cost ~0.41 s of CPU per worker, mostly resolving, reading and compiling files
 * one by one; in one file ~0.14 s. The CLI's ~0.3 s before a batch plans fell the same
 * way (README, Performance; bench/batch.bench.ts). The code is tsc's output, unchanged
 * but for being concatenated: esbuild only bundles (no TypeScript, no minifying), and
 * its source maps go through tsc's back to the TypeScript sources (batch/runFiles.ts
 * `inSource` reads them for an internal error's location).
 *
 * Left outside, loaded from node_modules as before: packages that find files next to
 * themselves (highs' .wasm, DuckDB's native binding, piscina's worker script), tsx (only for a scenario's
 * TypeScript strategy module), and the queue's clients (bullmq, ioredis: only with --queue).
 */
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['highs', '@duckdb/node-api', 'piscina', 'tsx', 'tsx/*', 'bullmq', 'ioredis'],
  // CommonJS packages inside an ES module bundle call require() for node's own modules.
  banner: { js: "import { createRequire as __gridbidCreateRequire } from 'node:module'; const require = __gridbidCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'inline',
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['dist/batch/worker.js'], outfile: 'dist/batch/worker.bundle.js' }),
  build({ ...common, entryPoints: ['dist/cli/program.js'], outfile: 'dist/cli/program.bundle.js' }),
]);
