/**
 * `npm run build`, second step: dist/batch/worker.bundle.js, the compiled batch worker
 * (dist/batch/worker.js, which tsc has just written) and everything it imports, in one
 * file. A batch worker thread loads it instead of worker.js (batch/workerCode.ts).
 *
 * Why: every worker of every `gridbid batch` loads the engine before its first run, and
 * loading it as ~330 modules (our ~220 compiled files, zod's ~95, xstate, rxjs, yaml…)
 * cost ~0.41 s of CPU per worker, mostly resolving, reading and compiling files one by
 * one; the same code in one file loads in ~0.15 s (bench/batch.bench.ts, README
 * Performance). The code is tsc's output, unchanged but for being concatenated: esbuild
 * only bundles (no TypeScript, no minifying), and its source map goes through tsc's maps
 * back to the TypeScript sources (batch/runFiles.ts reads it for a crash's location).
 *
 * Left outside, loaded from node_modules as before: packages that find files next to
 * themselves (highs' .wasm, DuckDB's native binding) and tsx, loaded only for a
 * scenario's TypeScript strategy module.
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/batch/worker.js'],
  outfile: 'dist/batch/worker.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['highs', '@duckdb/node-api', 'tsx', 'tsx/*'],
  // CommonJS packages inside an ES module bundle call require() for node's own modules.
  banner: { js: "import { createRequire as __gridbidCreateRequire } from 'node:module'; const require = __gridbidCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'inline',
  logLevel: 'warning',
});
