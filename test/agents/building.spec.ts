import { expect } from 'chai';
import fc from 'fast-check';
import { initialTransition, transition } from 'xstate';
import { MS_PER_HOUR, parseSimTime } from '../../core/time.ts';
import { celsius } from '../../core/units.ts';
import { buildingCurve, type BuildingCurve, BUILDING_NEEDS, pushBuildingNeeds } from '../../agents/building/curve.ts';
import { buildingKind } from '../../agents/building/index.ts';
import { type BuildingGroup, buildingGroupSchema } from '../../agents/building/schema.ts';
import { buildingLifecycle, buildingMachine, buildingTargetState } from '../../agents/building/machine.ts';
import type { BuildingAgent } from '../../agents/building/runtime.ts';
import { Room } from '../../agents/physics/hvac.ts';
import { NeedList } from '../../agents/flexibility/needs.ts';
import { SMALL_OFFICE_HVAC, SMALL_OFFICE_RC } from '../../agents/physics/thermal.ts';
import type { AgentEnv } from '../../agents/types.ts';
import { intervalAt } from '../../core/clock.ts';
import type { BidSegment } from '../../market/types.ts';
import type { BuildingNeed, BuildingView } from '../../strategies/building/view.ts';
import { registerStrategy } from '../../strategies/registry.ts';
import { truthful } from '../../strategies/truthful.ts';
import { agentEnv, CAP, FLOOR, marketAt, QUANTUM } from '../helpers/agentMarket.ts';

const START = parseSimTime('2026-07-01T00:00:00Z')!; // a Wednesday, local 02:00 (UTC+2)
const envFor = (seed: number, intervals: number, weather: Record<string, unknown>): AgentEnv => agentEnv(START, seed, intervals, weather);

/** The market's answer at clearing price p: above p whole, at p a share u, below nothing; rounded to the quantum. */
function bought(segs: readonly BidSegment[], p: number, u: number): number {
  let buy = 0;
  for (const s of segs) if (s.side === 'buy') buy += Math.round((s.quantityKw * (s.priceMwh === p ? u : s.priceMwh > p ? 1 : 0)) / QUANTUM) * QUANTUM;
  return buy;
}

const views = new Map<string, BuildingView>();
registerStrategy('test-building-capture', {
  params: undefined,
  kinds: ['building'],
  create: () => ({
    id: 'test-building-capture',
    bid: (view, market) => {
      views.set(view.agentId, view as BuildingView);
      return truthful.bid(view, market);
    },
  }),
});

const group = (over: Record<string, unknown>): BuildingGroup => buildingGroupSchema.parse({ kind: 'building', idPrefix: 'b', strategy: 'test-building-capture', ...over });
const buildings = (g: BuildingGroup, env: AgentEnv): BuildingAgent[] => buildingKind.create(g, env) as BuildingAgent[];
const needKw = (v: BuildingView, need: BuildingNeed): number => v.demand.reduce((s, d, i) => (v.needs[i] === need ? s + d.kw : s), 0);
/** Occupied in the reference office (occupancy ≥ 0.5): 08–17 h local on workdays. */
const occupiedAt = (t: number): boolean => {
  const local = new Date(t + 2 * MS_PER_HOUR);
  const day = local.getUTCDay();
  const h = local.getUTCHours();
  return day >= 1 && day <= 5 && h >= 8 && h < 17;
};

describe('agents/building: the machine decides (pure transitions)', () => {
  const [unoccupied] = initialTransition(buildingMachine);

  it('unoccupied ⇄ occupied; curtailed returns to whichever it is; faulted only leaves on REPAIR', () => {
    expect(unoccupied.value).to.equal('unoccupied');
    const [o] = transition(buildingMachine, unoccupied, { type: 'OCCUPY' });
    expect(o.value).to.equal('occupied');
    expect(transition(buildingMachine, o, { type: 'VACATE' })[0].value).to.equal('unoccupied');
    const [c] = transition(buildingMachine, o, { type: 'CURTAIL' });
    expect(c.value).to.equal('curtailed');
    expect(transition(buildingMachine, c, { type: 'RESTORE', occupied: true })[0].value).to.equal('occupied');
    expect(transition(buildingMachine, c, { type: 'RESTORE', occupied: false })[0].value).to.equal('unoccupied');
    const [f] = transition(buildingMachine, c, { type: 'FAULT' });
    expect(transition(buildingMachine, f, { type: 'OCCUPY' })[0].value).to.equal('faulted');
    expect(transition(buildingMachine, f, { type: 'REPAIR' })[0].value).to.equal('unoccupied');
  });

  it('buildingLifecycle: one event, only on change, and it leads where the outcome says', () => {
    fc.assert(
      fc.property(fc.constantFrom('unoccupied', 'occupied', 'curtailed'), fc.boolean(), fc.double({ min: 0, max: 3, noNaN: true }), (state, occupied, shortKw) => {
        const e = buildingLifecycle(state, occupied, shortKw);
        const next = e ? transition(buildingMachine, buildingMachine.resolveState({ value: state }), e)[0].value : state;
        expect(next).to.equal(buildingTargetState(occupied, shortKw));
      }),
    );
    expect(buildingLifecycle('faulted', true, 9)).to.equal(undefined);
    expect(buildingLifecycle('occupied', true, 0.0005)).to.equal(undefined);
  });
});

