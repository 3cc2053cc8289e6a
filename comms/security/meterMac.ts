/**
 * Integrity of meter reads in transit: the meter appends an HMAC-SHA256 over the
 * canonical bytes of the read, keyed with the key it shares with the head-end
 * (`meterMacKey`). The head-end recomputes it; any change to any field — or a read
 * sealed with another meter's key — fails. The comparison reads every digit whatever
 * differs (constant time).
 *
 * The canonical bytes are a compact binary encoding, so that a read of a typical meter id
 * (up to 20 bytes) fits one SHA-256 block: `intervalStartMs`, `intervalMs`, `importKwh`,
 * `exportKwh` as IEEE-754 doubles (in the platform's byte order, little-endian wherever Node
 * runs), then `voltagePu` as a double and 1 when the read has a voltage, else 0 (an absent
 * voltage cannot be confused with any value), then the meter id's UTF-8 length (2 bytes,
 * big-endian) and bytes. Meter and MDMS run in one process, so the byte order is shared. Every
 * read of a run is sealed and checked once, so both run on a key prepared once per meter
 * (`HmacSha256Key`). A run's engine keeps reads in flight as numbers: it seals the fields
 * (`sealFields`) into 8 words of a typed array and the MDMS checks the fields against them
 * (`fieldsIntact`): the same bytes and MAC as `sealRead` / `readIntact`, without a read
 * object or hex text per read.
 */
import type { MeterRead } from '../../metering/meter.ts';
import { blockIntactWith, HmacSha256Key, innerBlockWords, macBlockWith, macBytesWith, ONE_BLOCK_MESSAGE_MAX, prepareKey } from './hmacSha256.ts';
import { grown } from '../../core/typedArrays.ts';
import { endianness } from 'node:os';
import { ENTRY_BYTES, SHA256_SIMD_BASE64 } from './sha256Simd.ts';

export interface SealedRead extends MeterRead {
  /** HMAC-SHA256, hex. */
  readonly mac: string;
}

/** Each meter key prepared once (keys are the Buffers `meterMacKey` returns, held by their meters and the MDMS). */
const prepared = new WeakMap<Uint8Array, HmacSha256Key>();
const keyOf = (key: Uint8Array): HmacSha256Key => {
  let k = prepared.get(key);
  if (!k) prepared.set(key, (k = new HmacSha256Key(key)));
  return k;
};

/**
 * Per key (the Buffer object a meter and its receivers are given), the `MeterSealTable` row that
 * added it first: a table adding the same key object later for the same meter id, with the same
 * prepared states, consults that row's last seal (`MeterSealTable.intact`). Weak: a run's keys and
 * tables go with the run.
 */
const firstRowOf = new WeakMap<Uint8Array, { readonly table: MeterSealTable; readonly index: number }>();

// The doubles first, where a Float64Array over the same bytes can write them (8-byte aligned).
let bytes = new Uint8Array(128);
let doubles = new Float64Array(bytes.buffer);
const utf8 = new TextEncoder();

/** Writes the read's canonical bytes into the scratch buffer; returns their length. */
function encode(r: MeterRead): number {
  return encodeFields(r.meterId, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, r.voltagePu !== undefined, r.voltagePu ?? 0);
}

/**
 * The numbers and the voltage flag of a read's canonical bytes, into the scratch buffer
 * (grown to `need` bytes first); returns where the id's length goes.
 */
function encodeNumbers(need: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, hasVoltage: boolean, voltagePu: number): number {
  if (need > bytes.length) {
    bytes = new Uint8Array(8 * Math.ceil(need / 8));
    doubles = new Float64Array(bytes.buffer);
  }
  doubles[0] = intervalStartMs;
  doubles[1] = intervalMs;
  doubles[2] = importKwh;
  doubles[3] = exportKwh;
  if (!hasVoltage) {
    bytes[32] = 0;
    return 33;
  }
  doubles[4] = voltagePu;
  // The flag after the voltage's 8 bytes: [0, 32) numbers, [32, 40) voltage, 40 flag.
  bytes[40] = 1;
  return 41;
}

