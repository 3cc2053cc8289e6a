/**
 * The npm scripts the documentation names are package.json's, and the README names them all:
 * every `npm run <script>` in README.md, docs/*.md and scenarios/sweeps/README.md is a script
 * of package.json, and every script but npm's lifecycle hooks (`pre…`/`post…`, `prepare`) is
 * named in the README's "npm scripts:" paragraph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/cli.ts';

const DOCS = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'scenarios/sweeps/README.md'];
const scripts = Object.keys((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

describe('docs: the npm scripts the documentation names exist, and the README names them all', () => {
  for (const doc of DOCS) {
    it(`${doc}: every npm run <script> is a script of package.json`, () => {
      const named = [...readFileSync(join(REPO_ROOT, doc), 'utf8').matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((m) => m[1]!);
      expect([...new Set(named)].filter((s) => !scripts.includes(s))).to.deep.equal([]);
    });
  }

  it('README "npm scripts:" names every script (lifecycle hooks aside)', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const paragraph = readme.slice(readme.indexOf('\nnpm scripts: ')).split('\n\n')[0]!;
    expect(paragraph.length).to.be.greaterThan(100);
    const hooks = (s: string): boolean => /^(pre|post)/.test(s) || s === 'prepare';
    expect(scripts.filter((s) => !hooks(s) && !paragraph.includes(`\`${s}`))).to.deep.equal([]);
  });
});
