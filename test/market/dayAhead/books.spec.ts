/**
 * Invariants of every day-ahead result, over random books with storage and EVs on
 * random networks (fast-check): each interval balances exactly in whole quanta; every
 * battery's SoC stays within its bounds and follows its schedule with its efficiencies;
 * power within limits (time sharing included); an EV draws nothing outside its window
 * and has its need by departure (less any reported shortfall, zero when supply is ample);
 * block orders are taken whole or not at all (a linked block only with its parent) and
 * shiftable loads run their N consecutive intervals at their power inside their window, or not.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { agentId, busId } from '../../../core/units.ts';
import { clearDayAhead } from '../../../market/dayAhead/clear.ts';
import { SOC_TOLERANCE_KWH } from '../../../market/dayAhead/schedule.ts';
import type { BlockOrder, IntertemporalBid, ShiftableBid } from '../../../market/dayAhead/types.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { Bid } from '../../../market/types.ts';
import { type BatteryGen, batteryArbitrary, batteryBid } from '../../helpers/dayAheadBatteries.ts';
import { randomMarket, RULES } from '../../helpers/lpNetworks.ts';

const T = 4;
const DT = 0.5;

const batteryArb = batteryArbitrary(T, 120);
const toBid = (b: BatteryGen, i: number, buses: number): IntertemporalBid => batteryBid(b, i, buses, DT);

const integerArb = fc.record({
  bus: fc.nat(),
  shiftable: fc.boolean(),
  buy: fc.boolean(),
  kws: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: T }),
  start: fc.nat({ max: T - 1 }),
  run: fc.integer({ min: 1, max: T }),
  price: fc.integer({ min: 0, max: 150 }),
  linked: fc.boolean(),
});

type IntegerGen = typeof integerArb extends fc.Arbitrary<infer A> ? A : never;

/** A block (linked to the previous block when asked) or a shiftable load, always valid on its own. */
function toIntegerBid(g: IntegerGen, i: number, buses: number, previousBlock: string | undefined): IntertemporalBid {
  const base = { id: `int${i}`, agentId: agentId(`int${i}`), bus: busId(`n${g.bus % buses}`) };
  if (g.shiftable) {
    const run = Math.min(g.run, T - g.start);
    return { ...base, kind: 'shiftable', powerKw: 1 + (g.kws[0] ?? 0), runIntervals: run, firstInterval: g.start, lastInterval: T - 1, valueMwh: g.price } satisfies ShiftableBid;
  }
  const kws = g.kws.slice(0, T - g.start);
  if (!kws.some((k) => k > 0)) kws[0] = 5;
  return { ...base, kind: 'block', side: g.buy ? 'buy' : 'sell', firstInterval: g.start, quantitiesKw: kws, priceMwh: g.price, ...(g.linked && previousBlock ? { parentId: previousBlock } : {}) } satisfies BlockOrder;
}

