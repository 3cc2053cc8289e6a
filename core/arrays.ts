/**
 * Appending one array to another. `target.push(...source)` passes every element as an
 * argument, and past about 120,000 of them V8 throws "Maximum call stack size exceeded".
 * An interval's events and rejections grow with the agents (an operator's commands, one or
 * more events per commanded site; a rejected bid per agent whose bid missed the gate), so a
 * spread of one of them would end a run of a few hundred thousand agents. (50,000 homes
 * commanded every interval stayed below it: 4 min 31 s, 901 MB, before this was written.)
 */

/** Appends `source`'s elements to `target`, in order; returns `target`. */
export function appendAll<T>(target: T[], source: readonly T[]): T[] {
  for (let i = 0; i < source.length; i++) target.push(source[i]!);
  return target;
}
