/**
 * The final settlement from the MDMS (engine/settlementRun.ts), by hand: real MDMS, real
 * privacy views, real retail desk, real DR rule; the interval data is what a run's initial
 * settlement would have captured.
 *
 * One day of 24 hourly intervals. `home` (a customer of `power-retail` on flat 0.25/kWh)
 * takes 2 kW every hour but 17:00, when it delivers a DR command of `dso` (committed 1 kWh,
 * counterfactual baseline 2 kW, 300/MWh paid, 100/MWh shortfall penalty) and takes 1 kW;
 * `gen` (trading itself) supplies it. Imbalance price 40/MWh, 120/MWh at 17:00.
 * The home's 17:00 read is lost on the way: the MDMS interpolates between 16:00 and 18:00
 * (2 kWh each) → 2 kWh, 1 kWh more than the physical meter.
 *
 *   bill:    physical 23 × 2 + 1 = 47 kWh → 11.75;  MDMS 48 kWh → 12.00 (the estimate billed)
 *   DR:      initial delivered 2 − 1 = 1 kWh → paid 0.30, net −0.30;
 *            final   delivered 2 − 2 = 0 kWh → paid 0, penalty 1 kWh × 0.1 = 0.10, net +0.10;
 *            adjustment +0.40 (the home pays dso back 0.30 and a 0.10 penalty)
 *   imbalance: Δ = +1 kWh at 17:00 at 120/MWh → power-retail pays the market 0.12;
 *   reconciliation (the market's account): −1 kWh unaccounted for, 0.12 received.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { intervalAt } from '../../core/clock.ts';
import { MoneyUnit, money } from '../../core/money.ts';
import { parseSimTime } from '../../core/time.ts';
import { type AgentId, busId } from '../../core/units.ts';
import { settleDrCommand } from '../../agents/operations/drSettlement.ts';
import { businessDayOf, tenOfTenBaseline } from '../../agents/operations/baseline.ts';
import type { DrCommand } from '../../agents/operations/gridRoom.ts';
import { IntervalLedger } from '../../engine/interval/ledger.ts';
import type { Party } from '../../engine/interval/participants.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { checkFinalBooks } from '../../engine/settlementBooks.ts';
import { type FinalSettlement, SettlementCapture, type SettlementParties } from '../../engine/settlementRun.ts';
import { operatorDrTotals } from '../../engine/settlementDrTotals.ts';
import { settleOnMdms, settlementKpis } from '../../engine/settlementRunEnd.ts';
import { DEFAULT_RULES } from '../../market/types.ts';
import { Mdms } from '../../metering/mdms.ts';
import { meterIdFor, meterRead } from '../../metering/meter.ts';
import { PrivacyError } from '../../metering/privacy.ts';
import { parseTariffs } from '../../tariffs/schema.ts';

const start = parseSimTime('2026-07-01T00:00:00Z')!;
/** Hourly intervals from Wednesday 2026-07-01 00:00 UTC: days 0 and 1 are business days. */
const calendar = businessDayOf(start, 60, SiteZone.fixed(0));
const HOUR = 3_600_000;
const clock = { start, intervalMinutes: 60, intervals: 24, gateClosureMinutes: 5 };
const q = DEFAULT_RULES.quantumKw;
// The baseline rule (the default): a command's committed level is not read, so these commands give NaN.
const TERMS = { eventPriceMwh: 300, shortfallPenaltyMwh: 100 };

const party = (id: string, kind: string, role: Party['role'], via = ''): Party => ({ id: id as AgentId, kind, bus: busId('main'), role, via });

