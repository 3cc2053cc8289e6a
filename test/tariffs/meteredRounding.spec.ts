/**
 * Metered retail energy is rounded to the Wh half-even exactly, as core/money.ts documents
 * (audit A, finding F3): built in decimals from the meter's whole quanta, never from the
 * float product quanta × quantumKw × hours, whose last bits used to decide a tie.
 *
 * By hand, 15-minute intervals, quantum 0.001 kW:
 *   410 quanta  = 0.410 kW × 0.25 h = 0.1025 kWh  → 0.102 (half-even; the float product
 *                 0.10250000000000001 rounded to 0.103)
 *   4,778 quanta = 1.1945 kWh                     → 1.194 (the float 1.1945000000000001: 1.195)
 *   430 quanta  = 0.1075 kWh                      → 0.108 (half-even rounds this tie up)
 * A day with 20 quarter-hours at 410 W on a flat 0.25/kWh: 20 × 0.102 = 2.040 kWh,
 * 2.040 × 0.25 = 0.51 (the float product billed 20 × 0.103 = 2.060 kWh, 0.515 → 0.52).
 * Under a demand charge on 15-minute windows, 410 W metered is a peak of 0.410 kW (the
 * metered average power, rounded once to the W; from the Wh-rounded energy it was 0.412).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { intervalAt } from '../../core/clock.ts';
import { energyKwh, quantaKwh } from '../../core/money.ts';
import { parseSimTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { DEFAULT_RULES } from '../../market/types.ts';
import { Mdms } from '../../metering/mdms.ts';
import { meterRead } from '../../metering/meter.ts';
import { computeBill } from '../../tariffs/bill.ts';
import { parseTariffs } from '../../tariffs/schema.ts';
import type { Tariff } from '../../tariffs/types.ts';
import { readings } from './helpers.ts';

const start = parseSimTime('2026-07-14T00:00:00Z')!;
const QUARTER = 15 * 60_000;

function tariff(spec: Record<string, unknown>): Tariff {
  const r = parseTariffs([spec]);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value[0]!;
}

const FLAT = { id: 'flat', type: 'flat', energyPricePerKwh: 0.25 };
const DEMAND = { id: 'demand', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.22 }, demandChargePerKw: 0.12, demandWindowMinutes: 15 };

/** A desk with one customer on `spec`, `intervalMinutes` intervals over a day, market price 50/MWh. */
function desk(spec: Record<string, unknown>, intervalMinutes = 15, quantumKw = DEFAULT_RULES.quantumKw): { d: RetailDesk; clock: { start: typeof start; intervalMinutes: number; intervals: number; gateClosureMinutes: number } } {
  const t = tariff(spec);
  const clock = { start, intervalMinutes, intervals: (24 * 60) / intervalMinutes, gateClosureMinutes: 5 };
  const d = new RetailDesk([t], new Map([[t.id, 1]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: t.id }], 1, clock, { ...DEFAULT_RULES, quantumKw });
  return { d, clock };
}

/** Meters a day: `quanta(k)` imported in interval k. Returns the energy charges the desk accrued. */
function meterDay(d: RetailDesk, clock: { start: typeof start; intervalMinutes: number; intervals: number; gateClosureMinutes: number }, quanta: (k: number) => number): string[] {
  const out: string[] = [];
  for (let k = 0; k < clock.intervals; k++) {
    const interval = intervalAt(clock, k);
    d.recordPrices(interval, Float64Array.of(50));
    const a = quanta(k);
    out.push(d.meter(0, interval, { importQuanta: a, exportQuanta: 0, consumedQuanta: a, generatedQuanta: 0 }).toFixed());
  }
  return out;
}

