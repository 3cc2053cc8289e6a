import { expect } from 'chai';
import fc from 'fast-check';
import { APPLICATION_CLASSES } from '../../comms/applicationClasses.ts';
import { messageLogLine, MessageLogWriter } from '../../comms/messageLog.ts';
import { DELIVERY_STATUSES, F_DELIVERED_AT, I_ATTEMPTS, MessageTable } from '../../comms/messageTable.ts';
import { MESSAGE_TYPES } from '../../comms/messages.ts';
import type { DeliveryRecord } from '../../comms/plane.ts';
import { REFERENCE_POINTS } from '../../comms/referencePoints.ts';

/** Instants: 2000–2100 mostly, any year 0000–9999 (the writer builds its text from a cached minute), beyond (written whole), whole seconds. */
const MS_YEAR_0000 = -62_167_219_200_000;
const MS_YEAR_10000 = 253_402_300_800_000;
const instant = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: MS_YEAR_0000, max: MS_YEAR_10000 - 1 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -8.64e15, max: MS_YEAR_0000 - 1 }), fc.integer({ min: MS_YEAR_10000, max: 8.64e15 - 400_000 })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4_102_444_800 }).map((m) => m * 1000) },
);
const name = fc.oneof(fc.constantFrom('home-1', 'market', 'meter:ev-v2g-12', 'a,"b"', 'c\nd', 'größe', 'home-base-9999'), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ minLength: 60, maxLength: 90 }));

const row = fc.record({
  type: fc.integer({ min: 0, max: MESSAGE_TYPES.length - 1 }),
  cls: fc.integer({ min: 0, max: APPLICATION_CLASSES.length - 1 }),
  rp: fc.integer({ min: 0, max: REFERENCE_POINTS.length - 1 }),
  from: name,
  to: name,
  sizeBytes: fc.oneof(fc.integer({ min: 0, max: 1200 }), fc.integer({ min: 1, max: 10_000_000 }), fc.maxSafeInteger(), fc.double({ min: 0, max: 1e4, noNaN: true }), fc.constantFrom(-0, 1e21, 2 ** 53 + 2, 1.2345678901234567e300, 5e-324)),
  sentAtMs: instant,
  delayMs: fc.option(fc.oneof(fc.double({ min: 0, max: 400_000, noNaN: true }), fc.integer({ min: 0, max: 400_000 })), { nil: undefined }),
  attempts: fc.integer({ min: 1, max: 101 }),
  status: fc.oneof(fc.constantFrom(...DELIVERY_STATUSES, 'rejected-replay', 'odd,status'), fc.string({ minLength: 70, maxLength: 80 })),
  link: fc.option(fc.oneof(fc.constantFrom('backhaul', 'gw,1', 'l"q'), fc.string({ maxLength: 90 })), { nil: undefined }),
});
type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;

/** Puts `r` in a slot of `table`; returns the slot and the record `messageLogLine` writes the same row from. */
function put(table: MessageTable, r: Row): { slot: number; record: DeliveryRecord } {
  const s = table.allocate();
  const from = table.endpoints.id(r.from);
  table.write(s, r.type, r.cls, r.rp, from, table.endpoints.id(r.to), r.sizeBytes, r.sentAtMs, NaN);
  table.f64[8 * s + F_DELIVERED_AT] = r.delayMs === undefined ? NaN : r.sentAtMs + r.delayMs;
  table.i32[16 * s + I_ATTEMPTS] = r.attempts;
  const record: DeliveryRecord = {
    message: { id: String(s), type: MESSAGE_TYPES[r.type]!, class: APPLICATION_CLASSES[r.cls]!, referencePoint: REFERENCE_POINTS[r.rp]!, from: r.from, to: r.to, sizeBytes: r.sizeBytes, sentAtMs: r.sentAtMs },
    link: r.link,
    deliveredAtMs: r.delayMs === undefined ? undefined : r.sentAtMs + r.delayMs,
    attempts: r.attempts,
    status: 'delivered',
  };
  return { slot: s, record };
}

/** The rows as one fresh writer writes them from a fresh table, as text. */
function written(rows: readonly Row[]): string {
  const table = new MessageTable();
  const writer = new MessageLogWriter();
  for (const r of rows) writer.row(table, put(table, r).slot, r.status, r.link);
  return Buffer.concat(writer.take()).toString('utf8');
}

/** The row as messages.csv defines it, from `new Date(ms).toISOString()` directly (whole seconds: `…:SSZ` only at a whole minute, as formatSimTime prints). */
function referenceLine(r: Row): string {
  const iso = (ms: number): string => {
    const s = new Date(ms).toISOString();
    return s.endsWith(':00.000Z') ? `${s.slice(0, -8)}:00Z` : s;
  };
  const q = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const delivered = r.delayMs === undefined ? '' : iso(Math.round(r.sentAtMs + r.delayMs));
  return `${iso(r.sentAtMs)},${delivered},${APPLICATION_CLASSES[r.cls]},${REFERENCE_POINTS[r.rp]},${q(r.from)},${q(r.to)},${MESSAGE_TYPES[r.type]},${String(r.sizeBytes)},${q(r.status)},${r.attempts},${r.link === undefined ? '' : q(r.link)}\n`;
}