describe('final settlement from the MDMS, by hand: one customer, a day, a lost read interpolated', () => {
  // 0 home (customer of 2), 1 gen (trades itself), 2 power-retail (retailer, no meter).
  const parties = [party('home', 'home', 'agent', 'power-retail'), party('gen', 'generator', 'agent'), party('power-retail', 'retailer', 'retailer')];
  const sp: SettlementParties = { ids: parties.map((p) => p.id), busOf: Int32Array.of(0, 0, -1), viaOf: Int32Array.of(2, -1, -1), routeOf: Uint8Array.of(2, 0, 0), hasMeter: Uint8Array.of(1, 1, 0) };
  const homeKw = (h: number): number => (h === 17 ? 1 : 2);
  const priceMwh = (h: number): number => (h === 17 ? 120 : 40);

  function world() {
    const t = parseTariffs([{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25 }]);
    if (!t.ok) throw new Error(JSON.stringify(t.issues));
    const desk = new RetailDesk([t.value[0]!], new Map([['flat', 2]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: 'flat' }], 1, clock, DEFAULT_RULES);
    desk.billFromMdmsAtRunEnd();
    const capture = new SettlementCapture();
    const mdms = new Mdms({ rules: { intervalMs: HOUR, maxKwhPerInterval: 100 } });
    for (let h = 0; h < 24; h++) {
      const interval = intervalAt(clock, h);
      desk.recordPrices(interval, Float64Array.of(50));
      const a = Math.round(homeKw(h) / q);
      desk.meter(0, interval, { importQuanta: a, exportQuanta: 0, consumedQuanta: a, generatedQuanta: 0 });
      const ledger = new IntervalLedger(3, new MoneyUnit(money('0.001')), q);
      ledger.actualQuanta[0] = a;
      ledger.actualQuanta[1] = -a;
      capture.record(h, interval.start, 1, ledger, Float64Array.of(priceMwh(h)));
      if (h !== 17) mdms.ingest(meterRead(meterIdFor('home'), interval.start, HOUR, homeKw(h)));
      mdms.ingest(meterRead(meterIdFor('gen'), interval.start, HOUR, -homeKw(h)));
    }
    desk.closeDay(0);
    const command: DrCommand = { interval: 17, durationH: 1, party: 0, operator: 'dso', terms: TERMS, counterfactualKw: 2, eventStart: 17, eventDays: new Set([0]), businessDay: calendar, committedKwh: 1, committedLevelKw: Number.NaN, sense: 1, initial: settleDrCommand(2, 1, 1, 1, TERMS) };
    const out = settleOnMdms(mdms, { parties, settlementParties: sp, capture, drCommands: [command], desk, runStartMs: start, runEndMs: start + 24 * HOUR });
    return { desk, out };
  }

  it('bills the interpolated read: 48 kWh, 12.00 (the physical meter says 47 kWh, 11.75)', () => {
    const { desk, out } = world();
    expect(out.billed).to.deep.equal({ actual: 23, interpolated: 1, estimated: 0, missing: 0 });
    expect(desk.bills.map((b) => [b.bill.importKwh.toFixed(), b.bill.total.toFixed(2)])).to.deep.equal([['48', '12.00']]);
  });

  it('settles the DR command again on the estimate: paid 0.30 initially, penalised 0.10 finally, adjustment +0.40', () => {
    const { out } = world();
    const [d] = out.end.final.demandResponse;
    expect(d!.quality).to.equal('interpolated');
    expect(d!.actualKw).to.equal(2);
    expect(d!.command.initial.pay.toFixed()).to.equal('0.3');
    expect([d!.final.deliveredKwh, d!.final.creditedKwh, d!.final.pay.toFixed(), d!.final.penalty.toFixed(), d!.final.net.toFixed()]).to.deep.equal([0, 0, '0', '0.1', '0.1']);
    expect(d!.adjustment.toFixed()).to.equal('0.4');
    // The adjustments are settled when read (engine/settlementRun.ts `DrAdjustments`): every read gives the same.
    expect(out.end.final.demandResponse.length).to.equal(1);
    expect([...out.end.final.demandResponse].map((x) => [x.adjustment.toFixed(), x.final.net.toFixed(), x.command.initial.net.toFixed()])).to.deep.equal([['0.4', '0.1', '-0.3']]);
    expect(out.end.kpis.demandResponse).to.deep.equal({ dso: { commands: 1, initialPaid: '0.3', finalPaid: '-0.1', adjustment: '-0.4', finalDeliveredKwh: 0, finalCreditedKwh: 0, unmeasuredCommands: 0 } });
  });

  it('the +1 kWh the estimate adds is settled at 120/MWh by the retailer and held by the reconciliation account; the books close', () => {
    const { out } = world();
    const f = out.end.final;
    expect(f.sites.map((s) => [s.interval, s.party, s.physicalKwh, s.settledKwh, s.quality, s.deltaKwh.toFixed(), s.amount.toFixed(), s.paysTo])).to.deep.equal([[17, 0, 1, 2, 'interpolated', '1', '0', 2]]);
    expect(f.intermediaries.map((m) => [m.interval, m.party, m.deltaKwh.toFixed(), m.amount.toFixed()])).to.deep.equal([[17, 2, '1', '0.12']]);
    expect(f.account.map((a) => [a.interval, a.kwh.toFixed(), a.amount.toFixed()])).to.deep.equal([[17, '-1', '0.12']]);
    expect(out.end.books).to.deep.equal([]);
    expect(out.end.kpis).to.deep.include({ closed: true, sitesAdjusted: 1, adjustedSiteIntervals: 1, imbalanceAdjustmentPaid: '0.12', reconciliation: { owner: 'market', unaccountedKwh: '-1', received: '0.12' } });
    // Two metered sites: too few for anyone else to see even their total.
    expect(out.end.kpis.meteredCustomers).to.have.property('withheld').that.match(/at least 15 customers/);
  });

  it('the books checker sees a wrong account entry, a wrong retailer amount and a wrong DR adjustment', () => {
    const { out } = world();
    const f = out.end.final;
    const role = (i: number) => (i === 2 ? ('retailer' as const) : ('agent' as const));
    const broken: FinalSettlement[] = [
      { ...f, account: [{ ...f.account[0]!, kwh: new Decimal(0) }] },
      { ...f, intermediaries: [{ ...f.intermediaries[0]!, amount: money('0.1') }] },
      { ...f, demandResponse: [{ ...[...f.demandResponse][0]!, adjustment: money('0.3') }] },
    ];
    expect(broken.map((b) => checkFinalBooks(b, sp, role).map((v) => v.identity))).to.deep.equal([['final:energy'], ['final:retailer', 'final:imbalance'], ['final:demandResponse']]);
  });

  // Each read of the adjustments settles every command again (DrAdjustments): the run end sums them once for the books and the figures.
  it('the books and the figures read the demand response summed in one pass: the same verdicts and figures as each summing it itself', () => {
    const { out } = world();
    const f = out.end.final;
    const role = (i: number) => (i === 2 ? ('retailer' as const) : ('agent' as const));
    let passes = 0;
    const counted = (fs: FinalSettlement): FinalSettlement => ({
      ...fs,
      demandResponse: {
        length: fs.demandResponse.length,
        [Symbol.iterator]: () => {
          passes++;
          return fs.demandResponse[Symbol.iterator]();
        },
      },
    });
    const wrong = { ...f, demandResponse: [{ ...[...f.demandResponse][0]!, adjustment: money('0.3') }] };
    for (const fs of [f, wrong]) {
      passes = 0;
      const own = [checkFinalBooks(counted(fs), sp, role), settlementKpis(counted(fs), [], { withheld: '' })];
      expect(passes).to.equal(2);
      passes = 0;
      const dr = operatorDrTotals(counted(fs).demandResponse);
      const shared = [checkFinalBooks(counted(fs), sp, role, dr), settlementKpis(counted(fs), [], { withheld: '' }, dr)];
      expect(passes).to.equal(1);
      expect(JSON.stringify(shared)).to.equal(JSON.stringify(own));
    }
    expect(checkFinalBooks(wrong, sp, role, operatorDrTotals(wrong.demandResponse)).map((v) => v.identity)).to.deep.equal(['final:demandResponse']);
    expect(settlementKpis(f, [], { withheld: '' }, operatorDrTotals(f.demandResponse)).demandResponse).to.deep.equal(out.end.kpis.demandResponse);
  });

  it("reads go through the entitled parties' views: the retailer and dso see the home, the market sees gen, nobody else sees either", () => {
    const { access } = world().out.end;
    const series = (party: string, customer: string) => {
      const v = access.viewFor(party);
      if (v.access !== 'own-customers') throw new PrivacyError('not-own-customer', `${party}: aggregate-only`);
      return v.customerSeries(customer, start, start + HOUR).intervals.length;
    };
    expect(series('power-retail', 'home')).to.equal(1);
    expect(series('dso', 'home')).to.equal(1);
    expect(series('market', 'gen')).to.equal(1);
    for (const [p, c] of [['power-retail', 'gen'], ['dso', 'gen'], ['market', 'home'], ['researcher', 'home']] as const) expect(() => series(p, c), `${p} → ${c}`).to.throw(PrivacyError);
  });
});