/** `encode` from the read's fields (`hasVoltage` false: no voltage, `voltagePu` ignored). */
function encodeFields(id: string, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, hasVoltage: boolean, voltagePu: number): number {
  // 41 bytes of numbers and flag, 2 of length, at most 3 UTF-8 bytes per UTF-16 unit of the id.
  const at = encodeNumbers(43 + 3 * id.length, intervalStartMs, intervalMs, importKwh, exportKwh, hasVoltage, voltagePu);
  const start = at + 2;
  let n = id.length;
  for (let k = 0; k < id.length; k++) {
    const c = id.charCodeAt(k);
    if (c >= 0x80) {
      n = utf8.encodeInto(id, bytes.subarray(start)).written;
      break;
    }
    bytes[start + k] = c;
  }
  if (n > 0xffff) throw new RangeError(`meter id longer than 65535 bytes: ${id.slice(0, 40)}…`);
  bytes[at] = n >>> 8;
  bytes[at + 1] = n & 0xff;
  return start + n;
}

const words = new Int32Array(8);
const digest = Buffer.alloc(32);

/** The read with its MAC. */
export function sealRead(r: MeterRead, key: Uint8Array): SealedRead {
  readMac(r, key, words, 0);
  return { ...r, mac: macHex(words, 0) };
}

/**
 * The MAC `sealRead` gives `r`, as 8 words (the digest's bytes, big-endian) into `out` from
 * `offset`: for a sender that keeps reads in flight as numbers, not objects.
 */
export function readMac(r: MeterRead, key: Uint8Array, out: Int32Array, offset: number): void {
  const n = encode(r);
  keyOf(key).macWords(bytes, n, words);
  for (let i = 0; i < 8; i++) out[offset + i] = words[i]!;
}

/** The MAC at `words[offset, offset + 8)` as `SealedRead.mac` text (64 lower-case hex digits). */
export function macHex(words: Int32Array, offset: number): string {
  for (let i = 0; i < 8; i++) {
    const w = words[offset + i]!;
    digest[4 * i] = w >>> 24;
    digest[4 * i + 1] = w >>> 16;
    digest[4 * i + 2] = w >>> 8;
    digest[4 * i + 3] = w;
  }
  return digest.toString('hex');
}

/** Value of one hex digit (either case), or 16 for anything else. */
const nibble = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : 16);

/** True when the read is exactly what the meter holding `key` sealed. */
export function readIntact(r: SealedRead, key: Uint8Array): boolean {
  const mac = r.mac;
  if (typeof mac !== 'string' || mac.length !== 64) return false;
  const n = encode(r);
  keyOf(key).macWords(bytes, n, words);
  let diff = 0;
  for (let i = 0; i < 8; i++) {
    const w = words[i]!;
    for (let j = 0; j < 8; j++) diff |= nibble(mac.charCodeAt(8 * i + j)) ^ ((w >>> (28 - 4 * j)) & 0xf);
  }
  return diff === 0;
}

/** `key` prepared for many MACs (its padded blocks hashed once; the same object for the same key). */
export const preparedMacKey = (key: Uint8Array): HmacSha256Key => keyOf(key);

/**
 * The MAC `sealRead` gives the read with these fields, as 8 words into `mac` from `offset`:
 * for a meter that keeps reads in flight as numbers, not objects. `voltagePu` NaN: the read
 * has no voltage (encoded as an absent one, as `sealRead` encodes a read without `voltagePu`).
 */
export function sealFields(key: HmacSha256Key, meterId: string, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number, mac: Int32Array, offset: number): void {
  const n = encodeFields(meterId, intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu === voltagePu, voltagePu);
  key.macWords(bytes, n, words);
  for (let i = 0; i < 8; i++) mac[offset + i] = words[i]!;
}

/**
 * True when the read with these fields is exactly what the meter holding `key` sealed with the
 * MAC at `mac[offset, offset + 8)` (`sealFields`; `voltagePu` NaN: none): `readIntact` without
 * the read object or the hex text. The MAC is recomputed over every field and all 8 words are
 * compared, whatever differs (constant time).
 */
