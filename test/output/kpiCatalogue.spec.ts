import { type Dirent, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { isCatalogued, kpiInfo, kpiTitle } from '../../output/kpiCatalogue.ts';
import { DEFAULT_REPORT_KPIS } from '../../batch/plan.ts';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

/** The example scenarios (as compare:examples picks them: scenario files, not sweeps or batches). */
function exampleScenarios(): string[] {
  return (readdirSync(join(REPO_ROOT, 'scenarios'), { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => {
      const doc = parse(readFileSync(f, 'utf8')) as Record<string, unknown> | null;
      return doc !== null && !('base' in doc) && !('sweep' in doc) && !('runs' in doc) && 'agents' in doc;
    })
    .sort();
}

/** summary.json's kpis as path → value (lists are values, as the report shows them). */
function flatten(o: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out.set(prefix + k, v);
  }
  return out;
}

describe('output/kpiCatalogue', () => {
  it('names a KPI with its unit, the wildcard segment filled in', () => {
    expect(kpiTitle('peakKw')).to.equal('Peak consumption (kW)');
    expect(kpiTitle('operations.demandResponse.dso.responses.opt-in')).to.equal('Commands of dso answered opt-in (count)');
    // With prePosition.cars only (no example has it): the cars away when asked, not answered again before the event.
    expect([isCatalogued('operations.demandResponse.dso.prePosition.responses.away'), kpiTitle('operations.demandResponse.dso.prePosition.responses.away')]).to.deep.equal([true, 'Pre-positioning setpoints of dso answered away (count)']);
    expect(kpiTitle('feeder.worstVoltagePu.bus')).to.equal('Bus of the lowest voltage');
    expect(kpiTitle('comms.linkUtilisationPct.feeder-backhaul')).to.equal('Utilisation of link feeder-backhaul (%)');
    expect(kpiTitle('averagePriceMwh')).to.equal('Average price (currency/MWh)');
    expect(kpiTitle('retail.averageBillByKind.home')).to.equal('Average bill, home (currency)');
    expect(kpiTitle('byKind.ev.unservedKwh')).to.equal('Unserved energy of ev agents (kWh)');
    expect(kpiTitle('rejectedBids.gate-closed')).to.equal('Rejected bids: gate-closed (count)');
    expect(kpiInfo('comfortViolationDegreeHours').unit).to.equal('°C·h');
  });

  it('catalogues every KPI the batch report charts by default, with a meaning', () => {
    for (const k of DEFAULT_REPORT_KPIS) {
      expect(isCatalogued(k), k).to.equal(true);
      expect(kpiInfo(k).meaning, k).not.to.equal('');
    }
  });

  it('makes a readable name for a KPI nobody catalogued yet, with a unit only where its suffix states one', () => {
    expect(isCatalogued('storage.cycledKwh')).to.equal(false);
    expect(kpiInfo('storage.cycledKwh')).to.deep.equal({ name: 'Storage cycled', unit: 'kWh', meaning: '' });
    expect(kpiTitle('daySpreadMwh')).to.equal('Day spread (currency/MWh)');
    expect(kpiTitle('someNewCount')).to.equal('Some new count (count)');
    // Not '(count)' for a voltage, a bus name or a time: no unit rather than a wrong one.
    expect(kpiInfo('feeder.newExtreme.bus').unit).to.equal('');
    expect(kpiTitle('feeder.newExtreme.bus')).to.equal('Feeder new extreme bus');
    expect(kpiTitle('storage.reactiveKvarh')).to.equal('Storage reactive (kvarh)');
  });

  it("catalogues every KPI of every example scenario's summary.json, with a meaning and a unit its values fit", async function () {
    this.timeout(300_000);
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-kpis-'));
    const paths = new Map<string, Array<{ scenario: string; value: unknown }>>();
    try {
      const scenarios = exampleScenarios();
      expect(scenarios.length).to.be.greaterThan(10);
      for (const [i, file] of scenarios.entries()) {
        const out = join(dir, String(i));
        await runScenarioFile(file, { outDir: out });
        const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { kpis: Record<string, unknown> };
        for (const [path, value] of flatten(summary.kpis)) paths.set(path, [...(paths.get(path) ?? []), { scenario: relative(REPO_ROOT, file), value }]);
        rmSync(out, { recursive: true, force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const missing = [...paths.keys()].filter((p) => !isCatalogued(p));
    expect(missing, 'KPI paths of example runs with no entry in output/kpiCatalogue.ts').to.deep.equal([]);
    for (const [path, seen] of paths) {
      const { unit, meaning } = kpiInfo(path);
      expect(meaning, path).not.to.equal('');
      for (const { scenario, value } of seen) {
        const where = `${path} = ${JSON.stringify(value)} in ${scenario} (unit '${unit}')`;
        if (value === null) continue;
        if (unit === 'count') expect(Array.isArray(value) || Number.isInteger(value), where).to.equal(true);
        else if (unit === 'time (UTC)') expect(value, where).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/);
        else if (unit === 'yes/no') expect(value, where).to.be.a('boolean');
        else if (unit !== '') expect(Number.isFinite(typeof value === 'string' ? Number(value) : value), where).to.equal(true);
      }
    }
  });
});
