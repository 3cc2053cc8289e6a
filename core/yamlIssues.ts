/**
 * Reading YAML (or JSON) input files and reporting what is wrong with them: parse
 * with line numbers, locate a path's line and column, and turn zod issues into
 * messages a person can act on ("unknown key 'seeed' (did you mean 'seed'?)").
 * Scenario files, sweep files and a sweep's overrides all report problems through
 * here, in one wording and one `file:line:column path: reason` format.
 */
import { isAlias, isMap, isPair, isScalar, isSeq as isYamlSeq, LineCounter, parseDocument, type Alias, type Document, type Node as YamlNode } from 'yaml';
import type * as z from 'zod';
import { InputFileError } from './errors.ts';

/**
 * Parses YAML (JSON is YAML 1.2) with duplicate keys refused; throws an `InputFileError`
 * with the line of each syntax error, or for an empty file (`emptyMessage`).
 */
export function parseYamlFile(text: string, file: string, emptyMessage: string): { doc: Document; lineCounter: LineCounter; raw: unknown } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw new InputFileError(file, syntaxIssues(text, doc, lineCounter), Math.max(0, doc.errors.length - MAX_SYNTAX_ERRORS));
  const aliasIssue = checkAliases(doc);
  if (aliasIssue) {
    const pos = lineCounter.linePos(aliasIssue.offset);
    throw new InputFileError(file, [{ path: '', message: aliasIssue.message, line: pos.line, column: pos.col }]);
  }
  // checkAliases bounded what the aliases expand to; the library's own count is a cruder form of the same rule.
  const raw: unknown = doc.toJS({ maxAliasCount: -1 });
  if (raw === null || raw === undefined) throw new InputFileError(file, [{ path: '', message: emptyMessage }]);
  return { doc, lineCounter, raw };
}

/**
 * At most this many syntax errors are listed. Once the parser loses its place, every token after
 * it is an error of its own (one stray indented line in a 41-line scenario gave 204), and only the
 * first few say anything: the rest are counted (`InputFileError.unlisted`).
 */
export const MAX_SYNTAX_ERRORS = 5;

