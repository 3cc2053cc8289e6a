import { expect } from 'chai';
import { retailSectionHtml } from '../../output/retailReport.ts';

/** The cells of each table row, tags stripped. */
const rows = (html: string): string[][] =>
  [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd]>(.*?)<\/t[hd]>/g)].map((c) => c[1]!));

describe('output/retailReport: the run report’s retail bills table', () => {
  it('no section for a run without retail customers', () => {
    expect(retailSectionHtml({ welfare: 1 })).to.equal(undefined);
  });

  it('one row per tariff with the averages per kind, one per retailer with its margin, as summary.json has them', () => {
    // Two tariffs: 3 homes on tou paid 10.00 + 11.00 + 12.03 = 33.03 (11.01 each), one EV on rtp 4.50.
    const kpis = {
      retail: {
        bills: {
          rtp: { customers: 1, total: '4.5', averagePerCustomer: '4.5', byKind: { ev: { customers: 1, averagePerCustomer: '4.5' } } },
          tou: { customers: 3, total: '33.03', averagePerCustomer: '11.01', byKind: { home: { customers: 3, averagePerCustomer: '11.01' } } },
        },
        averageBillByKind: { ev: '4.5', home: '11.01' },
        tariffSwitches: 2,
      },
      // 37.53 − 20.1 − 0.43 = 17
      retailers: { 'r<1>': { revenue: '37.53', revenueAccruedEnergy: '36', marketCost: '20.1', imbalanceCost: '0.43', margin: '17', imbalanceKwh: -1.5 } },
    };
    const html = retailSectionHtml(kpis)!;
    expect(rows(html)).to.deep.equal([
      ['tariff', 'customers', 'bills in all', 'average per customer', 'average per ev', 'average per home'],
      ['rtp', '1', '4.5', '4.5', '4.5 (1)', ''],
      ['tou', '3', '33.03', '11.01', '', '11.01 (3)'],
      ['retailer', 'bills (revenue)', 'market cost', 'imbalance cost', 'margin', 'imbalance kWh (+ short)'],
      ['r&lt;1&gt;', '37.53', '20.1', '0.43', '17', '-1.5'],
    ]);
    expect(html).to.contain('Tariff switches: 2.');
  });

  it('with customers changing retailer: the moves, and a row per retailer of its customers on each billing day', () => {
    const kpis = {
      retail: {
        bills: { cheap: { customers: 2, total: '3', averagePerCustomer: '1.5', byKind: { home: { customers: 2, averagePerCustomer: '1.5' } } } },
        tariffSwitches: 1,
        retailerSwitches: 1,
        customersByRetailer: { r1: [1, 0, 0], r2: [1, 2, 2] },
      },
      retailers: {},
    };
    const html = retailSectionHtml(kpis)!;
    expect(html).to.contain('Customers changing retailer: 1 move.');
    expect(rows(html).slice(-3)).to.deep.equal([
      ['retailer', 'day 1', 'day 2', 'day 3'],
      ['r1', '1', '0', '0'],
      ['r2', '1', '2', '2'],
    ]);
    // Without the key (customers choosing within their retailer): no such table.
    expect(retailSectionHtml({ ...kpis, retail: { ...kpis.retail, retailerSwitches: undefined, customersByRetailer: undefined } })).to.not.contain('changing retailer');
  });
});
