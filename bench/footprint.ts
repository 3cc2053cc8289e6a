/**
 * Heap per agent by kind, for the constants of engine/footprint.ts:
 *   node --expose-gc --import tsx bench/footprint.ts <home|ev|storage|building|generator> <count> [days]
 * prints heap used per agent after creation, at the peak sampled through the run, and at the end.
 */
import { parseScenario } from '../engine/scenario/load.ts';
import { Simulation } from '../engine/simulation.ts';
const kind = process.argv[2]!; const n = Number(process.argv[3]); const days = Number(process.argv[4] ?? 1);
const spec: Record<string,string> = {
  home: `{ kind: home, idPrefix: h, count: ${n}, hvac: { share: 1 }, pv: { share: 1 }, appliances: [{ energyKwh: 1, powerKw: 1 }] }`,
  ev: `{ kind: ev, idPrefix: e, count: ${n} }`,
  storage: `{ kind: storage, idPrefix: s, count: ${n} }`,
  building: `{ kind: building, idPrefix: b, count: ${n} }`,
  generator: `{ kind: generator, idPrefix: gg, count: ${n}, offers: [{ kw: 1, priceMwh: 10 }] }`,
};
const text = `name: m\nstart: 2026-07-01T00:00:00Z\ndays: ${days}\nintervalMinutes: 60\nagents:\n  - { kind: generator, id: g, offers: [{ kw: 1000000, priceMwh: 40 }] }\n  - ${spec[kind]}\n`;
const sc = parseScenario(text, 'm.yaml');
global.gc!(); const h0 = process.memoryUsage().heapUsed;
const sim = await Simulation.create(sc, {});
global.gc!(); const h1 = process.memoryUsage().heapUsed;
let peak = h1; let i = 0;
sim.run({ interval() { if (++i % 6 === 0) { peak = Math.max(peak, process.memoryUsage().heapUsed); } } });
global.gc!(); const h2 = process.memoryUsage().heapUsed;
console.log(kind, n, days, 'create/agent', ((h1 - h0) / n).toFixed(0), 'peak/agent', ((peak - h0) / n).toFixed(0), 'end/agent', ((h2 - h0) / n).toFixed(0));
void sim;
