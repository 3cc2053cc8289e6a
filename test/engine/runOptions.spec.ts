/**
 * `runScenario`'s options from a program (the package's API; the CLI checks its flags
 * itself): what the CLI and a scenario file refuse is refused here too, as a user error
 * naming the option, before anything is written. A seed of −1 ran and was recorded in
 * summary.json, though neither `--seed -1` nor `seed: -1` can reproduce it; a format the
 * recorder does not know (or none) failed after the run with "CsvFile …: neither a file nor
 * a sink to write to", leaving a folder behind; a missing outDir died on node's
 * "The \"path\" argument must be of type string".
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../core/errors.ts';
import { runScenario, type RunOptions } from '../../engine/run.ts';
import { parseScenario } from '../../engine/scenario/load.ts';

const SCENARIO = `name: options
seed: 1
start: 2026-07-01T00:00:00Z
days: 1
intervalMinutes: 60
agents:
  - kind: generator
    id: g
    offers: [{ kw: 50, priceMwh: 30 }]
  - kind: home
    count: 2
`;

describe('runScenario: options from a program', () => {
  let root: string;
  before(() => (root = mkdtempSync(join(tmpdir(), 'gridbid-run-options-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  const refused = async (options: RunOptions): Promise<string> => {
    try {
      await runScenario(parseScenario(SCENARIO, 'options.yaml'), options);
    } catch (e) {
      expect(e).to.be.instanceOf(UserError);
      return (e as Error).message;
    }
    throw new Error(`accepted ${JSON.stringify(options)}`);
  };

  it('refuses a seed that is not a whole number ≥ 0, as --seed and seed: do', async () => {
    expect(await refused({ outDir: join(root, 'a'), seed: -1 })).to.equal('runScenario: options.seed must be a whole number ≥ 0 (as a scenario\'s seed), got -1');
    expect(await refused({ outDir: join(root, 'b'), seed: 1.5 })).to.equal('runScenario: options.seed must be a whole number ≥ 0 (as a scenario\'s seed), got 1.5');
    expect(existsSync(join(root, 'a')) || existsSync(join(root, 'b'))).to.equal(false);
  });

  it('refuses formats other than csv and parquet, and none at all, before writing anything', async () => {
    expect(await refused({ outDir: join(root, 'c'), formats: ['xml'] as unknown as RunOptions['formats'] })).to.equal("runScenario: options.formats: 'xml' is not an output format: expected csv, parquet or both");
    expect(await refused({ outDir: join(root, 'd'), formats: [] })).to.equal('runScenario: options.formats: expected csv, parquet or both, got none');
    expect(await refused({ outDir: join(root, 'e'), formats: 'csv' as unknown as RunOptions['formats'] })).to.equal('runScenario: options.formats: expected a list such as [\'csv\', \'parquet\'], got "csv"');
    expect(['c', 'd', 'e'].filter((f) => existsSync(join(root, f)))).to.deep.equal([]);
  });

  it('refuses a missing or empty outDir', async () => {
    expect(await refused({} as RunOptions)).to.equal('runScenario: options.outDir must name the output folder, got undefined');
    expect(await refused({ outDir: '' })).to.equal('runScenario: options.outDir must name the output folder, got ""');
  });

  it('runs with good options (seed 0 included)', async () => {
    const { summary } = await runScenario(parseScenario(SCENARIO, 'options.yaml'), { outDir: join(root, 'ok'), seed: 0, formats: ['csv'] });
    expect([summary.seed, summary.intervals, summary.books.closed]).to.deep.equal([0, 24, true]);
  });
});
