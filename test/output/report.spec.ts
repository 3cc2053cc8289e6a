/**
 * output/report.ts's HTML, as text: the Key figures table names every KPI from the catalogue
 * and shows what a list KPI holds (the browser tests, test/browser, check the page as drawn).
 */
import { expect } from 'chai';
import { renderReport } from '../../output/report.ts';

const page = (kpis: Record<string, unknown>): string => renderReport({ title: 't', subtitle: 's', kpis, charts: [] });

describe('output/report', () => {
  it("shows a list KPI's items, not '1 item(s)': the self-healing operator's restoration", () => {
    const html = page({
      operations: {
        reliability: {
          restorations: [{ branch: '8-9', faultAt: '2026-01-14T17:00:00Z', restoredAt: '2026-01-14T17:15:00Z', restorationMinutes: 15, ties: ['12-22'], unservedBuses: [] }],
        },
      },
      clearingProblems: [],
    });
    expect(html).not.to.include('item(s)');
    expect(html).to.match(/>Restorations after faults \(count\)<\/th><td>1<ul class="items"><li>branch 8-9 · fault at 2026-01-14T17:00:00Z · restored at 2026-01-14T17:15:00Z · restoration minutes 15 · ties 12-22 · unserved buses none<\/li><\/ul><\/td>/);
    // An empty list is 0 of its count, as summary.csv has it, not 'none' under a count unit.
    expect(html).to.match(/>Clearing problems listed \(count\)<\/th><td>0<\/td>/);
  });

  it("names each key figure with the catalogue's unit, or none, and its meaning on hover", () => {
    const html = page({ feeder: { worstVoltagePu: { value: 0.948477, bus: 'end', at: '2026-06-17T01:00:00Z' } }, demandResponsePaid: '266.838225' });
    expect(html).to.match(/<th title="Lowest AC voltage[^"]*">Lowest voltage \(p\.u\.\)<\/th><td>0\.948477<\/td>/);
    expect(html).to.match(/>Bus of the lowest voltage<\/th><td>end<\/td>/);
    expect(html).to.match(/>Time of the lowest voltage \(time \(UTC\)\)<\/th><td>2026-06-17T01:00:00Z<\/td>/);
    expect(html).to.match(/>Demand response paid \(currency\)<\/th><td>266\.838225<\/td>/);
    expect(html).not.to.include('(count)');
  });
});