/** A document's first `MAX_SYNTAX_ERRORS` syntax errors as located issues, the first with a hint when the top level starts indented. */
function syntaxIssues(text: string, doc: Document, lineCounter: LineCounter): Array<{ path: string; message: string; line: number; column: number }> {
  const issues = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return { path: '', message: `not valid YAML/JSON: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
  });
  // A top level that starts indented (a stray indented line before the first key, such as a comment's continuation
  // without its #) makes every key at column 1 after it an error, reported where the keys are, not where the fault is.
  // Only where the first line starts with spaces, and not in a flow collection (a JSON object), where indentation
  // means nothing: a column past 1 is no indent after a byte-order mark or '--- ' on the marker's line (each got the hint).
  const contents = doc.contents;
  const flow = (isMap(contents) || isYamlSeq(contents)) && contents.flow === true;
  const start = flow ? undefined : contents?.range?.[0];
  const indented = start !== undefined && /^ +$/.test(text.slice(text.lastIndexOf('\n', start - 1) + 1, start));
  const at = indented ? lineCounter.linePos(start) : undefined;
  if (at !== undefined && at.col > 1 && issues[0] !== undefined && issues[0].line > at.line)
    issues[0] = { ...issues[0], message: `${issues[0].message} (the document's first line, line ${at.line}, is indented by ${at.col - 1}: every top-level key must be indented as much, or that line is a stray; a comment needs its #)` };
  return issues;
}

/** A parsed document as plain data, or undefined when it has syntax errors or aliases `checkAliases` refuses. */
export function plainData(doc: Document): unknown {
  return doc.errors.length > 0 || checkAliases(doc) ? undefined : doc.toJS({ maxAliasCount: -1 });
}

/**
 * At most this many aliases (`*name`) in one input file. Anchors and aliases share a
 * block between a few places; a file with more is generated, and is better written out.
 */
export const MAX_ALIASES = 100;
/**
 * At most this many values (scalars, lists and mappings) copied by expanding aliases: the
 * bound that makes an alias bomb ("billion laughs": nine levels of nine aliases each,
 * 10⁹ strings from 1 kB of text) a located error instead of gigabytes of memory. 10,000
 * copied values are a few MB at most and a few milliseconds to check.
 */
export const MAX_ALIAS_EXPANSION = 10_000;

/**
 * The first problem with a document's aliases, with its offset in the text: an alias to an
 * anchor not defined before it, an alias inside the node it refers to (a cycle), more than
 * `MAX_ALIASES` aliases, or aliases that would copy more than `MAX_ALIAS_EXPANSION` values.
 * Checked before the document becomes plain data, so nothing large or circular is ever built.
 */
export function checkAliases(doc: Document): { offset: number; message: string } | undefined {
  const aliases: Alias[] = [];
  const collect = (node: unknown): void => {
    if (isAlias(node)) aliases.push(node);
    else if (isMap(node) || isYamlSeq(node)) for (const item of node.items) collect(item);
    else if (isPair(node)) {
      collect(node.key);
      collect(node.value);
    }
  };
  collect(doc.contents);
  if (aliases.length === 0) return undefined;
  const size = new Map<unknown, number>();
  const open = new Set<unknown>();
  /** Values a node stands for once its aliases are expanded (Infinity for a cycle). */
  const sizeOf = (node: unknown): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      return target === undefined ? 1 : sizeOf(target);
    }
    if (!(isMap(node) || isYamlSeq(node) || isPair(node))) return 1;
    const known = size.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) return Infinity;
    open.add(node);
    let n = isPair(node) ? sizeOf(node.key) + sizeOf(node.value) : 1;
    if (!isPair(node)) for (const item of node.items) n += sizeOf(item);
    open.delete(node);
    size.set(node, n);
    return n;
  };
  let copied = 0;
  for (const [k, alias] of aliases.entries()) {
    const offset = alias.range?.[0] ?? 0;
    const target = alias.resolve(doc);
    if (target === undefined) return { offset, message: `alias *${alias.source} refers to no anchor (an anchor &${alias.source} must come before it)` };
    if (k === MAX_ALIASES) return { offset, message: `too many alias expansions: more than ${MAX_ALIASES} aliases (*${alias.source} here is one too many); write the values out` };
    const n = sizeOf(target);
    if (n === Infinity) return { offset, message: `alias *${alias.source} is inside the node &${alias.source} names: a value cannot contain itself` };
    copied += n;
    if (copied > MAX_ALIAS_EXPANSION)
      return { offset, message: `too many alias expansions: the aliases up to *${alias.source} here would copy ${copied > 1e6 ? 'more than a million' : copied.toLocaleString('en-US')} values (at most ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')}); write the values out` };
  }
  return undefined;
}

export interface Located {
  readonly line?: number;
  readonly column?: number;
}

/** Line and column of the node at `path` (or of its key), or of the deepest ancestor that exists. */
export function locate(doc: Document, lc: LineCounter, path: readonly PropertyKey[], atKey = false): Located {
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as YamlNode | null)?.range?.[0];
  for (const [depth, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
      if (!pair) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value;
      const last = depth === path.length - 1;
      if (!(last && atKey) && node && (node as YamlNode).range && !isMap(node) && !isSeq(node)) offset = (node as YamlNode).range![0];
    } else if (isSeq(node) && typeof key === 'number') {
      node = (node as { items: unknown[] }).items[key];
      if (!node) break;
      offset = (node as YamlNode).range?.[0] ?? offset;
    } else break;
  }
  if (offset === undefined) return {};
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

const isSeq = (n: unknown): boolean => !!n && typeof n === 'object' && Array.isArray((n as { items?: unknown }).items) && !isMap(n);

/** `file:line:column` when the line is known, else `file`. */
export const where = (file: string, at: Located): string => (at.line !== undefined ? `${file}:${at.line}:${at.column ?? 1}` : file);

export const show = (v: unknown): string =>
  typeof v === 'string' ? `'${v}'` : typeof v === 'object' && v !== null ? (Array.isArray(v) ? 'a list' : 'a mapping') : String(v);

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

export interface Problem {
  readonly path: PropertyKey[];
  readonly message: string;
  readonly atKey?: boolean;
}

/** Problems an option of a union has: each unknown key counts, as each is reported. */
const issueCount = (issues: readonly z.core.$ZodIssue[]): number => issues.reduce((n, x) => n + (x.code === 'unrecognized_keys' ? x.keys.length : 1), 0);

