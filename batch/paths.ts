/**
 * Override paths: where in a scenario a sweep changes a value. Pure functions.
 *
 * A path is keys joined by dots, with list entries picked by position or by name:
 *
 *     market.pricing                  a key inside a mapping
 *     agents[1].flexibility.share     the second entry of `agents` (0-based)
 *     agents[home].strategy           the entry whose id, idPrefix or name is 'home'
 *
 * Picking by name keeps a sweep valid when the base scenario gains or reorders
 * entries; it works for any list of mappings (agents, tariffs, network buses …).
 */

export type PathStep =
  | { readonly key: string }
  | { readonly index: number }
  | { readonly select: string }
  /** `[+]`: a new entry at the end of the list (the last step of a path only). */
  | { readonly append: true }
  /** `[id=tou3]`: the entry whose `key` is `value`, added at the end when there is none (upsert). */
  | { readonly match: { readonly key: string; readonly value: string } };

/** A concrete location in a scenario document, as `formatPath` in core/errors.ts prints it. */
export type ConcretePath = ReadonlyArray<string | number>;

const KEY = /^[A-Za-z_][A-Za-z0-9_-]*/;

/** Parses a path; returns the reason as a string when it is not a valid path. */
export function parseOverridePath(text: string): PathStep[] | string {
  const steps: PathStep[] = [];
  let rest = text;
  if (rest === '') return 'an empty path';
  for (;;) {
    const key = KEY.exec(rest);
    if (!key) return `expected a key at '${rest}' (letters, digits, _ and -, starting with a letter)`;
    steps.push({ key: key[0] });
    rest = rest.slice(key[0].length);
    while (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      if (end < 0) return `'[' without a closing ']' in '${text}'`;
      const inner = rest.slice(1, end).trim();
      if (inner === '') return `empty [] in '${text}': write a position such as [0] or a name such as [home]`;
      const match = /^([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.+)$/.exec(inner);
      steps.push(/^\d+$/.test(inner) ? { index: Number(inner) } : inner === '+' ? { append: true } : match ? { match: { key: match[1]!, value: match[2]!.trim() } } : { select: inner });
      rest = rest.slice(end + 1);
    }
    if (rest === '') return steps;
    if (!rest.startsWith('.')) return `unexpected '${rest[0]}' in '${text}'`;
    rest = rest.slice(1);
  }
}

/** An override that cannot be applied to the scenario (a missing entry, a value where a mapping should be). */
export class OverrideError extends Error {
  override readonly name = 'OverrideError';
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const what = (v: unknown): string => (v === undefined ? 'missing' : Array.isArray(v) ? 'a list' : isMapping(v) ? 'a mapping' : `the value ${JSON.stringify(v)}`);

/**
 * Sets `value` at `steps` inside `root` (mutated), creating missing mappings on the
 * way; `null` removes the key, so the scenario's default applies. The value is
 * copied, never shared. Returns the concrete path (names resolved to positions).
 * Throws `OverrideError` when the path does not fit the document.
 */
export function applyOverride(root: Record<string, unknown>, steps: readonly PathStep[], value: unknown): ConcretePath {
  const done: Array<string | number> = [];
  let cur: unknown = root;
  for (const [i, step] of steps.entries()) {
    const last = i === steps.length - 1;
    const here = done.length === 0 ? 'the scenario' : formatConcrete(done);
    let slot: string | number;
    if ('append' in step || 'match' in step) {
      if (!Array.isArray(cur)) throw new OverrideError(`${here} is ${what(cur)}, not a list`);
      if ('append' in step) {
        if (!last) throw new OverrideError(`[+] adds an entry, so it must end the path (to change a field of an entry, name it: [id=…].field)`);
        if (value === null) throw new OverrideError(`${here}[+]: null adds nothing (null removes a key)`);
        slot = cur.length;
      } else {
        const { key, value: want } = step.match;
        const hits = cur.flatMap((e, k) => (isMapping(e) && e[key] !== undefined && String(e[key]) === want ? [k] : []));
        if (hits.length > 1) throw new OverrideError(`${here} has ${hits.length} entries with ${key} = '${want}' (${hits.map((k) => `[${k}]`).join(', ')}); pick one by position`);
        if (hits.length === 1) slot = hits[0]!;
        else {
          // Upsert: a new entry named by the path; a whole entry given as the value must carry the same name.
          if (last && value === null) throw new OverrideError(`${here} has no entry with ${key} = '${want}' to remove`);
          if (last && isMapping(value) && value[key] !== undefined && String(value[key]) !== want)
            throw new OverrideError(`the path adds ${key} = '${want}' but the value says ${key}: ${JSON.stringify(value[key])}`);
          slot = cur.length;
          cur.push({ [key]: want });
        }
        if (last && value !== null && isMapping(value) && value[key] === undefined) value = { [key]: want, ...value };
      }
    } else if ('key' in step) {
      if (!isMapping(cur)) throw new OverrideError(`${here} is ${what(cur)}, not a mapping with key '${step.key}'`);
      slot = step.key;
    } else {
      if (!Array.isArray(cur)) throw new OverrideError(`${here} is ${what(cur)}, not a list`);
      if ('index' in step) {
        if (step.index >= cur.length) throw new OverrideError(`${here} has ${cur.length} entr${cur.length === 1 ? 'y' : 'ies'}; there is no [${step.index}]`);
        slot = step.index;
      } else {
        const names = (e: unknown): unknown[] => (isMapping(e) ? [e.id, e.idPrefix, e.name] : []);
        const hits = cur.flatMap((e, k) => (names(e).includes(step.select) ? [k] : []));
        if (hits.length !== 1) {
          const known = cur.flatMap((e) => names(e).filter((n): n is string => typeof n === 'string'));
          throw new OverrideError(
            hits.length === 0
              ? `${here} has no entry with id, idPrefix or name '${step.select}'${known.length ? ` (there are: ${[...new Set(known)].join(', ')})` : ''}`
              : `${here} has ${hits.length} entries named '${step.select}' (${hits.map((k) => `[${k}]`).join(', ')}); pick one by position`,
          );
        }
        slot = hits[0]!;
      }
    }
    done.push(slot);
    const container = cur as Record<string | number, unknown>;
    if (last) {
      if (value === null) {
        if (typeof slot === 'number') throw new OverrideError(`${formatConcrete(done)}: a list entry cannot be removed (null removes a key)`);
        delete container[slot];
      } else {
        container[slot] = structuredClone(value);
      }
    } else {
      const next = steps[i + 1]!;
      if (container[slot] === undefined && 'key' in next) container[slot] = {};
      cur = container[slot];
    }
  }
  return done;
}

/** `['agents', 1, 'count']` → `agents[1].count` (the same text as `formatPath` in core/errors.ts). */
export function formatConcrete(path: ConcretePath): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? k : `.${k}`;
  return out;
}

/** True when `inner` is `outer` or lies inside it (both formatted paths). */
export function pathWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
}

/** The last key of a path: the short name a run id uses (`agents[home].flexibility.share` → `share`). */
export function lastKey(steps: readonly PathStep[]): string {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    if ('key' in s) return s.key;
  }
  return 'value';
}
