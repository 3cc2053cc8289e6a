/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) with the key's padded blocks hashed once per key,
 * for the one MAC computed millions of times in a run: every meter read is sealed by its
 * meter and checked by the MDMS. `node:crypto` gives the same bytes (the tests check it
 * against `createHmac` on random keys and messages, and against RFC 4231's vectors), but
 * each `createHmac` call builds a key object and a native hash object: about 2 µs of CPU per
 * MAC on this machine, three times the arithmetic. Here a short read (one 64-byte block) costs
 * two compressions and no allocation.
 *
 * This is the plain construction H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), nothing of our own; keys
 * longer than a block are hashed first, as the RFC says. Constant time in the message
 * length only (a simulation's MACs, not a side-channel-hardened primitive).
 */
import { createHash } from 'node:crypto';

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK = 64;
const W = new Int32Array(64);

/** One SHA-256 compression of the 64-byte block at `block[offset]` into `state` (8 words). */
function compress(state: Int32Array, block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + 4 * i;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

// Scratch shared by every key: the message blocks, the running state, the inner digest block.
let scratch = new Uint8Array(4 * BLOCK);
const state = new Int32Array(8);
const outerBlock = new Uint8Array(BLOCK);
outerBlock[32] = 0x80;
outerBlock[62] = 0x03;

/** The inner and outer states of `key` (its padded blocks compressed) into `states[at, at + 16)`. */
function prepare(key: Uint8Array, states: Int32Array, at: number): void {
  const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
  const pad = new Uint8Array(BLOCK);
  const inner = new Int32Array(IV);
  const outer = new Int32Array(IV);
  for (let i = 0; i < BLOCK; i++) pad[i] = (k[i] ?? 0) ^ 0x36;
  compress(inner, pad, 0);
  for (let i = 0; i < BLOCK; i++) pad[i] = (k[i] ?? 0) ^ 0x5c;
  compress(outer, pad, 0);
  for (let i = 0; i < 8; i++) {
    states[at + i] = inner[i]!;
    states[at + 8 + i] = outer[i]!;
  }
}

/** The MAC of `message[0, length)` under the key prepared at `states[at]`, as 8 big-endian words in `out` (the digest's bytes in order). */
function macWordsWith(states: Int32Array, at: number, message: Uint8Array, length: number, out: Int32Array): void {
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
  // Word by word: `TypedArray.set` costs a builtin call far above 8 copies (1.7 s of a 10,000-meter day).
  for (let i = 0; i < 8; i++) state[i] = states[at + i]!;
  for (let k = 0; k < blocks; k++) compress(state, buf, k * BLOCK);
  // Outer hash over the 32-byte inner digest: one block (digest, 0x80, zeros, 768 bits).
  const ob = outerBlock;
  for (let i = 0; i < 8; i++) {
    const w = state[i]!;
    ob[4 * i] = w >>> 24;
    ob[4 * i + 1] = w >>> 16;
    ob[4 * i + 2] = w >>> 8;
    ob[4 * i + 3] = w;
  }
  // Bytes 32–63 never change: 0x80, zeros, the bit length (64 + 32) × 8 = 768 = 0x0300.
  for (let i = 0; i < 8; i++) out[i] = states[at + 8 + i]!;
  compress(out, ob, 0);
}

/** An HMAC-SHA256 key with its inner and outer padded blocks already compressed. */
export class HmacSha256Key {
  private readonly states = new Int32Array(16);

  constructor(key: Uint8Array) {
    prepare(key, this.states, 0);
  }

  /** The MAC of `message[0, length)` as 8 big-endian words in `out` (the digest's bytes in order). */
  macWords(message: Uint8Array, length: number, out: Int32Array): void {
    macWordsWith(this.states, 0, message, length, out);
  }
}

/**
 * Many prepared keys side by side in one typed array (16 words each: 64 bytes, one cache
 * line), addressed by their index: a head-end checks reads of 10,000 meters in the order they
 * arrive, and a key object per meter (an object and its arrays apart in the heap) cost more
 * in cache misses than the arithmetic of the MAC.
 */
export class HmacSha256KeyTable {
  private states = new Int32Array(16 * 64);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Prepares `key`; returns its index. */
  add(key: Uint8Array): number {
    if (16 * (this.count + 1) > this.states.length) {
      const grown = new Int32Array(2 * this.states.length);
      grown.set(this.states);
      this.states = grown;
    }
    prepare(key, this.states, 16 * this.count);
    return this.count++;
  }

  /** `HmacSha256Key.macWords` with the key at `index`. */
  macWords(index: number, message: Uint8Array, length: number, out: Int32Array): void {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`no key at index ${index} (${this.count} keys)`);
    macWordsWith(this.states, 16 * index, message, length, out);
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
