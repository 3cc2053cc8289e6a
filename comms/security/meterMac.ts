/**
 * Integrity of meter reads in transit: the meter appends an HMAC-SHA256 over the
 * canonical bytes of the read, keyed with the key it shares with the head-end
 * (`meterMacKey`). The head-end recomputes it; any change to any field — or a read
 * sealed with another meter's key — fails. The comparison reads every digit whatever
 * differs (constant time).
 *
 * The canonical bytes are a compact binary encoding, so that a read of a typical meter id
 * (up to 20 bytes) fits one SHA-256 block: the meter id's UTF-8 length (2 bytes, big-endian)
 * and bytes, then `intervalStartMs`, `intervalMs`, `importKwh`, `exportKwh` as IEEE-754
 * doubles (big-endian), then 1 and `voltagePu` as a double when the read has a voltage, else
 * 0 (so an absent voltage cannot be confused with any value). Every read of a run is sealed
 * and checked once, so both run on a key prepared once per meter (`HmacSha256Key`).
 */
import type { MeterRead } from '../../metering/meter.ts';
import { HmacSha256Key } from './hmacSha256.ts';

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

let bytes = new Uint8Array(128);
let view = new DataView(bytes.buffer);
const utf8 = new TextEncoder();

/** Writes the read's canonical bytes into the scratch buffer; returns their length. */
function encode(r: MeterRead): number {
  const id = r.meterId;
  // UTF-8 is at most 3 bytes per UTF-16 unit; 2 + 5 × 8 + 1 bytes of the rest.
  const need = 2 + 3 * id.length + 41;
  if (need > bytes.length) {
    bytes = new Uint8Array(need);
    view = new DataView(bytes.buffer);
  }
  let n = 0;
  let ascii = true;
  for (let k = 0; k < id.length; k++) {
    const c = id.charCodeAt(k);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    bytes[2 + k] = c;
  }
  n = ascii ? id.length : utf8.encodeInto(id, bytes.subarray(2)).written;
  if (n > 0xffff) throw new RangeError(`meter id longer than 65535 bytes: ${id.slice(0, 40)}…`);
  view.setUint16(0, n);
  let at = 2 + n;
  view.setFloat64(at, r.intervalStartMs);
  view.setFloat64(at + 8, r.intervalMs);
  view.setFloat64(at + 16, r.importKwh);
  view.setFloat64(at + 24, r.exportKwh);
  at += 32;
  if (r.voltagePu === undefined) bytes[at++] = 0;
  else {
    bytes[at++] = 1;
    view.setFloat64(at, r.voltagePu);
    at += 8;
  }
  return at;
}

const words = new Int32Array(8);
const digest = Buffer.alloc(32);

/** The read with its MAC. */
export function sealRead(r: MeterRead, key: Uint8Array): SealedRead {
  const n = encode(r);
  keyOf(key).macWords(bytes, n, words);
  for (let i = 0; i < 8; i++) digest.writeInt32BE(words[i]!, 4 * i);
  return { ...r, mac: digest.toString('hex') };
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
