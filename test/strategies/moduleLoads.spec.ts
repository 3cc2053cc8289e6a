import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';
import { gridbidInProcess, hasStackTrace, REPO_ROOT } from '../helpers/cli.ts';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/strategies');

/** One plant of 100 kW run by `module`, and three homes whose load it serves: the plant sets the price. */
const scenario = (module: string): string => `name: module-loads
start: 2026-07-01T00:00:00Z
days: 0.25
intervalMinutes: 60
agents:
  - kind: generator
    id: plant
    offers: [{ kw: 100, priceMwh: 50 }]
    strategy: { module: ${join(FIXTURES, module)} }
  - kind: home
    idPrefix: home
    count: 3
`;

describe('strategy modules are loaded afresh for every run', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'gridbid-module-loads-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const prices = (out: string): number[] => (parse(readFileSync(join(out, 'intervals.csv')), { columns: true }) as Array<{ price: string }>).map((r) => Number(r.price));

  it("a module's top-level state does not carry over into the next run of the process (a batch worker's next run)", async function () {
    this.timeout(60_000);
    const file = join(dir, 'counts.yaml');
    writeFileSync(file, scenario('countsCalls.mjs'));
    await runScenarioFile(file, { outDir: join(dir, 'a') });
    await runScenarioFile(file, { outDir: join(dir, 'b') });
    // Six hourly intervals, the plant offering at its call count: 1, 2, … 6 /MWh in each run.
    // Loaded once per process, the second run went on counting: 7 … 12.
    expect(prices(join(dir, 'a'))).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(prices(join(dir, 'b'))).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it('a factory that throws when creating its strategy is a user error naming the module and the agent, without a stack', async function () {
    this.timeout(60_000);
    const file = join(dir, 'throws.yaml');
    writeFileSync(file, scenario('throwsOnCreate.mjs'));
    const r = await gridbidInProcess(['run', file, '--out', join(dir, 'c')]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain("throwsOnCreate.mjs: export 'default' threw while creating the strategy");
    expect(r.stderr).to.contain('no tariff file given');
    expect(r.stderr).not.to.contain('internal error');
    expect(hasStackTrace(r.stderr)).to.equal(false);
  });
});
