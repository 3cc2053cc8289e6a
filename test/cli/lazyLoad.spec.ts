/**
 * Each command loads only what it runs (cli/program.ts, scripts/bundle.mjs): the real
 * executable is started under a module hook that lists every module its main thread
 * loads (both nodes of a relaunched `batch`; the worker threads, started without node
 * options, are not hooked), and the TypeScript sources in those files are read from their
 * source maps — so the check holds for the split bundle and for dist/ compiled by tsc alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { ensureBuilt } from '../helpers/build.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/gridbid.js', import.meta.url));

const HOOK = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) { appendFileSync(log, url + '\\\\n'); return next(url, context); }\`), { data: { log: process.env.GRIDBID_TEST_LOADED } });
`;

/** The repository files (TypeScript sources, node_modules files) in the dist/ modules the command's main thread loaded. */
function sourcesLoaded(dir: string, args: readonly string[]): string[] {
  const log = join(dir, `loaded-${args.join(' ').replace(/\W+/g, '-').slice(0, 60)}.txt`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'hook.mjs')).href, BIN, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, GRIDBID_TEST_LOADED: log },
  });
  expect(r.status, r.stderr).to.equal(0);
  const dist = pathToFileURL(join(REPO_ROOT, 'dist')).href + '/';
  const sources = new Set<string>();
  for (const url of new Set(readFileSync(log, 'utf8').split('\n'))) {
    if (!url.startsWith(dist)) continue;
    const map = new URL(`${url}.map`);
    if (!existsSync(map)) continue;
    for (const s of (JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }).sources) sources.add(relative(REPO_ROOT, fileURLToPath(new URL(s, map))));
  }
  return [...sources].sort();
}

/** The engine proper: what only a run (`run`, a batch's workers) and `clear` need. */
const ENGINE = /^(engine\/(run|simulation)\.ts|output\/recorder\.ts|market\/(lp\/|clearNetwork\.ts)|node_modules\/(highs|javascript-lp-solver|rxjs)\/)/;

describe('gridbid commands load only what they run', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'gridbid-lazy-'));
    writeFileSync(join(dir, 'hook.mjs'), HOOK);
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('--version and --help load the command definitions: no scenario loader, agents, market or engine', () => {
    for (const args of [['--version'], ['--help'], ['batch', '--help']]) {
      const loaded = sourcesLoaded(dir, args);
      expect(loaded, args.join(' ')).to.include('cli/program.ts').and.include('cli/commands/batch.ts');
      const heavy = loaded.filter((s) => /^(engine\/scenario\/|agents\/|market\/|strategies\/|node_modules\/(zod|yaml|xstate)\/)/.test(s) || ENGINE.test(s));
      expect(heavy, args.join(' ')).to.deep.equal([]);
    }
  });

  it("gridbid batch's main thread plans with the scenario loader and never loads the engine, the recorder or the LP solvers; gridbid query loads neither", () => {
    const loaded = sourcesLoaded(dir, ['batch', 'test/fixtures/sweeps/tiny.yaml', '--out', join(dir, 'tiny'), '--workers', '1', '--no-database']);
    expect(readFileSync(join(dir, 'tiny', 'summary.csv'), 'utf8')).to.match(/,ok,/);
    // The hook saw planning: the sweep's scenario was validated in this thread.
    expect(loaded).to.include('batch/plan.ts').and.include('engine/scenario/schema.ts').and.include('batch/runBatch.ts');
    expect(loaded.filter((s) => ENGINE.test(s))).to.deep.equal([]);

    // gridbid query over that folder: DuckDB and the folder's files, not the planner.
    const query = sourcesLoaded(dir, ['query', join(dir, 'tiny'), 'select count(*) as runs from summary', '--format', 'csv']);
    expect(query).to.include('batch/query.ts');
    expect(query.filter((s) => /^(batch\/plan\.ts|engine\/scenario\/|agents\/|market\/|strategies\/|node_modules\/(zod|yaml|xstate)\/)/.test(s) || ENGINE.test(s))).to.deep.equal([]);
  });
});
