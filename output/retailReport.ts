/**
 * The run report's retail section: what customers paid under each tariff (average
 * bill per customer, overall and per kind) and what each retailer made of it
 * (bills − market cost − imbalance cost = margin). Read from the run's own key figures
 * (`kpis.retail`, `kpis.retailers`), so the page shows exactly what summary.json says;
 * money is printed as the exact decimal text it has there.
 */
import { escapeHtml } from './report.ts';

interface TariffBills {
  readonly customers: number;
  readonly total: string;
  readonly averagePerCustomer: string;
  readonly byKind: Record<string, { readonly customers: number; readonly averagePerCustomer: string }>;
}

interface RetailerBook {
  readonly revenue: string;
  readonly marketCost: string;
  readonly imbalanceCost: string;
  readonly margin: string;
  readonly imbalanceKwh: number;
}

const table = (head: readonly string[], rows: ReadonlyArray<readonly string[]>): string =>
  `<div class="table-scroll"><table class="events"><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>` +
  rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('') +
  '</table></div>';

/** The section's HTML, or undefined for a run without retail customers. */
export function retailSectionHtml(kpis: Record<string, unknown>): string | undefined {
  const retail = kpis.retail as { bills?: Record<string, TariffBills>; tariffSwitches?: number; retailerSwitches?: number; customersByRetailer?: Record<string, number[]> } | undefined;
  if (!retail?.bills) return undefined;
  const tariffs = Object.entries(retail.bills);
  const kinds = [...new Set(tariffs.flatMap(([, t]) => Object.keys(t.byKind)))].sort();
  const bills = table(
    ['tariff', 'customers', 'bills in all', 'average per customer', ...kinds.map((k) => `average per ${k}`)],
    tariffs.map(([id, t]) => [
      id,
      String(t.customers),
      t.total,
      t.averagePerCustomer,
      ...kinds.map((k) => (t.byKind[k] ? `${t.byKind[k].averagePerCustomer} (${t.byKind[k].customers})` : '')),
    ]),
  );
  const retailers = Object.entries((kpis.retailers ?? {}) as Record<string, RetailerBook>);
  const books = table(
    ['retailer', 'bills (revenue)', 'market cost', 'imbalance cost', 'margin', 'imbalance kWh (+ short)'],
    retailers.map(([id, r]) => [id, r.revenue, r.marketCost, r.imbalanceCost, r.margin, String(r.imbalanceKwh)]),
  );
  const switches = retail.tariffSwitches ?? 0;
  return (
    '<p>Bills over the whole run (every local calendar day of the site is one billing period); a customer is counted under each tariff it was billed on. ' +
    'In brackets: customers of the kind.</p>' +
    bills +
    `<p>Tariff switches: ${switches}. Margin = bills − market cost − imbalance cost (its customers' deviation from what it bought, settled at the imbalance price).</p>` +
    books +
    competitionHtml(retail.retailerSwitches, retail.customersByRetailer)
  );
}

/** With `tariffChoice.among: every-retailer`: each retailer's customers on each billing day, and the moves between retailers. */
function competitionHtml(moves: number | undefined, byRetailer: Record<string, number[]> | undefined): string {
  if (moves === undefined || byRetailer === undefined) return '';
  const days = Math.max(0, ...Object.values(byRetailer).map((d) => d.length));
  return (
    `<p>Customers changing retailer: ${moves} move${moves === 1 ? '' : 's'}. Each retailer's customers on each billing day:</p>` +
    table(['retailer', ...Array.from({ length: days }, (_, d) => `day ${d + 1}`)], Object.entries(byRetailer).map(([id, perDay]) => [id, ...perDay.map(String)]))
  );
}
