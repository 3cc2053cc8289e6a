/**
 * Homes on the built-in `home-forecast` price their needs in place (agents/home/runtime.ts,
 * `forecastBid`) instead of showing the strategy a view. This proves the two ways give the
 * same home: a group on `home-forecast` against the same group on a strategy that runs
 * `homeForecastBid` on the view (so the home takes the view path), interval after
 * interval, under random forecasts and awards: the same segments, observations and state.
 * A third group bids through `bidPacked` (the simulation's way: segments written as packed
 * rows, market/packedCurves.ts): its rows read back are the same segments, and its homes
 * stay the same homes.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { homeKind } from '../../agents/home/index.ts';
import type { HomeAgent } from '../../agents/home/runtime.ts';
import { type HomeGroup, homeGroupSchema } from '../../agents/home/schema.ts';
import type { AgentEnv } from '../../agents/types.ts';
import { intervalAt } from '../../core/clock.ts';
import { parseSimTime } from '../../core/time.ts';
import { homeForecastBid, homeForecastParams, homeForecastParamsOf } from '../../strategies/home/forecast.ts';
import type { HomeView } from '../../strategies/home/view.ts';
import { registerStrategy } from '../../strategies/registry.ts';
import { agentEnv, award, marketAt } from '../helpers/agentMarket.ts';
import { PackedCurves } from '../../market/packedCurves.ts';
import { baselineRunKw, baselineWindowKw } from '../../agents/home/appliances.ts';
import type { ApplianceJob } from '../../agents/physics/appliance.ts';

const START = parseSimTime('2026-07-01T12:00:00Z')!;

// home-forecast through the view: a strategy the home does not recognise, so it builds the view.
let viewCalls = 0;
registerStrategy('test-home-forecast-by-view', {
  params: homeForecastParams,
  kinds: ['home'],
  create: (p) => ({
    id: 'test-home-forecast-by-view',
    bid: (view, market) => {
      viewCalls++;
      return homeForecastBid(view as HomeView, market, homeForecastParams.parse(p));
    },
  }),
});

const envFor = (seed: number, intervals: number, weather: Record<string, unknown>): AgentEnv => agentEnv(START, seed, intervals, weather);

const price = fc.oneof(fc.constant(NaN), fc.integer({ min: -100, max: 900 }), fc.constantFrom(50, 100, 400, 2500));
const appliance = fc.record({
  share: fc.constantFrom(0.5, 1),
  energyKwh: fc.constantFrom(0.5, 1, 1.5),
  powerKw: fc.constantFrom(0.8, 1.2, 2),
  earliestStartHour: fc.constantFrom({ min: 14, max: 16 }, { min: 15, max: 19 }),
  windowHours: fc.constantFrom({ min: 1, max: 3 }, { min: 3, max: 8 }),
});
const config = fc.record({
  seed: fc.integer({ min: 1, max: 1e6 }),
  flexBlocks: fc.integer({ min: 1, max: 4 }),
  hvac: fc.option(fc.record({ mode: fc.constantFrom('cool', 'heat'), share: fc.constantFrom(0.5, 1), blocks: fc.integer({ min: 1, max: 4 }), initialIndoorC: fc.constantFrom(19, 21, 23, 25.5) }), { nil: undefined }),
  pv: fc.boolean(),
  appliances: fc.array(appliance, { maxLength: 2 }),
  params: fc.record({ lookaheadHours: fc.constantFrom(1, 2, 6), minSpread: fc.constantFrom(0, 0.1, 0.5), precondition: fc.boolean(), fillMarginHours: fc.constantFrom(0, 1) }),
  temperature: fc.constantFrom('heatwave', 'mild', 'cold'),
  rounds: fc.array(fc.record({ forecast: fc.array(price, { maxLength: 12 }), last: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }), p: fc.constantFrom(0, 60, 120, 200, 320, 3000), u: fc.constantFrom(0, 0.5, 1) }), {
    minLength: 1,
    maxLength: 10,
  }),
});

describe('agents/home: bidding on home-forecast without the view', () => {
  it('homeForecastParamsOf recognises home-forecast (named, with parameters, or by default) and nothing else', () => {
    expect(homeForecastParamsOf(undefined)).to.deep.equal(homeForecastParams.parse({}));
    expect(homeForecastParamsOf('home-forecast')).to.deep.equal(homeForecastParams.parse({}));
    expect(homeForecastParamsOf({ id: 'home-forecast', params: { lookaheadHours: 2 } })?.lookaheadHours).to.equal(2);
    expect(homeForecastParamsOf('truthful')).to.equal(undefined);
    expect(homeForecastParamsOf({ id: 'markup', params: { markup: 0.1 } })).to.equal(undefined);
    expect(homeForecastParamsOf({ module: './home-forecast.ts' } as never)).to.equal(undefined);
  });

  it('gives the same segments, observations and state as homeForecastBid on the view (fast-check)', () => {
    fc.assert(
      fc.property(config, (c) => {
        const base = {
          kind: 'home',
          idPrefix: 'h',
          count: 3,
          flexibility: { share: 0.3, valueMwh: { min: 60, max: 300 }, blocks: c.flexBlocks },
          ...(c.hvac ? { hvac: { ...c.hvac, setpointC: c.hvac.mode === 'cool' ? 23 : 21, band: { lowC: 20, highC: 25 } } } : {}),
          ...(c.pv ? { pv: { share: 1, capacityKw: { min: 3, max: 6 }, offerPriceMwh: -5 } } : {}),
          appliances: c.appliances,
        };
        const weather = { temperature: c.temperature, sky: 'clear' };
        const envFast = envFor(c.seed, c.rounds.length, weather);
        const envView = envFor(c.seed, c.rounds.length, weather);
        const envPacked = envFor(c.seed, c.rounds.length, weather);
        const packed = homeKind.create(homeGroupSchema.parse({ ...base, strategy: { id: 'home-forecast', params: c.params } }) as HomeGroup, envPacked) as HomeAgent[];
        const rows = new PackedCurves(4);
        const fast = homeKind.create(homeGroupSchema.parse({ ...base, strategy: { id: 'home-forecast', params: c.params } }) as HomeGroup, envFast) as HomeAgent[];
        const view = homeKind.create(homeGroupSchema.parse({ ...base, strategy: { id: 'test-home-forecast-by-view', params: c.params } }) as HomeGroup, envView) as HomeAgent[];
        // The fast group is on the fast path: its homes know the strategy's parameters.
        for (const h of fast) expect((h as unknown as { forecast?: unknown }).forecast).to.deep.equal(homeForecastParams.parse(c.params));
        const calls = viewCalls;
        c.rounds.forEach((r, k) => {
          const ivF = intervalAt(envFast.clock, k);
          const ivV = intervalAt(envView.clock, k);
          for (let i = 0; i < fast.length; i++) {
            const a = fast[i]!.bid(ivF, marketAt(envFast, ivF, r.forecast, r.last));
            const b = view[i]!.bid(ivV, marketAt(envView, ivV, r.forecast, r.last));
            expect(a).to.deep.equal(b);
            const ivP = intervalAt(envPacked.clock, k);
            const from = rows.n;
            const answer = packed[i]!.bidPacked(ivP, marketAt(envPacked, ivP, r.forecast, r.last), rows);
            expect(answer === undefined ? rows.segments(from, rows.n - from) : answer).to.deep.equal(a);
            if (answer !== undefined) expect(rows.n).to.equal(from); // nothing written when it answers with objects
            packed[i]!.settle({ interval: ivP, ...award(a, r.p, r.u), priceMwh: r.p, bidAccepted: true });
            fast[i]!.settle({ interval: ivF, ...award(a, r.p, r.u), priceMwh: r.p, bidAccepted: true });
            view[i]!.settle({ interval: ivV, ...award(b, r.p, r.u), priceMwh: r.p, bidAccepted: true });
            expect(fast[i]!.observe()).to.deep.equal(view[i]!.observe());
            expect(fast[i]!.inspect()).to.deep.equal(view[i]!.inspect());
            expect(fast[i]!.lifecycle.value).to.equal(view[i]!.lifecycle.value);
            expect(packed[i]!.observe()).to.deep.equal(fast[i]!.observe());
            expect(packed[i]!.inspect()).to.deep.equal(fast[i]!.inspect());
          }
        });
        // Only the view group asked its strategy.
        expect(viewCalls - calls).to.equal(c.rounds.length * view.length);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps every appliance baseline run (read by settle) that of the job in its slot, day after day (fast-check)', () => {
    const window = (job: ApplianceJob | undefined): number[] => (job ? [job.earliestStart, job.earliestStart + (job.energyKwh / job.powerKw) * 3_600_000, job.powerKw] : [NaN, NaN, NaN]);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.array(appliance, { minLength: 1, maxLength: 2 }),
        fc.array(fc.record({ p: fc.constantFrom(0, 120, 3000), u: fc.constantFrom(0, 0.5, 1) }), { minLength: 100, maxLength: 300 }),
        (seed, appliances, rounds) => {
          const env = envFor(seed, rounds.length, { temperature: 'mild', sky: 'clear' });
          const homes = homeKind.create(homeGroupSchema.parse({ kind: 'home', idPrefix: 'h', count: 3, flexibility: { share: 0.3, valueMwh: { min: 60, max: 300 }, blocks: 2 }, appliances }) as HomeGroup, env) as HomeAgent[];
          rounds.forEach((r, k) => {
            const iv = intervalAt(env.clock, k);
            for (const h of homes) {
              const segs = h.bid(iv, marketAt(env, iv));
              h.settle({ interval: iv, ...award(segs, r.p, r.u), priceMwh: r.p, bidAccepted: true });
              const { slots, runs } = h.inspect();
              expect(runs).to.deep.equal(slots.flatMap((s) => [...window(s.job), ...window(s.next)]));
              // The baseline read from the runs is the one read from the jobs.
              let fromJobs = 0;
              let fromRuns = 0;
              slots.forEach((s, a) => {
                fromJobs += baselineRunKw(s.job, iv.start, iv.durationH) + baselineRunKw(s.next, iv.start, iv.durationH);
                fromRuns += baselineWindowKw(runs[6 * a]!, runs[6 * a + 1]!, runs[6 * a + 2]!, iv.start, iv.durationH) + baselineWindowKw(runs[6 * a + 3]!, runs[6 * a + 4]!, runs[6 * a + 5]!, iv.start, iv.durationH);
              });
              expect(fromRuns).to.equal(fromJobs);
            }
          });
        },
      ),
      { numRuns: 15 },
    );
  });
});
