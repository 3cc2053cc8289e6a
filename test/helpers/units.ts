/**
 * Views as a test writes them: plain numbers where the engine's views carry unit
 * brands (core/units.ts). `branded` is the test's own boundary, as the agent's view
 * builder is the engine's: the numbers are the same, only their types differ.
 */
export type Plain<T> = { readonly [K in keyof T]: T[K] extends number ? number : T[K] extends number | undefined ? number | undefined : T[K] };
export const branded = <T>(plain: Plain<T>): T => plain as unknown as T;
