/**
 * `npm run bench [-- <suite-name-filter>]`: runs every benchmark suite and prints
 * one table; also writes it as JSON to results/bench.json. The `scale` suite (10k, 100k
 * and 1M agents over a full day, most of an hour) runs only when asked for by name:
 * `npm run bench -- scale`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { formatRows, type BenchRow, type BenchSuite } from './harness.ts';

// One line per suite, in the order they run.
const suites: Array<() => Promise<{ suite: BenchSuite }>> = [
  () => import('./simulation.bench.ts'),
  () => import('./eveningPeak.bench.ts'),
  () => import('./comms.bench.ts'),
  () => import('./operations.bench.ts'),
  () => import('./meterMac.bench.ts'),
  () => import('./auction.bench.ts'),
  () => import('./lp.bench.ts'),
  () => import('./dayAhead.bench.ts'),
  () => import('./feeder.bench.ts'),
  () => import('./batch.bench.ts'),
  () => import('./parquet.bench.ts'),
];
const optIn: Array<() => Promise<{ suite: BenchSuite }>> = [() => import('./scale.bench.ts')];

const filter = process.argv[2];
const rows: BenchRow[] = [];
for (const load of [...suites, ...optIn]) {
  const { suite } = await load();
  if (filter ? !suite.name.includes(filter) : optIn.includes(load)) continue;
  process.stderr.write(`running ${suite.name}…\n`);
  rows.push(...(await suite.run()));
}
console.log(formatRows(rows));
mkdirSync('results', { recursive: true });
writeFileSync('results/bench.json', `${JSON.stringify(rows, null, 2)}\n`);
