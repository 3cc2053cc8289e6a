/**
 * Retail competition: with `tariffChoice.among: every-retailer` a customer compares every retailer's
 * tariffs and may move to another retailer; from the next day its energy, imbalance and retail
 * charges are in the new retailer's books, as its bills are (engine/retail.ts, Simulation.followRetailers).
 */
import { SiteZone } from '../../core/siteZone.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { parse } from 'csv-parse/sync';
import { forecastCustomerKw, forecastLoadKw } from '../../agents/retailer/forecast.ts';
import { simTime } from '../../core/time.ts';
import { NO_HOLIDAYS } from '../../core/calendar.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { type Row, runAndRead } from '../operations/outputs.ts';
import { fastPlaneYaml, twoRetailersYaml } from '../helpers/twoRetailers.ts';

const scenario = (body: string) => parseScenario(body, 'retailers.yaml');
const bills = (dir: string): Row[] => parse(readFileSync(join(dir, 'bills.csv')), { columns: true });

/** Per retailer, Σ of columns of the bills issued under its tariffs, exact (the columns are exact decimals). */
function billedBy(rows: readonly Row[], retailerOfTariff: ReadonlyMap<string, string>, ...columns: string[]): Map<string, number> {
  const out = new Map<string, Decimal>();
  for (const b of rows) {
    const r = retailerOfTariff.get(b.tariff!)!;
    for (const c of columns) out.set(r, (out.get(r) ?? new Decimal(0)).plus(b[c]!));
  }
  return new Map([...out].map(([r, d]) => [r, d.toNumber()]));
}


