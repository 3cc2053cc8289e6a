/**
 * With `SimulationOptions.reuseIntervalArrays` each party's packed bid object is rewritten as
 * its bid of the next interval (engine/interval/collectBids.ts `IntervalRows`), so nobody may
 * hold a bid past its interval. Were anyone to (the gate keeping a late bid, a rejection or a
 * lost-bid event quoting it later, the order book or the comms plane reading the last
 * interval's bids), the rewritten bid would show another interval's id, segments or party. On
 * random small scenarios with bids lost, delayed past the gate, crashed agents, aggregator
 * members, and a communication plane that loses and delays messages, every interval's book
 * bids, rejections and events, as the sink reads them, must be the same with reuse as with a
 * new bid object per bid (fast-check).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseScenario } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';
import type { Bid } from '../../market/types.ts';

interface Shape {
  homes: number;
  evs: number;
  batteries: number;
  members: number;
  /** A comms-loss fault on the homes and EVs: bids lost, or delayed by `delayMinutes` (past the 5-minute gate when > 1). */
  comms: { mode: 'lost' | 'delayed'; probability: number; delayMinutes: number } | undefined;
  crash: boolean;
  /** A communication plane whose demand-response messages are lost with this probability and take up to `maxMs`. */
  plane: { loss: number; maxMs: number } | undefined;
  seed: number;
}

const shape: fc.Arbitrary<Shape> = fc.record({
  homes: fc.integer({ min: 1, max: 6 }),
  evs: fc.integer({ min: 0, max: 2 }),
  batteries: fc.integer({ min: 0, max: 2 }),
  members: fc.integer({ min: 0, max: 3 }),
  comms: fc.option(fc.record({ mode: fc.constantFrom('lost' as const, 'delayed' as const), probability: fc.constantFrom(0.3, 0.6, 1), delayMinutes: fc.constantFrom(0, 1, 3, 20) }), { nil: undefined }),
  crash: fc.boolean(),
  plane: fc.option(fc.record({ loss: fc.constantFrom(0, 0.2, 0.5), maxMs: fc.constantFrom(100, 300_000) }), { nil: undefined }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

/** Eight 15-minute intervals of the evening on one bus. */
function scenarioOf(s: Shape) {
  const agents: unknown[] = [
    { kind: 'generator', id: 'grid', offers: [{ kw: 100, priceMwh: 60 }, { kw: 100, priceMwh: 150 }] },
    { kind: 'home', idPrefix: 'home', count: s.homes, pv: { share: 0.5 }, hvac: { share: 0.5 } },
  ];
  if (s.evs > 0) agents.push({ kind: 'ev', idPrefix: 'ev', count: s.evs, v2gShare: 0.5 });
  if (s.batteries > 0) agents.push({ kind: 'storage', idPrefix: 'battery', count: s.batteries });
  if (s.members > 0) {
    agents.push({ kind: 'aggregator', id: 'flexco' });
    agents.push({ kind: 'home', idPrefix: 'member', count: s.members, aggregator: 'flexco' });
  }
  const doc = {
    name: 'reused-bids',
    seed: s.seed,
    start: '2026-07-01T17:00:00Z',
    days: 8 / 96,
    intervalMinutes: 15,
    weather: { temperature: 'heatwave' },
    market: { mechanism: 'double-auction', gateClosureMinutes: 5 },
    ...(s.plane
      ? {
          comms: {
            classes: {
              'demand-response': { latency: { distribution: 'uniform', minMs: 50, maxMs: s.plane.maxMs }, lossProbability: s.plane.loss },
              ami: { lossProbability: 0 },
            },
          },
        }
      : {}),
    faults: [
      ...(s.comms ? [{ type: 'comms-loss', agents: ['home-*', ...(s.evs > 0 ? ['ev-*'] : [])], from: '2026-07-01T17:15:00Z', until: '2026-07-01T18:45:00Z', mode: s.comms.mode, probability: s.comms.probability, delayMinutes: s.comms.delayMinutes }] : []),
      ...(s.crash ? [{ type: 'agent-crash', agent: 'home-1', at: '2026-07-01T17:30:00Z' }] : []),
    ],
    agents,
  };
  return parseScenario(stringify(doc), 'reused-bids.yaml');
}

/** A bid as plain values (its id read now, its segments copied). */
const plainBid = (b: Bid) => ({ id: b.id, agentId: b.agentId, bus: b.bus, interval: b.interval, party: (b as Bid & { party?: number }).party, segments: b.segments.map((x) => ({ ...x })) });

interface Pass {
  /** Per interval, what the sink read: the book's bids, the rejections and the events. */
  readonly intervals: unknown[];
  /** Per interval, the book's bid objects themselves. */
  readonly bidObjects: Array<readonly Bid[]>;
}

async function pass(s: Shape, reuse: boolean): Promise<Pass> {
  const sim = await Simulation.create(scenarioOf(s), { reuseIntervalArrays: reuse });
  const intervals: unknown[] = [];
  const bidObjects: Array<readonly Bid[]> = [];
  sim.run({
    interval(o: IntervalOutcome) {
      intervals.push({ index: o.interval.index, bids: o.book.bids.map(plainBid), rejections: o.rejections.map((r) => ({ ...r })), events: o.events.map((e) => ({ ...e })) });
      bidObjects.push([...o.book.bids]);
    },
  });
  return { intervals, bidObjects };
}

describe('packed bids reused from interval to interval (engine/interval/collectBids.ts, reuseIntervalArrays)', function () {
  this.timeout(240_000);

  it('leave every interval’s book bids, rejections and events as with new bids, on random scenarios (fast-check)', async () => {
    let reusedSome = false;
    let rejectedSome = false;
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const fresh = await pass(s, false);
        const reused = await pass(s, true);
        expect(reused.intervals, JSON.stringify(s)).to.deep.equal(fresh.intervals);
        // The reuse happened: some agent's bid is the same object as its bid of the interval before.
        const before = new Set(reused.bidObjects.slice(0, -1).flat());
        if (reused.bidObjects.slice(1).some((bids) => bids.some((b) => before.has(b)))) reusedSome = true;
        if (fresh.intervals.some((x) => (x as { rejections: unknown[] }).rejections.length > 0)) rejectedSome = true;
        // Without reuse, every bid is a new object.
        const all = fresh.bidObjects.flat();
        expect(new Set(all).size).to.equal(all.length);
      }),
      { numRuns: 25, seed: 16 },
    );
    expect(reusedSome, 'some bid object was reused').to.equal(true);
    expect(rejectedSome, 'some bid was rejected (late or missed the gate), quoting its id').to.equal(true);
  });
});
