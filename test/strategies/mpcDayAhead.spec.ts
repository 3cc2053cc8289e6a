/**
 * `mpc` as the day-ahead bid source (strategies/mpc/storage.ts `storageDayAheadValuation`): a
 * battery running `mpc` values the delivery day as its rolling plan values the end of its
 * window — energy left at the end worth η_d·Q − wear per MWh, Q the forecast's
 * `terminalQuantile`, with no SoC it must return to — instead of the default bid (return to
 * the gate's SoC, leftover worth nothing). Hand-checkable numbers, then a run.
 */
import { expect } from 'chai';
import { stringify } from 'yaml';
import { guardStrategy } from '../../strategies/guard.ts';
import { storageDayAheadValuation } from '../../strategies/mpc/storage.ts';
import { mpcParams } from '../../strategies/mpc/params.ts';
import type { StorageView } from '../../strategies/storage/view.ts';
import type { MarketView } from '../../strategies/types.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';

const view = { kind: 'storage', agentId: 'b', socKwh: 5, minSocKwh: 1, maxSocKwh: 10, dischargeEfficiency: 0.9, degradationCostPerMwh: 10 } as unknown as StorageView;
const market = (forecast: number[]): MarketView => ({ interval: { index: 0, start: 0, durationH: 1 }, priceCapMwh: 3000, priceFloorMwh: -500, quantumKw: 0.001, lastPriceMwh: undefined, priceForecastMwh: forecast, conditions: { outdoorC: NaN, ghiWm2: NaN } }) as unknown as MarketView;

describe('mpc as the day-ahead bid source (storage)', function () {
  this.timeout(60_000);

  it('by hand: forecast median 80, η_d 0.9, wear 10 → leftover worth 0.9 × 80 − 10 = 62 per MWh, no SoC to return to (its minimum, 1 kWh)', () => {
    const p = mpcParams.parse({});
    expect(storageDayAheadValuation(view, market(Array(24).fill(80)), p)).to.deep.equal({ terminalValueMwh: 62, finalSocMinKwh: 1 });
    // The median of 12 × 30 and 12 × 120 is the 12th cheapest: 30 → 0.9 × 30 − 10 = 17; the 0.75-quantile (18th) 120 → 98.
    const mixed = [...Array(12).fill(30), ...Array(12).fill(120)];
    expect(storageDayAheadValuation(view, market(mixed), p)!.terminalValueMwh).to.be.closeTo(17, 1e-9);
    expect(storageDayAheadValuation(view, market(mixed), mpcParams.parse({ terminalQuantile: 0.75 }))!.terminalValueMwh).to.be.closeTo(98, 1e-9);
    // Never below 0; no price known at all: no valuation (the battery's default bid).
    expect(storageDayAheadValuation(view, market(Array(24).fill(5)), p)!.terminalValueMwh).to.equal(0);
    expect(storageDayAheadValuation(view, market(Array(24).fill(NaN)), p)).to.equal(undefined);
  });

  it('in a run: energy at 40 day-ahead against a forecast of 80 — the mpc battery fills up (charging costs 40 / 0.9 + 10 = 54.4 < 62 per cell MWh), the default one stays idle', async () => {
    const battery = { capacityKwh: 10, maxChargeKw: 2, maxDischargeKw: 2, chargeEfficiency: 0.9, dischargeEfficiency: 0.9, minSocFraction: 0.1, initialSocFraction: 0.5, degradationCostPerMwh: 10 };
    const doc = {
      name: 'mpc-day-ahead',
      seed: 1,
      start: '2026-07-01T00:00:00Z',
      days: 1,
      intervalMinutes: 60,
      site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 },
      forecast: { method: 'persistence', initialPriceMwh: 80 },
      market: { mechanism: 'double-auction', priceCapMwh: 3000, priceFloorMwh: -500, timeline: [{ stage: 'dayAhead', gateClosureLocal: '12:00', daysBefore: 1 }, 'realTime'] },
      agents: [
        { kind: 'generator', id: 'plant', offers: [{ kw: 100, priceMwh: 40 }] },
        { kind: 'storage', id: 'planner', strategy: 'mpc', ...battery },
        { kind: 'storage', id: 'plain', ...battery },
      ],
    };
    const sim = await Simulation.create(parseScenario(stringify(doc), 'mpc-day-ahead.yaml'));
    const outcomes: IntervalOutcome[] = [];
    sim.run({ interval: (o) => void outcomes.push(o) });
    const kwh = (id: string) => outcomes.reduce((e, o) => e + o.ledger.daQuanta[o.parties.findIndex((p) => p.id === id)]! * o.ledger.quantumKw * o.interval.durationH, 0);
    // 5 kWh to 10 kWh of cells: 5 / 0.9 = 5.556 kWh from the grid, at 2 kW: the day's cheapest hours (all at 40).
    expect(kwh('planner')).to.be.closeTo(5 / 0.9, 0.003);
    expect(kwh('plain')).to.equal(0);
    const planner = outcomes[0]!.parties.findIndex((p) => p.id === 'planner');
    // It charged where energy cost 40 (elsewhere nothing trades: no price).
    for (const o of outcomes) if (o.ledger.daQuanta[planner]! > 0) expect(o.dayAhead!.busPriceMwh[0]).to.equal(40);
    // It operates to that schedule in real time and the books close.
    for (const o of outcomes) {
      expect(Math.abs(o.ledger.actualQuanta[planner]! - o.ledger.daQuanta[planner]!)).to.be.at.most(1);
      expect(o.books).to.deep.equal([]);
    }
  });

  it('a strategy whose day-ahead valuation throws or answers NaN is reported, and the battery bids its default', () => {
    const reports: string[] = [];
    const fallback = { id: 'fallback', bid: () => [] };
    const throwing = guardStrategy({ id: 'bad', bid: () => [], dayAheadValuation: () => { throw new Error('boom'); } }, fallback, (_a, _s, m) => reports.push(m));
    const nan = guardStrategy({ id: 'nan', bid: () => [], dayAheadValuation: () => ({ terminalValueMwh: NaN, finalSocMinKwh: 1 }) }, fallback, (_a, _s, m) => reports.push(m));
    expect(throwing.dayAheadValuation!(view, market([80]))).to.equal(undefined);
    expect(nan.dayAheadValuation!(view, market([80]))).to.equal(undefined);
    expect(reports).to.deep.equal(['threw in dayAheadValuation: boom', 'returned an invalid day-ahead valuation: {"terminalValueMwh":null,"finalSocMinKwh":1}']);
  });
});
