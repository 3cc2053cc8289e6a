/**
 * EVs on the built-in `ev-slack` bid through `bidPacked` (the simulation's way) by applying
 * the strategy's rule to their own numbers and writing packed rows, without a view
 * (agents/ev/runtime.ts). This proves the packed rows are the segments `bid` makes through
 * the view, interval after interval, under random forecasts and awards, and that the cars
 * stay the same cars (observations, status, lifecycle): for the default strategy, for
 * `ev-slack` named with parameters, and for another strategy (which the packed path leaves
 * to the view).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { evKind } from '../../agents/ev/index.ts';
import type { EvRuntime } from '../../agents/ev/runtime.ts';
import { type EvGroup, evGroupSchema } from '../../agents/ev/schema.ts';
import { intervalAt } from '../../core/clock.ts';
import { parseSimTime } from '../../core/time.ts';
import { PackedCurves } from '../../market/packedCurves.ts';
import { evSlackParamsOf } from '../../strategies/ev/slack.ts';
import { agentEnv, award, marketAt } from '../helpers/agentMarket.ts';

const START = parseSimTime('2026-07-01T12:00:00Z')!;

const price = fc.oneof(fc.constant(NaN), fc.integer({ min: -100, max: 900 }), fc.constantFrom(50, 100, 400, 2500));
const config = fc.record({
  seed: fc.integer({ min: 1, max: 1e6 }),
  strategy: fc.constantFrom(undefined, 'ev-slack', { id: 'ev-slack', params: { urgencyHours: 3, v2gQuantile: 0.5 } }, 'ev-uncontrolled'),
  v2gShare: fc.constantFrom(0, 0.5, 1),
  sessions: fc.constantFrom('home', 'workplace'),
  rounds: fc.array(fc.record({ forecast: fc.array(price, { maxLength: 12 }), last: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }), p: fc.constantFrom(0, 60, 120, 200, 3000), u: fc.constantFrom(0, 0.5, 1) }), {
    minLength: 1,
    maxLength: 60,
  }),
});

describe('agents/ev: bidding on ev-slack as packed rows', () => {
  it('evSlackParamsOf recognises ev-slack (named, with parameters, or by default) and nothing else', () => {
    expect(evSlackParamsOf(undefined)).to.deep.equal({ urgencyHours: 1, v2gQuantile: 0.75 });
    expect(evSlackParamsOf('ev-slack')).to.deep.equal({ urgencyHours: 1, v2gQuantile: 0.75 });
    expect(evSlackParamsOf({ id: 'ev-slack', params: { urgencyHours: 2 } })?.urgencyHours).to.equal(2);
    expect(evSlackParamsOf('ev-uncontrolled')).to.equal(undefined);
    expect(evSlackParamsOf({ module: './ev-slack.ts' } as never)).to.equal(undefined);
  });

  it('writes the segments bid makes through the view, and the cars stay the same (fast-check)', () => {
    let slackRows = 0;
    fc.assert(
      fc.property(config, (c) => {
        const g = evGroupSchema.parse({ kind: 'ev', idPrefix: 'ev', count: 4, chargerKw: 7.4, sessions: c.sessions, v2gShare: c.v2gShare, ...(c.strategy ? { strategy: c.strategy } : {}) }) as EvGroup;
        const weather = { temperature: 'mild', sky: 'clear' };
        const envView = agentEnv(START, c.seed, c.rounds.length, weather);
        const envPacked = agentEnv(START, c.seed, c.rounds.length, weather);
        const view = evKind.create(g, envView) as EvRuntime[];
        const packed = evKind.create(g, envPacked) as EvRuntime[];
        const rows = new PackedCurves(4);
        let written = 0;
        c.rounds.forEach((r, k) => {
          const ivV = intervalAt(envView.clock, k);
          const ivP = intervalAt(envPacked.clock, k);
          for (let i = 0; i < view.length; i++) {
            const a = view[i]!.bid(ivV, marketAt(envView, ivV, r.forecast, r.last));
            const from = rows.n;
            const answer = packed[i]!.bidPacked!(ivP, marketAt(envPacked, ivP, r.forecast, r.last), rows);
            expect(answer === undefined ? rows.segments(from, rows.n - from) : answer).to.deep.equal(a);
            if (answer !== undefined) expect(rows.n).to.equal(from); // nothing written when it answers with objects
            written += rows.n - from;
            view[i]!.settle({ interval: ivV, ...award(a, r.p, r.u), priceMwh: r.p, bidAccepted: true });
            packed[i]!.settle({ interval: ivP, ...award(a, r.p, r.u), priceMwh: r.p, bidAccepted: true });
            expect(packed[i]!.observe()).to.deep.equal(view[i]!.observe());
            expect(packed[i]!.status()).to.deep.equal(view[i]!.status());
            expect(packed[i]!.lifecycle.value).to.equal(view[i]!.lifecycle.value);
          }
        });
        // Another strategy never writes rows.
        if (c.strategy === 'ev-uncontrolled') expect(written).to.equal(0);
        else slackRows += written;
      }),
      { numRuns: 80 },
    );
    expect(slackRows).to.be.above(0); // the packed path was taken
  });
});