describe('day-ahead books close: exact balance, SoC paths, power limits, EV needs', () => {
  it('random networks, simple bids in every interval, storage and EVs', async () => {
    const highs = await loadSolver('highs');
    await fc.assert(
      fc.asyncProperty(
        randomMarket({ maxBuses: 4, maxSegments: 8 }),
        fc.array(fc.record({ bus: fc.nat(), buy: fc.boolean(), price: fc.integer({ min: -20, max: 150 }), kw: fc.integer({ min: 1, max: 60 }), t: fc.nat({ max: T - 1 }) }), { maxLength: 16 }),
        fc.array(batteryArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.array(integerArb, { maxLength: 3 }),
        async (m, segs, batteries, ample, integerGens) => {
          const n = m.network.buses.length;
          const bids: Bid[] = segs.map((s, i) => ({ id: `s${i}`, agentId: agentId(`a${i}`), bus: busId(`n${s.bus % n}`), interval: s.t, segments: [{ side: s.buy ? 'buy' : 'sell', priceMwh: s.price, quantityKw: s.kw }] }));
          // Ample supply at the reference bus in every interval, cheap (or none).
          if (ample) for (let t = 0; t < T; t++) bids.push({ id: `grid${t}`, agentId: agentId('grid'), bus: m.network.referenceBus, interval: t, segments: [{ side: 'sell', priceMwh: 30, quantityKw: 10_000 }] });
          const its = batteries.map((b, i) => toBid(b, i, n));
          let previousBlock: string | undefined;
          integerGens.forEach((g, i) => {
            const bid = toIntegerBid(g, i, n, previousBlock);
            if (bid.kind === 'block') previousBlock = bid.id;
            its.push(bid);
          });
          const r = clearDayAhead({ horizon: { firstInterval: 0, intervalCount: T, durationH: DT }, rules: RULES, bids, intertemporalBids: its }, { network: m.network, solver: highs });
          expect(r.status, r.message).to.equal('cleared');
          expect(r.rejections, JSON.stringify(r.rejections)).to.deep.equal([]);
          const q = RULES.quantumKw;
          for (let t = 0; t < T; t++) {
            const iv = r.intervals[t]!;
            let net = 0;
            for (let i = 0; i < iv.book.size; i++) net += iv.book.isBuy[i] ? iv.awardedQuanta[i]! : -iv.awardedQuanta[i]!;
            let schedules = 0;
            for (const s of r.schedules) schedules += s.netQuanta[t]!;
            expect(net + schedules, `interval ${t}`).to.equal(0);
            expect(iv.intertemporalNetQuanta.reduce((a, v) => a + v, 0)).to.equal(schedules);
          }
          const accepted = new Map(r.schedules.map((s) => [s.bidId, s.accepted]));
          r.schedules.forEach((s, i) => {
            const bid = its[i]!;
            expect(s.bidId).to.equal(bid.id);
            if (bid.kind === 'block') {
              const sign = bid.side === 'buy' ? 1 : -1;
              const whole = Array.from({ length: T }, (_, t) => (s.accepted ? sign * (bid.quantitiesKw[t - bid.firstInterval] ?? 0) + 0 : 0));
              expect(Array.from(s.netKw), `block ${bid.id} whole or nothing`).to.deep.equal(whole);
              if (s.accepted && bid.parentId) expect(accepted.get(bid.parentId), `parent of ${bid.id}`).to.equal(true);
            }
            if (bid.kind === 'shiftable') {
              const start = s.startInterval ?? -1;
              if (s.accepted) expect(start).to.be.within(bid.firstInterval, bid.lastInterval - bid.runIntervals + 1);
              const runs = Array.from({ length: T }, (_, t) => (s.accepted && t >= start && t < start + bid.runIntervals ? bid.powerKw : 0));
              expect(Array.from(s.netKw), `shiftable ${bid.id}`).to.deep.equal(runs);
            }
            let soc = bid.kind === 'storage' || bid.kind === 'ev' ? bid.initialSocKwh : NaN;
            if (bid.kind !== 'storage' && bid.kind !== 'ev') return;
            for (let t = 0; t < T; t++) {
              const c = s.chargeKw[t]!;
              const d = s.dischargeKw[t]!;
              expect(Number.isInteger(Math.round(c / q)) && Math.abs(c / q - Math.round(c / q)) < 1e-6).to.equal(true);
              expect(s.netKw[t]).to.be.closeTo(c - d, 1e-9);
              expect(c).to.be.within(0, bid.maxChargeKw + 1e-9);
              expect(d).to.be.within(0, bid.maxDischargeKw + 1e-9);
              if (bid.maxChargeKw > 0 && bid.maxDischargeKw > 0) expect(c / bid.maxChargeKw + d / bid.maxDischargeKw).to.be.at.most(1 + 1e-9);
              if (bid.kind === 'ev' && (t < bid.firstInterval || t > bid.lastInterval)) expect([c, d]).to.deep.equal([0, 0]);
              soc += bid.chargeEfficiency * c * DT - (d * DT) / bid.dischargeEfficiency;
              expect(s.socKwh![t]).to.be.closeTo(soc, 1e-9);
              expect(soc).to.be.within(bid.minSocKwh - SOC_TOLERANCE_KWH, bid.maxSocKwh + SOC_TOLERANCE_KWH);
            }
            const target = bid.kind === 'ev' ? bid.initialSocKwh + bid.energyNeededKwh : (bid.finalSocMinKwh ?? bid.minSocKwh);
            expect(soc + s.shortfallKwh).to.be.at.least(target - SOC_TOLERANCE_KWH);
            // With supply at 30 everywhere reachable, a need bid at the cap is met — to within one quantum-interval where the rounding meets a bound.
            if (ample && m.network.branches.every((b) => b.limitKw === Infinity)) expect(s.shortfallKwh).to.be.at.most(q * DT + SOC_TOLERANCE_KWH);
          });
        },
      ),
      { numRuns: 80 },
    );
  });
});