export function fieldsIntact(key: HmacSha256Key, meterId: string, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number, mac: Int32Array, offset: number): boolean {
  const n = encodeFields(meterId, intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu === voltagePu, voltagePu);
  key.macWords(bytes, n, words);
  return sameMac(words, 0, mac, offset);
}

/**
 * The seals of many meters for a sender or receiver of reads as numbers: each meter's prepared
 * key and its read's canonical bytes as SHA-256 words, side by side by the meter's index. `seal`
 * and `intact` give exactly `sealFields` and `fieldsIntact` (the same bytes, the same MAC, every
 * field covered, all 8 words compared); what they do differently is only how they get there.
 *
 * A read without a voltage of a meter whose id has at most 20 UTF-8 bytes (nine meters in ten
 * at evening-peak × 13: `meter:` and a connection point) is one SHA-256 block after the key's.
 * Its words 8–15 (the voltage flag 0, the id's length and bytes, 0x80, zeros and the bit length)
 * are the same for every read of the meter: they are built once, in the meter's row, and a read
 * only puts its four doubles before them as words 0–7 (their bytes in the platform's order, as
 * `encode` writes them, read back as big-endian words) for the two compressions
 * (`macBlockWith`). Any other read (a voltage, a longer id) is encoded to bytes as `sealFields`
 * does; the same MAC, one compression more per block.
 *
 * Reads sent together (every meter reads at the interval end) are sealed together:
 * `sealLater` queues a read and `flush` seals the queue, four reads at a time in a WebAssembly
 * SIMD module (sha256Simd.ts, generated by test/tools/genSha256Simd.ts; one-block reads, and
 * two-block ones for ids of 21 to 84 bytes, whose second block is also fixed per meter and
 * kept in the row). A receiver told a read in flight (`expect`) computes its MAC the same way
 * ahead and keeps it with the fields in the meter's row; `intact` uses it only for bit-identical
 * fields, so its verdict never depends on `expect`. Where WebAssembly SIMD is missing, or with
 * `fourLanes: false`, every MAC is computed one at a time (the same MACs).
 *
 * A sender's table and a receiver's table given the same key object for the same meter id (a
 * run's engine and its MDMS: `meterMacKey` once per meter) are twins for that meter: each row
 * keeps its last batched seal — the fields and the MAC computed over them — and the receiver's
 * `intact` over bit-identical fields (no voltage) compares the MAC it received with that one,
 * the MAC of this key over these bytes, instead of computing it a second time (`expect` then
 * computes nothing ahead for such a read). It is a memo of a pure function: the key's prepared
 * states are compared when the twins are linked, a field that differs in any bit (a read
 * tampered in transit) misses it and is computed from scratch, and the MAC received is compared
 * whatever it is; the verdicts are those of a check from scratch (test/comms/hmac.spec.ts).
 *
 * Per meter, 80 words (`ROW`): the inner and outer key states, the fixed words of its reads'
 * first block, the second block of two-block reads, the read computed ahead with its MAC (one
 * 64-byte line) and the last batched seal with its MAC. Sealing and checking read the row;
 * `expect` and `sealLater` write their lines of it.
 */
export class MeterSealTable {
  private rows: Int32Array;
  /** `rows` as doubles (the fields a MAC was computed ahead for: `expect`). */
  private rowDoubles: Float64Array;
  private aheadUsed = 0;
  /** The four-lane module's instance (its memory holds `rows` from `ROW_BASE` and the batch's entries below), or undefined: one read at a time. */
  private readonly lanes: FourLanes | undefined;
  /** The batch's entries as words and as doubles (views of the module's memory; remade when it grows). */
  private entryWords = new Int32Array(0);
  private entryDoubles = new Float64Array(0);
  /** Reads in the batch (`sealLater`), the array their MACs go to and where. */
  private pending = 0;
  private queued1 = 0;
  private queued2 = 0;
  private pendingOut: Int32Array | undefined;
  private readonly pendingAt = new Int32Array(2 * BATCH);

