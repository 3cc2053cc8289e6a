#!/usr/bin/env -S node --max-semi-space-size=64
// The gridbid command: the compiled engine in dist/ (`npm run build`; `npm ci` and
// `npm install` build it through the `prepare` script, and the published package ships it).
// A larger young generation: the engine makes many short-lived objects per agent and
// interval, and collecting them in bigger batches cut run time by a third (bench/).
import { existsSync } from 'node:fs';

const program = new URL('../dist/cli/program.js', import.meta.url);
if (!existsSync(program)) {
  process.stderr.write('gridbid: dist/ is missing: build it with `npm run build` (npm ci and npm install do it through `prepare`)\n');
  process.exit(2);
}
const { main } = await import(program.href);
process.exitCode = await main(process.argv.slice(2));