describe('agents/building: the curve by hand', () => {
  // Reference office (R 1.25, C 23.4, COP 3.67, 10 kW): 22.5 °C in, 30 °C out, 10 kW of gains, 15 minutes.
  // Holding 22.5: Q = (22.5 − 30)/1.25 − 10 = −16 kW thermal → 16/3.67 = 4.3597 kW. Relaxed by 1 °C to 23.5 the
  // room needs nothing (free-floating it ends at 22.67). Contract 5 kW: all 4.3597 kW of HVAC, then
  // 5 − 4.3597 = 0.6403 kW of the 0.3 × 4.948 kW of dimmable lighting. The far target 21.02 needs > 10 kW.
  const room = new Room({ rc: SMALL_OFFICE_RC, hvac: SMALL_OFFICE_HVAC, mode: 'cool' }).step(0.25);
  const input = { room, band: { lowC: celsius(21), highC: celsius(24) }, setpointC: 22.5, relaxC: 1, preconditionTargetC: 21.02, indoorC: 22.5, outdoorC: 30, gainsKw: 10, lightingKw: 4.948, plugKw: 4.9, maxDimming: 0.3, contractKw: 5 };
  let c: BuildingCurve;
  before(() => (c = buildingCurve(input)));

  it('HVAC to the setpoint, its contracted relaxation, dimming up to the contract', () => {
    expect(c.keepKw).to.equal(0);
    expect(c.setpointKw).to.be.closeTo(16 / 3.67, 1e-9);
    expect(c.hvacCurtailableKw).to.be.closeTo(16 / 3.67, 1e-9);
    expect(c.hvacMustKw).to.be.closeTo(0, 1e-12);
    expect(c.dimmableKw).to.be.closeTo(5 - 16 / 3.67, 1e-9);
    expect(c.baseKw).to.be.closeTo(4.9 + 4.948 - (5 - 16 / 3.67), 1e-9);
    expect(c.preconditionKw).to.be.closeTo(10 - 16 / 3.67, 1e-9);
  });

  it('a smaller contract curtails HVAC only; none keeps everything at the cap', () => {
    const small = buildingCurve({ ...input, contractKw: 2 });
    expect(small.hvacCurtailableKw).to.equal(2);
    expect(small.dimmableKw).to.equal(0);
    expect(small.hvacMustKw).to.be.closeTo(16 / 3.67 - 2, 1e-9);
    const none = buildingCurve({ ...input, contractKw: 0 });
    expect(none.hvacCurtailableKw + none.dimmableKw).to.equal(0);
  });

  it('blocks: the must-serve part at the cap, the curtailable part in equal blocks, HVAC in the cheapest', () => {
    const list = new NeedList<BuildingNeed>(BUILDING_NEEDS, 16);
    pushBuildingNeeds(list, c, CAP, 2, 150, 400);
    list.sortByValue();
    const v = list.demandView();
    // Blocks of 2.5 kW at 150 + 250·(j + ½)/2: 212.5 (HVAC) and 337.5 (1.8597 HVAC + 0.6403 lighting).
    expect(v.needs).to.deep.equal(['base', 'hvac-relax', 'dimming', 'hvac-relax', 'precondition']);
    expect(v.demand.map((d) => d.valueMwh)).to.deep.equal([CAP, 337.5, 337.5, 212.5, 0]);
    expect(v.demand[3]!.kw).to.be.closeTo(2.5, 1e-12);
    expect(v.demand[1]!.kw + v.demand[2]!.kw).to.be.closeTo(2.5, 1e-12);
  });
});