describe('comms/messageLog: rows written from the message table', () => {
  it('property: the bytes are the UTF-8 of messageLogLine for the same message, row for row (quoting, times, sizes)', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), (rows) => {
        const table = new MessageTable();
        const writer = new MessageLogWriter();
        let expected = '';
        for (const r of rows) {
          const { slot, record } = put(table, r);
          writer.row(table, slot, r.status, r.link);
          expected += messageLogLine(record, r.status);
        }
        expect(Buffer.concat(writer.take()).toString('utf8')).to.equal(expected);
        expect(writer.take()).to.deep.equal([]);
      }),
      { numRuns: 300 },
    );
  });

  it('property: the text is toISOString’s times and String’s numbers (years 0000–9999 and beyond, ms or whole seconds, lost messages)', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), (rows) => {
        expect(written(rows)).to.equal(rows.map(referenceLine).join(''));
      }),
      { numRuns: 300 },
    );
  });

  it('property: rows equal the reference across tail-cache collisions and evictions, changes of status and link, attempts past the kept ones', () => {
    // Few endpoints and kinds of tail (2 types × 4 attempt counts × 2 statuses × 2 links) but sizes 0–2,000: thousands of
    // tails for 256 entries, so tails of one kind and another size share entries and take them over while earlier ones come
    // back. Status and link change now and then, attempts 0–2 and 15–17 straddle the ones kept by count; lost messages too.
    const busy = fc.record({
      type: fc.constantFrom(0, 7),
      cls: fc.constant(1),
      rp: fc.constant(2),
      from: fc.constantFrom('home-1', 'market', 'a,"b"'),
      to: fc.constantFrom('market', 'größe'),
      sizeBytes: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 2000 }) }, { weight: 1, arbitrary: fc.constantFrom(-0, -5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 0.5, 1e21) }),
      sentAtMs: fc.constantFrom(Date.UTC(2026, 6, 15, 11, 54), Date.UTC(2026, 6, 15, 11, 55)),
      delayMs: fc.option(fc.integer({ min: 0, max: 130_000 }), { nil: undefined, freq: 8 }),
      attempts: fc.constantFrom(0, 1, 2, 15, 16, 17),
      status: fc.oneof({ weight: 9, arbitrary: fc.constant('delivered') }, { weight: 1, arbitrary: fc.constant('rejected-mac') }),
      link: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant('feeder-1') }),
    });
    fc.assert(
      fc.property(fc.array(busy, { minLength: 200, maxLength: 2000 }), (rows) => {
        expect(written(rows)).to.equal(rows.map(referenceLine).join(''));
      }),
      { numRuns: 40 },
    );
  });

  it('every millisecond of a minute, and the next minute, as toISOString writes it (the seconds and milliseconds are table look-ups)', () => {
    const table = new MessageTable();
    const writer = new MessageLogWriter();
    const t = Date.UTC(2026, 6, 15, 11, 54);
    const rows: Row[] = [];
    for (let ms = 0; ms <= 60_000; ms++) rows.push({ type: 7, cls: 1, rp: 1, from: 'meter:home-1', to: 'mdms', sizeBytes: 96, sentAtMs: t, delayMs: ms, attempts: 1, status: 'delivered', link: undefined });
    for (const r of rows) writer.row(table, put(table, r).slot, r.status, r.link);
    const lines = Buffer.concat(writer.take()).toString('utf8').split('\n');
    expect(lines.slice(0, -1)).to.deep.equal(rows.map((r) => referenceLine(r).slice(0, -1)));
    expect(lines[1_234]).to.equal('2026-07-15T11:54:00Z,2026-07-15T11:54:01.234Z,' + lines[1_234]!.slice(46));
    expect(lines[60_000]!.slice(0, 42)).to.equal('2026-07-15T11:54:00Z,2026-07-15T11:55:00Z,');
  });

  it('a batch sharing its send time and delivery minute, as a plane writes it: hand-checked text', () => {
    const table = new MessageTable();
    const writer = new MessageLogWriter();
    const t = Date.UTC(2026, 6, 15, 11, 54);
    const rows: Row[] = [
      { type: 0, cls: 0, rp: 2, from: 'home-1', to: 'market', sizeBytes: 132, sentAtMs: t, delayMs: 145, attempts: 1, status: 'delivered', link: undefined },
      { type: 0, cls: 0, rp: 2, from: 'home-2', to: 'market', sizeBytes: 7, sentAtMs: t, delayMs: 59_999, attempts: 1, status: 'delivered', link: undefined },
      { type: 0, cls: 0, rp: 2, from: 'home-1', to: 'market', sizeBytes: 1000, sentAtMs: t, delayMs: 60_000, attempts: 2, status: 'late', link: 'feeder-1' },
      { type: 0, cls: 0, rp: 2, from: 'home-2', to: 'market', sizeBytes: 0, sentAtMs: t, delayMs: undefined, attempts: 4, status: 'lost', link: undefined },
    ];
    for (const r of rows) writer.row(table, put(table, r).slot, r.status, r.link);
    const c = `${APPLICATION_CLASSES[0]},${REFERENCE_POINTS[2]}`;
    expect(Buffer.concat(writer.take()).toString('utf8')).to.equal(
      [
        `2026-07-15T11:54:00Z,2026-07-15T11:54:00.145Z,${c},home-1,market,bid,132,delivered,1,`,
        `2026-07-15T11:54:00Z,2026-07-15T11:54:59.999Z,${c},home-2,market,bid,7,delivered,1,`,
        `2026-07-15T11:54:00Z,2026-07-15T11:55:00Z,${c},home-1,market,bid,1000,late,2,feeder-1`,
        `2026-07-15T11:54:00Z,,${c},home-2,market,bid,0,lost,4,`,
        '',
      ].join('\n'),
    );
  });

  it('pieces taken stay as they were while later rows fill new ones (a day of rows spans many 64 kB pieces)', () => {
    const table = new MessageTable();
    const writer = new MessageLogWriter();
    const r: Row = { type: 7, cls: 1, rp: 1, from: 'meter:home-base-1', to: 'mdms', sizeBytes: 96, sentAtMs: Date.UTC(2026, 6, 15), delayMs: 2_345, attempts: 1, status: 'delivered', link: undefined };
    const line = referenceLine(r);
    const taken: Uint8Array[] = [];
    const copies: Buffer[] = [];
    const n = 40_000;
    for (let k = 0; k < n; k++) {
      writer.row(table, put(table, { ...r, from: `meter:home-base-${k % 977}` }).slot, r.status, r.link);
      if (k % 3_001 === 0) for (const p of writer.take()) (taken.push(p), copies.push(Buffer.from(p)));
    }
    for (const p of writer.take()) (taken.push(p), copies.push(Buffer.from(p)));
    expect(taken.every((p, k) => Buffer.from(p).equals(copies[k]!))).to.equal(true);
    const text = Buffer.concat(taken).toString('utf8');
    expect(text.length).to.be.greaterThan(2 * (1 << 20));
    const lines = text.split('\n');
    expect(lines).to.have.length(n + 1);
    expect(lines[0]! + '\n').to.equal(line.replace('meter:home-base-1', 'meter:home-base-0'));
    expect(lines[n - 1]! + '\n').to.equal(line.replace('meter:home-base-1', `meter:home-base-${(n - 1) % 977}`));
  });

  it('with reusePieces, a take\'s pieces hold their rows until the next take, buffers are filled again after it, and the rows are the same', () => {
    const r: Row = { type: 7, cls: 1, rp: 1, from: 'meter:home-base-1', to: 'mdms', sizeBytes: 96, sentAtMs: Date.UTC(2026, 6, 15), delayMs: 2_345, attempts: 1, status: 'delivered', link: undefined };
    const write = (reuse: boolean): { text: string; buffers: number; checkedUntilNextTake: boolean } => {
      const table = new MessageTable();
      const writer = new MessageLogWriter(true, reuse);
      const out: Buffer[] = [];
      const buffers = new Set<ArrayBufferLike>();
      let checkedUntilNextTake = true;
      let last: { piece: Uint8Array; copy: Buffer }[] = [];
      // An interval's worth of rows (~2,000, ~190 kB: three or four pieces) between takes, as a run's sink sees them.
      for (let interval = 0; interval < 20; interval++) {
        for (let k = 0; k < 2_000; k++) {
          const slot = put(table, { ...r, from: `meter:home-base-${(interval * 2_000 + k) % 977}`, sizeBytes: 90 + (k % 13) }).slot;
          writer.row(table, slot, r.status, r.link);
        }
        // The previous take's pieces are still intact right up to this take.
        checkedUntilNextTake &&= last.every((p) => Buffer.from(p.piece).equals(p.copy));
        const taken = writer.take();
        last = taken.map((piece) => ({ piece, copy: Buffer.from(piece) }));
        for (const p of taken) (out.push(Buffer.from(p)), buffers.add(p.buffer));
      }
      return { text: Buffer.concat(out).toString('utf8'), buffers: buffers.size, checkedUntilNextTake };
    };
    const fresh = write(false);
    const reused = write(true);
    expect(reused.text).to.equal(fresh.text);
    expect(reused.text.split('\n')).to.have.length(40_001);
    expect(reused.checkedUntilNextTake).to.equal(true);
    // ~3.8 MB of rows: ~58 fresh 64 kB buffers, and with reuse the handful that two intervals' rows need.
    expect(fresh.buffers).to.be.greaterThan(50);
    expect(reused.buffers).to.be.lessThan(12);
  });
});