  /**
   * `fourLanes: false`: every MAC one at a time in JavaScript (the tests compare the two paths);
   * by default `sealLater` batches four-lane MACs where WebAssembly SIMD runs.
   */
  constructor(options: { readonly fourLanes?: boolean } = {}) {
    const module = options.fourLanes === false ? undefined : fourLaneModule();
    if (module === undefined) {
      this.lanes = undefined;
      this.rows = new Int32Array(ROW * 64);
      this.rowDoubles = new Float64Array(this.rows.buffer);
    } else {
      const exports = new wasm!.Instance(module).exports as unknown as FourLanes;
      this.lanes = exports;
      this.rows = new Int32Array(0);
      this.rowDoubles = new Float64Array(0);
      this.memoryFor(64);
    }
  }

  /** True when `sealLater` seals four reads at a time (WebAssembly SIMD runs here and the table was not made with `fourLanes: false`). */
  get fourLanes(): boolean {
    return this.lanes !== undefined;
  }

  /** Grows the module's memory to hold `meters` rows (their contents kept) and remakes the views. */
  private memoryFor(meters: number): void {
    const memory = this.lanes!.memory;
    const need = ROW_BASE + 4 * ROW * meters;
    const have = memory.buffer.byteLength;
    if (need > have) memory.grow(Math.ceil((need - have) / 65536));
    this.rows = new Int32Array(memory.buffer, ROW_BASE, ROW * meters);
    this.rowDoubles = new Float64Array(memory.buffer, ROW_BASE, (ROW * meters) / 2);
    this.entryWords = new Int32Array(memory.buffer, 0, (2 * BATCH * ENTRY_BYTES) / 4);
    this.entryDoubles = new Float64Array(memory.buffer, 0, (2 * BATCH * ENTRY_BYTES) / 8);
  }
  /** Per meter: 1 or 2 when its reads without a voltage are one or two blocks (`rows` holds their fixed words), else 0. */
  private blocks = new Uint8Array(64);
  /** Per meter: its id's length (2 bytes, big-endian) and UTF-8 bytes, from `idStart`. */
  private idBytes = new Uint8Array(1 << 14);
  private idUsed = 0;
  private idStart = new Int32Array(64);
  private readonly ids: string[] = [];
  /**
   * Per meter: the table and meter index that sealed with the same key (`firstRowOf`), or
   * undefined. Its row's last batched seal — the fields and the MAC it computed over them — is a
   * memo `intact` and `expect` consult: the MAC of this key over these fields, computed once.
   */
  private readonly twins: (MeterSealTable | undefined)[] = [];
  private twinIndex = new Int32Array(64);
  private sealUsed = 0;

