#!/usr/bin/env -S node --max-semi-space-size=64
// The gridbid command: the compiled engine in dist/ (`npm run build`; `npm ci` and
// `npm install` build it through the `prepare` script, and the published package ships it).
// A larger young generation: the engine makes many short-lived objects per agent and
// interval, and collecting them in bigger batches cut run time by a third (bench/).
// `batch` and `worker` also run with `npm run batch`'s --single-threaded: node starts
// again with it, once (dist/cli/relaunch.js says why and how).
import { existsSync } from 'node:fs';

// A reader that leaves early (`gridbid batch --help | head -1`) is not an error of ours:
// the rest of the output goes nowhere, quietly, and the command still finishes its work
// (a run still writes its files) instead of dying on an unhandled EPIPE stack trace.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
});
import { fileURLToPath } from 'node:url';

const program = new URL('../dist/cli/program.js', import.meta.url);
if (!existsSync(program)) {
  process.stderr.write('gridbid: dist/ is missing: build it with `npm run build` (npm ci and npm install do it through `prepare`)\n');
  process.exit(2);
}
const argv = process.argv.slice(2);
const relaunch = await import(new URL('../dist/cli/relaunch.js', import.meta.url).href);
const flags = relaunch.missingNodeFlags(argv, process.execArgv, process.env);
if (flags.length > 0) await relaunch.relaunchWithFlags(fileURLToPath(import.meta.url), argv, flags);
if (process.env[relaunch.RELAUNCHED_ENV] !== undefined) relaunch.superviseRelaunched();
// The CLI bundled, dist/cli/program.bundle.js and the chunks its commands load (`npm run build`
// writes them after tsc: scripts/bundle.mjs), when it was built from `program` (else dist/ was
// compiled again by tsc alone: core/bundleStamp.ts). Bundled, a command loads in a fraction of
// the ~0.3 s of CPU the CLI's modules take, and only its own code.
const { builtCode } = await import(new URL('../dist/core/bundleStamp.js', import.meta.url).href);
const { main } = await import(builtCode(program, new URL('program.bundle.js', program)).href);
process.exitCode = await main(argv);

