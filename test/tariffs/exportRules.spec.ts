/**
 * One PV home, one day, billed from its meter at the connection point under each
 * export rule — numbers worked out by hand below.
 *
 * The home, hour by hour (24 one-hour intervals, UTC): its loads draw 1 kW all day;
 * its panels make 3 kW from 10:00 to 14:00 (four hours) and nothing otherwise. Its meter
 * nets the two within each hour:
 *   20 hours importing 1 kW           → net import M = 20 kWh
 *   4 hours exporting 3 − 1 = 2 kW     → net export X = 8 kWh
 *   gross registers: consumed 24 kWh, generated 12 kWh.
 * Flat tariff 0.25/kWh, no fixed charge.
 *
 *   net metering (surplus credit 0.04): E = 20 × 0.25 = 5.00; exports valued at the retail
 *     price V = 8 × 0.25 = 2.00; offset min(V, E) = 2.00; no net surplus (X < M) → 3.00
 *   net billing at 0.07/kWh:            5.00 − 8 × 0.07 = 5.00 − 0.56 = 4.44
 *   buy-all/sell-all at 0.07/kWh:       24 × 0.25 − 12 × 0.07 = 6.00 − 0.84 = 5.16
 *
 * (Billing the gross registers under net billing — what gridbid did before meters — would
 * have given 5.16 too: self-consumption never credited.)
 */
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { parseSimTime } from '../../core/time.ts';
import { intervalAt } from '../../core/clock.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { DEFAULT_RULES } from '../../market/types.ts';
import { busId } from '../../core/units.ts';
import { parseTariffs } from '../../tariffs/schema.ts';
import type { Tariff } from '../../tariffs/types.ts';

const start = parseSimTime('2026-07-01T00:00:00Z')!;
const clock = { start, intervalMinutes: 60, intervals: 24, gateClosureMinutes: 5 };
const q = DEFAULT_RULES.quantumKw;
const loadKw = (): number => 1;
const pvKw = (h: number): number => (h >= 10 && h < 14 ? 3 : 0);

function tariff(exportRule: unknown): Tariff {
  const r = parseTariffs([{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25, export: exportRule }]);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value[0]!;
}

/** Meters the day through the retail desk; returns the bill and the charges it accrued interval by interval. */
function billDay(t: Tariff): { total: string; importKwh: string; exportKwh: string; accrued: Decimal } {
  const desk = new RetailDesk([t], new Map([[t.id, 1]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: t.id }], 1, clock, DEFAULT_RULES);
  let accrued = new Decimal(0);
  for (let h = 0; h < 24; h++) {
    const interval = intervalAt(clock, h);
    desk.recordPrices(interval, Float64Array.of(50));
    const consumed = Math.round(loadKw() / q);
    const generated = Math.round(pvKw(h) / q);
    const net = consumed - generated;
    accrued = accrued.plus(desk.meter(0, interval, { importQuanta: Math.max(0, net), exportQuanta: Math.max(0, -net), consumedQuanta: consumed, generatedQuanta: generated }));
  }
  desk.closeDay(0);
  const bill = desk.bills[0]!.bill;
  return { total: bill.total.toFixed(2), importKwh: bill.importKwh.toFixed(), exportKwh: bill.exportKwh.toFixed(), accrued };
}

describe('bills of a PV home from its meter, under each export rule (hand-computed)', () => {
  it('net metering: 20 kWh net import, 8 kWh net export offset at the retail price → 3.00', () => {
    const b = billDay(tariff({ type: 'net-metering', netExportCreditPerKwh: 0.04 }));
    expect(b).to.include({ total: '3.00', importKwh: '20', exportKwh: '8' });
    expect(b.accrued.toFixed(2)).to.equal('3.00'); // interval by interval: 20 × 0.25 − 8 × 0.25
  });

  it('net billing: the net interval export earns its own rate → 5.00 − 0.56 = 4.44 (feed-in, its older name, the same)', () => {
    for (const type of ['net-billing', 'feed-in']) {
      const b = billDay(tariff({ type, exportPricePerKwh: 0.07 }));
      expect(b, type).to.include({ total: '4.44', importKwh: '20', exportKwh: '8' });
      expect(b.accrued.toFixed(2), type).to.equal('4.44');
    }
  });

  it('buy-all/sell-all: the gross registers, 24 kWh bought and 12 kWh sold → 6.00 − 0.84 = 5.16', () => {
    const b = billDay(tariff({ type: 'buy-all-sell-all', exportPricePerKwh: 0.07 }));
    expect(b).to.include({ total: '5.16', importKwh: '24', exportKwh: '12' });
    expect(b.accrued.toFixed(2)).to.equal('5.16');
  });

  it('without an export rule the exports earn nothing: 20 × 0.25 = 5.00', () => {
    const r = parseTariffs([{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25 }]);
    expect(r.ok).to.equal(true);
    if (r.ok) expect(billDay(r.value[0]!).total).to.equal('5.00');
  });
});
