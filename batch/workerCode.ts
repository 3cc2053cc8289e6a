/**
 * The code batch workers load: the same build as the thread that starts them.
 * - Installed or built gridbid (this file is `dist/batch/workerCode.js`): the
 *   compiled `worker.js` beside it, plain JavaScript, no loader (a worker starts in
 *   a few tenths of a second).
 * - The TypeScript sources (tests, `tsx`): `worker.ts` through tsx, registered in
 *   each worker by `--import tsx` (slower to start, about a second per worker, and
 *   never stale against the sources being tested).
 * A run whose scenario names a TypeScript strategy module registers tsx by itself
 * (engine/strategyModules.ts), in either case.
 */
/** Where workers load their code from. */
export interface WorkerCode {
  readonly kind: 'compiled' | 'source';
  /** URL of the module piscina loads in each worker (its default export runs one task). */
  readonly url: string;
  /** Node options for the worker threads. */
  readonly execArgv: readonly string[];
}

const compiled = import.meta.url.endsWith('.js');

export const workerCode = (): WorkerCode =>
  compiled
    ? { kind: 'compiled', url: new URL('./worker.js', import.meta.url).href, execArgv: ['--enable-source-maps'] }
    : { kind: 'source', url: new URL('./worker.ts', import.meta.url).href, execArgv: ['--import', 'tsx'] };