describe('final settlement from the MDMS, by hand: a customer that changed retailer at noon (tariffChoice.among: every-retailer)', () => {
  /*
   * `home` buys from r1 until 12:00 and from r2 after (SettlementParties.viaAt; viaOf holds r2, its last). It takes 2 kW
   * every hour but 1 kW at 05:00 and at 17:00, and both reads are lost: the MDMS interpolates 2 kWh, 1 kWh above the
   * physical meter each time. Imbalance price 40/MWh at 05:00, 120/MWh at 17:00:
   *   05:00  Δ +1 kWh × 40/MWh  = 0.04, paid by r1 (its retailer then);
   *   17:00  Δ +1 kWh × 120/MWh = 0.12, paid by r2.
   * Read with viaOf alone, r2 would have paid both.
   */
  const parties = [party('home', 'home', 'agent', 'r2'), party('gen', 'generator', 'agent'), party('r1', 'retailer', 'retailer'), party('r2', 'retailer', 'retailer')];
  const sp: SettlementParties = {
    ids: parties.map((p) => p.id),
    busOf: Int32Array.of(0, 0, -1, -1),
    viaOf: Int32Array.of(3, -1, -1, -1),
    viaAt: (i, k) => (i === 0 ? (k < 12 ? 2 : 3) : -1),
    routeOf: Uint8Array.of(2, 0, 0, 0),
    hasMeter: Uint8Array.of(1, 1, 0, 0),
  };
  const homeKw = (h: number): number => (h === 5 || h === 17 ? 1 : 2);

  it('re-settles each interval with the retailer of that interval, and the books close', () => {
    const capture = new SettlementCapture();
    const mdms = new Mdms({ rules: { intervalMs: HOUR, maxKwhPerInterval: 100 } });
    for (let h = 0; h < 24; h++) {
      const interval = intervalAt(clock, h);
      const a = Math.round(homeKw(h) / q);
      const ledger = new IntervalLedger(4, new MoneyUnit(money('0.001')), q);
      ledger.actualQuanta[0] = a;
      ledger.actualQuanta[1] = -a;
      capture.record(h, interval.start, 1, ledger, Float64Array.of(h === 17 ? 120 : 40));
      if (h !== 5 && h !== 17) mdms.ingest(meterRead(meterIdFor('home'), interval.start, HOUR, homeKw(h)));
      mdms.ingest(meterRead(meterIdFor('gen'), interval.start, HOUR, -homeKw(h)));
    }
    const out = settleOnMdms(mdms, { parties, settlementParties: sp, capture, drCommands: [], desk: undefined, runStartMs: start, runEndMs: start + 24 * HOUR });
    const f = out.end.final;
    expect(f.sites.map((s) => [s.interval, s.deltaKwh.toFixed(), s.paysTo])).to.deep.equal([[5, '1', 2], [17, '1', 3]]);
    expect(f.intermediaries.map((m) => [m.interval, m.party, m.deltaKwh.toFixed(), m.amount.toFixed()])).to.deep.equal([[5, 2, '1', '0.04'], [17, 3, '1', '0.12']]);
    expect(out.end.books).to.deep.equal([]);
    expect(out.end.kpis).to.deep.include({ closed: true, imbalanceAdjustmentPaid: '0.16' });
  });
});

