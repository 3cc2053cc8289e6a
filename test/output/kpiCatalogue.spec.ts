import { expect } from 'chai';
import { isCatalogued, kpiInfo, kpiTitle } from '../../output/kpiCatalogue.ts';
import { DEFAULT_REPORT_KPIS } from '../../batch/plan.ts';

describe('output/kpiCatalogue', () => {
  it('names a KPI with its unit, the wildcard segment filled in', () => {
    expect(kpiTitle('peakKw')).to.equal('Peak demand (kW)');
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

  it('makes a readable name and a unit from the suffix for a KPI nobody catalogued yet', () => {
    expect(isCatalogued('storage.cycledKwh')).to.equal(false);
    expect(kpiInfo('storage.cycledKwh')).to.deep.equal({ name: 'Storage cycled', unit: 'kWh', meaning: '' });
    expect(kpiTitle('daySpreadMwh')).to.equal('Day spread (currency/MWh)');
    expect(kpiTitle('someNewCount')).to.equal('Some new count (count)');
  });
});
