/**
 * The documentation's relative links resolve: every `[text](path#anchor)` in README.md,
 * docs/*.md and scenarios/sweeps/README.md names a file or folder that exists, and an
 * anchor names a heading of its target as GitHub slugs it (lowercase; punctuation other
 * than `-` and `_` dropped; each space a `-`; a repeated heading gets `-1`, `-2` …).
 * Links inside code (fenced blocks, `inline`) are not links and are skipped.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/cli.ts';

const DOCS = ['README.md', 'docs/architecture.md', 'docs/clear.md', 'docs/comms.md', 'docs/markets.md', 'docs/performance.md', 'docs/strategies.md', 'docs/time.md', 'scenarios/sweeps/README.md'];

/** The text outside fenced code blocks and inline code spans (those hold no links). */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading's text. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

/** Every heading anchor of a markdown file, repeats numbered as GitHub numbers them. */
export function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  const noFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of noFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

describe('docs: every relative link resolves to a file and an existing heading', () => {
  for (const doc of DOCS) {
    it(doc, () => {
      const text = readFileSync(join(REPO_ROOT, doc), 'utf8');
      const broken: string[] = [];
      for (const m of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const file = path === '' ? join(REPO_ROOT, doc) : join(REPO_ROOT, dirname(doc), decodeURIComponent(path));
        if (!existsSync(file)) {
          broken.push(`${target}: no file ${relative(REPO_ROOT, file)}`);
          continue;
        }
        if (anchor === undefined || anchor === '') continue;
        if (!statSync(file).isFile() || !file.endsWith('.md')) {
          broken.push(`${target}: an anchor into a file that is not markdown`);
          continue;
        }
        if (!anchors(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor))) broken.push(`${target}: no heading '#${anchor}' in ${relative(REPO_ROOT, file)}`);
      }
      expect(broken, `${doc}: broken links`).to.deep.equal([]);
    });
  }

  it('the slugs are GitHub’s', () => {
    expect(slug('Columnar results (Parquet and DuckDB)')).to.equal('columnar-results-parquet-and-duckdb');
    expect(slug('Radial feeders: --model lindistflow')).to.equal('radial-feeders---model-lindistflow');
    expect(slug('Day-ahead in a run')).to.equal('day-ahead-in-a-run');
    expect([...anchors('# A\n## B\n## B\n```\n## C\n```\n')]).to.deep.equal(['a', 'b', 'b-1']);
  });
});
