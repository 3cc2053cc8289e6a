/**
 * A run's outputs do not depend on the locale of the machine: the same scenario and seed
 * under LC_ALL=et_EE.UTF-8 (Estonian collation puts `z` between `s` and `t`) and under
 * LC_ALL=C.UTF-8 write the same files, byte for byte. The scenario's tariffs are named so
 * that the two collations order them differently (`tou`, `zrtp`), and summary.json lists the
 * bills by tariff (core/textOrder.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { ensureBuilt } from '../helpers/build.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/gridbid.js', import.meta.url));

/** The tariff study's population, one day, a few agents of each group; the EVs on `zrtp`, the plain homes on `tou`. */
function scenarioYaml(): string {
  const raw = parse(readFileSync(join(REPO_ROOT, 'scenarios', 'tariff-study', 'population.yaml'), 'utf8')) as {
    days: number;
    tariffs: Array<{ id: string }>;
    agents: Array<{ kind: string; idPrefix?: string; count?: number; tariff?: string; tariffs?: string[] }>;
  };
  raw.days = 1;
  for (const t of raw.tariffs) if (t.id === 'rtp') t.id = 'zrtp';
  for (const g of raw.agents) {
    if (g.tariffs) g.tariffs = g.tariffs.map((t) => (t === 'rtp' ? 'zrtp' : t));
    if (g.count !== undefined) g.count = Math.min(g.count, 4);
    if (g.kind === 'ev') g.tariff = 'zrtp';
    if (g.kind === 'home' && g.idPrefix === 'home') g.tariff = 'tou';
  }
  return stringify(raw);
}

describe('outputs under another locale', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'gridbid-locale-'));
    writeFileSync(join(dir, 'scenario.yaml'), scenarioYaml());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('Estonian and C locales write the same files, byte for byte', () => {
    // Estonian collation really orders these names otherwise than code units do.
    const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(String('zrtp'.localeCompare('tou')))"], { env: { ...process.env, LC_ALL: 'et_EE.UTF-8' }, encoding: 'utf8' });
    expect(probe.stdout).to.equal('-1');
    const run = (locale: string): string => {
      const out = join(dir, locale);
      const r = spawnSync(process.execPath, [BIN, 'run', 'scenario.yaml', '--out', out], { cwd: dir, env: { ...process.env, LC_ALL: locale, LANG: locale }, encoding: 'utf8', timeout: 110_000 });
      expect(r.status, r.stderr).to.equal(0);
      return out;
    };
    const c = run('C.UTF-8');
    const et = run('et_EE.UTF-8');
    const files = readdirSync(c).sort();
    expect(readdirSync(et).sort()).to.deep.equal(files);
    const bills = Object.keys((JSON.parse(readFileSync(join(c, 'summary.json'), 'utf8')) as { kpis: { retail: { bills: object } } }).kpis.retail.bills);
    expect(bills).to.deep.equal(['flat', 'tou', 'zrtp']);
    for (const f of files) expect(readFileSync(join(et, f)).equals(readFileSync(join(c, f))), f).to.equal(true);
  });
});
