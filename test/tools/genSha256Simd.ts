/**
 * Writes comms/security/sha256Simd.ts: a WebAssembly module (SIMD, i32x4) that computes four
 * HMAC-SHA256s of meter reads at once — four independent SHA-256 compressions side by side,
 * lane j of every 128-bit vector belonging to the j-th read — for the seal and the check of
 * every meter read (comms/security/meterMac.ts `MeterSealTable`). The module's bytes are
 * emitted here directly (no assembler dependency) and committed as base64:
 *   node --import tsx test/tools/genSha256Simd.ts          (writes the file)
 * test/comms/hmac.spec.ts checks the file is this generator's output, so the two never drift.
 *
 * Memory (exported, grown by its owner): a batch of read entries of 48 bytes from `ptr`, and each
 * meter's row (the table's layout) wherever its entry says:
 *   entry [0, 32)   the read's four doubles (the first 32 canonical bytes); written back: its MAC, 8 words
 *   entry [32, 36)  the byte offset of its meter's row
 *   row [0, 32)     the key's inner state, 8 words;  row [32, 64) the outer state
 *   row [64, 96)    the read's block words 8–15, the same for every read of the meter
 *   row [96, 160)   for `macs2`: the second block's 16 words, the same for every read of the meter
 * `macs(ptr, groups)` and `macs2(ptr, groups)` take `groups` groups of 4 entries (reads whose
 * inner hash is one block after the key's, or two): for each group, the four rows' words and the
 * entries' doubles (each 4-byte word byte-reversed: big-endian words of the little-endian
 * doubles) are transposed into lanes (8 shuffles per 4 × 4 words), inner = compress(innerState,
 * block, [block 2]), mac = compress(outerState, inner ‖ 0x80000000, 0 × 6, 768) — HMAC's outer
 * hash over the 32-byte inner digest after the key's block, as hmacSha256.ts `macBlockWith`
 * computes it one read at a time — and the MACs are transposed back into the entries.
 *
 * The rounds are the scalar generator's (test/tools/genSha256Compress.ts): the working variables
 * renamed from round to round, the schedule in 16 locals overwritten in place, Maj(a, b, c) as
 * bitselect(a, b, b ^ c) with b ^ c kept from the previous round, Ch(e, f, g) as bitselect(f, g, e).
 * WebAssembly SIMD has no rotate: each is two shifts and an or.
 *
 * Measured (CPU, 1M MACs, load ~12): one-block MACs 405–470 ns each in the scalar JavaScript
 * (two `compress` calls), 190–205 ns in the module's rounds alone, 220–250 ns with the entries
 * written and the MACs read back from JavaScript: 1.9–2.5× per MAC.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/** Bytes of a read's entry (see the header). */
export const ENTRY_BYTES = 48;

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A section: its id, its size, its contents. */
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// Opcodes (WebAssembly core 2.0, SIMD under the 0xfd prefix).
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const V128_CONST = 0x0c;
const V128_OR = 0x50;
const V128_XOR = 0x51;
const V128_BITSELECT = 0x52;
const I32X4_SHL = 0xab;
const I32X4_SHR_U = 0xad;
const I32X4_ADD = 0xae;
const I8X16_SHUFFLE = 0x0d;

/** The function body's code, as a stack program over locals: params 0 (ptr), 1 (groups); i32 locals 2–5, v128 locals from 6. */
class Code {
  readonly bytes: number[] = [];
  private nextLocal = 6;
  readonly v128Locals: number[] = [];

  local(): number {
    const l = this.nextLocal++;
    this.v128Locals.push(l);
    return l;
  }
  get(l: number): this {
    this.bytes.push(0x20, ...uleb(l));
    return this;
  }
  set(l: number): this {
    this.bytes.push(0x21, ...uleb(l));
    return this;
  }
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  /** A vector of four copies of the 32-bit constant `k`. */
  splat(k: number): this {
    const b: number[] = [];
    for (let j = 0; j < 4; j++) b.push(k & 0xff, (k >>> 8) & 0xff, (k >>> 16) & 0xff, (k >>> 24) & 0xff);
    return this.op(...simd(V128_CONST), ...b);
  }
  /** v128.load of the vector at ptr + offset (16-byte aligned). */
  load(offset: number): this {
    return this.get(0).op(...simd(V128_LOAD), 4, ...uleb(offset));
  }
  /** v128.store of the top of the stack at ptr + offset: the caller pushes ptr first, then the value. */
  store(offset: number): this {
    return this.op(...simd(V128_STORE), 4, ...uleb(offset));
  }
  shift(op: number, n: number): this {
    return this.op(0x41, ...sleb(n), ...simd(op));
  }
  /** Pushes rotr(x, n): (x >>> n) | (x << (32 − n)). */
  rotr(x: number, n: number): this {
    return this.get(x).shift(I32X4_SHR_U, n).get(x).shift(I32X4_SHL, 32 - n).op(...simd(V128_OR));
  }
  /** Pushes rotr(x, p) ^ rotr(x, q) ^ (r < 0 ? rotr(x, −r) : x >>> r). */
  sigma(x: number, p: number, q: number, r: number): this {
    this.rotr(x, p).rotr(x, q).op(...simd(V128_XOR));
    if (r < 0) this.rotr(x, -r);
    else this.get(x).shift(I32X4_SHR_U, r);
    return this.op(...simd(V128_XOR));
  }
  add(): this {
    return this.op(...simd(I32X4_ADD));
  }
}

