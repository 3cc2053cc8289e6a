/**
 * Aggregators and retailers in the day-ahead stage (engine/interval/dayAhead.ts): an
 * aggregator bids its portfolio day-ahead — its homes' load forecasts aggregated per bus, its
 * member battery's intertemporal bid under its own name — and splits the award among its
 * members with its real-time split; a retailer buys its customers' forecast. Hand-checkable
 * numbers on one bus, one-hour intervals (so an interval's H25 factor is the hour's).
 */
import { expect } from 'chai';
import { stringify } from 'yaml';
import { H25_HOURLY_FACTORS } from '../../agents/physics/loadProfile.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';

describe('engine: aggregators and retailers in the day-ahead stage', function () {
  this.timeout(60_000);
  let outcomes: IntervalOutcome[];
  const id = (o: IntervalOutcome, x: string): number => o.parties.findIndex((p) => p.id === x);
  before(async () => {
    const doc = {
      name: 'da-intermediaries',
      seed: 4,
      start: '2026-07-01T00:00:00Z', // a Wednesday; local = UTC
      days: 1,
      intervalMinutes: 60,
      site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 },
      market: { mechanism: 'double-auction', priceCapMwh: 3000, priceFloorMwh: -500, timeline: [{ stage: 'dayAhead', gateClosureLocal: '12:00', daysBefore: 1 }, 'realTime'] },
      tariffs: [{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25 }],
      agents: [
        { kind: 'generator', id: 'plant', offers: [{ kw: 100, priceMwh: 50 }] },
        // Cheap midday energy, so the member battery has something to arbitrage.
        { kind: 'generator', id: 'solar', offers: [{ kw: 20, priceMwh: 10 }], availabilityByHour: Array.from({ length: 24 }, (_, h) => (h >= 10 && h < 15 ? 1 : 0)) },
        { kind: 'aggregator', id: 'flexco', contract: { type: 'pass-through', feePerKwh: 0.01 } },
        { kind: 'home', idPrefix: 'member', count: 2, aggregator: 'flexco', flexibility: { share: 0 }, baseLoad: { annualKwh: 3500, homeScaleSigma: 0, noiseSd: 0 } },
        { kind: 'storage', id: 'member-battery', aggregator: 'flexco', capacityKwh: 10, maxChargeKw: 5, maxDischargeKw: 5, degradationCostPerMwh: 0 },
        { kind: 'retailer', id: 'retail', tariffs: ['flat'] },
        { kind: 'home', idPrefix: 'customer', count: 2, retailer: 'retail', tariff: 'flat', flexibility: { share: 0 }, baseLoad: { annualKwh: 3500, homeScaleSigma: 0, noiseSd: 0 } },
      ],
    };
    const sim = await Simulation.create(parseScenario(stringify(doc), 'da-intermediaries.yaml'));
    outcomes = [];
    sim.run({ interval: (o) => void outcomes.push(o) });
  });

  it('closes the books in all 24 intervals, both stages, aggregator and retailer identities included', () => {
    expect(outcomes).to.have.length(24);
    for (const o of outcomes) expect(o.books, `interval ${o.interval.index}`).to.deep.equal([]);
  });

  it("the retailer buys its 2 customers' forecast day-ahead: 2 × 3500 kWh/a / 8760 h × the hour's H25 factor", () => {
    for (const o of outcomes) {
      const h = o.interval.index;
      // 12:00–13:00: 7000 / 8760 × 0.985 = 0.787 kW (1 W quanta).
      const kw = (7000 / 8760) * H25_HOURLY_FACTORS.workday[h]!;
      if (h === 12) expect(kw).to.be.closeTo(0.787, 0.0005);
      expect(o.ledger.daQuanta[id(o, 'retail')]! * o.ledger.quantumKw).to.be.closeTo(kw, 0.0005 + 1e-9);
      expect(o.ledger.daQuanta[id(o, 'customer-1')]).to.equal(0); // customers pay their retailer, they bid nothing
    }
  });

  it("the aggregator bids its members' forecasts and its battery's intertemporal bid, and splits the award: each home gets its 3500 kWh/a forecast, the battery its own schedule", () => {
    let charged = 0;
    let discharged = 0;
    for (const o of outcomes) {
      const h = o.interval.index;
      const l = o.ledger;
      const q = l.quantumKw;
      const home = (3500 / 8760) * H25_HOURLY_FACTORS.workday[h]!; // 12:00–13:00: 0.394 kW
      for (const m of ['member-1', 'member-2']) expect(l.daQuanta[id(o, m)]! * q, `${m} at ${h}`).to.be.closeTo(home, 0.0005 + 1e-9);
      const battery = l.daQuanta[id(o, 'member-battery')]!;
      if (battery > 0) charged += battery;
      else discharged -= battery;
      // Its position is the sum of its members' shares (truthful portfolio: nothing held of its own).
      const agg = id(o, 'flexco');
      const shares = l.daQuanta[id(o, 'member-1')]! + l.daQuanta[id(o, 'member-2')]! + battery;
      expect(l.daQuanta[agg]).to.equal(shares);
      const pos = l.busPositions.find((p) => p.party === agg)!;
      expect(pos.daSharedQuanta).to.equal(shares);
      // It pays q_DA × p_DA; each member pays its share at the same price (pass-through).
      const ticks = Math.round(o.dayAhead!.busPriceMwh[0]! / o.book.rules.priceTickMwh);
      expect(l.daUnits[agg]).to.equal(shares * ticks);
      expect(l.daUnits[id(o, 'member-1')]).to.equal(l.daQuanta[id(o, 'member-1')]! * ticks);
    }
    // The battery arbitrages the day: it charges at midday's 10 and gives it back at 50 (its schedule is its own, under flexco's name).
    expect(charged).to.be.above(0);
    expect(discharged).to.be.above(0);
    for (const o of outcomes) if (o.ledger.daQuanta[id(o, 'member-battery')]! > 0) expect(o.dayAhead!.busPriceMwh[0]).to.equal(10);
  });

  it('the member battery operates to its day-ahead schedule in real time (its aggregator passes its bid on), unless the real-time market rations it', () => {
    let moved = 0;
    for (const o of outcomes) {
      const b = id(o, 'member-battery');
      const l = o.ledger;
      const da = l.daQuanta[b]!;
      if (da !== 0) moved++;
      // Physics does what it was awarded, within a quantum at its SoC bounds (bar a spill curtailment, reported);
      expect(Math.abs(l.actualQuanta[b]! - l.curtailedQuanta[b]! - l.positionQuanta(b)), `interval ${o.interval.index}`).to.be.at.most(1);
      // the award is the schedule (within a quantum at full SoC), except where real time cannot take it all: a sale at the floor that sets the price (fewer buyers than forecast).
      const rationed = o.result.busPriceMwh[0] === o.book.rules.priceFloorMwh;
      if (!rationed) expect(Math.abs(l.positionQuanta(b) - da), `interval ${o.interval.index}`).to.be.at.most(1); // clipped to its SoC now
      else expect(-l.positionQuanta(b)).to.be.below(-da);
    }
    expect(moved).to.be.above(2);
  });

  it("an injection surplus of the battery's discharge (its homes used a watt less than forecast at 08:00) is curtailed, and the energy stays in it", () => {
    const curtailed = outcomes.filter((o) => o.ledger.curtailedQuanta[id(o, 'member-battery')]! > 0);
    expect(curtailed.map((o) => o.interval.index)).to.include(8);
    for (const o of outcomes) {
      const b = id(o, 'member-battery');
      const c = o.ledger.curtailedQuanta[b]!;
      if (c === 0) continue;
      expect(o.imbalance.curtailedQuanta[0]).to.equal(c);
      expect(o.events.some((e) => e.type === 'SPILL_CURTAILED' && e.target === 'member-battery')).to.equal(true);
    }
  });
});