describe('final settlement from the MDMS, by hand: a 10-of-10 baseline built on an estimated day', () => {
  /*
   * Two days, hourly; `home` trades itself and takes 2 kW every hour, but 4 kW at 17:00 on
   * day 0; on day 1 at 17:00 it delivers a `dso` command (committed 2 kWh, 10-of-10 baseline)
   * and takes 1 kW. Day 0's 17:00 read is lost: the MDMS interpolates 2 kWh between 16:00 and 18:00.
   *   initial baseline: day 0 at 17:00 = 4 kW, same-day adjustment over 13–16 h = 6/6 = 1 → 4 kW;
   *     delivered (4 − 1) = 3 kWh, credited 2 → paid 0.60, net −0.60
   *   final baseline: 2 kW (the estimate) → delivered 1 kWh, credited 1 → paid 0.30,
   *     penalty (2 − 1) × 0.1 = 0.10, net −0.20; adjustment +0.40
   *   imbalance: day 0 at 17:00 Δ = 2 − 4 = −2 kWh at 40/MWh → the home receives 0.08 from the
   *     market, the reconciliation account holds +2 kWh and paid 0.08.
   */
  it('rebuilds the baseline from the MDMS history and settles the command again', () => {
    const parties = [party('home', 'home', 'agent'), party('gen', 'generator', 'agent')];
    const sp: SettlementParties = { ids: ['home', 'gen'], busOf: Int32Array.of(0, 0), viaOf: Int32Array.of(-1, -1), routeOf: Uint8Array.of(0, 0), hasMeter: Uint8Array.of(1, 1) };
    const homeKw = (k: number): number => (k === 17 ? 4 : k === 41 ? 1 : 2);
    const capture = new SettlementCapture();
    const mdms = new Mdms({ rules: { intervalMs: HOUR, maxKwhPerInterval: 100 } });
    const history = new Float64Array(48);
    for (let k = 0; k < 48; k++) {
      const ledger = new IntervalLedger(2, new MoneyUnit(money('0.001')), q);
      ledger.actualQuanta[0] = Math.round(homeKw(k) / q);
      ledger.actualQuanta[1] = -ledger.actualQuanta[0]!;
      history[k] = homeKw(k);
      capture.record(k, start + k * HOUR, 1, ledger, Float64Array.of(40));
      if (k !== 17) mdms.ingest(meterRead(meterIdFor('home'), start + k * HOUR, HOUR, homeKw(k)));
      mdms.ingest(meterRead(meterIdFor('gen'), start + k * HOUR, HOUR, -homeKw(k)));
    }
    const initialBaseline = tenOfTenBaseline(history, new Set([1]), 24, 41, 41, calendar);
    expect(initialBaseline.baselineKw).to.equal(4);
    const command: DrCommand = { interval: 41, durationH: 1, party: 0, operator: 'dso', terms: TERMS, counterfactualKw: undefined, eventStart: 41, eventDays: new Set([1]), businessDay: calendar, committedKwh: 2, committedLevelKw: Number.NaN, sense: 1, initial: settleDrCommand(initialBaseline.baselineKw, 1, 2, 1, TERMS) };
    expect(command.initial.net.toFixed()).to.equal('-0.6');
    const { end } = settleOnMdms(mdms, { parties, settlementParties: sp, capture, drCommands: [command], desk: undefined, runStartMs: start, runEndMs: start + 48 * HOUR });
    const [d] = end.final.demandResponse;
    expect([d!.baselineKw, d!.actualKw, d!.final.creditedKwh, d!.final.pay.toFixed(), d!.final.penalty.toFixed(), d!.final.net.toFixed(), d!.adjustment.toFixed()]).to.deep.equal([2, 1, 1, '0.3', '0.1', '-0.2', '0.4']);
    expect(end.final.sites.map((s) => [s.interval, s.deltaKwh.toFixed(), s.amount.toFixed(), s.paysTo])).to.deep.equal([[17, '-2', '-0.08', -1]]);
    expect(end.final.account.map((a) => [a.interval, a.kwh.toFixed(), a.amount.toFixed()])).to.deep.equal([[17, '2', '-0.08']]);
    expect(end.books).to.deep.equal([]);
  });
});

