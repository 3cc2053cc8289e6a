/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) with the key's padded blocks hashed once per key,
 * for the one MAC computed millions of times in a run: every meter read is sealed by its
 * meter and checked by the MDMS. `node:crypto` gives the same bytes (the tests check it
 * against `createHmac` on random keys and messages, and against RFC 4231's vectors), but
 * each `createHmac` call builds a key object and a native hash object: about 2 µs of CPU per
 * MAC on this machine, five times the arithmetic. Here a short read (one 64-byte block) costs
 * two compressions and no allocation. The compression (sha256Compress.ts, generated) takes 16
 * big-endian words; a sender of fixed-layout messages keeps its padded block as words and
 * rewrites only the words that change (`innerBlockWords`, `macBlockWith`: a meter read's seal,
 * comms/security/meterMac.ts `MeterSealTable`), so no byte is packed into a word per MAC.
 *
 * This is the plain construction H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), nothing of our own; keys
 * longer than a block are hashed first, as the RFC says. Constant time in the message
 * length only (a simulation's MACs, not a side-channel-hardened primitive).
 */
import { createHash } from 'node:crypto';
import { compress } from './sha256Compress.ts';

const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK = 64;
/** The longest message whose inner hash is one block after the key's (55 bytes + 0x80 + 8 length bytes = 64). */
export const ONE_BLOCK_MESSAGE_MAX = BLOCK - 9;

// Scratch shared by every key: a block as words; the outer hash's block: the inner digest, then
// the padding of the 96 bytes hashed (key block and digest): 0x80, zeros, the bit length 768.
const blockWords = new Int32Array(16);
const outerBlock = new Int32Array(16);
outerBlock[8] = 0x80000000 | 0;
outerBlock[15] = 768;
const check = new Int32Array(8);

/** Compresses the 64-byte block at `bytes[offset]` (big-endian words) from `state[s]` into `out[t]`. */
function compressBytes(state: Int32Array, s: number, bytes: Uint8Array, offset: number, out: Int32Array, t: number): void {
  const w = blockWords;
  for (let i = 0; i < 16; i++) {
    const j = offset + 4 * i;
    w[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
  compress(state, s, w, 0, out, t);
}

/**
 * The inner and outer states of `key` (its padded blocks compressed) into `states[at, at + 16)`:
 * the layout every `…With` function below reads.
 */
export function prepareKey(key: Uint8Array, states: Int32Array, at: number): void {
  const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
  const pad = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) pad[i] = (k[i] ?? 0) ^ 0x36;
  compressBytes(IV, 0, pad, 0, states, at);
  for (let i = 0; i < BLOCK; i++) pad[i] = (k[i] ?? 0) ^ 0x5c;
  compressBytes(IV, 0, pad, 0, states, at + 8);
}

// The inner hash's padded message bytes (grown for long messages).
let scratch = new Uint8Array(4 * BLOCK);

/**
 * The MAC of `message[0, length)` under the key prepared at `states[at]` (`prepareKey`), as 8
 * big-endian words into `out[o, o + 8)` (the digest's bytes in order).
 */
export function macBytesWith(states: Int32Array, at: number, message: Uint8Array, length: number, out: Int32Array, o: number): void {
  // Inner hash: the key block is done; the message, 0x80, zeros, the bit length of (block + message).
  const blocks = (length + 9 + BLOCK - 1) >> 6;
  const n = blocks * BLOCK;
  if (n > scratch.length) scratch = new Uint8Array(n);
  const buf = scratch;
  for (let i = 0; i < length; i++) buf[i] = message[i]!;
  buf[length] = 0x80;
  for (let i = length + 1; i < n - 8; i++) buf[i] = 0;
  const bits = (BLOCK + length) * 8;
  // Bit lengths below 2^53: the high word is bits / 2^32, the low word bits mod 2^32.
  const hi = Math.floor(bits / 0x1_0000_0000);
  buf[n - 8] = hi >>> 24;
  buf[n - 7] = hi >>> 16;
  buf[n - 6] = hi >>> 8;
  buf[n - 5] = hi;
  buf[n - 4] = bits >>> 24;
  buf[n - 3] = bits >>> 16;
  buf[n - 2] = bits >>> 8;
  buf[n - 1] = bits;
  compressBytes(states, at, buf, 0, outerBlock, 0);
  for (let k = 1; k < blocks; k++) compressBytes(outerBlock, 0, buf, k * BLOCK, outerBlock, 0);
  // Outer hash over the 32-byte inner digest: one block.
  compress(states, at + 8, outerBlock, 0, out, o);
}

/**
 * The inner hash's one block for a message of at most `ONE_BLOCK_MESSAGE_MAX` bytes, as 16
 * big-endian words into `out[o, o + 16)`: the message, 0x80, zeros, and the bit length of the key
 * block and the message. A sender of fixed-layout messages builds it once and rewrites only the
 * words that change (`macBlockWith`). Throws a RangeError for a longer message.
 */
export function innerBlockWords(message: Uint8Array, length: number, out: Int32Array, o: number): void {
  if (!(length >= 0 && length <= ONE_BLOCK_MESSAGE_MAX)) throw new RangeError(`a one-block message has 0 to ${ONE_BLOCK_MESSAGE_MAX} bytes, not ${length}`);
  const b = new Uint8Array(BLOCK);
  b.set(message.subarray(0, length));
  b[length] = 0x80;
  const bits = (BLOCK + length) * 8;
  b[62] = bits >>> 8;
  b[63] = bits & 0xff;
  for (let i = 0; i < 16; i++) out[o + i] = (b[4 * i]! << 24) | (b[4 * i + 1]! << 16) | (b[4 * i + 2]! << 8) | b[4 * i + 3]!;
}

/**
 * The MAC of the one-block message whose inner block (`innerBlockWords`) is `block[b, b + 16)`,
 * under the key prepared at `states[at]`, as 8 big-endian words into `out[o, o + 8)`: two
 * compressions, no byte handling.
 */
export function macBlockWith(states: Int32Array, at: number, block: Int32Array, b: number, out: Int32Array, o: number): void {
  compress(states, at, block, b, outerBlock, 0);
  compress(states, at + 8, outerBlock, 0, out, o);
}

/**
 * True when `mac[o, o + 8)` is the MAC `macBlockWith` gives: all 8 words compared whatever
 * differs (constant time), nothing written outside this module's scratch.
 */
export function blockIntactWith(states: Int32Array, at: number, block: Int32Array, b: number, mac: Int32Array, o: number): boolean {
  compress(states, at, block, b, outerBlock, 0);
  compress(states, at + 8, outerBlock, 0, check, 0);
  let diff = 0;
  for (let i = 0; i < 8; i++) diff |= check[i]! ^ mac[o + i]!;
  return diff === 0;
}

/** An HMAC-SHA256 key with its inner and outer padded blocks already compressed. */
export class HmacSha256Key {
  private readonly states = new Int32Array(16);

  constructor(key: Uint8Array) {
    prepareKey(key, this.states, 0);
  }

  /** The MAC of `message[0, length)` as 8 big-endian words in `out` (the digest's bytes in order). */
  macWords(message: Uint8Array, length: number, out: Int32Array): void {
    macBytesWith(this.states, 0, message, length, out, 0);
  }

  /** `macBlockWith` under this key: the MAC of the one-block message whose inner block is `block[b, b + 16)`, into `out[o, o + 8)`. */
  macBlock(block: Int32Array, b: number, out: Int32Array, o: number): void {
    macBlockWith(this.states, 0, block, b, out, o);
  }

  /** `blockIntactWith` under this key. */
  blockIntact(block: Int32Array, b: number, mac: Int32Array, o: number): boolean {
    return blockIntactWith(this.states, 0, block, b, mac, o);
  }
}

/** HMAC-SHA256 of `message` under `key`, as 32 bytes (a convenience over `HmacSha256Key`). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const words = new Int32Array(8);
  new HmacSha256Key(key).macWords(message, message.length, words);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[4 * i] = words[i]! >>> 24;
    out[4 * i + 1] = words[i]! >>> 16;
    out[4 * i + 2] = words[i]! >>> 8;
    out[4 * i + 3] = words[i]!;
  }
  return out;
}
