import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
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

describe('strategy modules that fail when the run creates their strategy', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'gridbid-module-loads-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a factory that throws when creating its strategy is a user error naming the module, without a stack', async function () {
    this.timeout(60_000);
    const file = join(dir, 'throws.yaml');
    writeFileSync(file, scenario('throwsOnCreate.mjs'));
    const r = await gridbidInProcess(['run', file, '--out', join(dir, 'c')]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain("throwsOnCreate.mjs: export 'default' threw while creating the strategy");
    // Located in the scenario: its file and the group (the plant, a kind with one strategy per group, has no agent id in it).
    expect(r.stderr).to.contain(`${file}: agents[0]: `);
    expect(r.stderr).to.contain('no tariff file given');
    expect(r.stderr).not.to.contain('internal error');
    expect(hasStackTrace(r.stderr)).to.equal(false);
  });

  it('an async factory is a user error saying so, and its rejection does not end the process first', async function () {
    this.timeout(60_000);
    const file = join(dir, 'async.yaml');
    writeFileSync(file, scenario('asyncFactory.mjs'));
    const r = await gridbidInProcess(['run', file, '--out', join(dir, 'd')]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain("asyncFactory.mjs: export 'default' returned a Promise: a factory must return the Strategy itself");
    expect(r.stderr).not.to.contain('not ready');
    expect(hasStackTrace(r.stderr)).to.equal(false);
  });

  it('a run whose module fails before the first result leaves no folder marked INCOMPLETE', async function () {
    this.timeout(60_000);
    const file = join(dir, 'throws-out.yaml');
    writeFileSync(file, scenario('throwsOnCreate.mjs'));
    // The folders the run creates are removed again, its parents too; one that was there is left as it was (empty).
    const created = join(dir, 'new', 'run');
    const r = await gridbidInProcess(['run', file, '--out', created]);
    expect(r.status).to.equal(1);
    expect(existsSync(created)).to.equal(false);
    expect(existsSync(join(dir, 'new')), 'the parent it created').to.equal(false);
    expect(existsSync(dir)).to.equal(true);
    const given = join(dir, 'given');
    mkdirSync(given);
    expect((await gridbidInProcess(['run', file, '--out', given])).status).to.equal(1);
    expect(readdirSync(given)).to.deep.equal([]);
    // So the next run into it finds nothing to report ("held a run that did not finish" was printed before).
    writeFileSync(file, scenario('remembers.mjs'));
    const next = await gridbidInProcess(['run', file, '--out', given]);
    expect(next.status, next.stderr).to.equal(0);
    expect(next.stderr).not.to.contain('did not finish');
  });
});
