/**
 * Integer decisions of the day-ahead market (integerRule 'mip-then-fixed-lp'): shiftable
 * loads choose their cheapest window, block orders are accepted whole or rejected whole,
 * a linked block only with its parent, and prices come from the LP with the decisions fixed.
 * One copper-plate node, 1-hour intervals, so every number is checkable by hand.
 */
import { expect } from 'chai';
import { agentId, busId } from '../../../core/units.ts';
import { clearDayAhead } from '../../../market/dayAhead/clear.ts';
import type { BlockOrder, DayAheadResult, IntertemporalBid, ShiftableBid } from '../../../market/dayAhead/types.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import { type Bid, DEFAULT_RULES } from '../../../market/types.ts';

const N = busId('n');

function simple(id: string, t: number, side: 'buy' | 'sell', priceMwh: number, quantityKw: number): Bid {
  return { id, agentId: agentId(id), bus: N, interval: t, segments: [{ side, priceMwh, quantityKw }] };
}

async function clear(T: number, bids: Bid[], intertemporalBids: IntertemporalBid[], solver: 'highs' | 'jslp' = 'highs'): Promise<DayAheadResult> {
  return clearDayAhead({ horizon: { firstInterval: 0, intervalCount: T, durationH: 1 }, rules: DEFAULT_RULES, bids, intertemporalBids }, { solver: await loadSolver(solver) });
}

const prices = (r: DayAheadResult): number[] => r.intervals.map((iv) => iv.busPriceMwh[0]!);
const block = (id: string, side: 'buy' | 'sell', quantitiesKw: number[], priceMwh: number, parentId?: string): BlockOrder => ({
  kind: 'block',
  id,
  agentId: agentId(id),
  bus: N,
  side,
  firstInterval: 0,
  quantitiesKw,
  priceMwh,
  ...(parentId ? { parentId } : {}),
});

