/**
 * A return to a monthly demand-charge tariff within the same month resumes that month (rule (a), "continue the month
 * per tariff id": README, "a customer that returns to a monthly tariff"). By hand, with the real RetailDesk
 * (engine/retail.ts) and its real tariff choice (λ = 1000: the cheaper expected bill, every time).
 *
 * Tariffs: `m` 0.20/kWh + 9 per kW of July's highest 15-minute window (monthly); `f` flat 0.26/kWh. Three July days:
 * - 1 July on m: 1 kW all day but 10 kW at 18:00 (one quarter): 26.25 kWh. Bill 5.25 + 9 × 10 = 95.25.
 *   Choice on that day: m expects 5.25 + 9 × 10 / 31 = 8.15, f 26.25 × 0.26 = 6.83 → f from 2 July.
 * - 2 July on f: 1 kW all day, 24 kWh: 6.24. Choice: m 4.80 + 9 × 1 / 31 = 5.09, f 6.24 → back to m from 3 July.
 * - 3 July on m: 1 kW, 12 kW at 18:00, and at 12:00 3 kW of flexible load at 500 /MWh (worth the energy, never the
 *   36 000 /MWh the charge puts on load above the peak). July's month on m resumes at 10 kW:
 *   - take: at 12:00 the running peak is 10 kW, so the 3 kW fill it for free: 4 kW (a restarted month would be at 1 kW
 *     and take none of it);
 *   - bill: 23.5 + 1 + 3 = 27.5 kWh → 5.50, demand 9 × (12 − 10) = 18.00: 23.50 (a restart: 9 × 12 = 108.00);
 *   - Σ of July's demand_charge on m = 90 + 18 = 108 = 9 × 12, the month's peak over the days on m.
 */
import { expect } from 'chai';
import { intervalAt } from '../../core/clock.ts';
import { streamFromState } from '../../core/rng.ts';
import { parseSimTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { type BilledInterval, RetailDesk } from '../../engine/retail.ts';
import { type BidSegment, DEFAULT_RULES } from '../../market/types.ts';
import { meterReadKwh } from '../../metering/meter.ts';
import { parseTariffs } from '../../tariffs/schema.ts';

const clock = { start: parseSimTime('2026-07-01T00:00:00Z')!, intervalMinutes: 15, intervals: 3 * 96, gateClosureMinutes: 5 };
const q = DEFAULT_RULES.quantumKw;
const cap = DEFAULT_RULES.priceCapMwh;
const buy = (quantityKw: number, priceMwh: number): BidSegment => ({ side: 'buy', quantityKw, priceMwh });
const SPIKE_DAY0 = 72; // 1 July 18:00
const FLEX = 192 + 48; // 3 July 12:00
const SPIKE_DAY2 = 192 + 72; // 3 July 18:00

function segmentsAt(k: number): BidSegment[] {
  if (k === SPIKE_DAY0) return [buy(10, cap)];
  if (k === SPIKE_DAY2) return [buy(12, cap)];
  if (k === FLEX) return [buy(1, cap), buy(3, 500)];
  return [buy(1, cap)];
}

/** Runs the three days; with `series`, bills come from it (an MDMS) at the end. Returns the desk and the kW taken per interval. */
function run(series?: (party: number, fromMs: number, toMs: number) => BilledInterval[], inertia = 0): { desk: RetailDesk; kw: number[] } {
  const t = parseTariffs([
    { id: 'm', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.2 }, demandChargePerKw: 9, demandWindowMinutes: 15, demandPeriod: 'month' },
    { id: 'f', type: 'flat', energyPricePerKwh: 0.26 },
  ]);
  if (!t.ok) throw new Error(JSON.stringify(t.issues));
  const choice = { rationality: 1000, inertia, rng: streamFromState([1, 7, 11, 13]) };
  const desk = new RetailDesk(t.value, new Map([['m', 1], ['f', 1]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: 'm', choice }], 1, clock, DEFAULT_RULES);
  if (series) desk.billFromMdmsAtRunEnd();
  const kw: number[] = [];
  for (let k = 0; k < clock.intervals; k++) {
    const interval = intervalAt(clock, k);
    desk.recordPrices(interval, Float64Array.of(50));
    const take = desk.take(0, interval, segmentsAt(k));
    desk.meter(0, interval, { importQuanta: take.buyQuanta, exportQuanta: 0, consumedQuanta: take.buyQuanta, generatedQuanta: 0 });
    kw.push(take.buyQuanta * q);
    if ((k + 1) % 96 === 0) desk.closeDay(Math.floor(k / 96));
  }
  if (series) desk.billFromMdms(series);
  return { desk, kw };
}

