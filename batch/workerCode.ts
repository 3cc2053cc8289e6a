/**
 * The code batch workers load: the same build as the thread that starts them.
 * - Installed or built gridbid (this file is `dist/batch/workerCode.js`): the
 *   compiled worker in one file, `worker.bundle.js` beside it (`npm run build` writes
 *   it after tsc: scripts/bundle.mjs), plain JavaScript, no loader. One file
 *   loads in ~0.15 s of CPU where the ~330 modules of `worker.js` took ~0.41 s, and every
 *   worker of every batch pays it before its first run. Without source maps: node's
 *   `--enable-source-maps` read and indexed every module's map at load (~0.04 s more per
 *   worker), for nothing but a crash's location, which batch/runFiles.ts maps to the
 *   TypeScript source when it reports one. `worker.js` itself when the bundle is
 *   missing or was not built from it (dist/ compiled again by tsc alone: core/bundleStamp.ts).
 * - The TypeScript sources (tests, `tsx`): `worker.ts` through tsx, registered in
 *   each worker by `--import tsx` (slower to start, about a second per worker, and
 *   never stale against the sources being tested).
 * A run whose scenario names a TypeScript strategy module registers tsx by itself
 * (engine/strategyModules.ts), in either case.
 */
import { builtCode } from '../core/bundleStamp.ts';

/** Where workers load their code from. */
export interface WorkerCode {
  readonly kind: 'compiled' | 'source';
  /** URL of the module piscina loads in each worker (its default export runs one task). */
  readonly url: string;
  /** Node options for the worker threads. */
  readonly execArgv: readonly string[];
}

const compiled = import.meta.url.endsWith('.js');

/**
 * The one-file worker when it was built from the worker.js beside it, else worker.js. Named
 * from dist/batch/ up, so that the URLs hold both in this module and in the CLI's bundle (its
 * chunks beside dist/cli/program.bundle.js), which holds this code too.
 */
const compiledWorker = (): URL => builtCode(new URL('../batch/worker.js', import.meta.url), new URL('../batch/worker.bundle.js', import.meta.url));

export const workerCode = (): WorkerCode =>
  compiled
    ? { kind: 'compiled', url: compiledWorker().href, execArgv: [] }
    : { kind: 'source', url: new URL('./worker.ts', import.meta.url).href, execArgv: ['--import', 'tsx'] };
