/**
 * RetailDesk.billFromMdms (issue 17 item 3), by hand: on a communication plane a day's
 * bill waits for the MDMS and is computed from its validated series, not from the meter
 * phase's figures. One customer on a flat 0.25/kWh tariff, 24 hourly intervals; the meter
 * phase saw 1 kW every hour but 5 kW at 05:00 and 3 kW at 06:00. The MDMS got every read
 * except 05:00 (lost: a one-hour gap between actual reads, interpolated) and 10:00–13:00
 * (a four-hour gap, longer than the 1 h interpolation limit, with no earlier day: missing,
 * billed as zero).
 *   import = 5 × 1 (00–04) + (1 + 3) / 2 (05, interpolated) + 3 (06) + 3 × 1 (07–09)
 *            + 4 × 0 (10–13, missing) + 10 × 1 (14–23) = 23 kWh → 23 × 0.25 = 5.75
 */
import { expect } from 'chai';
import { parseSimTime } from '../../core/time.ts';
import { intervalAt } from '../../core/clock.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { DEFAULT_RULES } from '../../market/types.ts';
import { busId } from '../../core/units.ts';
import { parseTariffs } from '../../tariffs/schema.ts';
import { Mdms } from '../../metering/mdms.ts';
import { meterRead } from '../../metering/meter.ts';

const start = parseSimTime('2026-07-01T00:00:00Z')!;
const HOUR = 3_600_000;
const clock = { start, intervalMinutes: 60, intervals: 24, gateClosureMinutes: 5 };
const q = DEFAULT_RULES.quantumKw;
const meteredKw = (h: number): number => (h === 5 ? 5 : h === 6 ? 3 : 1);
const lost = (h: number): boolean => h === 5 || (h >= 10 && h < 14);

function desk(): RetailDesk {
  const r = parseTariffs([{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25 }]);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  const t = r.value[0]!;
  const d = new RetailDesk([t], new Map([[t.id, 1]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: t.id }], 1, clock, DEFAULT_RULES);
  for (let h = 0; h < 24; h++) {
    const interval = intervalAt(clock, h);
    d.recordPrices(interval, Float64Array.of(50));
    const a = Math.round(meteredKw(h) / q);
    d.meter(0, interval, { importQuanta: a, exportQuanta: 0, consumedQuanta: a, generatedQuanta: 0 });
  }
  return d;
}

describe('retail bills from the MDMS (RetailDesk.billFromMdms, by hand)', () => {
  it('without a plane the day is billed at once from the meter phase: (22 × 1 + 5 + 3) kWh × 0.25 = 7.50', () => {
    const d = desk();
    d.closeDay(0);
    expect(d.bills.map((b) => [b.bill.importKwh.toFixed(), b.bill.total.toFixed(2)])).to.deep.equal([['30', '7.50']]);
  });

  it('on a plane the bill waits for the MDMS, then uses its series: an interpolated hour, four missing ones → 23 kWh, 5.75', () => {
    const d = desk();
    d.billFromMdmsAtRunEnd();
    d.closeDay(0);
    expect(d.bills).to.have.length(0);
    const mdms = new Mdms({ rules: { intervalMs: HOUR, maxKwhPerInterval: 100 } });
    for (let h = 0; h < 24; h++) if (!lost(h)) expect(mdms.ingest(meterRead('meter:c', start + h * HOUR, HOUR, meteredKw(h)))).to.equal(undefined);
    const counts = d.billFromMdms((party, fromMs, toMs) => {
      expect(party).to.equal(0);
      return mdms.series('meter:c', fromMs, toMs);
    });
    expect(counts).to.deep.equal({ actual: 19, interpolated: 1, estimated: 0, missing: 4 });
    expect(d.bills.map((b) => [b.day, b.bill.importKwh.toFixed(), b.bill.total.toFixed(2)])).to.deep.equal([[0, '23', '5.75']]);
    // Billed once: a second call finds nothing pending.
    expect(d.billFromMdms(() => [])).to.deep.equal({ actual: 0, interpolated: 0, estimated: 0, missing: 0 });
    expect(d.bills).to.have.length(1);
  });
});
