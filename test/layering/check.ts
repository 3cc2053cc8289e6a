/**
 * Runs the layering rules (layers.ts) over a source tree with dependency-cruiser's API.
 * `npm run layers` runs it on the repository and prints every violation.
 */
import type { ICruiseResult, IViolation } from 'dependency-cruiser';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layering, SOURCES } from './layers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * dependency-cruiser runs in a plain Node child process: under tsx's loader (mocha's
 * here) the swc visitor it subclasses does not load. The child reads the cruise
 * options as JSON on stdin and writes the cruise result as JSON.
 */
const CHILD = `
import { cruise } from 'dependency-cruiser';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { sources, options } = JSON.parse(input);
const { output } = await cruise(sources, options);
process.stdout.write(JSON.stringify(output));
`;

function cruiseInChild(sources: readonly string[], options: object): ICruiseResult {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env,
    input: JSON.stringify({ sources, options }),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as ICruiseResult;
}

export interface LayerViolation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
  /** For a cycle, the modules around it. */
  readonly cycle?: readonly string[];
}

export interface LayerCheck {
  readonly violations: readonly LayerViolation[];
  /** Modules cruised: a check that found nothing to read proves nothing. */
  readonly modules: number;
  /** Local imports dependency-cruiser could not resolve (a typo would otherwise hide a dependency). */
  readonly unresolved: readonly string[];
  /**
   * Local `import('…')` expressions dependency-cruiser did not record: swc's parser sees an
   * import type (`import('./x.ts').T`) as an interface's property type but not in a type alias
   * or a parameter, so such an import could cross a layer or close a cycle unchecked.
   */
  readonly unseen: readonly string[];
}

/** `import('…')` with a literal relative path: a dynamic import or an import type. */
const IMPORT_EXPRESSION = /\bimport\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*\)/g;

/** The `import('…')` expressions of `source` (relative to `baseDir`) whose targets are not among `seen`. */
export function unseenImports(baseDir: string, source: string, seen: ReadonlySet<string>): string[] {
  const text = readFileSync(join(baseDir, source), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_EXPRESSION)) {
    const target = posix.normalize(posix.join(posix.dirname(source), m[2]!));
    if (!seen.has(target)) out.push(`${source} → ${m[2]!}`);
  }
  return [...new Set(out)];
}

/** Cruises `sources` (paths relative to `baseDir`) against the layering rules. */
export function checkLayering(baseDir: string = ROOT, sources: readonly string[] = SOURCES): LayerCheck {
  const result = cruiseInChild(sources, { ...layering.options, baseDir, validate: true, ruleSet: { forbidden: layering.forbidden ?? [] } });
  const violations = (result.summary.violations as IViolation[]).map((v) => ({
    rule: v.rule.name,
    from: v.from,
    to: v.to,
    ...(v.cycle ? { cycle: v.cycle.map((c) => c.name) } : {}),
  }));
  const unresolved = result.modules.flatMap((m) => m.dependencies.filter((d) => d.couldNotResolve && d.module.startsWith('.')).map((d) => `${m.source} → ${d.module}`));
  const ours = result.modules.filter((m) => !m.source.includes('node_modules') && !m.coreModule);
  const unseen = ours.filter((m) => !m.couldNotResolve).flatMap((m) => unseenImports(baseDir, m.source, new Set(m.dependencies.map((d) => d.resolved))));
  return { violations, modules: ours.length, unresolved, unseen };
}

export function describeViolation(v: LayerViolation): string {
  return v.cycle ? `${v.rule}: ${[v.from, ...v.cycle].join(' → ')}` : `${v.rule}: ${v.from} → ${v.to}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = checkLayering();
  for (const v of check.violations) console.log(describeViolation(v));
  for (const u of check.unresolved) console.log(`unresolved import: ${u}`);
  for (const u of check.unseen) console.log(`import the check cannot see (write it as an import statement): ${u}`);
  console.log(`${check.violations.length} layering violation(s) in ${check.modules} modules`);
  process.exitCode = check.violations.length > 0 || check.unresolved.length > 0 || check.unseen.length > 0 ? 1 : 0;
}