describe('day-ahead integer decisions (MIP, then the LP with them fixed for prices)', () => {
  /**
   * A seller offers 100 kW at 40, 20, 30 in intervals 0, 1, 2. A dishwasher must run 2
   * consecutive intervals at 10 kW within 0–2, worth 100/MWh. Starting at 0 costs
   * 10·(40 + 20)/1000 = 0.6, at 1 costs 10·(20 + 30)/1000 = 0.5: it starts at 1.
   * Value 100·10·2/1000 = 2; prices 20 and 30 (the seller is marginal), nothing traded in 0;
   * surplus 2 − 0.5 = 1.5 = welfare.
   */
  it('a shiftable load runs in its cheapest window', async () => {
    const load: ShiftableBid = { kind: 'shiftable', id: 'dish', agentId: agentId('dish'), bus: N, powerKw: 10, runIntervals: 2, firstInterval: 0, lastInterval: 2, valueMwh: 100 };
    const r = await clear(3, [simple('g0', 0, 'sell', 40, 100), simple('g1', 1, 'sell', 20, 100), simple('g2', 2, 'sell', 30, 100)], [load]);
    expect(r.status, r.message).to.equal('cleared');
    expect(r.integerRule).to.equal('mip-then-fixed-lp');
    expect(r.size.integerCols).to.equal(2); // starts 0 and 1
    const s = r.schedules[0]!;
    expect(s.accepted).to.equal(true);
    expect(s.startInterval).to.equal(1);
    expect(Array.from(s.netKw)).to.deep.equal([0, 10, 10]);
    expect(prices(r)).to.deep.equal([NaN, 20, 30]);
    expect(r.intervals.map((iv) => iv.awardedQuanta[0])).to.deep.equal([0, 10_000, 10_000]);
    expect(s.value).to.be.closeTo(2, 1e-12);
    expect(s.surplus).to.be.closeTo(1.5, 1e-12);
    expect(r.welfare).to.be.closeTo(1.5, 1e-12);
  });

  /**
   * Supply: interval 0 has 30 kW at 10 then 100 kW at 50; interval 1, 100 kW at 20. A simple
   * buyer takes 10 kW at 100 in each. A buy block of 40 kW in both intervals:
   * - at 30/MWh it is worth 30·80/1000 = 2.4 and costs the market (30−10)·10 + 20·50 = 1.2 in
   *   interval 0 (the 20 kW left at 10, then 20 kW at 50) + 40·20 = 0.8 in interval 1: 2.0 < 2.4,
   *   accepted whole. Prices then 50 and 20: it pays 40·50 + 40·20 = 2.8 > 2.4, a
   *   paradoxically accepted block (surplus −0.4, no side payment);
   *   welfare = (10·100 − 10·10)/1000 + (10·100 − 10·20)/1000 + 2.4 − 2.0 = 0.9 + 0.8 + 0.4 = 2.1;
   * - at 16/MWh it is worth 1.28 < 2.0: rejected whole, though the LP relaxation would take
   *   half of it (20 of 40 kW fit under the cheap supply: 1.28·½ > (20·10 + 20·20)/1000 = 0.6).
   *   Prices then 10 and 20, at which it would have paid 40·10 + 40·20 = 1.2 < 1.28: paradoxically
   *   rejected. Welfare 0.9 + 0.8 = 1.7.
   */
  const supply = (): Bid[] => [simple('cheap0', 0, 'sell', 10, 30), simple('dear0', 0, 'sell', 50, 100), simple('g1', 1, 'sell', 20, 100), simple('load0', 0, 'buy', 100, 10), simple('load1', 1, 'buy', 100, 10)];

  it('a block order is accepted whole: all its quantities, prices from the fixed LP (paradoxically accepted)', async () => {
    const r = await clear(2, supply(), [block('b', 'buy', [40, 40], 30)]);
    expect(r.status, r.message).to.equal('cleared');
    const s = r.schedules[0]!;
    expect(s.accepted).to.equal(true);
    expect(Array.from(s.netKw)).to.deep.equal([40, 40]);
    expect(prices(r)).to.deep.equal([50, 20]);
    expect(Array.from(r.intervals[0]!.awardedQuanta)).to.deep.equal([30_000, 20_000, 10_000]);
    expect(s.value).to.be.closeTo(2.4, 1e-12);
    expect(s.surplus).to.be.closeTo(-0.4, 1e-12);
    expect(r.welfare).to.be.closeTo(2.1, 1e-12);
  });

  it('a block order is rejected whole, never partly, where the LP relaxation would take half (paradoxically rejected)', async () => {
    const r = await clear(2, supply(), [block('b', 'buy', [40, 40], 16)]);
    expect(r.status, r.message).to.equal('cleared');
    const s = r.schedules[0]!;
    expect(s.accepted).to.equal(false);
    expect(Array.from(s.netKw)).to.deep.equal([0, 0]);
    expect(prices(r)).to.deep.equal([10, 20]);
    expect(Array.from(r.intervals[0]!.awardedQuanta)).to.deep.equal([10_000, 0, 10_000]);
    expect(s.value).to.equal(0);
    expect(r.welfare).to.be.closeTo(1.7, 1e-12);
  });

  /**
   * 100 kW at 20 in both intervals. A parent buy block of 10 kW in interval 0 at 5 loses
   * (5 − 20)·10/1000 = −0.15 alone; its child, 10 kW in interval 1, gains (p − 20)·10/1000.
   * - child at 100: +0.8, together 0.65 > 0: both accepted;
   * - child at 30: +0.1, together −0.05 < 0: both rejected, although the child alone would gain 0.1.
   */
  for (const [childPrice, accepted, welfare] of [
    [100, true, 0.65],
    [30, false, 0],
  ] as const) {
    it(`a linked block is accepted only with its parent (child at ${childPrice}: ${accepted ? 'both accepted' : 'both rejected'})`, async () => {
      const parent = block('parent', 'buy', [10, 0], 5);
      const child = block('child', 'buy', [0, 10], childPrice, 'parent');
      const r = await clear(2, [simple('g0', 0, 'sell', 20, 100), simple('g1', 1, 'sell', 20, 100)], [child, parent]);
      expect(r.status, r.message).to.equal('cleared');
      expect(r.schedules.map((s) => [s.bidId, s.accepted])).to.deep.equal([
        ['child', accepted],
        ['parent', accepted],
      ]);
      expect(Array.from(r.schedules[0]!.netKw)).to.deep.equal(accepted ? [0, 10] : [0, 0]);
      expect(r.welfare).to.be.closeTo(welfare, 1e-12);
    });
  }

  it('a sell block (a unit that runs both intervals or not at all) displaces a dearer seller whole', async () => {
    // Buyers: 50 kW at 60 in both intervals; a simple seller 100 kW at 40. A sell block of 50 kW in
    // both intervals at 30 (below 40) displaces it whole: welfare (60 − 30)·100/1000 = 3.
    // (The price is then anywhere in [40, 60] — degenerate — so not asserted.)
    const r = await clear(2, [simple('l0', 0, 'buy', 60, 50), simple('l1', 1, 'buy', 60, 50), simple('g0', 0, 'sell', 40, 100), simple('g1', 1, 'sell', 40, 100)], [block('unit', 'sell', [50, 50], 30)]);
    expect(r.status, r.message).to.equal('cleared');
    expect(Array.from(r.schedules[0]!.netKw)).to.deep.equal([-50, -50]);
    expect(r.welfare).to.be.closeTo(3, 1e-12);
    for (const iv of r.intervals) expect(Array.from(iv.awardedQuanta)).to.deep.equal([50_000, 0]);
  });

  it('javascript-lp-solver does not take integer columns: the horizon reports solver-error, nothing silently zeroed', async () => {
    const r = await clear(2, supply(), [block('b', 'buy', [40, 40], 30)], 'jslp');
    expect(r.status).to.equal('solver-error');
    expect(r.message).to.match(/integer/);
    expect(r.schedules[0]!.accepted).to.equal(false);
  });
});
