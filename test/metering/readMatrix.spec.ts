import { expect } from 'chai';
import fc from 'fast-check';
import { meterMacKey } from '../../comms/security/keys.ts';
import { preparedMacKey, readIntact, sealFields, sealRead } from '../../comms/security/meterMac.ts';
import { Mdms } from '../../metering/mdms.ts';
import type { MeterRead } from '../../metering/meter.ts';
import { ReadColumns } from '../../metering/readColumns.ts';
import { ReadMatrix } from '../../metering/readMatrix.ts';
import { invalidReason, type RejectionReason, type ValidatedInterval, type VeeRules } from '../../metering/vee.ts';

const STEP = 900_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 6, 1);
const rules: VeeRules = { intervalMs: STEP, maxKwhPerInterval: 10, voltagePuRange: [0.8, 1.2] };
const SEED = 11;
const METERS = ['m0', 'm1', 'm2', 'meter:é'];
/** Every meter has a key but the last ('x'): its reads are `unknown-meter`. */
const keys = new Map([...METERS, 'x'].map((id) => [id, meterMacKey(SEED, id)] as const));
const keyOf = (id: string) => (id === 'x' ? undefined : keys.get(id));
/** The key an unknown meter seals with (one the MDMS does not hold). */
const strangerKey = meterMacKey(SEED + 1, 'x');

/**
 * The VEE rules as they were written before the columnar series (vee.ts `validatedColumns`):
 * one interval object at a time. The reference the MDMS's series are checked against.
 */
function objectEstimate(actual: ReadColumns, startMs: number, count: number, rules: VeeRules): ValidatedInterval[] {
  const step = rules.intervalMs;
  const maxGap = rules.maxInterpolatedGapMs ?? 3_600_000;
  const lookback = rules.likeDayLookbackDays ?? 7;
  const { times, importKwh, exportKwh, voltagePu } = actual;
  const n = actual.count;
  const volts = (k: number): number | undefined => {
    const v = voltagePu[k]!;
    return v === v ? v : undefined;
  };
  const out: ValidatedInterval[] = [];
  // Row of the first actual read at or after the window's start (binary search).
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < startMs) lo = mid + 1;
    else hi = mid;
  }
  let cursor = lo; // advanced to the first actual read at or after t
  for (let i = 0; i < count; i++) {
    const t = startMs + i * step;
    while (cursor < n && times[cursor]! < t) cursor++;
    if (cursor < n && times[cursor] === t) {
      out.push({ intervalStartMs: t, importKwh: importKwh[cursor]!, exportKwh: exportKwh[cursor]!, voltagePu: volts(cursor), quality: 'actual' });
      continue;
    }
    // The gap is the run of missing intervals strictly between the two bounding reads (rows `cursor − 1` and `cursor`).
    if (cursor > 0 && cursor < n && times[cursor]! - times[cursor - 1]! - step <= maxGap) {
      const b = cursor - 1;
      const a = cursor;
      const w = (t - times[b]!) / (times[a]! - times[b]!);
      const lerp = (x: number, y: number) => x + (y - x) * w;
      const vb = volts(b);
      const va = volts(a);
      out.push({
        intervalStartMs: t,
        importKwh: lerp(importKwh[b]!, importKwh[a]!),
        exportKwh: lerp(exportKwh[b]!, exportKwh[a]!),
        voltagePu: vb !== undefined && va !== undefined ? lerp(vb, va) : undefined,
        quality: 'interpolated',
      });
      continue;
    }
    let like = -1;
    for (let d = 1; d <= lookback && like < 0; d++) like = actual.indexOf(t - d * DAY);
    out.push(
      like >= 0
        ? { intervalStartMs: t, importKwh: importKwh[like]!, exportKwh: exportKwh[like]!, voltagePu: volts(like), quality: 'estimated' }
        : { intervalStartMs: t, importKwh: undefined, exportKwh: undefined, voltagePu: undefined, quality: 'missing' },
    );
  }
  return out;
}

/**
 * The store the MDMS kept before the matrix (metering/readMatrix.ts): each meter's valid reads
 * inserted into its own `ReadColumns` as they arrive, in the MDMS's order of checks.
 */
