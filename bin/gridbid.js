#!/usr/bin/env -S node --max-semi-space-size=64
// gridbid ships as TypeScript source; tsx compiles it on load (no build step to forget).
// A larger young generation: the engine makes many short-lived objects per agent and
// interval, and collecting them in bigger batches cut run time by a third (bench/).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/program.ts');
process.exitCode = await main(process.argv.slice(2));
