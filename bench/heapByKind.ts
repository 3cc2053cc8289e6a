/**
 * Where a run's retained heap goes, by constructor (for memory work):
 *   node --expose-gc --import tsx bench/heapByKind.ts <factor> <intervals>
 * runs evening-peak × factor for that many intervals (no outputs), then writes a heap
 * snapshot and prints the 40 largest constructors by retained self size, bytes per agent.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { Simulation } from '../engine/simulation.ts';
import { agentCount, scaledEveningPeak } from './eveningPeak.bench.ts';

const factor = Number(process.argv[2] ?? 1);
const intervals = Number(process.argv[3] ?? 4);
const scenario = scaledEveningPeak(factor, intervals / 96);
const sim = await Simulation.create(scenario, {});
sim.run({ interval() {} });
global.gc?.();
const file = writeHeapSnapshot(join(tmpdir(), `gridbid-heap-${process.pid}.heapsnapshot`));
const snap = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: string[][] } }; nodes: number[]; strings: string[] };
rmSync(file);
const f = snap.snapshot.meta.node_fields;
const width = f.length;
const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
const types = snap.snapshot.meta.node_types[0]!;
const by = new Map<string, { bytes: number; count: number }>();
for (let k = 0; k < snap.nodes.length; k += width) {
  const type = types[snap.nodes[k + iType]!]!;
  const name = type === 'object' || type === 'closure' ? `${type}:${snap.strings[snap.nodes[k + iName]!]}` : type;
  const e = by.get(name) ?? { bytes: 0, count: 0 };
  e.bytes += snap.nodes[k + iSize]!;
  e.count++;
  by.set(name, e);
}
const agents = agentCount(scenario);
const total = [...by.values()].reduce((a, b) => a + b.bytes, 0);
console.log(`${agents} agents, ${intervals} intervals: ${(total / 2 ** 20).toFixed(1)} MB in the snapshot, ${(total / agents).toFixed(0)} B per agent`);
for (const [name, e] of [...by].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 40)) console.log(`${(e.bytes / agents).toFixed(0).padStart(7)} B/agent ${String(e.count).padStart(9)}  ${name}`);
void sim;
