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
