/**
 * `SimulationOptions.reuseIntervalArrays` (engine/simulation.ts): an interval takes over the
 * previous interval's order-book, packed bid rows, awards, settlement, ledger, cost,
 * metered-flow and observation arrays instead of allocating them (fresh typed arrays of a few hundred bytes per party and interval made V8
 * run a full mark-compact every 64 MB of them: issue 16). It must change nothing a sink
 * reads during its call: real runs of example scenarios (a feeder with aggregators and a
 * retailer; a communication plane with an operator) with and without it, every interval's
 * book, ledger and costs copied as the sink gets them, compared number for number.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';

const ROOT = join(import.meta.dirname, '../..');

/** What a sink reads of an outcome, copied out of its typed arrays while it has it. */
function snapshot(o: IntervalOutcome): Record<string, unknown[]> {
  const l = o.ledger;
  const out: Record<string, unknown[]> = {};
  const keys = ['daQuanta', 'daPriceMwh', 'daUnits', 'buyQuanta', 'sellQuanta', 'priceMwh', 'rtUnits', 'commandedQuanta', 'actualQuanta', 'consumedQuanta', 'generatedQuanta', 'curtailedQuanta', 'imbalanceQuanta', 'imbalancePriceMwh', 'imbalanceUnits'] as const;
  for (const k of keys) out[`ledger.${k}`] = Array.from(l[k]);
  out['costUnits'] = Array.from(o.costUnits);
  out['costExtra'] = Array.from(o.costExtra, (m) => (m === undefined ? NaN : m.toNumber()));
  out['drCost'] = Array.from(l.drCost, (m) => (m === undefined ? NaN : m.toNumber()));
  // What each agent reported after its award (state, SoC, temperature, metered kW …), as plain data.
  out['observations'] = o.observations.map((x) => JSON.stringify(x));
  out['book.isBuy'] = Array.from(o.book.isBuy);
  out['book.priceTicks'] = Array.from(o.book.priceTicks);
  out['book.quantityQuanta'] = Array.from(o.book.quantityQuanta);
  out['book.bidIndex'] = Array.from(o.book.bidIndex);
  out['book.busIndex'] = Array.from(o.book.busIndex);
  out['awardedQuanta'] = Array.from(o.result.awardedQuanta);
  out['busPriceMwh'] = Array.from(o.result.busPriceMwh);
  out['mechanism'] = [o.result.mechanism === 'lp-dispatch' ? 1 : 0];
  out['settlement.buyQuanta'] = Array.from(o.settlement.buyQuanta);
  out['settlement.sellQuanta'] = Array.from(o.settlement.sellQuanta);
  out['settlement.paymentUnits'] = Array.from(o.settlement.paymentUnits);
  out['settlement.money'] = [o.settlement.buyersPay, o.settlement.sellersReceive, o.settlement.merchandisingSurplus].map((m) => m.toNumber());
  return out;
}

interface Pass {
  readonly intervals: Record<string, unknown[]>[];
  /** Per interval: the ledger's and the book's array buffers, to see whether they were reused. */
  readonly buffers: { ledger: ArrayBufferLike; book: ArrayBufferLike; costs: ArrayBufferLike; settlement: ArrayBufferLike; awards: ArrayBufferLike; costExtra: unknown[]; drCost: unknown[]; observations: unknown[] }[];
}

async function pass(file: string, reuse: boolean, days: number): Promise<Pass> {
  const s = loadScenarioFile(join(ROOT, file));
  const sim = await Simulation.create({ ...s, config: { ...s.config, days } }, { reuseIntervalArrays: reuse });
  const intervals: Pass['intervals'] = [];
  const buffers: Pass['buffers'] = [];
  sim.run({
    interval(o) {
      intervals.push(snapshot(o));
      buffers.push({ ledger: o.ledger.buyQuanta.buffer, book: o.book.priceTicks.buffer, costs: o.costUnits.buffer, settlement: o.settlement.paymentUnits.buffer, awards: o.result.awardedQuanta.buffer, costExtra: o.ledger.costExtra, drCost: o.ledger.drCost, observations: o.observations as unknown[] });
    },
  });
  return { intervals, buffers };
}