  /** Adds meter `meterId` with its key; returns its index. */
  add(meterId: string, key: Uint8Array): number {
    const id = utf8.encode(meterId);
    if (id.length > 0xffff) throw new RangeError(`meter id longer than 65535 bytes: ${meterId.slice(0, 40)}…`);
    const need = this.idUsed + 2 + id.length;
    if (need > this.idBytes.length) {
      const grown = new Uint8Array(Math.max(need, 2 * this.idBytes.length));
      grown.set(this.idBytes.subarray(0, this.idUsed));
      this.idBytes = grown;
    }
    const index = this.ids.length;
    if (index >= this.idStart.length) {
      // MACs batched for the rows being moved go there first.
      this.flush();
      const n = 2 * this.idStart.length;
      this.idStart = grown(this.idStart, n);
      if (this.lanes === undefined) {
        this.rows = grown(this.rows, ROW * n);
        this.rowDoubles = new Float64Array(this.rows.buffer);
      } else this.memoryFor(n);
      this.blocks = grown(this.blocks, n);
      this.twinIndex = grown(this.twinIndex, n);
    }
    prepareKey(key, this.rows, ROW * index);
    // No MAC computed ahead yet (NaN matches no field).
    this.rowDoubles[(ROW * index + AHEAD) >> 1] = Number.NaN;
    this.rowDoubles[(ROW * index + SEALED) >> 1] = Number.NaN;
    this.idStart[index] = this.idUsed;
    this.idBytes[this.idUsed] = id.length >>> 8;
    this.idBytes[this.idUsed + 1] = id.length & 0xff;
    this.idBytes.set(id, this.idUsed + 2);
    this.idUsed = need;
    this.ids.push(meterId);
    // A read without a voltage: 32 bytes of numbers (zeros here: each read writes its own), the flag 0, the id's length and bytes.
    const length = 35 + id.length;
    if (length <= ONE_BLOCK_MESSAGE_MAX) {
      const message = new Uint8Array(length);
      message[33] = id.length >>> 8;
      message[34] = id.length & 0xff;
      message.set(id, 35);
      innerBlockWords(message, length, block, 0);
      for (let i = 8; i < 16; i++) this.rows[ROW * index + 8 + i] = block[i]!;
      this.blocks[index] = 1;
    } else if (length <= ONE_BLOCK_MESSAGE_MAX + 64) {
      // Two blocks (a read of a meter id of 21 to 84 bytes): the first block's words 8–15 and the
      // second block are the same for every read of the meter; the module computes these reads.
      const b = new Uint8Array(128);
      b[33] = id.length >>> 8;
      b[34] = id.length & 0xff;
      b.set(id, 35);
      b[length] = 0x80;
      const bits = (64 + length) * 8;
      b[126] = bits >>> 8;
      b[127] = bits & 0xff;
      const v = new DataView(b.buffer);
      for (let i = 8; i < 16; i++) this.rows[ROW * index + 8 + i] = v.getInt32(4 * i);
      for (let i = 0; i < 16; i++) this.rows[ROW * index + BLOCK2 + i] = v.getInt32(64 + 4 * i);
      this.blocks[index] = this.lanes === undefined ? 0 : 2;
    }
    this.twins.push(undefined);
    const first = firstRowOf.get(key);
    if (first === undefined) firstRowOf.set(key, { table: this, index });
    else if (first.table !== this && first.table.ids[first.index] === meterId && sameStates(first.table.rows, ROW * first.index, this.rows, ROW * index)) {
      // The same key for the same meter (its states compared, in case the key's bytes changed in between): each other's seals are MACs this table would compute.
      this.twins[index] = first.table;
      this.twinIndex[index] = first.index;
      if (first.table.twins[first.index] === undefined) {
        first.table.twins[first.index] = this;
        first.table.twinIndex[first.index] = index;
      }
    }
    return index;
  }

  /** The id of the meter at `index`. */
  meterId(index: number): string {
    return this.ids[index]!;
  }

  /** `sealFields` for the meter at `index`. */
  seal(index: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number, mac: Int32Array, offset: number): void {
    const row = this.row(index);
    // NaN voltage: the read has none.
    if (voltagePu !== voltagePu && this.blocks[index] === 1) {
      readBlock(this.rows, row, intervalStartMs, intervalMs, importKwh, exportKwh);
      macBlockWith(this.rows, row, block, 0, mac, offset);
      return;
    }
    // The length first: encoding may replace the scratch buffer.
    const n = this.encode(index, intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu);
    macBytesWith(this.rows, row, bytes, n, mac, offset);
  }

