/**
 * Views as a test writes them: plain numbers where the engine's views carry unit
 * brands (core/units.ts), at any depth (MarketView's interval, HomeView's hvac, a
 * forecast array). `branded` is the test's own boundary, as the agent's view builder is
 * the engine's: the numbers are the same, only their types differ.
 */
export type Plain<T> = T extends number
  ? number
  : T extends string | boolean | bigint | symbol | null | undefined
    ? T
    : T extends (...args: never[]) => unknown
      ? T
      : T extends readonly (infer U)[]
        ? readonly Plain<U>[]
        : T extends object
          ? { readonly [K in keyof T]: Plain<T[K]> }
          : T;
export const branded = <T>(plain: Plain<T>): T => plain as unknown as T;