// aggregator-portfolio: members pay fees (money off the unit grid, `costExtra`), not every member every interval.
for (const [file, days, offGrid] of [
  ['scenarios/evening-peak.yaml', 20 / 96, false], // the LP clears intervals 15–19 (a branch limit binds)
  ['test/fixtures/scenarios/comms-dr.yaml', undefined, false],
  ['scenarios/aggregator-portfolio.yaml', 8 / 96, true],
] as const) {
  describe(`reuseIntervalArrays changes no outcome: ${file}`, function () {
    this.timeout(120_000);
    let fresh: Pass;
    let reused: Pass;
    before(async () => {
      const d = days ?? loadScenarioFile(join(ROOT, file)).config.days;
      fresh = await pass(file, false, d);
      reused = await pass(file, true, d);
    });

    it('every interval’s book, ledger, costs, awards and prices, as the sink read them, are the same with and without it', () => {
      expect(reused.intervals.length).to.be.greaterThan(3);
      expect(reused.intervals.length).to.equal(fresh.intervals.length);
      // Not a run of empty books: segments were laid out and awarded.
      expect(fresh.intervals.some((x) => x['book.quantityQuanta']!.length > 100)).to.equal(true);
      expect(fresh.intervals.some((x) => x['awardedQuanta']!.some((q) => (q as number) > 0))).to.equal(true);
      // Money off the unit grid is there to be cleared (the members' fees).
      if (offGrid) expect(fresh.intervals.some((x) => x['costExtra']!.some((m) => !Number.isNaN(m)))).to.equal(true);
      // Both clearings ran (the awards of each are reused): the auction alone, and the LP where a branch limit binds.
      if (file === 'scenarios/evening-peak.yaml') expect(new Set(reused.intervals.map((x) => x['mechanism']![0]))).to.deep.equal(new Set([0, 1]));
      for (let k = 0; k < fresh.intervals.length; k++) expect(reused.intervals[k], `interval ${k}`).to.deep.equal(fresh.intervals[k]);
    });

    it('with it, each interval works in the previous one’s arrays; without it, in new ones', () => {
      for (let k = 1; k < reused.buffers.length; k++) {
        expect(reused.buffers[k]!.ledger).to.equal(reused.buffers[k - 1]!.ledger);
        expect(reused.buffers[k]!.book).to.equal(reused.buffers[k - 1]!.book);
        expect(reused.buffers[k]!.costs).to.equal(reused.buffers[k - 1]!.costs);
        // The per-party arrays of objects too (money off the unit grid, demand-response money, observations): cleared, not allocated.
        expect(reused.buffers[k]!.costExtra).to.equal(reused.buffers[k - 1]!.costExtra);
        expect(reused.buffers[k]!.drCost).to.equal(reused.buffers[k - 1]!.drCost);
        expect(reused.buffers[k]!.observations).to.equal(reused.buffers[k - 1]!.observations);
        // The settlement's per-bid arrays and the awards too, whenever the previous buffer has room
        // (a view of it; the number of bids and segments varies from interval to interval).
        const fits = (key: string, buffer: ArrayBufferLike): boolean => reused.intervals[k]![key]!.length * 8 <= buffer.byteLength;
        if (fits('settlement.paymentUnits', reused.buffers[k - 1]!.settlement)) expect(reused.buffers[k]!.settlement, `interval ${k} settlement`).to.equal(reused.buffers[k - 1]!.settlement);
        if (fits('awardedQuanta', reused.buffers[k - 1]!.awards)) expect(reused.buffers[k]!.awards, `interval ${k} awards`).to.equal(reused.buffers[k - 1]!.awards);
        expect(fresh.buffers[k]!.ledger).to.not.equal(fresh.buffers[k - 1]!.ledger);
        expect(fresh.buffers[k]!.book).to.not.equal(fresh.buffers[k - 1]!.book);
        expect(fresh.buffers[k]!.awards).to.not.equal(fresh.buffers[k - 1]!.awards);
        expect(fresh.buffers[k]!.costExtra).to.not.equal(fresh.buffers[k - 1]!.costExtra);
        expect(fresh.buffers[k]!.observations).to.not.equal(fresh.buffers[k - 1]!.observations);
      }
    });
  });
}