class ColumnsPerMeter {
  readonly store = new Map<string, ReadColumns>();
  readonly rejected: Array<{ read: MeterRead; reason: RejectionReason }> = [];
  ingest(read: MeterRead & { mac: string }): RejectionReason | undefined {
    const key = keyOf(read.meterId);
    const { mac: _, ...plain } = read;
    const reason = !key ? 'unknown-meter' : !readIntact(read, key) ? 'tampered' : invalidReason(read, rules);
    if (reason) return this.reject(plain, reason);
    let c = this.store.get(read.meterId);
    if (!c) this.store.set(read.meterId, (c = new ReadColumns(2)));
    return c.insert(read) ? undefined : this.reject(plain, 'duplicate');
  }
  private reject(read: MeterRead, reason: RejectionReason): RejectionReason {
    this.rejected.push({ read, reason });
    return reason;
  }
  series(id: string, fromMs: number, toMs: number) {
    return objectEstimate(this.store.get(id) ?? new ReadColumns(), fromMs, Math.max(0, Math.ceil((toMs - fromMs) / STEP)), rules);
  }
}

/** A read as sent (sealed) and what arrives (a tampering alters the import after sealing), or a query. */
type Step =
  | { kind: 'read'; sent: MeterRead; tamper: boolean; asFields: boolean }
  | { kind: 'query'; meter: string; from: number; count: number };

const readArb: fc.Arbitrary<Step> = fc.record({
  meter: fc.constantFrom(...METERS, 'x'),
  // Intervals over three days (like days), some before T0, repeated often enough for duplicates.
  slot: fc.oneof(fc.integer({ min: -4, max: 12 }), fc.integer({ min: 0, max: 3 }).map((d) => d * 96 + 3), fc.integer({ min: -120, max: 120 })),
  offGrid: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, -60_000) }),
  length: fc.oneof({ weight: 12, arbitrary: fc.constant(STEP) }, { weight: 1, arbitrary: fc.constant(300_000) }),
  importKwh: fc.oneof({ weight: 8, arbitrary: fc.double({ min: 0, max: 10, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(-0.5, 10.5, Number.NaN, Number.POSITIVE_INFINITY, -0) }),
  exportKwh: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.double({ min: 0, max: 10, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(-1) }),
  voltagePu: fc.option(fc.oneof(fc.double({ min: 0.8, max: 1.2, noNaN: true }), fc.constantFrom(0.5, 1.3)), { nil: undefined }),
  tamper: fc.boolean(),
  asFields: fc.boolean(),
}).map(({ meter, slot, offGrid, length, importKwh, exportKwh, voltagePu, tamper, asFields }) => {
  const sent: MeterRead = { meterId: meter, intervalStartMs: T0 + slot * STEP + offGrid, intervalMs: length, importKwh, exportKwh, ...(voltagePu === undefined ? {} : { voltagePu }) };
  return { kind: 'read' as const, sent, tamper: tamper && importKwh === importKwh, asFields };
});

/** A series as text, every number exactly (−0 apart from 0, undefined apart from NaN): chai's deep equality on thousands of objects a run is slow. */
const exact = (x: number | undefined): string => (x === undefined ? 'u' : Object.is(x, -0) ? '-0' : String(x));
const text = (series: readonly ValidatedInterval[]): string => series.map((v) => `${exact(v.intervalStartMs)} ${v.quality} ${exact(v.importKwh)} ${exact(v.exportKwh)} ${exact(v.voltagePu)}`).join('\n');

const queryArb: fc.Arbitrary<Step> = fc.record({ meter: fc.constantFrom(...METERS, 'nobody'), from: fc.integer({ min: -8, max: 300 }), count: fc.integer({ min: 0, max: 20 }) }).map((q) => ({ kind: 'query' as const, ...q }));

