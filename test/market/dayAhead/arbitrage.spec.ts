/**
 * Storage arbitrage cleared day-ahead reaches the whole-horizon optimum of the same
 * programme written independently here, straight in javascript-lp-solver's model
 * format (no gridbid code between the data and the solver): welfare and schedules.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import jsLpSolver from 'javascript-lp-solver';
import type { Model, SolveResult, SolverAPI } from 'javascript-lp-solver';
import { agentId, busId } from '../../../core/units.ts';
import { clearDayAhead } from '../../../market/dayAhead/clear.ts';
import type { DayAheadBook, StorageBid } from '../../../market/dayAhead/types.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import { type Bid, DEFAULT_RULES } from '../../../market/types.ts';

const lpModule = jsLpSolver as unknown as SolverAPI & { default?: SolverAPI };
const jslp: SolverAPI = lpModule.default ?? lpModule;

interface Day {
  /** Per interval: load kW (bid at 500), cheap supply kW at cheapMwh, then unlimited at dearMwh. */
  readonly loadKw: readonly number[];
  readonly cheapKw: readonly number[];
  readonly cheapMwh: readonly number[];
  readonly dearMwh: readonly number[];
  readonly storage: Omit<StorageBid, 'id' | 'agentId' | 'bus' | 'kind'>;
  readonly durationH: number;
}

const DEAR_KW = 1000;
const LOAD_VALUE = 500;

function dayAheadBook(d: Day): DayAheadBook {
  const bids: Bid[] = [];
  d.loadKw.forEach((kw, t) => {
    bids.push({ id: `load-${t}`, agentId: agentId('load'), bus: busId('X'), interval: t, segments: [{ side: 'buy', priceMwh: LOAD_VALUE, quantityKw: kw }] });
    bids.push({
      id: `gen-${t}`,
      agentId: agentId('gen'),
      bus: busId('X'),
      interval: t,
      segments: [
        { side: 'sell', priceMwh: d.cheapMwh[t]!, quantityKw: d.cheapKw[t]! },
        { side: 'sell', priceMwh: d.dearMwh[t]!, quantityKw: DEAR_KW },
      ],
    });
  });
  return {
    horizon: { firstInterval: 0, intervalCount: d.loadKw.length, durationH: d.durationH },
    rules: DEFAULT_RULES,
    bids,
    intertemporalBids: [{ kind: 'storage', id: 'bat', agentId: agentId('bat'), bus: busId('X'), ...d.storage }],
  };
}

/** The same programme, written out by hand: welfare in currency, and the battery's net kW per interval. */
function independentOptimum(d: Day): { welfare: number; netKw: number[] } {
  const s = d.storage;
  const dt = d.durationH;
  const T = d.loadKw.length;
  const constraints: Model['constraints'] = {};
  const variables: Model['variables'] = {};
  for (let t = 0; t < T; t++) {
    constraints[`balance${t}`] = { equal: 0 };
    constraints[`soc${t}`] = { equal: t === 0 ? s.initialSocKwh : 0 };
    constraints[`loadCap${t}`] = { max: d.loadKw[t]! };
    constraints[`cheapCap${t}`] = { max: d.cheapKw[t]! };
    constraints[`dearCap${t}`] = { max: DEAR_KW };
    constraints[`chargeCap${t}`] = { max: s.maxChargeKw };
    constraints[`dischargeCap${t}`] = { max: s.maxDischargeKw };
    constraints[`share${t}`] = { max: 1 };
    constraints[`socMax${t}`] = { max: s.maxSocKwh };
    constraints[`socMin${t}`] = { min: s.minSocKwh };
    // Welfare in currency: price [/MWh] × kW × h / 1000.
    variables[`load${t}`] = { welfare: (LOAD_VALUE * dt) / 1000, [`balance${t}`]: -1, [`loadCap${t}`]: 1 };
    variables[`cheap${t}`] = { welfare: (-d.cheapMwh[t]! * dt) / 1000, [`balance${t}`]: 1, [`cheapCap${t}`]: 1 };
    variables[`dear${t}`] = { welfare: (-d.dearMwh[t]! * dt) / 1000, [`balance${t}`]: 1, [`dearCap${t}`]: 1 };
    const socNext = t + 1 < T ? { [`soc${t + 1}`]: -1 } : {};
    variables[`c${t}`] = { [`balance${t}`]: -1, [`soc${t}`]: -s.chargeEfficiency * dt, [`chargeCap${t}`]: 1, [`share${t}`]: 1 / s.maxChargeKw };
    variables[`d${t}`] = { [`balance${t}`]: 1, [`soc${t}`]: dt / s.dischargeEfficiency, [`dischargeCap${t}`]: 1, [`share${t}`]: 1 / s.maxDischargeKw };
    variables[`s${t}`] = { [`soc${t}`]: 1, ...socNext, [`socMax${t}`]: 1, [`socMin${t}`]: 1, ...(t === T - 1 ? { welfare: s.terminalValueMwh / 1000 } : {}) };
  }
  const out = jslp.Solve({ optimize: 'welfare', opType: 'max', constraints, variables }) as SolveResult & Record<string, number>;
  if (!out.feasible) throw new Error('independent LP infeasible');
  const v = (name: string): number => (out[name] as number | undefined) ?? 0;
  return {
    welfare: (out.result as number) - (s.terminalValueMwh * s.initialSocKwh) / 1000,
    netKw: Array.from({ length: T }, (_, t) => v(`c${t}`) - v(`d${t}`)),
  };
}

