/**
 * Appending one array to another. `target.push(...source)` passes every element as an
 * argument, and past about 120,000 of them V8 throws "Maximum call stack size exceeded":
 * an interval's events or rejections grow with the agents (an operator commanding 50,000
 * homes writes 150,000 events in one interval), so a spread there ends a large run.
 */

/** Appends `source`'s elements to `target`, in order; returns `target`. */
export function appendAll<T>(target: T[], source: readonly T[]): T[] {
  for (let i = 0; i < source.length; i++) target.push(source[i]!);
  return target;
}
