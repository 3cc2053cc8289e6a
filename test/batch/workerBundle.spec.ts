import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runBatch } from '../../batch/runBatch.ts';
import { workerCode } from '../../batch/workerBundle.ts';

const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();

describe('batch: bundled worker code', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-bundle-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is built once, reused while its sources are unchanged, rebuilt when one changed; GRIDBID_BATCH_BUNDLE=0 uses the sources', async function () {
    this.timeout(30_000);
    const cache = join(dir, 'cache');
    const first = await workerCode(cache);
    expect(first.kind).to.equal('bundle');
    expect(first.execArgv).to.deep.equal(['--enable-source-maps']);
    expect(existsSync(fileURLToPath(first.url))).to.equal(true);
    expect(existsSync(`${fileURLToPath(first.url)}.map`)).to.equal(true);
    expect((await workerCode(cache)).url).to.equal(first.url);

    // A source file with another modification time than the bundle was built from.
    const manifestFile = join(cache, 'batch-worker.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { inputs: Array<[string, number, number]> };
    expect(manifest.inputs.map(([p]) => p)).to.include.members(['batch/worker.ts', 'engine/run.ts']);
    manifest.inputs[0]![1] -= 1000;
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const rebuilt = await workerCode(cache);
    expect(rebuilt.kind).to.equal('bundle');
    expect(rebuilt.url).not.to.equal(first.url);

    const saved = process.env.GRIDBID_BATCH_BUNDLE;
    process.env.GRIDBID_BATCH_BUNDLE = '0';
    try {
      expect((await workerCode(cache)).kind).to.equal('source');
    } finally {
      if (saved === undefined) delete process.env.GRIDBID_BATCH_BUNDLE;
      else process.env.GRIDBID_BATCH_BUNDLE = saved;
    }
  });

  it('an unusable cache folder falls back to the sources', async () => {
    const notADir = join(dir, 'file');
    writeFileSync(notADir, '');
    const code = await workerCode(join(notADir, 'cache'));
    expect(code.kind).to.equal('source');
    expect(code.reason).to.match(/could not bundle/);
  });

  it('writes byte-identical run folders, summary and report to the TypeScript sources', async function () {
    this.timeout(60_000);
    const source = await runBatch({ target: 'test/fixtures/sweeps/grid.yaml', outDir: join(dir, 'source'), workers: 2, workerCode: 'source' });
    const bundle = await runBatch({ target: 'test/fixtures/sweeps/grid.yaml', outDir: join(dir, 'bundle'), workers: 2 });
    expect([source.workerCode, bundle.workerCode]).to.deep.equal(['source', 'bundle']);
    expect(bundle.ok).to.equal(8);
    const list = files(join(dir, 'source'));
    expect(files(join(dir, 'bundle'))).to.deep.equal(list);
    for (const f of list) expect(readFileSync(join(dir, 'bundle', f)).equals(readFileSync(join(dir, 'source', f))), f).to.equal(true);
  });

  it('a run with TypeScript strategy modules registers the loader in the bundled worker', async function () {
    this.timeout(60_000);
    const out = join(dir, 'plugins');
    const r = await runBatch({ target: 'test/fixtures/scenarios/plugin-strategies.yaml', outDir: out, workers: 1 });
    expect(r.workerCode).to.equal('bundle');
    expect([r.ok, r.failed], r.rows[0]?.error).to.deep.equal([1, 0]);
    expect(statSync(join(out, r.plan.runs[0]!.id, 'DONE')).isFile()).to.equal(true);
  });
});
