/**
 * gridbid as a user gets it from the registry: `npm pack`, installed into an empty
 * project (offline: after `npm ci` the npm cache holds every dependency), then
 * (a) plain `node` runs the README's "Use it as a library" example, verbatim, and
 *     prints what the README says it prints; CommonJS code require()s the package, and
 *     nothing but its entry point is reachable;
 * (b) a TypeScript project with `strict`, `exactOptionalPropertyTypes`, `nodenext`
 *     and `skipLibCheck: false` type-checks the README's EV strategy against the
 *     published declarations, and the unit brands (in the views too) reject a kWh where a kW is expected;
 * (c) the installed `gridbid` command prints its version, runs the README's scenario
 *     (its TypeScript strategy module compiled on load) and a two-run batch (the
 *     compiled worker threads), from the bundles (the CLI's and the worker's), not the
 *     separate modules beside them;
 * (d) with a package the workers load taken away (a broken install), a batch fails its runs
 *     with the reason and ends.
 * One pack and one install for the whole file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { ensureBuilt } from '../helpers/build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** The README section's files (`<!-- file: name -->` before a fence) and its printed output (`<!-- output: … -->`). */
export function readmeExample(readme: string): { files: Map<string, string>; output: string } {
  const start = readme.indexOf('## Use it as a library');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  const files = new Map<string, string>();
  for (const m of section.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```/g)) files.set(m[1]!, m[2]!);
  const out = /<!-- output: [^>]*-->\n```console\n\$[^\n]*\n([\s\S]*?)```/.exec(section);
  return { files, output: out?.[1] ?? '' };
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the packed package, installed into a new project', function () {
  this.timeout(180_000);
  let dir: string;
  let packed: string[];
  const example = readmeExample(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const run = (cmd: string, args: readonly string[]): Run => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'gridbid-consumer-'));
    // dist/ is current (ensureBuilt), so pack it as it is rather than build it again.
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    packed = info!.files.map((f) => f.path);
    const typesNode = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(dir, info!.filename), `@types/node@${typesNode}`], { cwd: dir, stdio: 'pipe' });
    for (const [name, text] of example.files) writeFileSync(join(dir, name), text);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the compiled engine, its declarations, docs and scenarios; no tests, no TypeScript sources', () => {
    expect(packed).to.include.members(['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'bin/gridbid.js', 'docs/strategies.md', 'scenarios/default.yaml', 'README.md', 'package.json']);
    // dist/test/… too: tsc compiles whatever a shipped module imports (the layering rule shipped-code-imports-shipped-code).
    expect(packed.filter((f) => /^(dist\/)?(test|bench|scripts)\//.test(f))).to.deep.equal([]);
    expect(packed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).to.deep.equal([]);
  });

  it('ships the licence of every npm package whose code its bundles copy', () => {
    // The bundles (dist/**/*.bundle.js and the CLI's chunks) hold copies of packages' code;
    // their source maps name each file they came from, so the packages are read from there.
    const dist = join(dir, 'node_modules', 'gridbid', 'dist');
    const copied = new Set<string>();
    for (const map of packed.filter((f) => /^dist\/.*\.(bundle|chunk-[^/]*)\.js\.map$/.test(f))) {
      const { sources } = JSON.parse(readFileSync(join(dir, 'node_modules', 'gridbid', map), 'utf8')) as { sources: string[] };
      for (const s of sources) {
        const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(s);
        if (m) copied.add(m[1]!);
      }
    }
    expect(copied.size, 'packages in the bundles').to.be.greaterThan(5);
    expect(packed).to.include('dist/THIRD-PARTY-LICENSES.txt');
    const notices = readFileSync(join(dist, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    // Each package under a heading of its name and version (the one bundled: a nested copy's, say ansi-regex 5 under string-width).
    const named = new Set([...notices.matchAll(/^((?:@[^/\s]+\/)?[^@\s]+)@\d[^\s]* \(/gm)].map((m) => m[1]!));
    expect([...copied].filter((name) => !named.has(name)), 'bundled packages without their licence').to.deep.equal([]);
    expect(notices).to.contain('Apache License'); // rxjs's
    expect(notices).to.contain('Permission is hereby granted, free of charge'); // the MIT ones'
  });

  it('(a) plain node runs the README example and prints what the README shows', () => {
    expect([...example.files.keys()]).to.deep.equal(['my-ev-strategy.ts', 'scenario.yaml', 'run.mjs']);
    const r = run(process.execPath, ['run.mjs']);
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal(example.output);
    expect(existsSync(join(dir, 'results', 'library-example', 'report.html'))).to.equal(true);
  });

  it('(b) a strict TypeScript project type-checks the EV strategy against the published declarations', () => {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['my-ev-strategy.ts', 'units.ts'],
      }),
    );
    // Each @ts-expect-error must meet an error, or tsc fails: the brands and literal kinds really are in the types.
    writeFileSync(
      join(dir, 'units.ts'),
      [
        "import { energyKwh, hours, kw, type BuildingView, type EvView, type HomeView, type Kw, type Kwh, type MarketView, type PricePerMwh, type Strategy } from 'gridbid';",
        'const charged = energyKwh(kw(7.4), hours(0.25));',
        '// @ts-expect-error a kWh is not a kW',
        'export const power: Kw = charged;',
        "// @ts-expect-error an EV's state of charge is energy, not power",
        'export const soc = (view: EvView): Kw => view.socKwh;',
        "// @ts-expect-error an EV's view is of kind 'ev'",
        "export const kind: (view: EvView) => 'storage' = (view) => view.kind;",
        '// @ts-expect-error the market view\'s prices are currency/MWh, not power',
        'export const cap = (market: MarketView): Kw => market.priceCapMwh;',
        'export const forecast = (market: MarketView): readonly PricePerMwh[] => market.priceForecastMwh;',
        '// @ts-expect-error what a home wants is power, not energy',
        'export const wanted = (view: HomeView): Kwh => view.desiredKw;',
        '// @ts-expect-error a building\'s curtailable power is not a price',
        'export const curtailable = (view: BuildingView): PricePerMwh => view.curtailableKw;',
        "export const typed: Strategy<EvView> = { id: 'x', bid: (view) => [{ side: 'buy', priceMwh: 50, quantityKw: view.mustChargeKw }] };",
        // A run's summary is typed: the README's run.mjs lines, written in TypeScript, compile.
        "import { runScenario, type RunSummary } from 'gridbid';",
        "export const report = async (scenario: Parameters<typeof runScenario>[0]): Promise<string> => { const { summary } = await runScenario(scenario, { outDir: 'out' }); return `${summary.intervals} ${summary.books.closed} ${summary.kpis.agentFaults.length} ${summary.kpis.byKind['home']?.energyKwh ?? 0}`; };",
        // A run stopped through RunOptions.signal rejects with RunInterrupted: a caller can tell it from a failure.
        "import { RunInterrupted } from 'gridbid';",
        "export const stopped = (err: unknown): string => (err instanceof RunInterrupted ? `${err.pass} ${err.intervalsDone}/${err.intervals}` : 'failed');",
        '// @ts-expect-error money in a summary is exact decimal text, not a number',
        'export const paid = (s: RunSummary): number => s.kpis.totalCost;',
        '',
      ].join('\n'),
    );
    const r = run(process.execPath, [TSC, '-p', '.']);
    expect(r.stdout + r.stderr).to.equal('');
    expect(r.status).to.equal(0);
  });

  it('(a) CommonJS code can require() the package, and deep imports stay closed', () => {
    // The declarations type a CommonJS project's `import … from 'gridbid'` (it compiles to
    // require('gridbid')); an exports map with only an `import` condition then failed at run
    // time with "No \"exports\" main defined". Node ≥ 20.19 (engines) requires the ES module.
    writeFileSync(
      join(dir, 'clear.cjs'),
      [
        "const { agentId, busId, clear } = require('gridbid');",
        'const { result } = clear([',
        "  { id: 'b1', agentId: agentId('home-1'), bus: busId('n1'), interval: 0, segments: [{ side: 'buy', priceMwh: 120, quantityKw: 5 }] },",
        "  { id: 's1', agentId: agentId('wind-1'), bus: busId('n1'), interval: 0, segments: [{ side: 'sell', priceMwh: 40, quantityKw: 8 }] },",
        ']);',
        'console.log(`price ${result.busPriceMwh[0]} /MWh, welfare ${result.welfare.toFixed(2)} per interval`);',
        "try { require('gridbid/dist/market/auction.js'); console.log('deep import reachable'); } catch (e) { console.log(e.code); }",
        '',
      ].join('\n'),
    );
    const r = run(process.execPath, ['clear.cjs']);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('price 40 /MWh, welfare 0.10 per interval\nERR_PACKAGE_PATH_NOT_EXPORTED\n');
  });

  it('(c) the installed gridbid command: --version, run, and a batch on compiled worker threads', () => {
    const version = run('npx', ['--offline', 'gridbid', '--version']);
    expect([version.status, version.stdout.trim()]).to.deep.equal([0, pkg.version]);

    const single = run('npx', ['--offline', 'gridbid', 'run', 'scenario.yaml', '--out', 'cli-run']);
    expect(single.status, single.stderr).to.equal(0);
    const summary = JSON.parse(readFileSync(join(dir, 'cli-run', 'summary.json'), 'utf8')) as { intervals: number; kpis: { agentFaults: unknown[] } };
    expect([summary.intervals, summary.kpis.agentFaults]).to.deep.equal([24, []]);

    writeFileSync(join(dir, 'sweep.yaml'), 'name: two-seeds\nbase: scenario.yaml\nreplications: 2\n');
    const batch = run('npx', ['--offline', 'gridbid', 'batch', 'sweep.yaml', '--out', 'cli-batch', '--workers', '2']);
    expect(batch.status, batch.stderr).to.equal(0);
    expect(batch.stdout).to.match(/2 runs, 2 ok, 0 failed; 2 workers/);
  });

  it('(c) the installed command and its workers run the bundles (npm extracts them before their modules: file times must not decide)', async () => {
    const dist = join(dir, 'node_modules', 'gridbid', 'dist');
    const { builtCode } = (await import(pathToFileURL(join(dist, 'core', 'bundleStamp.js')).href)) as { builtCode: (modules: URL, bundle: URL) => URL };
    const { workerCode } = (await import(pathToFileURL(join(dist, 'batch', 'workerCode.js')).href)) as { workerCode: () => { url: string } };
    const program = pathToFileURL(join(dist, 'cli', 'program.js'));
    expect(builtCode(program, new URL('program.bundle.js', program)).href).to.equal(pathToFileURL(join(dist, 'cli', 'program.bundle.js')).href);
    expect(workerCode().url).to.equal(pathToFileURL(join(dist, 'batch', 'worker.bundle.js')).href);
  });

  it('(d) a broken install (a package the workers load is missing): the batch fails each run with why, and ends', () => {
    // highs is loaded by the worker's bundle, not by the command's main thread (which plans): without
    // it no worker can load, and a batch used to wait for ever on a thread that would never start.
    const highs = join(dir, 'node_modules', 'highs');
    renameSync(highs, `${highs}.away`);
    try {
      const batch = run('npx', ['--offline', 'gridbid', 'batch', 'sweep.yaml', '--out', 'broken-batch', '--workers', '2']);
      expect(batch.status, batch.stderr).to.equal(3);
      expect(batch.stdout).to.match(/2 runs, 0 ok, 2 failed/);
      expect(batch.stdout).to.contain("its worker thread could not load gridbid's code: internal error (please report it): Error: Cannot find package 'highs'");
      expect(readFileSync(join(dir, 'broken-batch', 'summary.csv'), 'utf8')).to.contain("could not load gridbid's code");
    } finally {
      renameSync(`${highs}.away`, highs);
    }
  });
});
