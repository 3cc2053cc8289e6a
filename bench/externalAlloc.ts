/**
 * Where a run's typed-array (V8 "external") memory is allocated, per agent-interval (issue 16):
 *   node --import tsx bench/externalAlloc.ts <factor> <intervals> [top]
 *
 * V8 starts a full mark-compact every 64 MB of external memory allocated since the last one,
 * so bytes of fresh typed arrays per agent-interval are what make full collections grow with
 * the population. This wraps the global typed-array constructors (before the engine is
 * imported) with subclasses that count the bytes of each new backing store by the call site
 * that asked for it (the first stack frames outside this file); views on an existing buffer
 * (`subarray`, `new X(buffer, …)`) allocate nothing and are not counted. It then runs
 * scenarios/evening-peak.yaml × factor through `runScenario` (every pass, CSV outputs to a
 * temporary folder) and prints, for the intervals after the first of each pass (the first
 * sizes the reused arrays), bytes per agent-interval in total and by site.
 *
 * Not counted: Node `Buffer`s (made by Node's own, unwrapped Uint8Array subclass) and
 * `new ArrayBuffer`. The wrapped constructors are slower: this measures bytes, not time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bySite = new Map<string, number>();
let counting = false;
let total = 0;

function site(): string {
  const stack = new Error().stack!.split('\n').slice(1);
  const frames = stack.filter((l) => !l.includes('externalAlloc.ts') && !l.includes('node:internal')).slice(0, 2);
  return frames.map((l) => l.trim().replace(/^at /, '').replace(/file:\/\/\S*?\/ext-alloc\//, '').replace(/\(?file:\/\/\/work\/[^/]+\/[^/]+\//, '(')).join(' < ');
}

const KINDS = ['Float64Array', 'Float32Array', 'Int32Array', 'Uint32Array', 'Int16Array', 'Uint16Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'BigInt64Array', 'BigUint64Array'] as const;
for (const kind of KINDS) {
  const Base = (globalThis as unknown as Record<string, new (...a: unknown[]) => ArrayBufferView>)[kind]!;
  const Counted = class extends Base {
    constructor(...args: unknown[]) {
      super(...args);
      const a = args[0];
      if (!counting || a instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && a instanceof SharedArrayBuffer)) return;
      const bytes = this.byteLength;
      if (bytes === 0) return;
      total += bytes;
      const k = site();
      bySite.set(k, (bySite.get(k) ?? 0) + bytes);
    }
  };
  Object.defineProperty(Counted, 'name', { value: kind });
  (globalThis as unknown as Record<string, unknown>)[kind] = Counted;
}

const { runScenario } = await import('../engine/run.ts');
const { agentCount, scaledEveningPeak } = await import('./eveningPeak.bench.ts');

const factor = Number(process.argv[2] ?? 13);
const intervals = Number(process.argv[3] ?? 24);
const top = Number(process.argv[4] ?? 15);
const scenario = scaledEveningPeak(factor, intervals / 96);
const agents = agentCount(scenario);
const dir = mkdtempSync(join(tmpdir(), 'gridbid-external-'));
let measured = 0;
try {
  await runScenario(scenario, {
    outDir: dir,
    onInterval(done, all) {
      // From the end of each pass's first interval to the end of its last (not the passes' set-up).
      if (done > 1) measured++;
      counting = done < all;
    },
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const per = (b: number): string => (b / (agents * measured)).toFixed(2);
console.log(`evening-peak × ${factor}: ${agents} agents, ${measured} agent-intervals counted (after each pass's first): ${per(total)} B of typed arrays per agent-interval`);
for (const [k, b] of [...bySite].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${per(b).padStart(8)}  ${k}`);
