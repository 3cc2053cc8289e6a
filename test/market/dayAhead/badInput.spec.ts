import { expect } from 'chai';
import { agentId, busId } from '../../../core/units.ts';
import { clearDayAhead } from '../../../market/dayAhead/clear.ts';
import type { DayAheadBook, IntertemporalBid } from '../../../market/dayAhead/types.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import { type Bid, DEFAULT_RULES } from '../../../market/types.ts';
import { battery, car as ev, twoBusBook, twoBusNetwork as network } from '../../helpers/dayAhead.ts';


describe('day-ahead: bad intertemporal input is rejected with its agent, a code and a reason; the rest clears', () => {
  it('rejects each bad bid and clears the good battery exactly as without them', async () => {
    const highs = await loadSolver('highs');
    const bad: IntertemporalBid[] = [
      { ...battery, id: 'unreachable', agentId: agentId('u'), finalSocMinKwh: 90 }, // 2 h × 40 kW × 0.9 = 72 kWh at most
      { ...ev, id: 'greedy', agentId: agentId('g'), energyNeededKwh: 25 }, // 2 h × 11 kW × 0.9 = 19.8 kWh at most
      { ...ev, id: 'late', agentId: agentId('l'), firstInterval: 1, lastInterval: 2 },
      { ...ev, id: 'overfull', agentId: agentId('o'), energyNeededKwh: 40 },
      { ...battery, id: 'nan', agentId: agentId('n'), capacityKwh: NaN },
      { ...battery, id: 'leaky', agentId: agentId('k'), chargeEfficiency: 1.2 },
      { ...battery, id: 'nowhere', agentId: agentId('w'), bus: busId('Z') },
      { ...battery, id: 'bat', agentId: agentId('dup') }, // duplicate of the good battery's id
      { kind: 'shiftable', id: 'washer', agentId: agentId('wm'), bus: busId('A'), powerKw: 2, runIntervals: 3, firstInterval: 0, lastInterval: 1, valueMwh: 300 },
      { kind: 'block', id: 'child', agentId: agentId('c'), bus: busId('A'), side: 'buy', firstInterval: 0, quantitiesKw: [1, 1], priceMwh: 50, parentId: 'missing' },
    ];
    const book: DayAheadBook = {
      ...twoBusBook,
      intertemporalBids: [...twoBusBook.intertemporalBids, ...bad],
      rampLimits: [{ id: 'stuck', agentId: agentId('gen'), rampUpKw: 10, rampDownKw: 10, initialKw: 300 }], // must still make 290 kW; offers 100
    };
    const r = clearDayAhead(book, { network, solver: highs });
    const codes = Object.fromEntries(r.rejections.map((x) => [x.bidId, [x.agentId, x.code]]));
    expect(codes).to.deep.equal({
      unreachable: ['u', 'final-soc-unreachable'],
      greedy: ['g', 'energy-need-unreachable'],
      late: ['l', 'outside-horizon'],
      overfull: ['o', 'energy-need-unreachable'],
      nan: ['n', 'invalid-parameter'],
      leaky: ['k', 'invalid-parameter'],
      nowhere: ['w', 'unknown-bus'],
      bat: ['dup', 'duplicate-bid-id'],
      washer: ['wm', 'block-longer-than-window'],
      child: ['c', 'unknown-parent-block'],
      stuck: ['gen', 'ramp-infeasible'],
    });
    const reason = (id: string): string => r.rejections.find((x) => x.bidId === id)!.reason;
    expect(reason('unreachable')).to.match(/final SoC 90 kWh cannot be reached.*reaches 72 kWh/);
    expect(reason('greedy')).to.match(/needs 25 kWh but 2 interval\(s\) of 1 h at 11 kW and η_c 0.9 deliver at most 19.8 kWh/);
    expect(reason('nan')).to.match(/^capacityKwh /);
    expect(reason('leaky')).to.match(/^chargeEfficiency must lie in \(0, 1\], got 1.2/);
    expect(reason('stuck')).to.match(/must still produce 290 kW in horizon interval 0 where its offers total 100 kW/);
    // The rest clears as the hand-computed case does without them.
    const alone = clearDayAhead(twoBusBook, { network, solver: highs });
    expect(r.status).to.equal('cleared');
    expect(r.welfare).to.equal(alone.welfare);
    expect(r.schedules.map((s) => s.bidId)).to.deep.equal(['bat']);
    expect(Array.from(r.schedules[0]!.netQuanta)).to.deep.equal(Array.from(alone.schedules[0]!.netQuanta));
  });

  it('issue 14: numbers past what the engine represents (core/bounds.ts) are rejected with the field and the bound; the rest clears', async () => {
    const huge: IntertemporalBid[] = [
      { ...battery, id: 'cap', agentId: agentId('a'), capacityKwh: 1e308, maxSocKwh: 1e308 },
      { ...battery, id: 'charger', agentId: agentId('b'), maxChargeKw: 2e9 },
      { ...battery, id: 'terminal', agentId: agentId('c'), terminalValueMwh: -1e8 },
      { kind: 'block', id: 'blk', agentId: agentId('d'), bus: busId('A'), side: 'buy', firstInterval: 0, quantitiesKw: [1, 1e10], priceMwh: 50 },
    ];
    const r = clearDayAhead(
      { ...twoBusBook, intertemporalBids: [...twoBusBook.intertemporalBids, ...huge], rampLimits: [{ id: 'ramp', agentId: agentId('gen'), rampUpKw: 1e300, rampDownKw: 10 }] },
      { network, solver: await loadSolver('highs') },
    );
    expect(r.rejections.map((x) => [x.bidId, x.code, x.reason])).to.deep.equal([
      ['cap', 'invalid-parameter', 'capacityKwh must be at most 10000000000 in size, got 1e+308'],
      ['charger', 'invalid-parameter', 'maxChargeKw must be at most 1000000000 in size, got 2000000000'],
      ['terminal', 'invalid-parameter', 'terminalValueMwh must be at most 10000000 in size, got -100000000'],
      ['blk', 'invalid-parameter', 'quantitiesKw[1] must be at most 1000000000 in size, got 10000000000'],
      ['ramp', 'invalid-parameter', 'rampUpKw must be at most 1000000000 in size, got 1e+300'],
    ]);
    expect(r.status).to.equal('cleared');
    expect(r.welfare).to.equal(clearDayAhead(twoBusBook, { network, solver: await loadSolver('highs') }).welfare);
  });

  it('a simple bid outside the horizon is rejected as unknown-interval; the rest clears', async () => {
    const stray: Bid = { id: 'stray', agentId: agentId('s'), bus: busId('A'), interval: 5, segments: [{ side: 'buy', priceMwh: 10, quantityKw: 1 }] };
    const r = clearDayAhead({ ...twoBusBook, bids: [...twoBusBook.bids, stray] }, { network, solver: await loadSolver('highs') });
    expect(r.rejections.map((x) => [x.bidId, x.code, x.interval])).to.deep.equal([['stray', 'unknown-interval', 5]]);
    expect(r.status).to.equal('cleared');
  });

  it('an EV with its need inside the window charges it by departure and nothing outside', async () => {
    const r = clearDayAhead({ ...twoBusBook, intertemporalBids: [{ ...ev, firstInterval: 1, lastInterval: 1, energyNeededKwh: 9 }] }, { network, solver: await loadSolver('highs') });
    expect(r.status, r.message).to.equal('cleared');
    const s = r.schedules[0]!;
    // 9 kWh in the cells = 10 kW for 1 h at η_c 0.9; bought at B in interval 1, where the load is marginal at 100.
    expect(Array.from(s.netKw)).to.deep.equal([0, 10]);
    expect(Array.from(s.socKwh!)).to.deep.equal([20, 29]);
    expect(s.shortfallKwh).to.equal(0);
  });
});