const battery = {
  capacityKwh: 200,
  minSocKwh: 0,
  maxSocKwh: 200,
  maxChargeKw: 40,
  maxDischargeKw: 40,
  chargeEfficiency: 0.9,
  dischargeEfficiency: 0.9,
  initialSocKwh: 0,
  terminalValueMwh: 0,
};

describe('day-ahead: storage arbitrage reaches the whole-horizon optimum of an independently written LP', () => {
  it('a day with one unique optimum: charge 40 kW at 10 twice, discharge 24.8 kW at 50 and 40 kW at 60', async () => {
    const day: Day = { loadKw: [50, 150, 50, 150], cheapKw: [100, 100, 100, 100], cheapMwh: [10, 10, 10, 10], dearMwh: [50, 50, 50, 60], storage: battery, durationH: 1 };
    const ref = independentOptimum(day);
    const r = clearDayAhead(dayAheadBook(day), { solver: await loadSolver('highs') });
    expect(r.status, r.message).to.equal('cleared');
    expect(r.welfare).to.be.closeTo(ref.welfare, 1e-9 * Math.abs(ref.welfare) + 1e-6);
    // By hand: 40 kW at 10 stores 36 kWh; the 40 kW sold at 60 in interval 3 needs 44.44 kWh, so interval 1 may sell (72 − 44.44)·0.9 = 24.8.
    ref.netKw.forEach((kw, t) => expect(kw).to.be.closeTo([40, -24.8, 40, -40][t]!, 1e-6));
    expect(Array.from(r.schedules[0]!.netKw)).to.deep.equal([40, -24.8, 40, -40]);
    expect(Array.from(r.intervals, (i) => i.busPriceMwh[0])).to.deep.equal([10, 50, 10, 60]);
  });

  it('random days (prices from −20 to 200, efficiencies 0.8–1, a terminal value): the same welfare, within the rounding to whole quanta', async () => {
    const highs = await loadSolver('highs');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }).chain((T) =>
          fc.record({
            loadKw: fc.array(fc.integer({ min: 0, max: 200 }), { minLength: T, maxLength: T }),
            cheapKw: fc.array(fc.integer({ min: 0, max: 150 }), { minLength: T, maxLength: T }),
            cheapMwh: fc.array(fc.integer({ min: -20, max: 40 }), { minLength: T, maxLength: T }),
            dearMwh: fc.array(fc.integer({ min: 41, max: 200 }), { minLength: T, maxLength: T }),
            eta: fc.integer({ min: 80, max: 100 }),
            initial: fc.integer({ min: 0, max: 100 }),
            terminal: fc.integer({ min: 0, max: 80 }),
            durationH: fc.constantFrom(0.25, 0.5, 1),
          }),
        ),
        async (g) => {
          const day: Day = {
            loadKw: g.loadKw,
            cheapKw: g.cheapKw,
            cheapMwh: g.cheapMwh,
            dearMwh: g.dearMwh,
            durationH: g.durationH,
            storage: { ...battery, chargeEfficiency: g.eta / 100, dischargeEfficiency: g.eta / 100, initialSocKwh: g.initial, terminalValueMwh: g.terminal },
          };
          const ref = independentOptimum(day);
          const r = clearDayAhead(dayAheadBook(day), { solver: highs });
          expect(r.status, r.message).to.equal('cleared');
          // Rounding moves each award by at most a couple of quanta: welfare by at most that at the dearest price.
          const T = day.loadKw.length;
          const slack = (4 * T * DEFAULT_RULES.quantumKw * 500 * day.durationH) / 1000;
          expect(r.welfare).to.be.closeTo(ref.welfare, slack + 1e-9 * Math.abs(ref.welfare));
        },
      ),
      { numRuns: 40 },
    );
  });
});
