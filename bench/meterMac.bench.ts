/**
 * Issue 17: the cost of a meter read's MAC, the plane's most repeated piece of arithmetic (about
 * a million reads a day at evening-peak × 13, each sealed by its meter and checked by the MDMS).
 * One read of each of 10,000 meters per interval, sealed and then checked through the tables the
 * engine and the MDMS use (comms/security/meterMac.ts `MeterSealTable`: HMAC-SHA256 on prepared
 * keys, one interval's reads four at a time in WebAssembly SIMD), against the same reads' canonical bytes sealed and checked with
 * `node:crypto` `createHmac` (one per MAC: two per read), in the same process, interleaved.
 * CPU time (process.cpuUsage), per read. Runs with `npm run bench -- comms`.
 *
 * Both sides are hot here (the same few functions in a loop); inside a run the MAC's share of the
 * plane's CPU is best read from a profile (bench/commsChild.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { loadavg } from 'node:os';
import { meterMacKey } from '../comms/security/keys.ts';
import { MeterSealTable } from '../comms/security/meterMac.ts';
import type { BenchRow, BenchSuite } from './harness.ts';

const METERS = 10_000;
const ids = Array.from({ length: METERS }, (_, i) => `meter:home-${i}`);
const keys = ids.map((id) => meterMacKey(13, id));
const net = (meter: number, interval: number): number => ((meter * 7919 + interval * 104_729) % 10_007) / 1000;

/**
 * CPU µs per read of `intervals` intervals of reads, sealed by the meters' `table` and checked by
 * the receiver's `receiver` as in a run: each interval's reads sealed in one burst (`sealLater`,
 * `flush`), told to the receiver as they are sent (`expect`: their MACs computed ahead in a
 * batch), then checked one by one in another order (`intact`, as the MDMS does on delivery).
 */
function ours(table: MeterSealTable, receiver: MeterSealTable, intervals: number): number {
  const mac = new Int32Array(8 * METERS);
  let rejected = 0;
  const c0 = process.cpuUsage();
  for (let t = 0; t < intervals; t++) {
    const start = 1_700_000_000_000 + t * 900_000;
    for (let i = 0; i < METERS; i++) {
      table.sealLater(i, start, 900_000, net(i, t), 0, Number.NaN, mac, 8 * i);
      receiver.expect(i, start, 900_000, net(i, t), 0, Number.NaN);
    }
    table.flush();
    // Delivered out of meter order (a stride coprime with the meter count).
    for (let k = 0, i = 0; k < METERS; k++, i = (i + 7919) % METERS) if (!receiver.intact(i, start, 900_000, net(i, t), 0, Number.NaN, mac, 8 * i)) rejected++;
  }
  const c = process.cpuUsage(c0);
  if (rejected > 0) throw new Error(`${rejected} intact reads rejected`);
  return (c.user + c.system) / (intervals * METERS);
}

/** The same reads' canonical bytes (meterMac.ts module note) sealed and checked with createHmac. */
function nodeCrypto(intervals: number): number {
  const utf8 = ids.map((id) => Buffer.from(id, 'utf8'));
  const macs: Buffer[] = new Array<Buffer>(METERS);
  const bytes = (i: number, start: number, t: number): Buffer => {
    const id = utf8[i]!;
    const b = Buffer.alloc(35 + id.length);
    b.writeDoubleLE(start, 0);
    b.writeDoubleLE(900_000, 8);
    b.writeDoubleLE(net(i, t), 16);
    b.writeDoubleLE(0, 24);
    b.writeUInt16BE(id.length, 33);
    id.copy(b, 35);
    return b;
  };
  let rejected = 0;
  const c0 = process.cpuUsage();
  for (let t = 0; t < intervals; t++) {
    const start = 1_700_000_000_000 + t * 900_000;
    for (let i = 0; i < METERS; i++) macs[i] = createHmac('sha256', keys[i]!).update(bytes(i, start, t)).digest();
    for (let i = 0; i < METERS; i++) if (!timingSafeEqual(createHmac('sha256', keys[i]!).update(bytes(i, start, t)).digest(), macs[i]!)) rejected++;
  }
  const c = process.cpuUsage(c0);
  if (rejected > 0) throw new Error(`${rejected} intact reads rejected`);
  return (c.user + c.system) / (intervals * METERS);
}

/** Medians of 5 interleaved pairs: ours with `receiver`, createHmac (CPU µs per read). */
function pairs(table: MeterSealTable, receiver: MeterSealTable): { ours: number; node: number } {
  ours(table, receiver, 3);
  nodeCrypto(1);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < 5; r++) {
    a.push(ours(table, receiver, 10));
    b.push(nodeCrypto(2));
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  return { ours: med(a), node: med(b) };
}

export const suite: BenchSuite = {
  name: 'comms: meter-read MAC',
  async run() {
    const table = new MeterSealTable();
    // A receiver with keys of its own (equal bytes, other objects): not the meters' twin, so
    // every check computes the MAC over the fields received — the arithmetic itself.
    const own = new MeterSealTable();
    // A receiver given the meters' key objects, as a run's MDMS is: the twin of the meters'
    // table (meterMac.ts), whose check of an untampered read compares the MAC received with
    // the one the seal computed over the same bits.
    const twin = new MeterSealTable();
    ids.forEach((id, i) => {
      table.add(id, keys[i]!);
      own.add(id, Buffer.from(keys[i]!));
      twin.add(id, keys[i]!);
    });
    const scratch = pairs(table, own);
    const shared = pairs(table, twin);
    const note = `process.cpuUsage; medians of 5 interleaved pairs; load average ${loadavg()[0]!.toFixed(1)}`;
    return [
      {
        suite: 'comms',
        case: `seal and check of a meter read (HMAC-SHA256, MeterSealTable of ${METERS.toLocaleString('en')} meters, the check computed from the fields received), CPU per read`,
        ms: scratch.ours,
        unit: 'µs',
        baseline: 'the same reads sealed and checked with node:crypto createHmac (one per MAC), CPU per read',
        baselineMs: scratch.node,
        // The JS this replaced (a 64-word schedule array, each read packed into bytes) measured 0.24× here (1.75 µs), the unrolled scalar table 0.10× (0.82 µs): load average 14.
        // Four lanes in WebAssembly SIMD and the receiver's MACs computed ahead: 0.59 µs (0.06×) against 1.00 µs (0.11×) for the scalar table in the same minutes, load average 17–18 (2026-12-05).
        target: { max: 0.1, of: 'ratio' },
        note,
      },
      {
        suite: 'comms',
        case: `the same, as in a run: the receiver holds the meters' key objects (twin tables: an untampered read's check uses the MAC its seal computed), CPU per read`,
        ms: shared.ours,
        unit: 'µs',
        baseline: 'the same reads sealed and checked with node:crypto createHmac (one per MAC), CPU per read',
        baselineMs: shared.node,
        // 0.33–0.34 µs (0.04×) against 0.51–0.55 µs (0.06–0.07×) before twins, load average ~7 (2026-12-05 12:50).
        note,
      },
    ] satisfies BenchRow[];
  },
};
