import { expect } from 'chai';
import fc from 'fast-check';
import { initialTransition, transition } from 'xstate';
import { parseSimTime } from '../../core/time.ts';
import { kw } from '../../core/units.ts';
import { homeKind } from '../../agents/home/index.ts';
import { type HomeGroup, homeGroupSchema } from '../../agents/home/schema.ts';
import { homeLifecycle, homeMachine, homeTargetState } from '../../agents/home/machine.ts';
import type { HomeAgent } from '../../agents/home/runtime.ts';
import { pvOutputKw } from '../../agents/physics/pv.ts';
import type { AgentEnv } from '../../agents/types.ts';
import { intervalAt } from '../../core/clock.ts';
import type { BidSegment } from '../../market/types.ts';
import type { HomeView } from '../../strategies/home/view.ts';
import { registerStrategy } from '../../strategies/registry.ts';
import { truthful } from '../../strategies/truthful.ts';
import { agentEnv, award, CAP, FLOOR, marketAt, QUANTUM } from '../helpers/agentMarket.ts';

const START = parseSimTime('2026-07-01T00:00:00Z')!; // local 02:00 (UTC+2)
const envFor = (seed: number, intervals: number, weather: Record<string, unknown> = { temperature: 'heatwave' }): AgentEnv => agentEnv(START, seed, intervals, weather);

// A truthful strategy that keeps the last view each home showed it.
const views = new Map<string, HomeView>();
registerStrategy('test-home-capture', {
  params: undefined,
  kinds: ['home'],
  create: () => ({
    id: 'test-home-capture',
    bid: (view, market) => {
      views.set(view.agentId, view as HomeView);
      return truthful.bid(view, market);
    },
  }),
});

const group = (over: Record<string, unknown>): HomeGroup => homeGroupSchema.parse({ kind: 'home', idPrefix: 'h', strategy: 'test-home-capture', ...over });
const homes = (g: HomeGroup, env: AgentEnv): HomeAgent[] => homeKind.create(g, env) as HomeAgent[];
const needKw = (v: HomeView, need: string): number => v.demand.reduce((s, d, i) => (v.needs[i] === need ? s + d.kw : s), 0);

describe('agents/home: the machine decides (pure transitions)', () => {
  const [normal] = initialTransition(homeMachine);

  it('normal ⇄ curtailed ⇄ pre-conditioning; faulted only leaves on REPAIR', () => {
    expect(normal.value).to.equal('normal');
    const [c] = transition(homeMachine, normal, { type: 'CURTAIL' });
    expect(c.value).to.equal('curtailed');
    const [p] = transition(homeMachine, c, { type: 'PRECONDITION' });
    expect(p.value).to.equal('pre-conditioning');
    expect(transition(homeMachine, p, { type: 'RESTORE' })[0].value).to.equal('normal');
    const [f] = transition(homeMachine, p, { type: 'FAULT' });
    expect(f.value).to.equal('faulted');
    for (const type of ['CURTAIL', 'PRECONDITION', 'RESTORE'] as const) expect(transition(homeMachine, f, { type })[0].value).to.equal('faulted');
    expect(transition(homeMachine, f, { type: 'REPAIR' })[0].value).to.equal('normal');
  });

  it('homeLifecycle: the event only when the state changes; pre-conditioning over curtailed over normal; a watt is nothing', () => {
    expect(homeLifecycle('normal', 0.0005, 0)).to.equal(undefined);
    expect(homeLifecycle('normal', 0.5, 0)?.type).to.equal('CURTAIL');
    expect(homeLifecycle('curtailed', 0.5, 0)).to.equal(undefined);
    expect(homeLifecycle('curtailed', 0, 0)?.type).to.equal('RESTORE');
    expect(homeLifecycle('curtailed', 0.5, 1)?.type).to.equal('PRECONDITION');
    expect(homeLifecycle('pre-conditioning', 0, 0)?.type).to.equal('RESTORE');
    expect(homeLifecycle('faulted', 9, 9)).to.equal(undefined);
    expect(homeTargetState(1, 0)).to.equal('curtailed');
  });

  it('every event homeLifecycle returns is one the machine takes from that state', () => {
    fc.assert(
      fc.property(fc.constantFrom('normal', 'curtailed', 'pre-conditioning'), fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), (state, shortKw, preconditionKw) => {
        const snap = homeMachine.resolveState({ value: state });
        const e = homeLifecycle(state, shortKw, preconditionKw);
        const next = e ? transition(homeMachine, snap, e)[0].value : state;
        expect(next).to.equal(homeTargetState(shortKw, preconditionKw));
      }),
    );
  });
});

