/**
 * What the compiled package's batch workers load (batch/workerCode.ts): the one-file
 * worker that `npm run build` writes after tsc (scripts/bundle.mjs), only while it was
 * built from the compiled worker.js beside it (core/bundleStamp.ts), and without node options; and an internal
 * error's location told in the TypeScript source (batch/runFiles.ts `inSource`), since
 * workers no longer run with --enable-source-maps.
 */
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { ensureBuilt } from '../helpers/build.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { inSource } from '../../batch/runFiles.ts';
import type { WorkerCode } from '../../batch/workerCode.ts';
import { BUNDLE_STAMP, stampLine } from '../../core/bundleStamp.ts';

const DIST = join(REPO_ROOT, 'dist', 'batch');
const BUNDLE = join(DIST, 'worker.bundle.js');
const MODULES = join(DIST, 'worker.js');

/** 1-based line of the first line of `file` holding `text`. */
const lineOf = (file: string, text: string): number => {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${file}`);
  return i + 1;
};

describe('batch worker code (compiled)', () => {
  let workerCode: () => WorkerCode;
  before(async function () {
    this.timeout(120_000);
    ensureBuilt();
    ({ workerCode } = (await import(pathToFileURL(join(DIST, 'workerCode.js')).href)) as { workerCode: () => WorkerCode });
  });

  it('workers load the one-file worker, without node options; worker.js when tsc has compiled dist/ again since', () => {
    expect(workerCode()).to.deep.equal({ kind: 'compiled', url: pathToFileURL(BUNDLE).href, execArgv: [] });
    const built = readFileSync(MODULES, 'utf8');
    const stamp = BUNDLE_STAMP.exec(built);
    expect(stamp, 'npm run build stamps worker.js').to.not.equal(null);
    try {
      // As tsc alone writes worker.js: the same code, without the bundle's stamp.
      writeFileSync(MODULES, built.slice(0, stamp!.index));
      expect(workerCode().url).to.equal(pathToFileURL(MODULES).href);
      // Another build's stamp is not this bundle's.
      writeFileSync(MODULES, built.slice(0, stamp!.index) + stampLine('0123456789abcdef'));
      expect(workerCode().url).to.equal(pathToFileURL(MODULES).href);
    } finally {
      writeFileSync(MODULES, built);
    }
    // File times do not decide: npm extracts worker.bundle.js before worker.js (their order in the tarball).
    const { atime, mtime } = statSync(BUNDLE);
    try {
      utimesSync(BUNDLE, atime, new Date(0));
      expect(workerCode().url).to.equal(pathToFileURL(BUNDLE).href);
    } finally {
      utimesSync(BUNDLE, atime, mtime);
    }
  });

  it("a crash's location in the one-file worker is told in the TypeScript source", () => {
    // runTask's first statement, in the bundle (where esbuild may have renamed mkdirSync) and in batch/worker.ts.
    const statement = '(task.outDir, { recursive: true });';
    const inBundle = lineOf(BUNDLE, statement);
    const inTs = lineOf(join(REPO_ROOT, 'batch', 'worker.ts'), statement);
    const column = /\S/.exec(readFileSync(BUNDLE, 'utf8').split('\n')[inBundle - 1]!)!.index + 1;
    expect(inSource(`at runTask (${pathToFileURL(BUNDLE).href}:${inBundle}:${column})`)).to.equal(`at runTask (${join(REPO_ROOT, 'batch', 'worker.ts')}:${inTs}:3)`);
    // A path instead of a URL, as in an error's stack from a worker.
    expect(inSource(`at ${BUNDLE}:${inBundle}:${column}`)).to.equal(`at ${join(REPO_ROOT, 'batch', 'worker.ts')}:${inTs}:3`);
    // Frames without a map stay as they are.
    expect(inSource('at mkdirSync (node:fs:1383:10)')).to.equal('at mkdirSync (node:fs:1383:10)');
    expect(inSource('at f (/nowhere/x.js:1:1)')).to.equal('at f (/nowhere/x.js:1:1)');
  });
});
