/**
 * The one source of randomness. Every draw in gridbid comes from a named stream
 * of a `RandomService` built from the scenario seed, never from `Math.random()`.
 *
 * A stream is identified by (owner, purpose), e.g. ('home-17', 'base-load'), and
 * its 128-bit generator state is derived by hashing the seed with that name (the
 * Power TAC idea). Adding an agent, or a new purpose for one agent, therefore
 * never shifts anyone else's draws: two variants of a sweep stay comparable. One exception
 * by design: a communication plane draws latency, jitter and loss per link or access path
 * (docs/comms.md, "Determinism"), as a shared medium is shared: there a new agent's messages
 * take draws, and queue places, that others' messages had.
 */
import { hash } from 'node:crypto';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Integer uniform in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** Normal draw (Box–Muller, the cosine branch only so each call uses exactly two uniforms). */
  normal(mean: number, sd: number): number;
  /** Normal draw clipped to [min, max]. */
  clippedNormal(mean: number, sd: number, min: number, max: number): number;
  /** `clippedNormal`'s draw written to `out[at]` (no heap number for it: see the implementation). */
  clippedNormalInto(out: Float64Array, at: number, mean: number, sd: number, min: number, max: number): void;
  /** Log-normal draw with the given median and log-space sd. */
  logNormal(median: number, sigma: number): number;
}

export class RandomService {
  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  }

  /** A fresh, independent stream; the same (owner, purpose) always yields the same sequence. */
  stream(owner: string, purpose: string): Rng {
    // JSON keeps the parts apart: ('a:b', 'c') and ('a', 'b:c') are different streams.
    // (`hash` to a latin1 string, one character per byte, not `createHash(…).update(…).digest()` to a Buffer, and the
    // words read straight into the stream: no Hash object, Buffer or state array per stream, ~0.2 kB less for each of
    // the tens of thousands of streams a run of thousands of homes makes.)
    const digest = hash('sha256', JSON.stringify(['gridbid', this.seed, owner, purpose]), 'binary'); // ('binary' is latin1)
    const s0 = int32LE(digest, 0);
    const s1 = int32LE(digest, 4);
    const s2 = int32LE(digest, 8);
    const s3 = int32LE(digest, 12);
    // xoroshiro128+ must not start from the all-zero state.
    return new Stream((s0 | s1 | s2 | s3) === 0 ? 1 : s0, s1, s2, s3);
  }
}

/** The little-endian int32 at byte `at` of bytes held one per character (a latin1 string), as `Buffer.readInt32LE`. */
const int32LE = (bytes: string, at: number): number =>
  bytes.charCodeAt(at) | (bytes.charCodeAt(at + 1) << 8) | (bytes.charCodeAt(at + 2) << 16) | (bytes.charCodeAt(at + 3) << 24);

/**
 * A stream from a raw xoroshiro128+ state, laid out as pure-rand's `xoroshiro128plusFromState` takes it (four int32
 * words, not all zero). For `RandomService.stream` and for the test that holds it to pure-rand.
 */
export function streamFromState(state: readonly number[]): Rng {
  if (state.length !== 4) throw new RangeError(`a xoroshiro128+ state is four 32-bit words, got ${state.length}`);
  return new Stream(state[0]!, state[1]!, state[2]!, state[3]!);
}

/** pure-rand's `uniformFloat64`: 26 bits of one output and 27 of the next, as a multiple of 2⁻⁵³. */
const SCALE_26 = 2 ** -26;
const SCALE_53 = 2 ** -53;
const MASK_26 = 0x3ff_ffff;
const MASK_27 = 0x7ff_ffff;

/**
 * A stream: pure-rand's xoroshiro128+ (`xoroshiro128plusFromState`, its 32-bit output) and `uniformFloat64`, written
 * out over the stream's own four state words. The same int32 operations in the same order, so every seed gives the
 * same bits and the same doubles as pure-rand (test/core/rng.spec.ts checks it against pure-rand, property-based);
 * inlined, a draw is two steps on fields instead of two calls through the library's generator object (every
 * message on the communication plane makes two or three draws).
 * Methods on the prototype, not closures per stream, so thousands of agents' streams share one set of functions
 * (about 0.6 kB less per stream, and call sites stay monomorphic).
 */
class Stream implements Rng {
  /** The state words, named and ordered as pure-rand's `XoroShiro128Plus` (s01, s00, s11, s10). */
  constructor(
    private s01: number,
    private s00: number,
    private s11: number,
    private s10: number,
  ) {}

  /** One xoroshiro128+ step: the generator's 32-bit output (pure-rand's `next`), the state advanced. */
  private step(): number {
    const s00 = this.s00;
    const s01 = this.s01;
    const out = (s00 + this.s10) | 0;
    const a0 = this.s10 ^ s00;
    const a1 = this.s11 ^ s01;
    this.s00 = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
    this.s01 = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    this.s10 = (a1 << 5) ^ (a0 >>> 27);
    this.s11 = (a0 << 5) ^ (a1 >>> 27);
    return out;
  }

  next(): number {
    const high = this.step() & MASK_26;
    const low = this.step() & MASK_27;
    return high * SCALE_26 + low * SCALE_53;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  normal(mean: number, sd: number): number {
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * `normal`'s draw, written out here rather than called: V8 did not inline the call, and a double
   * returned from a call that is not inlined is a new 16-byte heap number — one per home per interval
   * for the load noise (5.7 MB per warm run of the 4000-home scenario, measured, issue 16).
   * The same two uniforms and the same arithmetic, so the same draws.
   */
  clippedNormal(mean: number, sd: number, min: number, max: number): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return Math.min(max, Math.max(min, mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)));
  }

  /**
   * `clippedNormal`'s draw written to `out[at]`, for a caller too large for V8 to inline the draw into
   * (the home's bidding, which draws its load noise every interval): a double returned by a call that is
   * not inlined is a new heap number, 16 bytes per home per interval (5.5 MB per warm run of the
   * 4000-home scenario, V8's sampling heap profiler, issue 16). Written out again rather than calling
   * `clippedNormal`: this small method was inlined into that caller, and `clippedNormal` then not (measured).
   * The same uniforms and arithmetic, so the same draw.
   */
  clippedNormalInto(out: Float64Array, at: number, mean: number, sd: number, min: number, max: number): void {
    const u1 = 1 - this.next();
    const u2 = this.next();
    out[at] = Math.min(max, Math.max(min, mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)));
  }

  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }
}