  /**
   * `seal`, batched: the MAC goes to `mac[offset, offset + 8)` at the latest by the next `flush`
   * (sooner when the batch fills, or when a read for another `mac` array is queued). Reads
   * without a voltage of a one-block meter wait in the batch and are sealed four at a time by
   * the WebAssembly module (the remainder of a batch one at a time); any other read is sealed
   * here and now. The MACs are `seal`'s, bit for bit.
   */
  sealLater(index: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number, mac: Int32Array, offset: number): void {
    const row = this.row(index);
    const blocks = this.blocks[index]!;
    if (this.lanes === undefined || voltagePu === voltagePu || blocks === 0) {
      this.seal(index, intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu, mac, offset);
      return;
    }
    if (this.pending > 0 && mac !== this.pendingOut) this.flush();
    // One-block reads in entries [0, BATCH), two-block reads in [BATCH, 2 BATCH).
    const k = blocks === 1 ? this.queued1++ : BATCH + this.queued2++;
    const d = this.entryDoubles;
    const e = (ENTRY_BYTES / 8) * k;
    d[e] = intervalStartMs;
    d[e + 1] = intervalMs;
    d[e + 2] = importKwh;
    d[e + 3] = exportKwh;
    this.entryWords[(ENTRY_BYTES / 4) * k + 8] = ROW_BASE + 4 * row;
    // The fields of the row's last seal (its MAC follows at the flush: `sealQueued`).
    const s = this.rowDoubles;
    const f = (row + SEALED) >> 1;
    s[f] = intervalStartMs;
    s[f + 1] = intervalMs;
    s[f + 2] = importKwh;
    s[f + 3] = exportKwh;
    this.pendingAt[k] = offset;
    this.pendingOut = mac;
    this.pending++;
    if (this.queued1 === BATCH || this.queued2 === BATCH) this.flush();
  }

  /** Seals every read `sealLater` is holding: their MACs are in place when this returns. */
  flush(): void {
    if (this.pending === 0) return;
    const out = this.pendingOut!;
    const n1 = this.queued1;
    const n2 = this.queued2;
    this.pending = this.queued1 = this.queued2 = 0;
    this.pendingOut = undefined;
    if (n1 > 0) this.sealQueued(out, 0, n1, 1);
    if (n2 > 0) this.sealQueued(out, BATCH, n2, 2);
  }

  /** The MACs of entries [from, from + n) (reads of `blocks` blocks) into `out`: four at a time in the module, the last one to three one at a time. */
  private sealQueued(out: Int32Array, from: number, n: number, blocks: number): void {
    const groups = n >> 2;
    if (groups > 0) {
      if (blocks === 1) this.lanes!.macs(from * ENTRY_BYTES, groups);
      else this.lanes!.macs2(from * ENTRY_BYTES, groups);
    }
    const w = this.entryWords;
    const at = this.pendingAt;
    const E = ENTRY_BYTES / 4;
    for (let k = from; k < from + 4 * groups; k++) {
      const o = at[k]!;
      const e = E * k;
      out[o] = w[e]!;
      out[o + 1] = w[e + 1]!;
      out[o + 2] = w[e + 2]!;
      out[o + 3] = w[e + 3]!;
      out[o + 4] = w[e + 4]!;
      out[o + 5] = w[e + 5]!;
      out[o + 6] = w[e + 6]!;
      out[o + 7] = w[e + 7]!;
    }
    // The last one to three reads one at a time (their entries still hold their numbers).
    const d = this.entryDoubles;
    for (let k = from + 4 * groups; k < from + n; k++) {
      const row = (w[E * k + 8]! - ROW_BASE) >> 2;
      const e = (ENTRY_BYTES / 8) * k;
      this.seal(row / ROW, d[e]!, d[e + 1]!, d[e + 2]!, d[e + 3]!, Number.NaN, out, at[k]!);
    }
    // Each row's last seal: its MAC beside its fields (in queue order, so a meter queued twice keeps its last).
    const rows = this.rows;
    for (let k = from; k < from + n; k++) {
      const m = ((w[E * k + 8]! - ROW_BASE) >> 2) + SEALED + 8;
      const o = at[k]!;
      for (let i = 0; i < 8; i++) rows[m + i] = out[o + i]!;
    }
  }