/** A mapping expected where a scalar stands is shown with its keys when it has at most this many (a scenario's top level has 16). */
const MAX_KEYS_SHOWN = 8;

/** A zod issue as messages; `allowed(path)` names the keys accepted where an unknown key was found. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown, allowed: (path: readonly PropertyKey[]) => readonly string[]): Problem[] {
  const path = [...issue.path];
  // A keyword-or-mapping union (e.g. `comms: ideal | {…}`) given a mapping: the mapping option's issues say what is wrong.
  if (issue.code === 'invalid_union' && !('discriminator' in issue && issue.discriminator)) {
    const got = valueAt(raw, path);
    // Of the mapping options, the one it comes closest to (fewest issues, the first on a tie): a strategy
    // `{ module: ./x.mjs, params: 5 }` is a module reference with a bad params, not an `id:` reference lacking its id.
    const mappings = got !== null && typeof got === 'object' ? issue.errors.filter((opt) => opt.length > 0 && !opt.some((x) => x.path.length === 0 && (x.code === 'invalid_value' || x.code === 'invalid_type'))) : [];
    const option = mappings.reduce<(typeof mappings)[number] | undefined>((best, opt) => (best === undefined || issueCount(opt) < issueCount(best) ? opt : best), undefined);
    if (option) return option.flatMap((x) => describeIssue({ ...x, path: [...path, ...x.path] } as z.core.$ZodIssue, raw, allowed));
    const roots = issue.errors.flatMap((opt) => opt.filter((x) => x.path.length === 0));
    const keywords = roots.flatMap((x) => (x.code === 'invalid_value' ? x.values : []));
    const mapping = roots.some((x) => x.code === 'invalid_type' && x.expected === 'object');
    if (keywords.length > 0) return [{ path, message: `expected ${keywords.map((v) => show(v)).join(' or ')}${mapping ? ' or a mapping' : ''}, got ${show(got)}` }];
  }
  if (issue.code === 'unrecognized_keys') {
    const keys = allowed(path);
    return issue.keys.map((k) => {
      const hint = closest(k, keys);
      return {
        path: [...path, k],
        atKey: true,
        message: `unknown key '${k}'${hint ? ` (did you mean '${hint}'?)` : ''}${keys.length ? `; allowed here: ${keys.join(', ')}` : ''}`,
      };
    });
  }
  const got = valueAt(raw, path);
  if (issue.code === 'invalid_type') {
    // A mapping given a scalar (`capacityKw: 4` for `{ min, max }`): "expected object" alone did not say which keys it takes.
    const keys = issue.expected === 'object' && got !== undefined ? allowed(path) : [];
    const expected = keys.length > 0 && keys.length <= MAX_KEYS_SHOWN ? `${issue.expected} { ${keys.join(', ')} }` : issue.expected;
    return [{ path, message: got === undefined ? `required: expected ${expected}` : `expected ${expected}, got ${show(got)}` }];
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
    const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
    const count = (issue as { exact?: boolean }).exact ? 'exactly' : issue.code === 'too_small' ? 'at least' : 'at most';
    if (issue.origin === 'array') return [{ path, message: `expected ${count} ${String(bound)} item(s), got ${Array.isArray(got) ? got.length : show(got)}` }];
    if (issue.origin === 'string') return [{ path, message: `expected text of length ${op} ${String(bound)}, got ${show(got)}` }];
    return [{ path, message: `expected a number ${op} ${String(bound)}, got ${show(got)}` }];
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
    const options = (issue as { options?: unknown[] }).options ?? [];
    return [{ path, message: `unknown ${String(issue.discriminator)}; expected one of ${options.map((o) => `'${String(o)}'`).join(', ')}` }];
  }
  if (issue.code === 'invalid_value') return [{ path, message: `expected one of ${issue.values.map((v) => show(v)).join(', ')}, got ${show(got)}` }];
  return [{ path, message: `${issue.message.replace(/^Invalid input: /, '')}${got !== undefined && typeof got !== 'object' ? `, got ${show(got)}` : ''}` }];
}

/** The allowed key nearest to a typo, when near enough to be the likely intent. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of allowed) {
    if (a.toLowerCase().startsWith(key.toLowerCase()) && key.length >= 3) return a;
    const d = editDistance(key.toLowerCase(), a.toLowerCase());
    if (d < bestD) [best, bestD] = [a, d];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
