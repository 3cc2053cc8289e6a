/**
 * The files the documentation names exist: every repository path in README.md, docs/*.md and
 * scenarios/sweeps/README.md that starts at one of the repository's top folders and ends in a
 * file extension (`engine/footprint.ts`, `test/fixtures/clear/three-bus.json`) is a file of
 * this checkout. Paths with a placeholder (`agents/<kind>/schema.ts`, `*`) and the few that
 * stand for a user's file in an example are left out. Likewise every `GRIDBID_…` environment
 * variable they name is read by some module of the repository.
 */
import { type Dirent, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/cli.ts';

const DOCS = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'scenarios/sweeps/README.md'];
const TOP = ['core', 'market', 'network', 'agents', 'strategies', 'tariffs', 'engine', 'output', 'batch', 'comms', 'metering', 'cli', 'bin', 'bench', 'scenarios', 'docs', 'test', 'scripts'];
/** Paths that name a user's file in an example, not one of the repository's. */
const EXAMPLES = new Set(['scenarios/sweeps/x.yaml']);

/** The repository paths a text names (not inside a longer path such as /usr/bin/… or my-strategies/…). */
export function namedPaths(text: string): string[] {
  const re = new RegExp(`(?<![\\w/.<>*-])(?:${TOP.join('|')})/[\\w./-]*\\.(?:ts|md|yaml|yml|json|m|mjs|js|py|csv)(?![\\w/<*-])`, 'g');
  return [...new Set([...text.matchAll(re)].map((m) => m[0]))];
}

describe('docs: every repository file the documentation names exists', () => {
  for (const doc of DOCS) {
    it(doc, () => {
      const paths = namedPaths(readFileSync(join(REPO_ROOT, doc), 'utf8')).filter((p) => !EXAMPLES.has(p));
      expect(paths.filter((p) => !existsSync(join(REPO_ROOT, p)))).to.deep.equal([]);
    });
  }

  it('every GRIDBID_… environment variable the docs name is read by the code', () => {
    const named = new Set(DOCS.flatMap((d) => [...readFileSync(join(REPO_ROOT, d), 'utf8').matchAll(/\bGRIDBID_[A-Z0-9_]+/g)].map((m) => m[0])));
    expect(named.size).to.be.greaterThan(3);
    const sources = TOP.filter((t) => existsSync(join(REPO_ROOT, t)))
      .flatMap((t) => (readdirSync(join(REPO_ROOT, t), { recursive: true, withFileTypes: true }) as Dirent[]).filter((e) => e.isFile() && /\.(ts|mjs|js)$/.test(e.name)).map((e) => join(e.parentPath, e.name)))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect([...named].filter((v) => !new RegExp(`process\\.env\\.${v}\\b|\\[['"]${v}['"]\\]`).test(sources))).to.deep.equal([]);
  });

  it('finds the paths of a text', () => {
    expect(namedPaths('see `engine/footprint.ts`, (test/comms/hmac.spec.ts). /usr/bin/time, ./my-strategies/peak-avoider.ts, agents/<kind>/schema.ts, dist/**/*.bundle.js, engine/output trims')).to.deep.equal(['engine/footprint.ts', 'test/comms/hmac.spec.ts']);
  });
});
