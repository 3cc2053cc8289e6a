/**
 * Growing the typed-array columns the engine, market and comms keep (one slot per bid,
 * message, meter, column…): a new array of the same kind, the old contents first, zeros
 * after. Growth is rare (arrays double), so the constructor looked up from the array is
 * no cost on a hot path.
 */
export type GrowableArray = Uint8Array | Int32Array | Uint32Array | Float64Array;

/** A new array of `length` elements of `a`'s kind, holding `a`'s elements first (`length` ≥ `a.length`). */
export function grown<A extends GrowableArray>(a: A, length: number): A {
  const b = new (a.constructor as new (length: number) => A)(length);
  b.set(a as ArrayLike<number>);
  return b;
}

/**
 * `n` zeros in `into`'s buffer when it has room for them (an earlier interval's array no one
 * reads any more: engine/simulation.ts `reuseIntervalArrays`), else in a new buffer with an
 * eighth to spare, so an array whose length varies a little from interval to interval keeps
 * its buffer. The view allocates nothing outside V8's heap, where a new array's backing store
 * counts towards the external memory that starts full collections (issue 16).
 */
export function zerosIn(n: number, into: Float64Array | undefined): Float64Array {
  if (into === undefined) return new Float64Array(n);
  if (into.buffer.byteLength >= n * Float64Array.BYTES_PER_ELEMENT) return new Float64Array(into.buffer, 0, n).fill(0);
  return new Float64Array(new ArrayBuffer((n + (n >> 3)) * Float64Array.BYTES_PER_ELEMENT), 0, n);
}

/**
 * Named scratch arrays of one module, reused from call to call (the calls are synchronous)
 * and handed out as views of `n` elements, grown by doubling: for arrays a call uses and no
 * result keeps. Their contents are whatever the last call left: fill what you read.
 */
export class ScratchArrays {
  private readonly f64s = new Map<string, Float64Array>();
  private readonly i32s = new Map<string, Int32Array>();
  private readonly u8s = new Map<string, Uint8Array>();

  f64(key: string, n: number): Float64Array {
    return ScratchArrays.take(this.f64s, (k) => new Float64Array(k), key, n);
  }

  i32(key: string, n: number): Int32Array {
    return ScratchArrays.take(this.i32s, (k) => new Int32Array(k), key, n);
  }

  u8(key: string, n: number): Uint8Array {
    return ScratchArrays.take(this.u8s, (k) => new Uint8Array(k), key, n);
  }

  private static take<A extends Float64Array | Int32Array | Uint8Array>(pool: Map<string, A>, make: (n: number) => A, key: string, n: number): A {
    let a = pool.get(key);
    if (a === undefined || a.length < n) {
      a = make(Math.max(n, 2 * (a?.length ?? 0)));
      pool.set(key, a);
    }
    return a.subarray(0, n) as A;
  }
}