describe('day-ahead: generator ramp limits', () => {
  it('a cheap generator ramping 30 kW per interval from 0: 30 then 60 kW, the dear one fills in and sets the price', async () => {
    const bids: Bid[] = [];
    for (let t = 0; t < 3; t++) {
      bids.push({ id: `cheap${t}`, agentId: agentId('cheap'), bus: busId('X'), interval: t, segments: [{ side: 'sell', priceMwh: 20, quantityKw: 100 }] });
      bids.push({ id: `dear${t}`, agentId: agentId('dear'), bus: busId('X'), interval: t, segments: [{ side: 'sell', priceMwh: 80, quantityKw: 100 }] });
      bids.push({ id: `load${t}`, agentId: agentId('load'), bus: busId('X'), interval: t, segments: [{ side: 'buy', priceMwh: 200, quantityKw: 70 }] });
    }
    const r = clearDayAhead(
      { horizon: { firstInterval: 0, intervalCount: 3, durationH: 1 }, rules: DEFAULT_RULES, bids, intertemporalBids: [], rampLimits: [{ id: 'r', agentId: agentId('cheap'), rampUpKw: 30, rampDownKw: 30, initialKw: 0 }] },
      { solver: await loadSolver('highs') },
    );
    expect(r.status, r.message).to.equal('cleared');
    expect(r.intervals.map((iv) => Array.from(iv.awardedQuanta, (a) => a / 1000))).to.deep.equal([
      [30, 40, 70],
      [60, 10, 70],
      [70, 0, 70],
    ]);
    // Prices: the dear generator is marginal while it runs (80); in interval 2 the cheap one
    // alone serves the load (70 kW, within its 90 kW ramp and 100 kW offer) and sets the price: 20.
    expect(r.intervals.map((iv) => iv.busPriceMwh[0])).to.deep.equal([80, 80, 20]);
  });
});

describe('day-ahead: an infeasible horizon is reported, never zeroed', () => {
  it('a generator that cannot ramp down below 90 kW, with no one to take its power: status infeasible in every interval, NaN prices and welfare', async () => {
    const bids: Bid[] = [0, 1].map((t) => ({ id: `gen${t}`, agentId: agentId('gen'), bus: busId('X'), interval: t, segments: [{ side: 'sell', priceMwh: 20, quantityKw: 100 }] }));
    const r = clearDayAhead(
      { horizon: { firstInterval: 0, intervalCount: 2, durationH: 1 }, rules: DEFAULT_RULES, bids, intertemporalBids: [], rampLimits: [{ id: 'r', agentId: agentId('gen'), rampUpKw: 10, rampDownKw: 10, initialKw: 100 }] },
      { solver: await loadSolver('highs') },
    );
    expect(r.rejections).to.deep.equal([]);
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(/infeasible/);
    expect(Number.isNaN(r.welfare)).to.equal(true);
    for (const iv of r.intervals) {
      expect(iv.status).to.equal('infeasible');
      expect(Number.isNaN(iv.busPriceMwh[0]!)).to.equal(true);
      expect(Number.isNaN(iv.welfare)).to.equal(true);
    }
  });
});