describe('metering: the MDMS matrix store against columns per meter (property)', () => {
  it('gives the same verdicts, rejections, meters and VEE series as the per-meter columns on reads with gaps, duplicates, out-of-range, misaligned, tampered and unknown-meter reads, queried between reads', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 6, arbitrary: readArb }, { weight: 1, arbitrary: queryArb }), { maxLength: 120 }), (steps) => {
        const reference = new ColumnsPerMeter();
        // A small row hint: the matrix's columns grow as handles appear.
        const mdms = new Mdms({ rules, macKey: keyOf, readsPerMeter: 3 });
        const mac = new Int32Array(16);
        for (const s of steps) {
          if (s.kind === 'query') {
            const from = T0 + s.from * STEP;
            expect(text(mdms.series(s.meter, from, from + s.count * STEP))).to.equal(text(reference.series(s.meter, from, from + s.count * STEP)));
            continue;
          }
          const { sent } = s;
          // Sealed as sent, with the meter's own key (an unknown meter seals with a key the MDMS does not hold).
          const key = keyOf(sent.meterId) ?? strangerKey;
          const arrives: MeterRead = s.tamper ? { ...sent, importKwh: sent.importKwh + 0.25 } : sent;
          const expected = reference.ingest({ ...sealRead(sent, key), importKwh: arrives.importKwh });
          let got: RejectionReason | undefined;
          if (s.asFields) {
            sealFields(preparedMacKey(key), sent.meterId, sent.intervalStartMs, sent.intervalMs, sent.importKwh, sent.exportKwh, sent.voltagePu ?? Number.NaN, mac, 8);
            got = mdms.ingestSealed(mdms.meterHandle(arrives.meterId), arrives.intervalStartMs, arrives.intervalMs, arrives.importKwh, arrives.exportKwh, arrives.voltagePu ?? Number.NaN, mac, 8);
          } else got = mdms.ingest({ ...sealRead(sent, key), importKwh: arrives.importKwh });
          expect(got, JSON.stringify(sent)).to.equal(expected);
        }
        expect(mdms.rejected).to.deep.equal(reference.rejected);
        expect(mdms.meters()).to.deep.equal([...reference.store.keys()].sort());
        // Every meter over the whole span of the reads (the like days three days on), and each day on its own (gaps at the edges).
        for (const id of [...METERS, 'x']) {
          expect(text(mdms.series(id, T0 - 130 * STEP, T0 + 400 * STEP))).to.equal(text(reference.series(id, T0 - 130 * STEP, T0 + 400 * STEP)));
          for (let d = -1; d <= 3; d++) expect(text(mdms.series(id, T0 + d * DAY, T0 + (d + 1) * DAY))).to.equal(text(reference.series(id, T0 + d * DAY, T0 + (d + 1) * DAY)));
        }
        // At run end (sharingSeries): each day first (the bills), then the whole span and windows cut from it
        // (off the read span too), as objects, as columns and as energy totals.
        mdms.sharingSeries(() => {
          for (const id of [...METERS, 'x']) {
            for (let d = -1; d <= 3; d++) expect(text(mdms.series(id, T0 + d * DAY, T0 + (d + 1) * DAY))).to.equal(text(reference.series(id, T0 + d * DAY, T0 + (d + 1) * DAY)));
            for (const [from, to] of [[-130, 400], [-4, 12], [0, 96], [97, 99], [-200, -100], [3, 3]] as const) {
              const [a, b] = [T0 + from * STEP, T0 + to * STEP];
              const want = reference.series(id, a, b);
              expect(text(mdms.series(id, a, b))).to.equal(text(want));
              expect(text(mdms.seriesColumns(id, a, b).intervals())).to.equal(text(want));
              const e = mdms.energy(id, a, b);
              expect([e.importKwh, e.exportKwh]).to.deep.equal([want.reduce((x, v) => x + (v.importKwh ?? 0), 0), want.reduce((x, v) => x + (v.exportKwh ?? 0), 0)]);
              expect(e.intervals).to.deep.equal({ actual: 0, interpolated: 0, estimated: 0, missing: 0, ...Object.fromEntries(['actual', 'interpolated', 'estimated', 'missing'].map((q) => [q, want.filter((v) => v.quality === q).length])) });
            }
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('holds a read per meter and interval start across many meters (columns grow with the handles) and moves them in time order', () => {
    const mdms = new Mdms({ rules: { intervalMs: STEP, maxKwhPerInterval: 10 } });
    // 40 meters, reads of interval 2 before interval 0 and 1, the last meter first.
    const ids = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const k of [2, 0, 1]) for (let i = ids.length - 1; i >= 0; i--) expect(mdms.ingest({ meterId: ids[i]!, intervalStartMs: T0 + k * STEP, intervalMs: STEP, importKwh: i / 10 + k, exportKwh: 0 })).to.equal(undefined);
    expect(mdms.ingest({ meterId: 'm39', intervalStartMs: T0 + STEP, intervalMs: STEP, importKwh: 9, exportKwh: 0 })).to.equal('duplicate');
    expect(mdms.series('m39', T0, T0 + 3 * STEP).map((v) => [v.quality, v.importKwh])).to.deep.equal([['actual', 3.9], ['actual', 4.9], ['actual', 5.9]]);
    // A read after a query lands before the ones already moved.
    expect(mdms.ingest({ meterId: 'm39', intervalStartMs: T0 - STEP, intervalMs: STEP, importKwh: 1, exportKwh: 0 })).to.equal(undefined);
    expect(mdms.ingest({ meterId: 'm39', intervalStartMs: T0, intervalMs: STEP, importKwh: 1, exportKwh: 0 })).to.equal('duplicate');
    expect(mdms.series('m39', T0 - STEP, T0 + 3 * STEP).map((v) => v.importKwh)).to.deep.equal([1, 3.9, 4.9, 5.9]);
    expect(mdms.meters()).to.have.length(40);
  });
});

describe('metering: the read matrix moving reads into meters\' columns (property)', () => {
  it('flush moves every pending read into its meter\'s columns in ascending start, asks for each meter\'s columns once per flush in handle order, and finds duplicates, across meter blocks and flushes', () => {
    const cell = fc.record({ handle: fc.nat(200), start: fc.integer({ min: 0, max: 11 }), imp: fc.double({ noNaN: true }), volts: fc.option(fc.double({ noNaN: true }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 12, arbitrary: cell }, { weight: 1, arbitrary: fc.constant('flush' as const) }), { maxLength: 400 }), fc.nat(300), (steps, hint) => {
        const matrix = new ReadMatrix(hint);
        const got = new Map<number, ReadColumns>();
        // The simple version: a set of held (handle, start) and per meter the reads of each flush sorted by start.
        const held = new Set<string>();
        const want = new Map<number, [number, number, number, number][]>();
        let pending = new Map<number, [number, number, number, number][]>();
        const flush = (): void => {
          const asked: number[] = [];
          matrix.flush((h) => {
            asked.push(h);
            let c = got.get(h);
            if (!c) got.set(h, (c = new ReadColumns()));
            return c;
          });
          expect(asked).to.deep.equal([...pending.keys()].sort((a, b) => a - b));
          for (const [h, reads] of pending) want.set(h, [...(want.get(h) ?? []), ...reads.sort((a, b) => a[0] - b[0])]);
          pending = new Map();
          expect(matrix.hasPending).to.equal(false);
        };
        for (const step of steps) {
          if (step === 'flush') {
            flush();
            continue;
          }
          const t = T0 + step.start * STEP;
          const v = step.volts ?? Number.NaN;
          const fresh = !held.has(`${step.handle}:${t}`);
          expect(matrix.insert(step.handle, t, step.imp, -step.imp, v)).to.equal(fresh);
          if (!fresh) continue;
          held.add(`${step.handle}:${t}`);
          pending.set(step.handle, [...(pending.get(step.handle) ?? []), [t, step.imp, -step.imp, v]]);
        }
        flush();
        expect([...got.keys()].sort((a, b) => a - b)).to.deep.equal([...want.keys()].sort((a, b) => a - b));
        for (const [h, reads] of want) {
          const c = got.get(h)!;
          // insertFields keeps a meter's columns in start order: reads moved by a later flush may land before earlier ones.
          const sorted = [...reads].sort((a, b) => a[0] - b[0]);
          expect(c.count).to.equal(sorted.length);
          sorted.forEach(([t, imp, exp, v], k) => {
            expect(c.times[k]).to.equal(t);
            expect(Object.is(c.importKwh[k], imp)).to.equal(true);
            expect(Object.is(c.exportKwh[k], exp)).to.equal(true);
            expect(Object.is(c.voltagePu[k], v)).to.equal(true);
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});