  /**
   * A read that will be checked (`intact`) with exactly these fields, its MAC computed now
   * (batched with `sealLater`, four at a time) and kept in the meter's row with the fields: the
   * receiver of reads in flight whose bytes are final computes ahead, in one batch, the MACs it
   * will compare on delivery. It decides nothing: `intact` uses the MAC only if the fields it is
   * given are bit for bit these (else it computes from scratch), so its verdicts are the same
   * with or without this call. One read per meter is kept (the last one asked); a read with a
   * voltage or of a meter whose reads take more than one block is not computed ahead.
   */
  expect(index: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number): void {
    const row = this.row(index);
    if (this.lanes === undefined || voltagePu === voltagePu || this.blocks[index] === 0) return;
    // The sealer's MAC over exactly these fields is at hand to `intact`: nothing to compute.
    if (this.twinSealed(index, intervalStartMs, intervalMs, importKwh, exportKwh) >= 0) return;
    const d = this.rowDoubles;
    const f = (row + AHEAD) >> 1;
    d[f] = intervalStartMs;
    d[f + 1] = intervalMs;
    d[f + 2] = importKwh;
    d[f + 3] = exportKwh;
    this.sealLater(index, intervalStartMs, intervalMs, importKwh, exportKwh, Number.NaN, this.rows, row + AHEAD + 8);
  }

  /** How many `intact` checks used a MAC computed ahead (`expect`), for tests and profiles. */
  get checkedAhead(): number {
    return this.aheadUsed;
  }

  /**
   * `fieldsIntact` for the meter at `index`: the MAC over these fields under the meter's key (the
   * one computed ahead by `expect` when these fields are bit for bit the ones it was computed
   * for), compared with `mac[offset, offset + 8)`, all 8 words whatever differs.
   */
  intact(index: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number, mac: Int32Array, offset: number): boolean {
    const row = this.row(index);
    if (voltagePu !== voltagePu) {
      const t = this.twinSealed(index, intervalStartMs, intervalMs, importKwh, exportKwh);
      if (t >= 0) {
        const twin = this.twins[index]!;
        // The twin's batch may hold this seal's MAC still.
        if (twin.pending > 0) twin.flush();
        this.sealUsed++;
        return sameMac(twin.rows, t + SEALED + 8, mac, offset);
      }
      // `expect` keeps fields only for reads without a voltage.
      const d = this.rowDoubles;
      const f = (row + AHEAD) >> 1;
      if (sameBits(d[f]!, intervalStartMs) && sameBits(d[f + 1]!, intervalMs) && sameBits(d[f + 2]!, importKwh) && sameBits(d[f + 3]!, exportKwh)) {
        if (this.pending > 0) this.flush();
        this.aheadUsed++;
        return sameMac(this.rows, row + AHEAD + 8, mac, offset);
      }
    }
    if (voltagePu !== voltagePu && this.blocks[index] === 1) {
      readBlock(this.rows, row, intervalStartMs, intervalMs, importKwh, exportKwh);
      return blockIntactWith(this.rows, row, block, 0, mac, offset);
    }
    const n = this.encode(index, intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu);
    macBytesWith(this.rows, row, bytes, n, words, 0);
    return sameMac(words, 0, mac, offset);
  }

  /** How many `intact` checks used the MAC of a seal by a table with the same key (`twins`), for tests and profiles. */
  get checkedWithSeal(): number {
    return this.sealUsed;
  }

  /**
   * Where the twin's row of the meter at `index` starts in the twin's `rows` when its last seal
   * was over exactly these fields (bit for bit, without a voltage), else −1.
   */
  private twinSealed(index: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number): number {
    const twin = this.twins[index];
    if (twin === undefined) return -1;
    const t = ROW * this.twinIndex[index]!;
    const d = twin.rowDoubles;
    const f = (t + SEALED) >> 1;
    return sameBits(d[f]!, intervalStartMs) && sameBits(d[f + 1]!, intervalMs) && sameBits(d[f + 2]!, importKwh) && sameBits(d[f + 3]!, exportKwh) ? t : -1;
  }

  /** Where the meter at `index` starts in `rows`; a RangeError for a meter not added. */
  private row(index: number): number {
    if (!(index >= 0 && index < this.ids.length)) throw new RangeError(`no meter at index ${index} (${this.ids.length} meters)`);
    return ROW * index;
  }