describe('agents/building: invariants over random buildings and price series', () => {
  const intervals = 192;

  it('below the price cap the occupied band holds while occupied; curtailable ≤ contract; HVAC within its rating; states follow occupancy', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e9 }),
          mode: fc.constantFrom('cool' as const, 'heat' as const),
          area: fc.double({ min: 200, max: 3000, noNaN: true }),
          contract: fc.double({ min: 0, max: 30, noNaN: true }),
          relax: fc.double({ min: 0, max: 3, noNaN: true }),
          dim: fc.double({ min: 0, max: 1, noNaN: true }),
          strategy: fc.constantFrom('test-building-capture', 'building-forecast'),
        }),
        fc.array(fc.tuple(fc.double({ min: FLOOR, max: CAP - 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: intervals, maxLength: intervals }),
        (p, draws) => {
          const scale = p.area / 511;
          const r = 1.25 / scale;
          const cKwhPerC = 23.4 * scale;
          // Sized for the worst hour (38 °C with full gains and sun, or −8 °C with none) plus pulling a 1 °C setback back in the 3-hour start-up, with a third to spare.
          const cop = p.mode === 'cool' ? 3.67 : 3.0;
          const load = p.mode === 'cool' ? (38 - 21) / r + 0.0232 * p.area + 8 * scale : (26 + 8) / r;
          const ratedElectricKw = (1.33 * (load + cKwhPerC / 3)) / cop;
          const env = envFor(p.seed, intervals, p.mode === 'cool' ? { temperature: 'heatwave' } : { temperature: 'cold' });
          const band = p.mode === 'cool' ? { lowC: 21, highC: 24 } : { lowC: 21, highC: 26 };
          const g = group({
            count: 2,
            strategy: p.strategy,
            floorAreaM2: p.area,
            hvac: { mode: p.mode, ratedElectricKw, paramSigma: 0 },
            // A heat-only unit cannot remove the office's gains: its band reaches up to 26 °C, above what they bring in a cold day.
            comfort: { occupiedBand: band, unoccupiedBand: p.mode === 'cool' ? { lowC: 10, highC: 25 } : { lowC: 20, highC: 35 }, startupHours: 3 },
            curtailable: { contractKw: p.contract, relaxC: p.relax, maxDimming: p.dim },
          });
          const bs = buildings(g, env);
          for (let k = 0; k < intervals; k++) {
            const iv = intervalAt(env.clock, k);
            const mv = marketAt(env, iv, [], k > 0 ? draws[k - 1]![0] : undefined);
            const occupied = occupiedAt(iv.start + iv.durationH * MS_PER_HOUR * 0.5);
            for (const b of bs) {
              const segs = b.bid(iv, mv);
              const [price0, pick, u] = draws[k]!;
              const own = segs.filter((s) => s.priceMwh < CAP);
              const price = pick < 0.5 && own.length > 0 ? own[Math.floor(pick * 2 * own.length)]!.priceMwh : price0;
              const v = p.strategy === 'test-building-capture' ? views.get(b.id) : undefined;
              if (v) {
                expect(needKw(v, 'hvac-relax') + needKw(v, 'dimming')).to.be.at.most(p.contract + 1e-9);
                expect(needKw(v, 'hvac') + needKw(v, 'hvac-relax') + needKw(v, 'precondition')).to.be.at.most(ratedElectricKw + 1e-9);
              }
              b.settle({ interval: iv, buyKw: bought(segs, price, u), sellKw: 0, priceMwh: price, bidAccepted: true });
              const o = b.observe();
              if (occupied) {
                expect(o.indoorTempC!, `${b.id} at ${new Date(iv.start).toISOString()}`).to.be.within(band.lowC, band.highC);
                expect(['occupied', 'curtailed']).to.include(o.state);
              } else expect(['unoccupied', 'curtailed']).to.include(o.state);
              expect(o.comfortViolationDegH).to.equal(0);
              expect(o.unservedKwh).to.equal(0);
              expect(o.baselineKw).to.be.above(0);
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('regression: pre-heating with dimmable lighting stops at the far band edge when the lights stay on', () => {
    // The far target was once computed with the dimmed lighting's gains: undimmed lights then pushed the room past 26 °C.
    const env = envFor(0, 96, { temperature: 'cold' });
    const g = group({ count: 1, floorAreaM2: 200, hvac: { mode: 'heat', ratedElectricKw: 20, paramSigma: 0 }, comfort: { occupiedBand: { lowC: 21, highC: 26 } }, curtailable: { contractKw: 0, maxDimming: 0.4 } });
    const [b] = buildings(g, env);
    let max = -Infinity;
    for (let k = 0; k < 96; k++) {
      const iv = intervalAt(env.clock, k);
      const segs = b!.bid(iv, marketAt(env, iv));
      b!.settle({ interval: iv, buyKw: bought(segs, -1, 0), sellKw: 0, priceMwh: -1, bidAccepted: true }); // below 0: pre-heating is bought in full
      if (occupiedAt(iv.start + 7.5 * 60_000)) max = Math.max(max, b!.observe().indoorTempC!);
    }
    expect(max).to.be.within(25.9, 26);
  });

  it('is curtailed exactly when the price tops a curtailable block it bid; the curtailed share never exceeds the contract', () => {
    const env = envFor(3, 96, { temperature: 'heatwave' });
    const [b] = buildings(group({ count: 1, curtailable: { contractKw: 6, valueMwh: { min: 150, max: 400 } } }), env);
    let curtailed = 0;
    for (let k = 0; k < 96; k++) {
      const iv = intervalAt(env.clock, k);
      const segs = b!.bid(iv, marketAt(env, iv));
      const v = views.get(b!.id)!;
      const price = 500; // above every curtailable block: only the must-serve part is bought
      const buy = bought(segs, price, 0);
      b!.settle({ interval: iv, buyKw: buy, sellKw: 0, priceMwh: price, bidAccepted: true });
      const curtailable = needKw(v, 'hvac-relax') + needKw(v, 'dimming');
      expect(b!.observe().state, `${new Date(iv.start).toISOString()}`).to.equal(curtailable > 0.001 ? 'curtailed' : occupiedAt(iv.start + 7.5 * 60_000) ? 'occupied' : 'unoccupied');
      if (curtailable > 0.001) curtailed++;
      expect(v.desiredKw - buy).to.be.at.most(6 + 0.01);
    }
    expect(curtailed).to.be.above(10);
  });
});