/**
 * One compression, unrolled: the state from `state` (8 locals, read), the message in `w` (16
 * locals, overwritten); the result state (state + working variables) is left in `state`.
 */
function compressRounds(c: Code, state: number[], w: number[], vars: number[], x: [number, number]): void {
  for (let i = 0; i < 8; i++) c.get(state[i]!).set(vars[i]!);
  // x[1]: the previous round's a ^ b, which is this round's b ^ c.
  c.get(vars[1]!).get(vars[2]!).op(...simd(V128_XOR)).set(x[1]);
  for (let r = 0; r < 64; r += 16) {
    for (let i = 0; i < 16; i++) {
      const role = (j: number): number => vars[(j - (i % 8) + 8) % 8]!;
      const [a, b, d, e, f, g, h] = [0, 1, 3, 4, 5, 6, 7].map(role) as [number, number, number, number, number, number, number];
      const xi = i % 2 ? x[1] : x[0];
      const yi = i % 2 ? x[0] : x[1];
      // h += Σ1(e) + Ch(e, f, g) + K + w
      c.get(h).sigma(e, 6, 11, -25).add();
      c.get(f).get(g).get(e).op(...simd(V128_BITSELECT)).add();
      c.splat(K[r + i]!).add();
      c.get(w[i]!).add().set(h);
      // d += h
      c.get(d).get(h).add().set(d);
      // h += Σ0(a) + Maj(a, b, c), Maj = bitselect(a, b, b ^ c); keep a ^ b for the next round.
      c.get(h).sigma(a, 2, 13, -22).add();
      c.get(a).get(b).get(yi).op(...simd(V128_BITSELECT)).add().set(h);
      c.get(a).get(b).op(...simd(V128_XOR)).set(xi);
    }
    if (r === 48) break;
    // W[t] = σ1(W[t − 2]) + W[t − 7] + σ0(W[t − 15]) + W[t − 16], over the slot of W[t − 16].
    for (let j = 0; j < 16; j++) {
      const wk = (k: number): number => w[(j + k) % 16]!;
      c.get(wk(0)).sigma(wk(1), 7, 18, 3).add();
      c.get(wk(9)).add();
      c.sigma(wk(14), 17, 19, 10).add().set(wk(0));
    }
  }
  for (let i = 0; i < 8; i++) c.get(state[i]!).get(vars[i]!).add().set(state[i]!);
}

/** The 16 lane indices of `i8x16.shuffle` taking words `wa` of the first vector and `wb` of the second, alternately, each byte-reversed when `swap`. */
function interleave(words: [number, number, number, number], swap: boolean): number[] {
  const out: number[] = [];
  for (const w of words) for (let k = 0; k < 4; k++) out.push(w + (swap ? 3 - k : k));
  return out;
}

/**
 * Transposes the 4 × 4 words of `rows` (vector j: 4 consecutive words of lane j) into `cols`
 * (vector i: word i of lanes 0–3), each word byte-reversed when `swap`: eight shuffles.
 */
function transpose(c: Code, rows: number[], cols: number[], t: number[], swap: boolean): void {
  const low = interleave([0, 16, 4, 20], swap);
  const high = interleave([8, 24, 12, 28], swap);
  const shuffle = (a: number, b: number, lanes: number[], to: number): void => {
    c.get(a).get(b).op(...simd(I8X16_SHUFFLE), ...lanes).set(to);
  };
  shuffle(rows[0]!, rows[1]!, low, t[0]!);
  shuffle(rows[2]!, rows[3]!, low, t[1]!);
  shuffle(rows[0]!, rows[1]!, high, t[2]!);
  shuffle(rows[2]!, rows[3]!, high, t[3]!);
  const first = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  const second = first.map((l) => l + 8);
  shuffle(t[0]!, t[1]!, first, cols[0]!);
  shuffle(t[0]!, t[1]!, second, cols[1]!);
  shuffle(t[2]!, t[3]!, first, cols[2]!);
  shuffle(t[2]!, t[3]!, second, cols[3]!);
}