  /** `encodeFields` with the id's bytes copied from the table; returns the length. */
  private encode(index: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number): number {
    const src = this.idBytes;
    const from = this.idStart[index]!;
    const idLength = (src[from]! << 8) | src[from + 1]!;
    // NaN voltage: the read has none.
    let at = encodeNumbers(43 + idLength, intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu === voltagePu, voltagePu);
    const b = bytes;
    const end = from + 2 + idLength;
    for (let k = from; k < end; k++) b[at++] = src[k]!;
    return at;
  }
}

/**
 * Words per meter in `MeterSealTable`: the key's two states (16), its reads' fixed block words
 * 8–15 (8), at `BLOCK2` the second block of a two-block read (16), 8 unused, then at `AHEAD` (a
 * 64-byte line of its own) the fields of the read `expect` computed a MAC for (4 doubles) and
 * that MAC (8 words), and at `SEALED` the fields of the row's last batched seal and its MAC.
 */
const ROW = 80;
const BLOCK2 = 24;
const AHEAD = 48;
const SEALED = 64;

/** True when the key states (inner and outer, 16 words) at `a[i]` and `b[j]` are the same. */
function sameStates(a: Int32Array, i: number, b: Int32Array, j: number): boolean {
  for (let k = 0; k < 16; k++) if (a[i + k] !== b[j + k]) return false;
  return true;
}

/** True when two numbers have the same 8 bytes: equal and, for zeros, of the same sign (NaN: never, so a NaN field is checked from scratch). */
/** The 8 MAC words at `a[at, at + 8)` equal those at `mac[offset, offset + 8)`, all compared whatever differs (constant time). */
function sameMac(a: Int32Array, at: number, mac: Int32Array, offset: number): boolean {
  let diff = 0;
  for (let i = 0; i < 8; i++) diff |= a[at + i]! ^ mac[offset + i]!;
  return diff === 0;
}

const sameBits = (a: number, b: number): boolean => a === b && (a !== 0 || 1 / a === 1 / b);
/** One-block reads in a `sealLater` batch (and as many two-block ones), and where the rows start in the module's memory (after the batch's entries). */
const BATCH = 512;
const ROW_BASE = 65536;

/** The exports of the four-lane module (test/tools/genSha256Simd.ts explains its memory layout). */
interface FourLanes {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  macs(ptr: number, groups: number): void;
  macs2(ptr: number, groups: number): void;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null | undefined;

/**
 * The four-lane module, compiled once; undefined where WebAssembly or its SIMD is missing, or on
 * a big-endian platform (the rows are written through typed arrays in the platform's order and
 * read by the module as little-endian words).
 */
function fourLaneModule(): object | undefined {
  if (compiled === undefined) {
    const bytes = Buffer.from(SHA256_SIMD_BASE64, 'base64');
    compiled = wasm !== undefined && endianness() === 'LE' && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled ?? undefined;
}

// A read's block: its numbers (words 0–7), then its meter's fixed words (8–15).
const block = new Int32Array(16);
// The four doubles of a read in the platform's byte order (as `encodeNumbers` writes them), read back as big-endian words.
const numberBuffer = new ArrayBuffer(32);
const numberDoubles = new Float64Array(numberBuffer);
const numberView = new DataView(numberBuffer);

/**
 * The one-block read of the meter at `rows[row]` into `block`: the read's first 32 canonical
 * bytes (`encodeNumbers`) as 8 big-endian words, then the meter's fixed words.
 */
function readBlock(rows: Int32Array, row: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number): void {
  numberDoubles[0] = intervalStartMs;
  numberDoubles[1] = intervalMs;
  numberDoubles[2] = importKwh;
  numberDoubles[3] = exportKwh;
  const v = numberView;
  const b = block;
  b[0] = v.getInt32(0);
  b[1] = v.getInt32(4);
  b[2] = v.getInt32(8);
  b[3] = v.getInt32(12);
  b[4] = v.getInt32(16);
  b[5] = v.getInt32(20);
  b[6] = v.getInt32(24);
  b[7] = v.getInt32(28);
  for (let i = 8; i < 16; i++) b[i] = rows[row + 8 + i]!;
}