describe('agents/home: bids by hand', () => {
  // Outdoor exactly 30 °C all day, no gains, no per-home variation: the RC numbers of the hand calculation.
  const still = { temperature: { minC: 30, maxC: 30 }, noiseSdC: 0, sky: 'clear' };
  const hvac = (initialIndoorC: number) => ({ paramSigma: 0, setpointC: 22.4, setpointSdC: 0, internalGainsKw: 0, solarApertureM2: 0, initialIndoorC, blocks: 1, comfortValueMwh: { min: 40, max: 600 } });

  it('HVAC at 22.5 °C in, 30 °C out: 3.110 kW towards the setpoint at 320, 2.490 kW pre-conditioning at 0, nothing at the cap', () => {
    // a = e^(−0.25/20); reaching 22.4: T_ss = (22.4 − 22.5·a)/(1 − a) = 14.449 °C, Q = (14.449 − 30)/2 = −7.775 kW → /2.5 = 3.110 kW.
    // Block value (one block between 600 and 40): 600 − 560/2 = 320. Far target 20.02 needs > 5.6 kW: 5.6 − 3.110 more.
    const env = envFor(1, 4, still);
    const [h] = homes(group({ count: 1, hvac: hvac(22.5), flexibility: { share: 0 } }), env);
    const iv = intervalAt(env.clock, 0);
    const segs = h!.bid(iv, marketAt(env, iv));
    const v = views.get(h!.id)!;
    expect(needKw(v, 'hvac-keep')).to.equal(0);
    const block = segs.find((s) => s.priceMwh === 320)!;
    expect(block.quantityKw).to.be.closeTo(3.110020833, 1e-6);
    const pre = segs.find((s) => s.priceMwh === 0)!;
    expect(pre.quantityKw).to.be.closeTo(2.489979167, 1e-6);
    expect(v.hvac!.marginC).to.be.closeTo(24 - 22.5, 1e-12);
    expect(v.desiredKw).to.be.closeTo(needKw(v, 'base') + 3.110020833, 1e-6);
  });

  it('HVAC at the band edge target (23.98 °C): holding it, (30 − 23.98)/2/2.5 = 1.204 kW, is bid at the cap', () => {
    const env = envFor(1, 4, still);
    const [h] = homes(group({ count: 1, hvac: hvac(23.98), flexibility: { share: 0 } }), env);
    const iv = intervalAt(env.clock, 0);
    h!.bid(iv, marketAt(env, iv));
    const v = views.get(h!.id)!;
    expect(needKw(v, 'hvac-keep')).to.be.closeTo(1.204, 1e-9);
    const i = v.needs.indexOf('hvac-keep');
    expect(v.demand[i]!.valueMwh).to.equal(CAP);
    // The rest of the rating goes towards the setpoint (unreachable in 15 minutes).
    expect(needKw(v, 'hvac')).to.be.closeTo(5.6 - 1.204, 1e-9);
  });

  it('an appliance bids below the cap while it may wait, at the cap at its latest start, and finishes by its deadline', () => {
    // One 1-hour run (1 kWh at 1 kW) with earliest start 19:00 local (17:00Z) and a 2-hour window: latest start 18:00Z.
    const env = envFor(3, 96, still);
    const g = group({ count: 1, appliances: [{ energyKwh: 1, powerKw: 1, earliestStartHour: { min: 19, max: 19 }, windowHours: { min: 2, max: 2 }, valueMwh: { min: 20, max: 300 } }] });
    const [h] = homes(g, env);
    const seen: Array<{ at: number; value: number }> = [];
    let finishedAt = NaN;
    for (let k = 0; k < 96; k++) {
      const iv = intervalAt(env.clock, k);
      const segs = h!.bid(iv, marketAt(env, iv));
      const v = views.get(h!.id)!;
      const i = v.needs.indexOf('appliance');
      if (i >= 0) seen.push({ at: iv.start, value: v.demand[i]!.valueMwh });
      h!.settle({ interval: iv, ...award(segs, 350, 0), priceMwh: 350, bidAccepted: true }); // 350: above the appliance's waiting values
      const st = h!.inspect().slots[0]!.state;
      if (st.phase === 'done' && Number.isNaN(finishedAt)) finishedAt = st.finishedAt;
    }
    const t = (hhmm: string): number => parseSimTime(`2026-07-01T${hhmm}:00Z`)!;
    expect(seen[0]!.at).to.equal(t('17:00'));
    expect(seen[0]!.value).to.equal(20);
    for (let k = 1; k < 4; k++) expect(seen[k]!.value).to.be.above(seen[k - 1]!.value).and.below(CAP);
    const atLatest = seen.find((s) => s.at === t('18:00'))!;
    expect(atLatest.value).to.equal(CAP);
    expect(finishedAt).to.equal(t('19:00')); // the deadline: started at the latest start
  });

  it('PV: no supply at night, pvOutputKw of the site GHI at noon, offered at its offer price', () => {
    const env = envFor(1, 96, { temperature: 'heatwave', sky: 'clear' });
    const [h] = homes(group({ count: 1, pv: { share: 1, capacityKw: { min: 4, max: 4 }, offerPriceMwh: -5 } }), env);
    for (let k = 0; k < 48; k++) {
      const iv = intervalAt(env.clock, k);
      const segs = h!.bid(iv, marketAt(env, iv));
      const sells = segs.filter((s) => s.side === 'sell');
      if (k === 0) expect(sells).to.deep.equal([]); // 02:00 local
      if (k === 40) {
        // 12:00 local
        const ghi = env.environment.at(iv.start, iv.durationH).ghiWm2;
        expect(sells).to.have.length(1);
        expect(sells[0]!.priceMwh).to.equal(-5);
        expect(sells[0]!.quantityKw).to.be.closeTo(pvOutputKw({ capacityKw: kw(4), performanceRatio: 0.8 }, ghi), 1e-12);
        expect(sells[0]!.quantityKw).to.be.above(2);
      }
      h!.settle({ interval: iv, ...award(segs, 100, 0), priceMwh: 100, bidAccepted: true });
    }
  });

  it('the base-load home is the home it was: inelastic share at the cap, the flexible share in blocks', () => {
    const env = envFor(5, 4);
    const [h] = homes(group({ count: 1 }), env);
    const iv = intervalAt(env.clock, 0);
    const segs = h!.bid(iv, marketAt(env, iv));
    const v = views.get(h!.id)!;
    expect(v.needs).to.deep.equal(['base', 'base-flex', 'base-flex', 'base-flex']);
    expect(segs[0]!.priceMwh).to.equal(CAP);
    const total = segs.reduce((s, x) => s + x.quantityKw, 0);
    expect(segs[0]!.quantityKw / total).to.be.closeTo(0.8, 1e-12);
    expect(h!.observe().indoorTempC).to.equal(undefined);
  });
});