/** An MDMS series serving the meter's reads as metering/meter.ts sends them, but `lost` intervals missing (billed zero). */
const mdmsOf =
  (kw: readonly number[], lost: ReadonlySet<number>) =>
  (_party: number, fromMs: number, toMs: number): BilledInterval[] => {
    const ms = 15 * 60_000;
    const out: BilledInterval[] = [];
    for (let t = fromMs; t < toMs; t += ms) {
      const k = (t - clock.start) / ms;
      out.push(lost.has(k) ? { importKwh: undefined, exportKwh: undefined, quality: 'missing' } : { importKwh: Math.max(0, meterReadKwh('0', ms, kw[k]!)), exportKwh: 0, quality: 'actual' });
    }
    return out;
  };

const rows = (desk: RetailDesk) => desk.bills.map((b) => [b.day, b.bill.tariffId, b.bill.importKwh.toFixed(), b.bill.demandCharge.toFixed(2), b.bill.total.toFixed(2)]);

describe('retail desk: a return to a monthly demand-charge tariff within the month resumes the month (by hand)', () => {
  it('switches m → f → m in July; on the return the month-to-date peak is 10 kW: take fills it, the bill charges 9 × (12 − 10)', () => {
    const { desk, kw } = run();
    expect(desk.switches).to.deep.equal([
      { party: 0, day: 1, from: 'm', to: 'f' },
      { party: 0, day: 2, from: 'f', to: 'm' },
    ]);
    // 3 July 12:00: 1 kW at the cap + the 3 kW of flexible load under the resumed 10 kW peak.
    expect(kw[FLEX]).to.equal(4);
    expect(rows(desk)).to.deep.equal([
      [0, 'm', '26.25', '90.00', '95.25'],
      [1, 'f', '24', '0.00', '6.24'],
      [2, 'm', '27.5', '18.00', '23.50'],
    ]);
    // Σ of July's demand_charge on m = 9 × 12 kW, July's peak over the days on m.
    const onM = desk.bills.filter((b) => b.bill.tariffId === 'm').reduce((s, b) => s + b.bill.demandCharge.toNumber(), 0);
    expect(onM).to.equal(9 * 12);
  });

  it('a return costs in demand charge what staying would have (what tariff choice\'s share of the month assumes): 108.00 either way', () => {
    const demandOnM = (desk: RetailDesk) => desk.bills.filter((b) => b.bill.tariffId === 'm').map((b) => b.bill.demandCharge.toFixed(2));
    // Inertia 1: the customer never looks, and stays on m; 2 July's 1 kW is below July's 10 kW: no charge.
    const stayed = run(undefined, 1).desk;
    expect(stayed.switches).to.deep.equal([]);
    expect(demandOnM(stayed)).to.deep.equal(['90.00', '0.00', '18.00']);
    expect(demandOnM(run().desk)).to.deep.equal(['90.00', '18.00']);
  });

  it('billed from an MDMS that serves every read: the plain bills, and no true-up', () => {
    const plain = run();
    const mdms = run(mdmsOf(plain.kw, new Set()));
    expect(rows(mdms.desk)).to.deep.equal(rows(plain.desk));
    expect(mdms.desk.billingTrueUp.get(1)!.toFixed(2)).to.equal('0.00');
  });

  it('billed from an MDMS that lost the 10 kW read of 1 July: each chain resumes its own month on the return, the true-up is the lost 2.5 kWh only', () => {
    const plain = run();
    const mdms = run(mdmsOf(plain.kw, new Set([SPIKE_DAY0])));
    // MDMS chain: 1 July peak 1 kW → 9.00, 23.75 kWh → 4.75; 3 July resumes 1 kW: 9 × (12 − 1) = 99.00 + 5.50.
    expect(rows(mdms.desk)).to.deep.equal([
      [0, 'm', '23.75', '9.00', '13.75'],
      [1, 'f', '24', '0.00', '6.24'],
      [2, 'm', '27.5', '99.00', '104.50'],
    ]);
    // True-up = MDMS − meter phase: (13.75 − 95.25) + 0 + (104.50 − 23.50) = −0.50: 2.5 kWh × 0.20; the demand charges
    // telescope to 9 × 12 on both chains. (Had the return restarted the month, both chains would bill 108.00 on 3 July and
    // the true-up would keep 1 July's −81.50.)
    expect(mdms.desk.billingTrueUp.get(1)!.toFixed(2)).to.equal('-0.50');
  });
});
