#!/usr/bin/env node
// gridbid ships as TypeScript source; tsx compiles it on load (no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/program.ts');
process.exitCode = await main(process.argv.slice(2));
