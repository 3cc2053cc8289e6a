import { expect } from 'chai';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { endianness } from 'node:os';
import { HmacSha256Key, hmacSha256, innerBlockWords, ONE_BLOCK_MESSAGE_MAX } from '../../comms/security/hmacSha256.ts';
import { meterMacKey } from '../../comms/security/keys.ts';
import { fieldsIntact, MeterSealTable, preparedMacKey, readIntact, sealFields, sealRead } from '../../comms/security/meterMac.ts';
import { meterRead } from '../../metering/meter.ts';
import { sha256CompressUpToDate } from '../tools/genSha256Compress.ts';
import { sha256SimdUpToDate } from '../tools/genSha256Simd.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');


/** A read's canonical bytes, written here independently of the module: four doubles in the platform's order, the voltage flag 0, the id's UTF-8 length (2 bytes, big-endian) and bytes. */
function canonical(id: string, start: number, ms: number, imp: number, exp: number): Buffer {
  const utf8 = Buffer.from(id, 'utf8');
  const b = Buffer.alloc(35 + utf8.length);
  [start, ms, imp, exp].forEach((x, i) => (endianness() === 'LE' ? b.writeDoubleLE(x, 8 * i) : b.writeDoubleBE(x, 8 * i)));
  b.writeUInt16BE(utf8.length, 33);
  utf8.copy(b, 35);
  return b;
}
describe('security: HMAC-SHA256 with prepared keys', () => {
  it('gives the RFC 4231 test vectors (cases 1, 2, 6, 7: short keys and keys longer than a block)', () => {
    const cases: Array<[Buffer, Buffer, string]> = [
      [Buffer.alloc(20, 0x0b), Buffer.from('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
      [Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
      [Buffer.alloc(131, 0xaa), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
      [Buffer.alloc(131, 0xaa), Buffer.from('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'), '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2'],
    ];
    for (const [key, data, mac] of cases) expect(hex(hmacSha256(key, data))).to.equal(mac);
  });

  it('property: equals node:crypto createHmac for any key and message (every padding boundary), one key reused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 100 }), fc.array(fc.uint8Array({ minLength: 0, maxLength: 200 }), { minLength: 1, maxLength: 4 }), (key, messages) => {
        const k = new HmacSha256Key(key);
        const words = new Int32Array(8);
        for (const m of messages) {
          k.macWords(m, m.length, words);
          const got = Buffer.alloc(32);
          words.forEach((w, i) => got.writeInt32BE(w, 4 * i));
          expect(got.toString('hex')).to.equal(createHmac('sha256', key).update(m).digest('hex'));
        }
      }),
      { numRuns: 300 },
    );
    // Lengths around the one- and two-block limits of the inner hash (55/56, 119/120 bytes).
    for (const n of [0, 1, 54, 55, 56, 63, 64, 65, 118, 119, 120, 128, 1000]) {
      const m = Buffer.alloc(n, n & 0xff);
      expect(hex(hmacSha256(Buffer.from('k'), m))).to.equal(createHmac('sha256', 'k').update(m).digest('hex'));
    }
  });

  it('property: the word path (a one-block message as its padded inner block of 16 words, macBlock / blockIntact) equals createHmac, and any changed MAC word fails', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 100 }), fc.uint8Array({ minLength: 0, maxLength: ONE_BLOCK_MESSAGE_MAX }), fc.nat(7), fc.integer({ min: 1, max: 0xffffffff }), (key, m, word, flip) => {
        const k = new HmacSha256Key(key);
        // The block and the MAC at offsets, beside other words that must stay as they are.
        const block = new Int32Array(20).fill(-1);
        innerBlockWords(m, m.length, block, 3);
        const mac = new Int32Array(10).fill(7);
        k.macBlock(block, 3, mac, 1);
        expect([mac[0], mac[9], block[0], block[19]]).to.deep.equal([7, 7, -1, -1]);
        const got = Buffer.alloc(32);
        for (let i = 0; i < 8; i++) got.writeInt32BE(mac[1 + i]!, 4 * i);
        expect(got.toString('hex')).to.equal(createHmac('sha256', key).update(m).digest('hex'));
        expect(k.blockIntact(block, 3, mac, 1)).to.equal(true);
        const bad = mac.slice();
        bad[1 + word] = bad[1 + word]! ^ flip;
        expect(k.blockIntact(block, 3, bad, 1)).to.equal(false);
      }),
      { numRuns: 300 },
    );
    // The padded block itself, by hand for 'abc': the bytes, 0x80, zeros, the bit length of the key block and the message (67 × 8 = 536 = 0x218).
    const block = new Int32Array(16);
    innerBlockWords(Buffer.from('abc'), 3, block, 0);
    expect([...block].map((w) => (w >>> 0).toString(16))).to.deep.equal(['61626380', ...new Array(14).fill('0'), '218']);
    expect(() => innerBlockWords(new Uint8Array(56), 56, new Int32Array(16), 0)).to.throw(RangeError, /0 to 55 bytes, not 56/);
  });

  it('the unrolled compression (comms/security/sha256Compress.ts) is its generator\'s output (test/tools/genSha256Compress.ts)', () => {
    expect(sha256CompressUpToDate()).to.equal(true);
  });

  it('the four-lane WebAssembly module (comms/security/sha256Simd.ts) is its generator\'s output (test/tools/genSha256Simd.ts)', () => {
    expect(sha256SimdUpToDate()).to.equal(true);
  });
});

