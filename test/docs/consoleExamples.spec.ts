/**
 * The documentation's example outputs of `gridbid clear` and `gridbid validate` are what the
 * commands print: in every ```console block of README.md and docs/*.md, a `$ gridbid clear …`
 * or `$ gridbid validate …` line (also as `npm run -s gridbid -- …`) is run with the real
 * executable from the repository root, and the lines shown after it (up to the next `$ ` line)
 * appear in its output in that order; a `…` line stands for lines left out. (`npm start`'s block
 * and the library example's are checked by test/cli/run.spec.ts and test/package/consumer.spec.ts.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';

const DOCS = ['README.md', 'docs/architecture.md', 'docs/clear.md', 'docs/comms.md', 'docs/markets.md', 'docs/performance.md', 'docs/strategies.md'];
/** Files an example names that stand for the reader's own (README: a scenario with two mistakes). */
const READERS_FILES = new Set(['my.yaml']);

interface Example {
  readonly doc: string;
  readonly args: string[];
  readonly shown: string[];
}

/** The `gridbid clear|validate` commands of a document's console blocks, with the lines shown after each. */
export function consoleExamples(doc: string, text: string): Example[] {
  const out: Example[] = [];
  for (const block of text.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    let current: Example | undefined;
    for (const line of block[1]!.split('\n')) {
      const cmd = /^\$ (?:npm run -s gridbid -- |gridbid )((?:clear|validate) .*)$/.exec(line);
      if (line.startsWith('$ ')) {
        current = cmd ? { doc, args: cmd[1]!.trim().split(/\s+/), shown: [] } : undefined;
        if (current) out.push(current);
      } else if (current && line.trim() !== '' && line.trim() !== '…') current.shown.push(line);
    }
  }
  return out;
}

/** The shown lines missing from `output`, read in order (each must come after the one before). */
export function missingInOrder(shown: readonly string[], output: string): string[] {
  const lines = output.split('\n').map((l) => l.trimEnd());
  let at = 0;
  const missing: string[] = [];
  for (const s of shown) {
    const i = lines.indexOf(s.trimEnd(), at);
    if (i < 0) missing.push(s);
    else at = i + 1;
  }
  return missing;
}

describe('docs: the example outputs of gridbid clear and validate are what they print', function () {
  this.timeout(120_000);
  const examples = DOCS.flatMap((d) => consoleExamples(d, readFileSync(join(REPO_ROOT, d), 'utf8')));

  it('finds the examples (README: validate and clear; docs/clear.md: a native feeder and case33bw --ac)', () => {
    expect(examples.map((e) => `${e.doc} ${e.args[0]}`)).to.include.members(['README.md validate', 'README.md clear', 'docs/clear.md clear']);
    expect(examples.filter((e) => e.doc === 'docs/clear.md')).to.have.length(2);
  });

  for (const ex of examples.filter((e) => !READERS_FILES.has(e.args[1]!))) {
    it(`${ex.doc}: gridbid ${ex.args.join(' ')}`, () => {
      const file = ex.args[1]!;
      expect(existsSync(join(REPO_ROOT, file)), `${file} exists, so the example can be run as shown from the repository root`).to.equal(true);
      const r = gridbid(ex.args);
      expect(missingInOrder(ex.shown, r.stdout + r.stderr), `${ex.doc}: lines of the example not printed, in order`).to.deep.equal([]);
    });
  }

  it('reads shown lines in order', () => {
    expect(missingInOrder(['a', 'c'], 'a\nb\nc  \n')).to.deep.equal([]);
    expect(missingInOrder(['c', 'a'], 'a\nb\nc\n')).to.deep.equal(['a']);
  });
});