describe('tariffs: a customer changes retailer (tariffChoice.among: every-retailer)', function () {
  this.timeout(120_000);

  it("h leaves r1's dear tariff for r2's cheap one after the first day: its bills, its agents.csv via and each retailer's books follow it from midnight", async () => {
    const o = await runAndRead(scenario(twoRetailersYaml('every-retailer')), 'gridbid-retailers-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      const b = bills(o.dir);
      // Day 1 under dear (its starting tariff); at day 1's close cheap (0.10 + 0.1 a day) beats mid and dear.
      expect(b.filter((r) => r.agent_id === 'h').map((r) => r.tariff)).to.deep.equal(['dear', 'cheap', 'cheap']);
      const via = o.agents.filter((r) => r.agent_id === 'h').map((r) => `${r.interval_start!.slice(0, 13)} ${r.via}`);
      expect(via).to.include.members(['2026-07-01T23 r1', '2026-07-02T00 r2', '2026-07-03T23 r2']);
      expect(via.filter((v) => v.endsWith('r1'))).to.have.length(24);
      const retailerOf = new Map([['dear', 'r1'], ['mid', 'r1'], ['cheap', 'r2']]);
      const retailers = o.summary.kpis.retailers as Record<string, { revenue: string; revenueAccruedEnergy: string }>;
      const billed = billedBy(b, retailerOf, 'total');
      // r1 billed h's first day only; r2 h's two later days and h2's three.
      expect(Number(retailers.r1!.revenue)).to.equal(billed.get('r1'));
      expect(Number(retailers.r2!.revenue)).to.equal(billed.get('r2'));
      expect(billed.get('r1')).to.equal(Number(b.find((r) => r.agent_id === 'h' && r.day === '2026-07-01')!.total));
      // The charges each retailer accrued interval by interval (routed by agents.csv's via) are the energy charges of the bills
      // it issued, less their export credits (none here: no PV).
      const energy = billedBy(b, retailerOf, 'energy_charge', 'export_credit');
      expect(Number(retailers.r1!.revenueAccruedEnergy)).to.equal(energy.get('r1'));
      expect(Number(retailers.r2!.revenueAccruedEnergy)).to.equal(energy.get('r2'));
      expect(o.summary.kpis.retail.retailerSwitches).to.equal(1);
      // Customers billed by each retailer on each of the three days: h moved from r1 to r2 after the first.
      expect(o.summary.kpis.retail.customersByRetailer).to.deep.equal({ r1: [1, 0, 0], r2: [1, 2, 2] });
      expect(o.summary.kpis.retail.customersOnLastDay).to.deep.equal({ r1: 0, r2: 2 });
      expect(o.summary.kpis.retail.tariffSwitches).to.equal(1);
    } finally {
      o.cleanup();
    }
  });

  it("by default (own-retailer) h stays with r1, moving to its mid tariff, and summary.json has no retailerSwitches", async () => {
    const o = await runAndRead(scenario(twoRetailersYaml('own-retailer')), 'gridbid-retailers-');
    try {
      expect(bills(o.dir).filter((r) => r.agent_id === 'h').map((r) => r.tariff)).to.deep.equal(['dear', 'mid', 'mid']);
      expect(o.agents.filter((r) => r.agent_id === 'h').every((r) => r.via === 'r1')).to.equal(true);
      expect(o.summary.kpis.retail).to.not.have.property('retailerSwitches');
    } finally {
      o.cleanup();
    }
  });

  it("the new retailer forecasts its customers' load on yesterday's meter scaled to today's customers: r2's imbalance after h joins is a fraction of what one home's load would leave", async () => {
    const o = await runAndRead(scenario(twoRetailersYaml('every-retailer')), 'gridbid-retailers-');
    try {
      // r2 supplies h2 alone on day 1 (~5 kWh a day) and h2 and h from day 2. Read as it was, day 1's meter would leave r2
      // short by about h's whole load on day 2 (5.35 kWh of imbalance over the run, measured before the scaling); scaled by
      // the customers' declared consumption (two default homes over one), it bought for both.
      const retailers = o.summary.kpis.retailers as Record<string, { imbalanceKwh: number }>;
      expect(Math.abs(retailers.r2!.imbalanceKwh)).to.be.below(1);
    } finally {
      o.cleanup();
    }
  });

  it('forecastLoadKw scales a day metered with other customers by their declared consumption, and reads an unchanged one bit for bit', () => {
    const ipd = 4;
    const actualKw = new Float64Array(8).fill(NaN);
    const declaredAnnualKwh = new Float64Array(8).fill(NaN);
    actualKw[1] = 0.1 + 0.2; // 0.30000000000000004: not to be rounded by a × 3000 / 3000
    declaredAnnualKwh[1] = 3000;
    const at = (declared: number) => forecastLoadKw({ actualKw, declaredAnnualKwh }, 5, ipd, declared, simTime(0), SiteZone.fixed(0), NO_HOLIDAYS);
    expect(at(3000)).to.equal(0.1 + 0.2);
    expect(at(4500)).to.equal(((0.1 + 0.2) * 4500) / 3000); // one and a half times the customers: 0.45 kW
    expect(at(4500)).to.be.closeTo(0.45, 1e-12);
    declaredAnnualKwh[1] = NaN; // not known (a faulted retailer's interval): as metered
    expect(at(4500)).to.equal(0.1 + 0.2);
  });

  it("under retail competition the retailer forecasts customer by customer: after a PV home leaves r1, r1 bids exactly its remaining home's meter of yesterday, hour by hour", async () => {
    // h (5 kW of PV, exporting from 04:00 to 18:00) leaves r1 for r2 after day 1; h3 stays on r1's mid tariff. Scaling
    // day 1's total at r1 (h + h3: below zero through the PV hours) by h3's share of the declared consumption would bid
    // nothing there while h3 draws 0.1-0.3 kW (the forecast of note 42, agents/retailer/forecast.ts forecastLoadKw).
    const text = twoRetailersYaml('every-retailer')
      .replace('seed: 2', 'seed: 2\nweather: { sky: clear }')
      .replace("tariff: dear, tariffChoice:", 'tariff: dear, pv: { share: 1, capacityKw: { min: 5, max: 5 } }, tariffChoice:')
      .replace('  - { kind: home, id: h2,', '  - { kind: home, id: h3, retailer: r1, tariff: mid }\n  - { kind: home, id: h2,');
    const o = await runAndRead(scenario(text), 'gridbid-retailers-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      const at = (id: string, day: string, hour: number) => o.agents.find((r) => r.agent_id === id && r.interval_start === `2026-07-0${day}T${String(hour).padStart(2, '0')}:00:00Z`)!;
      let exporting = 0;
      for (let hour = 0; hour < 24; hour++) {
        expect(at('h', '2', hour).via).to.equal('r2');
        expect(Number(at('r1', '2', hour).award_kw), `${hour}:00`).to.equal(Number(at('h3', '1', hour).actual_kw));
        if (Number(at('h', '1', hour).actual_kw) + Number(at('h3', '1', hour).actual_kw) < 0) exporting++;
      }
      expect(exporting).to.be.above(10);
    } finally {
      o.cleanup();
    }
  });

  it('forecastCustomerKw: the customer yesterday where known, else its last interval, else its declared consumption on the standard profile', () => {
    const kw = new Float64Array(48).fill(NaN);
    const kwAt = (k: number) => kw[k]!;
    const mid = simTime(Date.parse('2026-07-02T10:30:00Z'));
    const profile = forecastCustomerKw(kwAt, 34, 24, 8760, mid, SiteZone.fixed(0), NO_HOLIDAYS);
    // 8760 kWh a year is 1 kW on average, shaped by the hour (BDEW H25): positive and not the mean exactly.
    expect(profile).to.be.above(0).and.not.equal(1);
    kw[33] = 0.7;
    expect(forecastCustomerKw(kwAt, 34, 24, 8760, mid, SiteZone.fixed(0), NO_HOLIDAYS)).to.equal(0.7);
    kw[10] = -0.4;
    expect(forecastCustomerKw(kwAt, 34, 24, 8760, mid, SiteZone.fixed(0), NO_HOLIDAYS)).to.equal(-0.4);
  });

  it('on a communication plane: bills from the MDMS as the plain run bills with nothing lost, and with reads lost the final settlement closes', async () => {
    const plain = await runAndRead(scenario(twoRetailersYaml('every-retailer')), 'gridbid-retailers-');
    const lossless = await runAndRead(scenario(twoRetailersYaml('every-retailer') + fastPlaneYaml(0)), 'gridbid-retailers-');
    const lossy = await runAndRead(scenario(twoRetailersYaml('every-retailer') + fastPlaneYaml(0.3)), 'gridbid-retailers-');
    try {
      expect(readFileSync(join(lossless.dir, 'bills.csv'), 'utf8')).to.equal(readFileSync(join(plain.dir, 'bills.csv'), 'utf8'));
      for (const o of [lossless, lossy]) {
        expect(o.summary.books.closed).to.equal(true);
        expect(o.summary.kpis.settlement.closed).to.equal(true);
        expect(o.summary.kpis.retail.retailerSwitches).to.equal(1);
      }
      // Lost reads were estimated and billed: the MDMS's bills differ from the meter phase's somewhere.
      expect(lossy.summary.kpis.settlement.siteIntervals.actual).to.be.below(3 * 72); // h, h2 and the plant, 72 hours each
    } finally {
      for (const o of [plain, lossless, lossy]) o.cleanup();
    }
  });

  it("on a day-ahead market the old retailer sells back in real time what it bought at D−1 for the customer that left, and the new one buys it: a real-time trade, not imbalance", async () => {
    const text = twoRetailersYaml('every-retailer')
      .replace('site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 }\n', '')
      .replace('start: 2026-07-01T00:00:00Z', 'start: 2026-06-30T22:00:00Z\nsite: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 2 }\nmarket:\n  timeline:\n    - { stage: dayAhead, gateClosureLocal: "12:00", daysBefore: 1 }\n    - realTime');
    const o = await runAndRead(scenario(text), 'gridbid-retailers-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      expect(bills(o.dir).filter((r) => r.agent_id === 'h').map((r) => r.tariff)).to.deep.equal(['dear', 'cheap', 'cheap']);
      // The second local day (h's first with r2): r1 bought h's load at the first day's noon gate and has no customer left.
      const day2 = (id: string) => o.agents.filter((r) => r.agent_id === id && r.interval_start! >= '2026-07-01T22:00:00Z' && r.interval_start! < '2026-07-02T22:00:00Z');
      const r1 = day2('r1');
      expect(r1).to.have.length(24);
      for (const r of r1) {
        expect(Number(r.da_kw), r.interval_start).to.be.above(0);
        expect(Number(r.award_kw), r.interval_start).to.equal(0); // its real-time position: none
        expect(Number(r.rt_kw), r.interval_start).to.equal(-Number(r.da_kw)); // sold back at the real-time price
        expect(Number(r.imbalance_kw), r.interval_start).to.equal(0);
      }
      // r2, which bought at D−1 for h2 alone, buys h's load in real time (on its forecast: h2's yesterday scaled to both homes).
      expect(day2('r2').reduce((sum, r) => sum + Number(r.rt_kw), 0)).to.be.above(1);
    } finally {
      o.cleanup();
    }
  });

  it("with a day's notice (tariffChoice.noticeDays: 1) h, choosing r2 at day 1's close, stays on r1's dear tariff through day 2 and is r2's from day 3's first interval", async () => {
    const o = await runAndRead(scenario(twoRetailersYaml('every-retailer', { days: 4, noticeDays: 1 })), 'gridbid-retailers-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      // Day 2 is the notice: billed as day 1 (dear), and h does not choose again while it runs.
      expect(bills(o.dir).filter((r) => r.agent_id === 'h').map((r) => r.tariff)).to.deep.equal(['dear', 'dear', 'cheap', 'cheap']);
      const via = o.agents.filter((r) => r.agent_id === 'h').map((r) => `${r.interval_start!.slice(0, 13)} ${r.via}`);
      expect(via).to.include.members(['2026-07-02T23 r1', '2026-07-03T00 r2']);
      expect(via.filter((v) => v.endsWith('r1'))).to.have.length(48);
      const retail = o.summary.kpis.retail;
      expect(retail.tariffSwitches).to.equal(1);
      expect(retail.retailerSwitches).to.equal(1);
      expect(retail.switchesUnderNoticeAtEnd).to.equal(0);
      expect(retail.customersByRetailer).to.deep.equal({ r1: [1, 1, 0, 0], r2: [1, 1, 2, 2] });
    } finally {
      o.cleanup();
    }
  });

  it('a switch whose notice outlasts the run never takes effect, and summary.json counts it under notice at the end', async () => {
    const o = await runAndRead(scenario(twoRetailersYaml('every-retailer', { days: 3, noticeDays: 5 })), 'gridbid-retailers-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      expect(bills(o.dir).filter((r) => r.agent_id === 'h').map((r) => r.tariff)).to.deep.equal(['dear', 'dear', 'dear']);
      expect(o.agents.filter((r) => r.agent_id === 'h').every((r) => r.via === 'r1')).to.equal(true);
      expect(o.summary.kpis.retail.tariffSwitches).to.equal(0);
      expect(o.summary.kpis.retail.switchesUnderNoticeAtEnd).to.equal(1);
    } finally {
      o.cleanup();
    }
  });

  it("on a day-ahead market a switch under notice is known at the gate: each retailer buys day-ahead for exactly the customers it supplies (no sell-back), hour by hour across the billing day's start", async () => {
    // Site at UTC+1, from 00:00Z (01:00 local): the local delivery day of 3 July runs 2 July 23:00Z to 3 July 23:00Z, and so
    // does billing day 3 July (billing days are local days), from whose start h is r2's; the auction for it (2 July 11:00Z)
    // follows h's choice (at the close of local 1 July, 1 July 23:00Z) by half a day.
    const o = await runAndRead(scenario(twoRetailersYaml('every-retailer', { days: 4, noticeDays: 1, dayAhead: true }).replace('utcOffsetHours: 0', 'utcOffsetHours: 1')), 'gridbid-retailers-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      const rows = (id: string, from: string, to: string) => o.agents.filter((r) => r.agent_id === id && r.interval_start! >= from && r.interval_start! < to);
      // The notice day (local 2 July) is still r1's, bought for h; from local 3 July (2 July 23:00Z) r1 has no customer.
      expect(Number(rows('r1', '2026-07-02T22:00:00Z', '2026-07-02T23:00:00Z')[0]!.da_kw)).to.be.above(0);
      const r1After = rows('r1', '2026-07-02T23:00:00Z', '2026-07-05T00:00:00Z');
      expect(r1After).to.have.length(49);
      for (const r of r1After) {
        expect(Number(r.da_kw || 0), r.interval_start).to.equal(0);
        expect(Number(r.rt_kw), r.interval_start).to.equal(0);
      }
      // r2 bought day-ahead for both homes from h's first day: about twice its day of h2 alone (its forecast, customer by
      // customer: h2's meter of yesterday, and h, a newcomer it has no meter of, on the standard profile).
      const da = (from: string, to: string) => rows('r2', from, to).reduce((sum, r) => sum + Number(r.da_kw || 0), 0);
      expect(da('2026-07-02T23:00:00Z', '2026-07-03T23:00:00Z') / da('2026-07-01T23:00:00Z', '2026-07-02T23:00:00Z')).to.be.within(1.6, 2.4);
    } finally {
      o.cleanup();
    }
  });

  it("west of UTC a day's notice reaches the gate: at UTC−7 billing days and delivery days are both local days, so the auction for h's first day with r2 closes after h chooses and r1 buys nothing for it (no sell-back)", async () => {
    // Billing days are local days (engine/billingDays.ts). From local midnight (07:00Z) at UTC−7: h chooses r2 at the close
    // of local 1 July (2 July 07:00Z) and with one day's notice is r2's from local 3 July (3 July 07:00Z). The gate of that
    // delivery day, 12:00 local on 2 July, is 2 July 19:00Z: twelve hours after the choice. (Before, with billing days
    // 24 h from a 00:00Z start, the switch day began at 00:00Z, inside the local day whose gate preceded the choice: r1 bought
    // its first 7 hours and sold them back, and two days' notice were needed.)
    const west = twoRetailersYaml('every-retailer', { days: 5, noticeDays: 1, dayAhead: true })
      .replace('start: 2026-07-01T00:00:00Z', 'start: 2026-07-01T07:00:00Z')
      .replace('site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 }', 'site: { latitude: 33.4, longitude: -112, utcOffsetHours: -7 }');
    const o = await runAndRead(scenario(west), 'gridbid-retailers-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      expect(o.summary.kpis.retail.customersByRetailer).to.deep.equal({ r1: [1, 1, 0, 0, 0], r2: [1, 1, 2, 2, 2] });
      const h = o.agents.filter((r) => r.agent_id === 'h');
      expect(h.findIndex((r) => r.via === 'r2')).to.equal(48);
      expect(h[48]!.interval_start).to.equal('2026-07-03T07:00:00Z');
      // bills.csv's days are the local dates.
      expect(bills(o.dir).filter((r) => r.agent_id === 'h').map((r) => `${r.day} ${r.tariff}`)).to.deep.equal(['2026-07-01 dear', '2026-07-02 dear', '2026-07-03 cheap', '2026-07-04 cheap', '2026-07-05 cheap']);
      // From h's first day with r2 on, r1 has no customer and bought nothing day-ahead: nothing to sell back.
      for (const r of o.agents.filter((x) => x.agent_id === 'r1' && x.interval_start! >= '2026-07-03T07:00:00Z')) {
        expect(Number(r.da_kw || 0), r.interval_start).to.equal(0);
        expect(Number(r.rt_kw || 0), r.interval_start).to.equal(0);
      }
    } finally {
      o.cleanup();
    }
  });

  it('a run that starts at 06:00 local has a partial first billing day (06:00–24:00): the customer moves at local midnight, and the partial days pay their share of the daily fixed charge', async () => {
    const o = await runAndRead(scenario(twoRetailersYaml('every-retailer').replace('start: 2026-07-01T00:00:00Z', 'start: 2026-07-01T06:00:00Z')), 'gridbid-retailers-');
    try {
      const via = o.agents.filter((r) => r.agent_id === 'h');
      // 18 hours of the first local day, then r2's from local midnight.
      expect(via.findIndex((r) => r.via === 'r2')).to.equal(18);
      expect(via[18]!.interval_start).to.equal('2026-07-02T00:00:00Z');
      const hb = bills(o.dir).filter((r) => r.agent_id === 'h');
      // Days 1 July (18 h), 2 and 3 July (24 h), 4 July (06:00 to the run's end: 6 h).
      expect(hb.map((r) => r.day)).to.deep.equal(['2026-07-01', '2026-07-02', '2026-07-03', '2026-07-04']);
      // Fixed charges by hand: dear 0.3 a day × 18/24 = 0.225; cheap 0.1 × 1, × 1, × 6/24 = 0.025.
      expect(hb.map((r) => Number(r.fixed_charge))).to.deep.equal([0.225, 0.1, 0.1, 0.025]);
    } finally {
      o.cleanup();
    }
  });

  it('property: whatever the customers choose among three retailers, every interval routes each customer to the retailer whose tariff bills it that day, and each retailer accrues exactly the energy charges of its bills', async () => {
    const prices = fc.constantFrom('0.10', '0.20', '0.30', '0.45', '0.60');
    let moves = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(prices, prices, prices, prices),
        fc.array(fc.record({ start: fc.integer({ min: 0, max: 3 }), rationality: fc.constantFrom(1, 10, 100), inertia: fc.constantFrom(0, 0.3, 0.8), noticeDays: fc.constantFrom(0, 0, 1, 2) }), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(-7, 0, 1, 5.5),
        async ([p0, p1, p2, p3], homes, seed, offsetHours) => {
          const tariffs = ['a0', 'a1', 'b0', 'c0'];
          const retailerOf = new Map([['a0', 'ra'], ['a1', 'ra'], ['b0', 'rb'], ['c0', 'rc']]);
          const text = `name: competition
start: 2026-07-01T00:00:00Z
days: 3
intervalMinutes: 60
seed: ${seed}
site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: ${offsetHours} }
tariffs:
  - { id: a0, type: flat, energyPricePerKwh: ${p0}, fixedChargePerDay: 0.2 }
  - { id: a1, type: flat, energyPricePerKwh: ${p1}, fixedChargePerDay: 0.1 }
  - { id: b0, type: flat, energyPricePerKwh: ${p2}, fixedChargePerDay: 0.3 }
  - { id: c0, type: flat, energyPricePerKwh: ${p3}, fixedChargePerDay: 0 }
agents:
  - { kind: generator, id: plant, offers: [{ kw: 80, priceMwh: 40 }] }
  - { kind: retailer, id: ra, tariffs: [a0, a1] }
  - { kind: retailer, id: rb, tariffs: [b0] }
  - { kind: retailer, id: rc, tariffs: [c0] }
${homes.map((h, k) => `  - { kind: home, id: h${k}, retailer: ${retailerOf.get(tariffs[h.start]!)}, tariff: ${tariffs[h.start]}, tariffChoice: { rationality: ${h.rationality}, inertia: ${h.inertia}, among: every-retailer, noticeDays: ${h.noticeDays} } }`).join('\n')}
`;
          const o = await runAndRead(scenario(text), 'gridbid-retailers-');
          try {
            expect(o.summary.books.closed).to.equal(true);
            moves += o.summary.kpis.retail.retailerSwitches as number;
            // Every customer is some retailer's on each billing day: the local days the 72 hours touch (three at UTC+0, four
            // at any other offset: a partial first and last day).
            const shares = o.summary.kpis.retail.customersByRetailer as Record<string, number[]>;
            const days = offsetHours === 0 ? 3 : 4;
            for (const perDay of Object.values(shares)) expect(perDay).to.have.length(days);
            for (let d = 0; d < days; d++) expect(Object.values(shares).reduce((sum, perDay) => sum + perDay[d]!, 0)).to.equal(homes.length);
            const b = bills(o.dir);
            const tariffOn = new Map(b.map((r) => [`${r.day}|${r.agent_id}`, r.tariff!]));
            // An interval is billed on the local date it starts on (bills.csv's day).
            const localDate = (iso: string) => new Date(Date.parse(iso) + offsetHours * 3_600_000).toISOString().slice(0, 10);
            for (const r of o.agents) {
              if (!r.agent_id!.startsWith('h')) continue;
              expect(r.via, `${r.interval_start} ${r.agent_id}`).to.equal(retailerOf.get(tariffOn.get(`${localDate(r.interval_start!)}|${r.agent_id}`)!));
            }
            const retailers = o.summary.kpis.retailers as Record<string, { revenue: string; revenueAccruedEnergy: string }>;
            const energy = billedBy(b, retailerOf, 'energy_charge', 'export_credit');
            const total = billedBy(b, retailerOf, 'total');
            for (const r of ['ra', 'rb', 'rc']) {
              expect(Number(retailers[r]?.revenueAccruedEnergy ?? 0), r).to.equal(energy.get(r) ?? 0);
              expect(Number(retailers[r]?.revenue ?? 0), r).to.equal(total.get(r) ?? 0);
            }
          } finally {
            o.cleanup();
          }
        },
      ),
      { numRuns: 12, seed: 42 },
    );
    // The runs did move customers between retailers (not only between one retailer's tariffs).
    expect(moves).to.be.greaterThan(3);
  });
});