/** The body of `macs` (`blocks` 1) or `macs2` (`blocks` 2): locals and code. */
function macsBody(blocks: 1 | 2): number[] {
  const c = new Code();
  const state = Array.from({ length: 8 }, () => c.local());
  const outer = Array.from({ length: 8 }, () => c.local());
  const w = Array.from({ length: 16 }, () => c.local());
  const vars = Array.from({ length: 8 }, () => c.local());
  const x: [number, number] = [c.local(), c.local()];
  const q = Array.from({ length: 4 }, () => c.local());
  const t = Array.from({ length: 4 }, () => c.local());
  // i32 locals 2–5: the byte offsets of the 4 lanes' key rows.
  const row = [2, 3, 4, 5];
  // if (groups == 0) return; loop { …; ptr += 4 × ENTRY; groups -= 1; br_if groups != 0 }
  c.op(0x20, 1, 0x45, 0x04, 0x40, 0x0f, 0x0b);
  c.op(0x03, 0x40);
  for (let j = 0; j < 4; j++) c.op(0x20, 0, 0x28, 2, ...uleb(ENTRY_BYTES * j + 32), 0x21, row[j]!);
  // Gathers vectors [off, off + 16) of the 4 lanes' rows (or entries) and transposes them into cols.
  const gather = (lane: (j: number) => void, cols: number[], swap: boolean): void => {
    for (let j = 0; j < 4; j++) {
      lane(j);
      c.set(q[j]!);
    }
    transpose(c, q, cols, t, swap);
  };
  const fromRow = (off: number) => (j: number): void => {
    c.op(0x20, row[j]!, ...simd(V128_LOAD), 4, ...uleb(off));
  };
  const fromEntry = (off: number) => (j: number): void => {
    c.op(0x20, 0, ...simd(V128_LOAD), 4, ...uleb(ENTRY_BYTES * j + off));
  };
  gather(fromRow(0), state.slice(0, 4), false);
  gather(fromRow(16), state.slice(4), false);
  gather(fromRow(32), outer.slice(0, 4), false);
  gather(fromRow(48), outer.slice(4), false);
  // The block: the read's four doubles as big-endian words 0–7, then the meter's fixed words 8–15.
  gather(fromEntry(0), w.slice(0, 4), true);
  gather(fromEntry(16), w.slice(4, 8), true);
  gather(fromRow(64), w.slice(8, 12), false);
  gather(fromRow(80), w.slice(12), false);
  compressRounds(c, state, w, vars, x);
  if (blocks === 2) {
    // The second block: the meter's fixed words 0–15.
    for (let k = 0; k < 4; k++) gather(fromRow(96 + 16 * k), w.slice(4 * k, 4 * k + 4), false);
    compressRounds(c, state, w, vars, x);
  }
  // Outer hash: the inner digest, 0x80000000, zeros, the bit length 768 of the key block and the digest.
  for (let i = 0; i < 8; i++) c.get(state[i]!).set(w[i]!);
  c.splat(0x80000000).set(w[8]!);
  for (let i = 9; i < 15; i++) c.splat(0).set(w[i]!);
  c.splat(768).set(w[15]!);
  compressRounds(c, outer, w, vars, x);
  // The MACs back to each lane's entry: words 0–3, then 4–7.
  for (let half = 0; half < 2; half++) {
    transpose(c, outer.slice(4 * half, 4 * half + 4), q, t, false);
    for (let j = 0; j < 4; j++) c.op(0x20, 0).get(q[j]!).store(ENTRY_BYTES * j + 16 * half);
  }
  c.op(0x20, 0, 0x41, ...sleb(4 * ENTRY_BYTES), 0x6a, 0x21, 0);
  c.op(0x20, 1, 0x41, 1, 0x6b, 0x22, 1, 0x0d, 0);
  c.op(0x0b, 0x0b);
  const locals = vec([[4, 0x7f], [...uleb(c.v128Locals.length), 0x7b]]);
  return [...locals, ...c.bytes];
}

/** The module's bytes. */
export function sha256SimdModule(): Uint8Array {
  const bodies = [macsBody(1), macsBody(2)];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 2, 0x7f, 0x7f, 0]])),
    ...section(3, vec([[0], [0]])),
    // Memory: one page to start with; the owner grows it for its rows.
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec([[...name('memory'), 2, 0], [...name('macs'), 0, 0], [...name('macs2'), 0, 1]])),
    ...section(10, vec(bodies.map((body) => [...uleb(body.length), ...body]))),
  ];
  return Uint8Array.from(bytes);
}

/** The text of comms/security/sha256Simd.ts. */
export function sha256SimdSource(): string {
  const b64 = Buffer.from(sha256SimdModule()).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 100) lines.push(`  '${b64.slice(i, i + 100)}',`);
  return [
    '// Generated by test/tools/genSha256Simd.ts (the module and its memory layout are explained there):',
    '// do not edit; change the generator and run `node --import tsx test/tools/genSha256Simd.ts`.',
    '/* eslint-disable */',
    '',
    '/** The WebAssembly module (SIMD) computing four HMAC-SHA256s of meter reads at once, as base64. */',
    'export const SHA256_SIMD_BASE64 = [',
    ...lines,
    "].join('');",
    '',
    `/** Bytes per read in the module's batch (its doubles in, its MAC out, its key row's offset). */`,
    `export const ENTRY_BYTES = ${ENTRY_BYTES};`,
    '',
  ].join('\n');
}

const FILE = join(import.meta.dirname, '..', '..', 'comms', 'security', 'sha256Simd.ts');

/** True when the file on disk is this generator's output. */
export const sha256SimdUpToDate = (): boolean => readFileSync(FILE, 'utf8') === sha256SimdSource();

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  writeFileSync(FILE, sha256SimdSource());
  console.log(`wrote ${FILE}`);
}