/**
 * The re-settled books close whatever is lost: random sites (trading themselves, aggregator
 * members, retail customers) at random buses, random physical use, random lost reads, random
 * imbalance prices on the tick (some undefined), random DR commands; with no read lost, every
 * adjustment is zero.
 */
describe('final settlement: the re-settled books close (property)', () => {
  it('for any loss pattern, and with none every adjustment is zero', () => {
    let adjusted = 0;
    let drAdjusted = 0;
    const site = fc.record({ route: fc.constantFrom(0, 1, 2), bus: fc.integer({ min: 0, max: 2 }), kw: fc.array(fc.integer({ min: -20, max: 40 }), { minLength: 8, maxLength: 8 }), lost: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }) });
    fc.assert(
      fc.property(
        fc.array(site, { minLength: 1, maxLength: 6 }),
        fc.array(fc.array(fc.option(fc.integer({ min: -500, max: 3000 }), { nil: undefined }), { minLength: 3, maxLength: 3 }), { minLength: 8, maxLength: 8 }),
        fc.array(fc.record({ site: fc.nat(), interval: fc.integer({ min: 0, max: 7 }), committed: fc.integer({ min: 1, max: 10 }), baseline: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }) }), { maxLength: 4 }),
        fc.boolean(),
        (sites, prices, commands, loseAny) => {
          // Parties: the sites, then an aggregator (index n) and a retailer (n + 1).
          const n = sites.length;
          const ids = [...sites.map((_, i) => `s${i}`), 'agg', 'ret'];
          const parties: Party[] = ids.map((id, i) => (i < n ? party(id, 'home', 'agent', sites[i]!.route === 1 ? 'agg' : sites[i]!.route === 2 ? 'ret' : '') : party(id, id === 'agg' ? 'aggregator' : 'retailer', id === 'agg' ? 'aggregator' : 'retailer')));
          const sp: SettlementParties = {
            ids,
            busOf: Int32Array.from(ids, (_, i) => (i < n ? sites[i]!.bus : -1)),
            viaOf: Int32Array.from(ids, (_, i) => (i < n && sites[i]!.route === 1 ? n : i < n && sites[i]!.route === 2 ? n + 1 : -1)),
            routeOf: Uint8Array.from(ids, (_, i) => (i < n ? sites[i]!.route : 0)),
            hasMeter: Uint8Array.from(ids, (_, i) => (i < n ? 1 : 0)),
          };
          const capture = new SettlementCapture();
          const mdms = new Mdms({ rules: { intervalMs: HOUR, maxKwhPerInterval: 1000 } });
          for (let h = 0; h < 8; h++) {
            const ledger = new IntervalLedger(ids.length, new MoneyUnit(money('0.001')), q);
            sites.forEach((s, i) => {
              ledger.actualQuanta[i] = Math.round((s.kw[h]! * 0.25) / q);
              if (!(loseAny && s.lost[h])) mdms.ingest(meterRead(meterIdFor(ids[i]!), start + h * HOUR, HOUR, ledger.actualQuanta[i]! * q));
            });
            capture.record(h, start + h * HOUR, 1, ledger, Float64Array.from(prices[h]!, (p) => (p === undefined ? NaN : p * DEFAULT_RULES.priceTickMwh)));
          }
          const drCommands: DrCommand[] = commands.map((c) => {
            const i = c.site % n;
            const actualKw = Math.round((sites[i]!.kw[c.interval]! * 0.25) / q) * q;
            const baselineKw = c.baseline === undefined ? NaN : c.baseline * 0.25;
            return { interval: c.interval, durationH: 1, party: i, operator: 'dso', terms: TERMS, counterfactualKw: c.baseline === undefined ? undefined : baselineKw, eventStart: c.interval, eventDays: new Set([0]), businessDay: calendar, committedKwh: c.committed * 0.1, committedLevelKw: Number.NaN, sense: 1 as const, initial: settleDrCommand(baselineKw, actualKw, c.committed * 0.1, 1, TERMS) };
          });
          const { end } = settleOnMdms(mdms, { parties, settlementParties: sp, capture, drCommands, desk: undefined, runStartMs: start, runEndMs: start + 8 * HOUR });
          expect(end.books).to.deep.equal([]);
          // Energy: Σ Δ over the sites + the account = 0, summed here from the parts.
          let delta = new Decimal(0);
          for (const s of end.final.sites) delta = delta.plus(s.deltaKwh);
          for (const a of end.final.account) delta = delta.plus(a.kwh);
          expect(delta.isZero()).to.equal(true);
          if (end.final.sites.length > 0) adjusted++;
          if ([...end.final.demandResponse].some((d) => !d.adjustment.isZero())) drAdjusted++;
          if (!loseAny) {
            expect(end.final.sites).to.deep.equal([]);
            expect(end.final.account).to.deep.equal([]);
            for (const d of end.final.demandResponse) expect(d.adjustment.isZero(), 'intact reads settle DR as the meter phase did').to.equal(true);
          }
        },
      ),
      { numRuns: 150 },
    );
    // The property is not vacuous: many runs re-settle something.
    expect(adjusted).to.be.greaterThan(30);
    expect(drAdjusted).to.be.greaterThan(3);
  });
});