/** A read's meter id, interval start, net power and optional voltage, for the seal properties. */
const readArbitraries = [
  fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
  fc.integer({ min: 0, max: 4e12 }),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
  fc.option(fc.double({ noNaN: true, min: 0.5, max: 1.5 }), { nil: undefined }),
] as const;

describe('security: sealed meter reads over the compact encoding', () => {
  it('property: a sealed read verifies, and changing any one field (or the key) fails, whatever the values', () => {
    fc.assert(
      fc.property(
        ...readArbitraries,
        (meterId, t, netKw, voltagePu) => {
          const key = meterMacKey(1, meterId);
          const read = meterRead(meterId, t, 900_000, netKw, voltagePu);
          const sealed = sealRead(read, key);
          expect(sealed.mac).to.match(/^[0-9a-f]{64}$/);
          expect(readIntact(sealed, key)).to.equal(true);
          expect(readIntact({ ...sealed, mac: sealed.mac.toUpperCase() }, key)).to.equal(true);
          expect(readIntact({ ...sealed, importKwh: sealed.importKwh + 1 }, key)).to.equal(false);
          expect(readIntact({ ...sealed, intervalMs: 300_000 }, key)).to.equal(false);
          expect(readIntact({ ...sealed, meterId: `${meterId}x` }, key)).to.equal(false);
          const { voltagePu: _v, ...withoutVoltage } = sealed;
          expect(readIntact(voltagePu === undefined ? { ...sealed, voltagePu: 1 } : withoutVoltage, key)).to.equal(false);
          expect(readIntact({ ...sealed, mac: `${sealed.mac.slice(0, 63)}${sealed.mac[63] === '0' ? '1' : '0'}` }, key)).to.equal(false);
          expect(readIntact({ ...sealed, mac: `${sealed.mac.slice(0, 63)}g` }, key)).to.equal(false);
          expect(readIntact(sealed, meterMacKey(2, meterId))).to.equal(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: the field path (sealFields, fieldsIntact) gives sealRead\'s MAC, and a change to any field, any MAC word or the key fails', () => {
    fc.assert(
      fc.property(
        ...readArbitraries,
        fc.nat(7),
        (meterId, t, netKw, voltagePu, word) => {
          const raw = meterMacKey(1, meterId);
          const key = preparedMacKey(raw);
          const r = meterRead(meterId, t, 900_000, netKw, voltagePu);
          const v = r.voltagePu ?? Number.NaN;
          // Two reads' MACs side by side, the second at an offset.
          const mac = new Int32Array(16);
          sealFields(key, r.meterId, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, v, mac, 8);
          const hex = Buffer.from(new Uint8Array(Int32Array.from(mac.subarray(8), (w) => ((w >>> 24) | ((w >>> 8) & 0xff00) | ((w << 8) & 0xff0000) | (w << 24)) | 0).buffer)).toString('hex');
          expect(hex).to.equal(sealRead(r, raw).mac);
          const intact = (id: string, start: number, len: number, imp: number, exp: number, volts: number, m: Int32Array = mac, k = key): boolean => fieldsIntact(k, id, start, len, imp, exp, volts, m, 8);
          expect(intact(r.meterId, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, v)).to.equal(true);
          expect(intact(`${meterId}x`, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, v)).to.equal(false);
          expect(intact(r.meterId, r.intervalStartMs + 1, r.intervalMs, r.importKwh, r.exportKwh, v)).to.equal(false);
          expect(intact(r.meterId, r.intervalStartMs, 300_000, r.importKwh, r.exportKwh, v)).to.equal(false);
          expect(intact(r.meterId, r.intervalStartMs, r.intervalMs, r.importKwh + 1, r.exportKwh, v)).to.equal(false);
          expect(intact(r.meterId, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh + 1, v)).to.equal(false);
          expect(intact(r.meterId, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, voltagePu === undefined ? 1 : Number.NaN)).to.equal(false);
          const flipped = mac.slice();
          flipped[8 + word] = flipped[8 + word]! ^ 1;
          expect(intact(r.meterId, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, v, flipped)).to.equal(false);
          expect(intact(r.meterId, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, v, mac, preparedMacKey(meterMacKey(2, meterId)))).to.equal(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: a table of meters (MeterSealTable) seals and checks exactly as sealFields and fieldsIntact, for many meters and long ids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }), { minLength: 1, maxLength: 90 }),
        fc.integer({ min: 0, max: 4e12 }),
        fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        fc.option(fc.double({ noNaN: true, min: 0.5, max: 1.5 }), { nil: undefined }),
        (meterIds, t, netKw, voltagePu) => {
          const table = new MeterSealTable();
          const index = meterIds.map((id, k) => table.add(id, meterMacKey(3, `${k}:${id}`)));
          expect(index).to.deep.equal(meterIds.map((_, k) => k));
          const got = new Int32Array(8);
          const want = new Int32Array(8);
          meterIds.forEach((id, k) => {
            expect(table.meterId(k)).to.equal(id);
            const r = meterRead(id, t, 900_000, netKw + k, voltagePu);
            const v = r.voltagePu ?? Number.NaN;
            table.seal(k, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, v, got, 0);
            sealFields(preparedMacKey(meterMacKey(3, `${k}:${id}`)), id, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, v, want, 0);
            expect([...got]).to.deep.equal([...want]);
            expect(table.intact(k, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, v, got, 0)).to.equal(true);
            expect(table.intact(k, r.intervalStartMs, r.intervalMs, r.importKwh + 1, r.exportKwh, v, got, 0)).to.equal(false);
            expect(table.intact(k, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, voltagePu === undefined ? 1 : Number.NaN, got, 0)).to.equal(false);
            // Another meter's key and id: not this read's seal (unless the two are the same meter).
            if (meterIds.length > 1) {
              const other = (k + 1) % meterIds.length;
              expect(table.intact(other, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, v, got, 0)).to.equal(false);
            }
          });
        },
      ),
      { numRuns: 40 },
    );
    expect(() => new MeterSealTable().seal(0, 0, 900_000, 0, 0, Number.NaN, new Int32Array(8), 0)).to.throw(RangeError);
  });

  it('property: a table seals reads of short meter ids (one block, built as words) with createHmac over the canonical bytes, written here independently', () => {
    // Up to 20 UTF-8 bytes: one block; 21 and more: the byte path. Both sides of the boundary.
    const ids = fc.oneof(fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme-ascii' }), fc.string({ minLength: 1, maxLength: 8, unit: 'binary' }), fc.constantFrom('meter:abcdefghijklmn', 'meter:abcdefghijklmno', 'méter:abcdefghijklm'));
    fc.assert(
      fc.property(fc.array(ids, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 4e12 }), fc.double({ noNaN: true }), fc.double({ noNaN: true }), (meterIds, t, imp, exp) => {
        const table = new MeterSealTable();
        meterIds.forEach((id, k) => table.add(id, meterMacKey(4, `${k}:${id}`)));
        const mac = new Int32Array(8 * meterIds.length);
        meterIds.forEach((id, k) => table.seal(k, t, 900_000, imp, exp + k, Number.NaN, mac, 8 * k));
        meterIds.forEach((id, k) => {
          const got = Buffer.alloc(32);
          for (let i = 0; i < 8; i++) got.writeInt32BE(mac[8 * k + i]!, 4 * i);
          expect(got.toString('hex')).to.equal(createHmac('sha256', meterMacKey(4, `${k}:${id}`)).update(canonical(id, t, 900_000, imp, exp + k)).digest('hex'));
          expect(table.intact(k, t, 900_000, imp, exp + k, Number.NaN, mac, 8 * k)).to.equal(true);
          expect(table.intact(k, t + 1, 900_000, imp, exp + k, Number.NaN, mac, 8 * k)).to.equal(false);
          expect(table.intact(k, t, 900_000, imp, exp + k, 1, mac, 8 * k)).to.equal(false);
        });
      }),
      { numRuns: 200 },
    );
    expect(Buffer.byteLength('meter:abcdefghijklmn')).to.equal(20);
    expect(Buffer.byteLength('méter:abcdefghijklm')).to.equal(20);
  });

  it('property: batched seals (sealLater, four lanes in WebAssembly, the remainder one at a time) equal createHmac over the canonical bytes, for batches of 1 to 9 reads and any keys, ids and numbers', () => {
    const read = fc.record({
      meter: fc.nat(),
      start: fc.integer({ min: 0, max: 4e12 }),
      imp: fc.double(),
      exp: fc.double(),
      voltage: fc.option(fc.double({ noNaN: true, min: 0.5, max: 1.5 }), { nil: undefined }),
    });
    const ids = fc.oneof(fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme-ascii' }), fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }));
    fc.assert(
      fc.property(fc.array(fc.tuple(ids, fc.uint8Array({ minLength: 0, maxLength: 100 })), { minLength: 1, maxLength: 12 }), fc.array(read, { minLength: 1, maxLength: 9 }), fc.nat(7), (meters, reads, word) => {
        for (const fourLanes of [true, false]) {
          const table = new MeterSealTable({ fourLanes });
          expect(table.fourLanes).to.equal(fourLanes);
          meters.forEach(([id, key]) => table.add(id, key));
          // MACs in reverse order in one array, after words that must stay as they are.
          const mac = new Int32Array(8 * reads.length + 3).fill(-7);
          const at = (k: number): number => 3 + 8 * (reads.length - 1 - k);
          const v = (r: (typeof reads)[number]): number => r.voltage ?? Number.NaN;
          reads.forEach((r, k) => table.sealLater(r.meter % meters.length, r.start, 900_000, r.imp, r.exp, v(r), mac, at(k)));
          table.flush();
          expect([...mac.subarray(0, 3)]).to.deep.equal([-7, -7, -7]);
          reads.forEach((r, k) => {
            const m = r.meter % meters.length;
            const [id, key] = meters[m]!;
            const got = Buffer.alloc(32);
            for (let i = 0; i < 8; i++) got.writeInt32BE(mac[at(k) + i]!, 4 * i);
            if (r.voltage === undefined) expect(got.toString('hex')).to.equal(createHmac('sha256', key).update(canonical(id, r.start, 900_000, r.imp, r.exp)).digest('hex'));
            expect(table.intact(m, r.start, 900_000, r.imp, r.exp, v(r), mac, at(k))).to.equal(true);
            const bad = mac.slice();
            bad[at(k) + word] = bad[at(k) + word]! ^ 1;
            expect(table.intact(m, r.start, 900_000, r.imp, r.exp, v(r), bad, at(k))).to.equal(false);
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a batch is sealed when it fills, and reads for another MAC array first seal the batch queued for the previous one', () => {
    const table = new MeterSealTable();
    const scratch = new MeterSealTable({ fourLanes: false });
    // One-block ids and, every third meter, a two-block one (21 to 84 bytes).
    const ids = Array.from({ length: 3000 }, (_, i) => (i % 3 === 2 ? `meter:battery-community-${i}` : `meter:${i}`));
    ids.forEach((id) => {
      table.add(id, meterMacKey(5, id));
      scratch.add(id, meterMacKey(5, id));
    });
    const many = new Int32Array(8 * 3000);
    // 3000 reads: 2000 one-block and 1000 two-block ones; a batch holds 512 of each kind.
    for (let i = 0; i < 3000; i++) table.sealLater(i, 900_000 * i, 900_000, i / 7, 0, Number.NaN, many, 8 * i);
    const first = many.slice(0, 8 * 1500);
    table.flush();
    expect([...first]).to.deep.equal([...many.subarray(0, 8 * 1500)]);
    const want = new Int32Array(8 * 3000);
    for (let i = 0; i < 3000; i++) scratch.seal(i, 900_000 * i, 900_000, i / 7, 0, Number.NaN, want, 8 * i);
    expect([...many]).to.deep.equal([...want]);
    const a = new Int32Array(8);
    const b = new Int32Array(8);
    table.sealLater(1, 0, 900_000, 1, 0, Number.NaN, a, 0);
    table.sealLater(2, 0, 900_000, 1, 0, Number.NaN, b, 0);
    expect([...a].some((w) => w !== 0)).to.equal(true);
    table.flush();
    for (let i = 0; i < 3000; i += 97) expect(table.intact(i, 900_000 * i, 900_000, i / 7, 0, Number.NaN, many, 8 * i)).to.equal(true);
    expect(table.intact(1, 0, 900_000, 1, 0, Number.NaN, a, 0)).to.equal(true);
    expect(table.intact(2, 0, 900_000, 1, 0, Number.NaN, b, 0)).to.equal(true);
  });

  it('property: MACs computed ahead (expect) change no verdict of intact: the same as a table checking every read from scratch, whichever fields were expected', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ meter: fc.nat(3), imp: fc.constantFrom(0, -0, 1, 2.5, Number.NaN), told: fc.constantFrom('same', 'other', 'none'), flip: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        (reads) => {
          const ids = ['meter:a', 'meter:b', 'meter:a-rather-long-meter-id', 'm'];
          const ahead = new MeterSealTable();
          const scratch = new MeterSealTable({ fourLanes: false });
          ids.forEach((id, k) => {
            ahead.add(id, meterMacKey(6, id));
            scratch.add(id, meterMacKey(6, id));
          });
          const mac = new Int32Array(8 * reads.length);
          reads.forEach((r, k) => {
            scratch.seal(r.meter, 0, 900_000, r.imp, 0, Number.NaN, mac, 8 * k);
            if (r.flip) mac[8 * k + 3] = mac[8 * k + 3]! ^ 1;
            if (r.told === 'same') ahead.expect(r.meter, 0, 900_000, r.imp, 0, Number.NaN);
            if (r.told === 'other') ahead.expect(r.meter, 0, 900_000, Object.is(r.imp, 0) ? -0 : 0, 0, Number.NaN);
          });
          reads.forEach((r, k) => {
            expect(ahead.intact(r.meter, 0, 900_000, r.imp, 0, Number.NaN, mac, 8 * k)).to.equal(scratch.intact(r.meter, 0, 900_000, r.imp, 0, Number.NaN, mac, 8 * k)).and.to.equal(!r.flip);
          });
        },
      ),
      { numRuns: 300 },
    );
    // A meter nothing was computed ahead for: all-zero fields and an all-zero MAC are not taken for a MAC computed ahead.
    const table = new MeterSealTable();
    table.add('meter:z', meterMacKey(6, 'meter:z'));
    expect(table.intact(0, 0, 0, 0, 0, Number.NaN, new Int32Array(8), 0)).to.equal(false);
    table.expect(0, 0, 900_000, 1, 0, Number.NaN);
    const mac = new Int32Array(8);
    table.seal(0, 0, 900_000, 1, 0, Number.NaN, mac, 0);
    expect(table.intact(0, 0, 900_000, 1, 0, Number.NaN, mac, 0)).to.equal(true);
    expect(table.checkedAhead).to.equal(1);
  });

  it('property: a receiver given the same key object as the sender (twins) checks against the sender\'s seal only for bit-identical fields, with the verdicts of a check from scratch (tampered fields or MAC, a key changed between the tables, another meter id)', () => {
    let usedSeal = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ meter: fc.nat(5), imp: fc.constantFrom(0, -0, 1, 2.5, Number.NaN), tamper: fc.constantFrom('none', 'none', 'import', 'sign', 'mac'), told: fc.boolean(), flushAfter: fc.boolean(), order: fc.nat(20) }),
          { minLength: 1, maxLength: 14 },
        ),
        fc.boolean(),
        (reads, receiverFirst) => {
          // Meters 0–3 share their key objects; 4: the key's bytes changed between the two tables' adds; 5: the receiver gives meter 0's key object to another id.
          const ids = ['meter:a', 'meter:b', 'meter:a-rather-long-meter-id', 'm', 'meter:k', 'meter:x'];
          const keys = ids.map((id) => meterMacKey(8, id));
          keys[5] = keys[0]!;
          const sender = new MeterSealTable();
          const receiver = new MeterSealTable();
          const scratch = new MeterSealTable({ fourLanes: false });
          const addAll = (t: MeterSealTable): void => ids.forEach((id, k) => t.add(id, keys[k]!));
          if (receiverFirst) addAll(receiver);
          else addAll(sender);
          const before = Buffer.from(keys[4]!);
          keys[4]![0] = keys[4]![0]! ^ 1;
          if (receiverFirst) addAll(sender);
          else addAll(receiver);
          // The scratch table holds the receiver's keys.
          ids.forEach((id, k) => scratch.add(id, k === 4 && receiverFirst ? before : Buffer.from(keys[k]!)));
          // The sender sealed meter 4 with the key before the change and meter 5 as meter:a (meter 0): every such read fails at the receiver.
          const senderMeter = (m: number): number => (m === 5 ? 0 : m);
          const mac = new Int32Array(8 * reads.length);
          const got = reads.map((r, k) => {
            sender.sealLater(senderMeter(r.meter), 900_000 * k, 900_000, r.imp, 0, Number.NaN, mac, 8 * k);
            const imp = r.tamper === 'import' ? r.imp + 1 : r.tamper === 'sign' && r.imp === 0 ? (Object.is(r.imp, 0) ? -0 : 0) : r.imp;
            if (r.told) receiver.expect(r.meter, 900_000 * k, 900_000, imp, 0, Number.NaN);
            if (r.flushAfter) sender.flush();
            return imp;
          });
          sender.flush();
          reads.forEach((r, k) => {
            if (r.tamper === 'mac') mac[8 * k + (r.order % 8)] = mac[8 * k + (r.order % 8)]! ^ 1;
          });
          const deliveries = reads.map((r, k) => ({ r, k })).sort((a, b) => a.r.order - b.r.order || a.k - b.k);
          for (const { r, k } of deliveries) {
            const want = scratch.intact(r.meter, 900_000 * k, 900_000, got[k]!, 0, Number.NaN, mac, 8 * k);
            const genuine = r.meter < 4 && r.tamper !== 'mac' && Object.is(got[k], r.imp);
            expect(want).to.equal(genuine);
            expect(receiver.intact(r.meter, 900_000 * k, 900_000, got[k]!, 0, Number.NaN, mac, 8 * k)).to.equal(want);
          }
          usedSeal += receiver.checkedWithSeal;
        },
      ),
      { numRuns: 300 },
    );
    // The sender's MACs were used (not every read fell back to a check from scratch or ahead).
    expect(usedSeal).to.be.greaterThan(100);
  });

  it("a receiver's check of a read whose seal is still in the sender's batch seals the batch first, and a changed field is computed from scratch", () => {
    const key = meterMacKey(9, 'meter:q');
    const sender = new MeterSealTable();
    const receiver = new MeterSealTable();
    sender.add('meter:q', key);
    receiver.add('meter:q', key);
    const mac = new Int32Array(8);
    sender.sealLater(0, 0, 900_000, 1.5, 0, Number.NaN, mac, 0);
    receiver.expect(0, 0, 900_000, 1.5, 0, Number.NaN);
    expect([...mac].every((w) => w === 0)).to.equal(true);
    expect(receiver.intact(0, 0, 900_000, 1.5, 0, Number.NaN, mac, 0)).to.equal(true);
    expect(receiver.checkedWithSeal).to.equal(1);
    const want = Buffer.alloc(32);
    for (let i = 0; i < 8; i++) want.writeInt32BE(mac[i]!, 4 * i);
    expect(want.toString('hex')).to.equal(createHmac('sha256', key).update(canonical('meter:q', 0, 900_000, 1.5, 0)).digest('hex'));
    expect(receiver.intact(0, 0, 900_000, 1.25, 0, Number.NaN, mac, 0)).to.equal(false);
    expect(receiver.checkedWithSeal).to.equal(1);
    expect(receiver.checkedAhead).to.equal(0);
  });
});