describe('agents/home: invariants over random homes and price series (runtimes from create, interval by interval)', () => {
  const intervals = 192; // two days

  it('below the price cap — the value at which a home bids the HVAC power that keeps it in its band — it stays in the band; HVAC within its rating; appliances finish by their deadlines; PV sold ≤ PV made', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e9 }),
          r: fc.double({ min: 1.5, max: 4, noNaN: true }),
          c: fc.double({ min: 5, max: 20, noNaN: true }),
          cop: fc.double({ min: 2, max: 4, noNaN: true }),
          low: fc.double({ min: 18, max: 20.5, noNaN: true }),
          width: fc.double({ min: 2, max: 5, noNaN: true }),
          sFrac: fc.double({ min: 0, max: 1, noNaN: true }),
          blocks: fc.integer({ min: 1, max: 4 }),
          strategy: fc.constantFrom('test-home-capture', 'home-forecast'),
        }),
        fc.array(fc.double({ min: FLOOR, max: CAP - 1, noNaN: true }), { minLength: intervals, maxLength: intervals }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: intervals, maxLength: intervals }),
        (p, prices, draws) => {
          const highC = p.low + p.width;
          // Sized to hold the upper edge against 38 °C outdoors, 0.5 kW inside and 4 m² × 1000 W/m² of sun, with 25 % to spare.
          const ratedElectricKw = (1.25 * ((38 - highC) / p.r + 0.5 + 4)) / p.cop;
          const env = envFor(p.seed, intervals);
          const g = group({
            count: 3,
            strategy: p.strategy,
            hvac: { rCPerKw: p.r, cKwhPerC: p.c, copCooling: p.cop, ratedElectricKw, paramSigma: 0, band: { lowC: p.low, highC }, setpointC: p.low + p.sFrac * p.width, internalGainsKw: 0.5, solarApertureM2: 4, blocks: p.blocks },
            pv: { share: 0.7 },
            appliances: [
              { energyKwh: 1, powerKw: 1.2, earliestStartHour: { min: 18, max: 23 }, windowHours: { min: 1, max: 12 } },
              { energyKwh: 2, powerKw: 2, earliestStartHour: { min: 6, max: 12 }, windowHours: { min: 1, max: 6 } },
            ],
          });
          const hs = homes(g, env);
          for (let k = 0; k < intervals; k++) {
            const iv = intervalAt(env.clock, k);
            // The forecast a home sees: yesterday's prices from the second day on, the last price before.
            const forecast = k >= 96 ? prices.slice(k - 96, k) : k > 0 ? new Array<number>(96).fill(prices[k - 1]!) : [];
            const mv = marketAt(env, iv, forecast, k > 0 ? prices[k - 1] : undefined);
            for (const h of hs) {
              const segs = h.bid(iv, mv);
              // Half the time the clearing price falls on one of the home's own bid prices (a partial award there).
              const [pick, u] = draws[k]!;
              const own = segs.filter((s) => s.priceMwh < CAP);
              const price = pick < 0.5 && own.length > 0 ? own[Math.floor(pick * 2 * own.length)]!.priceMwh : prices[k]!;
              const a = award(segs, price, u);
              const pvKw = h.inspect().pvKw;
              expect(a.sellKw).to.be.at.most(pvKw + QUANTUM);
              const v = p.strategy === 'test-home-capture' ? views.get(h.id) : undefined;
              if (h.thermal && v) {
                const hvacKw = needKw(v, 'hvac-keep') + needKw(v, 'hvac') + needKw(v, 'precondition');
                expect(hvacKw).to.be.at.most(h.thermal.unit.hvac.ratedElectricKw + 1e-9);
              }
              h.settle({ interval: iv, ...a, priceMwh: price, bidAccepted: true });
              const o = h.observe();
              if (h.thermal) {
                expect(o.indoorTempC!, `${h.id} at interval ${k}`).to.be.within(p.low, highC);
                expect(o.comfortViolationDegH).to.equal(0);
              }
              expect(o.unservedKwh).to.equal(0);
              for (const slot of h.inspect().slots) {
                if (slot.job && slot.job.deadline <= iv.end) {
                  expect(slot.state.phase, `${h.id} job due ${new Date(slot.job.deadline).toISOString()}`).to.equal('done');
                  if (slot.state.phase === 'done') expect(slot.state.finishedAt).to.be.at.most(slot.job.deadline);
                }
              }
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('same seed, same bids; a fault shifts no later draw (base load and appliance days of a faulted twin match)', () => {
    const g = group({ count: 2, hvac: {}, pv: { share: 0.5 }, appliances: [{ energyKwh: 1, powerKw: 1 }] });
    const run = (faultAt: number | undefined): Array<{ bids: readonly BidSegment[]; base: number; jobs: string }> => {
      const env = envFor(11, 96);
      const hs = homes(g, env);
      const out: Array<{ bids: readonly BidSegment[]; base: number; jobs: string }> = [];
      for (let k = 0; k < 96; k++) {
        const iv = intervalAt(env.clock, k);
        if (k === faultAt) hs[0]!.lifecycle.send({ type: 'FAULT' });
        if (faultAt !== undefined && k === faultAt + 8) hs[0]!.lifecycle.send({ type: 'REPAIR' });
        const segs = hs[0]!.bid(iv, marketAt(env, iv, [], 90));
        out.push({ bids: segs, base: needKw(views.get(hs[0]!.id)!, 'base'), jobs: JSON.stringify(hs[0]!.inspect().slots.map((s) => [s.job, s.next])) });
        hs[0]!.settle({ interval: iv, ...award(segs, 90, 0.5), priceMwh: 90, bidAccepted: true });
        hs[1]!.settle({ interval: iv, ...award(hs[1]!.bid(iv, marketAt(env, iv, [], 90)), 90, 0.5), priceMwh: 90, bidAccepted: true });
        if (faultAt !== undefined && k >= faultAt && k < faultAt + 8) expect(hs[0]!.observe().state).to.equal('faulted');
      }
      return out;
    };
    const a = run(undefined);
    expect(run(undefined)).to.deep.equal(a);
    const f = run(40);
    for (let k = 40; k < 48; k++) expect(f[k]!.bids).to.deep.equal([]);
    for (let k = 48; k < 96; k++) {
      expect(f[k]!.base, `base load at ${k}`).to.equal(a[k]!.base);
      expect(f[k]!.jobs).to.equal(a[k]!.jobs);
    }
  });
});