describe('metered retail energy is rounded exactly (half-even on the exact decimal of quanta × quantum × hours)', () => {
  it('410 quanta in 15 minutes is 0.102 kWh, 4,778 is 1.194, 430 is 0.108 — the float products would give 0.103 and 1.195', () => {
    expect(410 * 0.001 * 0.25).to.equal(0.10250000000000001); // why: the float product sits above the tie
    expect(4778 * 0.001 * 0.25).to.equal(1.1945000000000001);
    expect(quantaKwh(410, 0.001, QUARTER).toFixed()).to.equal('0.1025');
    expect(energyKwh(quantaKwh(410, 0.001, QUARTER)).toFixed()).to.equal('0.102');
    expect(energyKwh(quantaKwh(4778, 0.001, QUARTER)).toFixed()).to.equal('1.194');
    expect(energyKwh(quantaKwh(430, 0.001, QUARTER)).toFixed()).to.equal('0.108');
    // 5-minute intervals: 6 quanta is 0.0005 kWh exactly (a tie → 0), 7 quanta 0.000583… (→ 0.001).
    expect(energyKwh(quantaKwh(6, 0.001, 5 * 60_000)).toFixed()).to.equal('0');
    expect(energyKwh(quantaKwh(18, 0.001, 5 * 60_000)).toFixed()).to.equal('0.002');
    expect(energyKwh(quantaKwh(7, 0.001, 5 * 60_000)).toFixed()).to.equal('0.001');
  });

  it('the desk accrues 0.102 kWh × 0.25 = 0.0255 for 410 W over a quarter-hour (not 0.02575)', () => {
    const { d, clock } = desk(FLAT);
    const charges = meterDay(d, clock, (k) => (k === 1 ? 410 : 0));
    expect(charges[1]).to.equal('0.0255');
  });

  it('a day of 20 quarter-hours at 410 W bills 2.040 kWh and 0.51 on 0.25/kWh (the float product billed 2.060 kWh, 0.52)', () => {
    const { d, clock } = desk(FLAT);
    const charges = meterDay(d, clock, (k) => (k < 20 ? 410 : 0));
    d.closeDay(0);
    const bill = d.bills[0]!.bill;
    expect(bill.importKwh.toFixed()).to.equal('2.04');
    expect(bill.energyCharge.toFixed()).to.equal('0.51');
    expect(bill.total.toFixed(2)).to.equal('0.51');
    // The interval charges add up to the bill's energy charge.
    expect(charges.reduce((s, c) => s + Number(c), 0)).to.be.closeTo(0.51, 1e-12);
  });

  it('a demand charge on 15-minute windows bills a 410 W quarter-hour as a 0.410 kW peak: the metered average power, rounded once', () => {
    const { d, clock } = desk(DEMAND);
    meterDay(d, clock, (k) => (k === 40 ? 410 : k === 41 ? 409 : 0));
    d.closeDay(0);
    const bill = d.bills[0]!.bill;
    expect(bill.importKwh.toFixed()).to.equal('0.204'); // 0.1025 → 0.102, 0.10225 → 0.102
    expect(bill.demand!.peakKw.toFixed()).to.equal('0.41');
    expect(bill.demand!.peakStart).to.equal(start + 40 * QUARTER);
    // 0.204 × 0.22 + 0.410 × 0.12 = 0.04488 + 0.0492 = 0.09408 → 0.09
    expect(bill.subtotal.toFixed()).to.equal('0.09408');
  });

  it('a bill from readings given as numbers takes each as its decimal: 0.1025 kWh bills 0.102 kWh and a demand of 0.410 kW (not 0.408)', () => {
    const bill = computeBill(tariff(DEMAND), readings('2026-07-14T10:00Z', 15, [0.1025]));
    expect(bill.importKwh.toFixed()).to.equal('0.102');
    expect(bill.demand!.peakKw.toFixed()).to.equal('0.41');
    // A 60-minute window over 15-minute readings: (0.1025 + 0.10225 + 0 + 0) kWh / 1 h = 0.20475 kW → 0.205 (not 0.204 from 0.102 + 0.102).
    const hourly = computeBill(tariff({ ...DEMAND, demandWindowMinutes: 60 }), readings('2026-07-14T10:00Z', 15, [0.1025, 0.10225, 0, 0]));
    expect(hourly.importKwh.toFixed()).to.equal('0.204');
    expect(hourly.demand!.peakKw.toFixed()).to.equal('0.205');
  });

  it('billed from the MDMS, the meter’s intact reads bill their exact energy: the same 2.040 kWh and 0.51, no true-up', () => {
    const { d, clock } = desk(FLAT);
    d.billFromMdmsAtRunEnd();
    meterDay(d, clock, (k) => (k < 20 ? 410 : 0));
    d.closeDay(0);
    const mdms = new Mdms({ rules: { intervalMs: QUARTER, maxKwhPerInterval: 100 } });
    // The read as the engine's meter sends it: net kW = quanta × quantumKw (a float), × hours.
    for (let k = 0; k < clock.intervals; k++) expect(mdms.ingest(meterRead('meter:c', start + k * QUARTER, QUARTER, (k < 20 ? 410 : 0) * DEFAULT_RULES.quantumKw))).to.equal(undefined);
    const counts = d.billFromMdms((_party, fromMs, toMs) => mdms.series('meter:c', fromMs, toMs));
    expect(counts.actual).to.equal(96);
    const bill = d.bills[0]!.bill;
    expect([bill.importKwh.toFixed(), bill.total.toFixed(2)]).to.deep.equal(['2.04', '0.51']);
    expect(d.billingTrueUp.get(1)!.toFixed()).to.equal('0');
  });

  describe('property', () => {
    /** The oracle, in integers only: quanta × quantum (a decimal string) × minutes / 60 kWh, to the Wh, half-even. */
    function oracleWh(quanta: number, quantum: string, minutes: number): bigint {
      const [whole, frac = ''] = quantum.split('.');
      const mantissa = BigInt(whole! + frac);
      const num = BigInt(quanta) * mantissa * BigInt(minutes) * 1000n; // Wh × den
      const den = 10n ** BigInt(frac.length) * 60n;
      const q = num / den;
      const r = num % den;
      if (2n * r > den || (2n * r === den && q % 2n === 1n)) return q + 1n;
      return q;
    }
    const whText = (wh: bigint): string => {
      const s = wh.toString().padStart(4, '0');
      const t = `${s.slice(0, -3)}.${s.slice(-3)}`.replace(/\.?0+$/, '');
      return t === '' ? '0' : t;
    };

    it('energyKwh(quantaKwh(n, quantum, interval)) is the exact decimal of n × quantum × hours rounded half-even to the Wh', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 20_000_000 }),
          fc.constantFrom('0.001', '0.01', '0.1', '1', '0.0005', '0.002'),
          fc.constantFrom(1, 5, 10, 15, 30, 60),
          (n, quantum, minutes) => {
            expect(energyKwh(quantaKwh(n, Number(quantum), minutes * 60_000)).toFixed()).to.equal(whText(oracleWh(n, quantum, minutes)));
          },
        ),
        { numRuns: 2000, seed: 20260714 },
      );
    });

    it('the desk meters every interval at the exact half-even kWh: on 1.00/kWh its charge is the kWh', () => {
      const one = { id: 'one', type: 'flat', energyPricePerKwh: 1 };
      fc.assert(
        fc.property(fc.constantFrom(5, 15, 30, 60), fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 24 }), (minutes, quanta) => {
          const { d, clock } = desk(one, minutes);
          const charges = meterDay(d, clock, (k) => quanta[k % quanta.length]!);
          for (let k = 0; k < clock.intervals; k++) expect(charges[k]).to.equal(whText(oracleWh(quanta[k % quanta.length]!, '0.001', minutes)));
          d.closeDay(0);
          let wh = 0n;
          for (let k = 0; k < clock.intervals; k++) wh += oracleWh(quanta[k % quanta.length]!, '0.001', minutes);
          expect(d.bills[0]!.bill.importKwh.toFixed()).to.equal(whText(wh));
        }),
        { numRuns: 100, seed: 20260714 },
      );
    });
  });
});
