/**
 * The order of names in outputs (agent, tariff and kind keys of summary.json, report rows):
 * by UTF-16 code units, as `Array.prototype.sort()` orders strings. Not `localeCompare`:
 * that follows the locale of the machine (LANG, LC_ALL) through ICU, so the same run on a
 * machine set to Estonian put a tariff `zrtp` before `tou`, and outputs were not byte-identical
 * across machines.
 */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `byText` on the keys of [key, value] entries (Map and Object.entries order). */
export const byKey = ([a]: readonly [string, ...unknown[]], [b]: readonly [string, ...unknown[]]): number => byText(a, b);
