/**
 * The windowed LinDistFlow dispatch (market/lp/windowedFeederDispatch.ts) against the whole
 * feeder LP: the same status and welfare; every column of the whole book on the right side
 * of its bus's price plus its power factor's share of the reactive price (KKT, so optimal);
 * and the dispatch it reports feasible on its own, by the LinDistFlow closed form at the
 * columns' quantities: voltages within their band, flows within their limits.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import { readMatpowerFile } from '../../../market/lp/cases/matpower.ts';
import { matpowerFeederOpf } from '../../../market/lp/cases/matpowerFeeder.ts';
import type { Offers } from '../../../market/lp/dispatch.ts';
import { dispatchFeeder, type FeederDispatchResult, type FeederProblem } from '../../../market/lp/feederDispatch.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import { WINDOWED_COLUMNS_PER_BUS } from '../../../market/lp/priceWindows.ts';
import type { LpSolver } from '../../../market/lp/solver.ts';
import { dispatchFeederWindowed, feederWindowable } from '../../../market/lp/windowedFeederDispatch.ts';
import { RandomService } from '../../../core/rng.ts';
import { linDistFlow } from '../../../network/linDistFlow.ts';
import { radialFeeder } from '../../../network/radial.ts';
import { createNetwork, withBranchInService } from '../../../network/validate.ts';
import { offersFromList, randomRadialNetwork } from '../../helpers/lpNetworks.ts';

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});

const CASE33 = fileURLToPath(new URL('../../fixtures/refcases/matpower/case33bw.m', import.meta.url));

interface Offer {
  readonly bus: number;
  readonly buy: boolean;
  readonly price: number;
  readonly kw: number;
  readonly tan: number;
}


/** Σ buy value − Σ sell cost of the columns' quantities, currency/h: the welfare without constant or reactive costs. */
function bookWelfarePerH(o: Offers, quantityKw: Float64Array): number {
  let w = 0;
  for (let j = 0; j < o.count; j++) w += ((o.isBuy[j] ? 1 : -1) * o.priceMwh[j]! * quantityKw[j]!) / 1000;
  return w;
}

/** Columns of the whole book on the wrong side of π_k + tan φ · ρ_k (in the money but not in full, or out of it but cleared). */
function kktViolations(problem: FeederProblem, r: FeederDispatchResult, slack = 1e-5): string[] {
  const o = problem.offers;
  const out: string[] = [];
  for (let j = 0; j < o.count; j++) {
    const k = o.bus[j]!;
    const tan = problem.kvarPerKw?.[j] ?? 0;
    const t = r.priceMwh[k]! + (tan === 0 ? 0 : tan * r.feeder.reactivePriceMvarh[k]!);
    const q = r.quantityKw[j]!;
    const full = Math.abs(q - o.upperKw[j]!) <= 1e-6 * Math.max(1, o.upperKw[j]!);
    const none = Math.abs(q) <= 1e-6 * Math.max(1, o.upperKw[j]!);
    const inMoney = o.isBuy[j] ? o.priceMwh[j]! > t + slack : o.priceMwh[j]! < t - slack;
    const outOfMoney = o.isBuy[j] ? o.priceMwh[j]! < t - slack : o.priceMwh[j]! > t + slack;
    if (inMoney && !full) out.push(`column ${j} (${o.isBuy[j] ? 'buy' : 'sell'} at ${o.priceMwh[j]}, bus ${k}, tan ${tan}): in the money at ${t} but ${q} of ${o.upperKw[j]} kW`);
    if (outOfMoney && !none) out.push(`column ${j} (${o.isBuy[j] ? 'buy' : 'sell'} at ${o.priceMwh[j]}, bus ${k}, tan ${tan}): out of the money at ${t} but ${q} kW`);
  }
  return out;
}

/** Columns `quantities` clears in part whose price is not their bus's price plus reactive share in `prices`. */
function pinnedPriceViolations(problem: FeederProblem, quantities: FeederDispatchResult, prices: FeederDispatchResult): string[] {
  const o = problem.offers;
  const out: string[] = [];
  for (let j = 0; j < o.count; j++) {
    const q = quantities.quantityKw[j]!;
    if (!(q > 1e-6 && q < o.upperKw[j]! - 1e-6)) continue;
    const k = o.bus[j]!;
    const tan = problem.kvarPerKw?.[j] ?? 0;
    const t = prices.priceMwh[k]! + (tan === 0 ? 0 : tan * prices.feeder.reactivePriceMvarh[k]!);
    if (Math.abs(t - o.priceMwh[j]!) > 1e-5) out.push(`column ${j} at bus ${k} (tan ${tan}), ${q} of ${o.upperKw[j]} kW: priced ${o.priceMwh[j]}, the other's price ${t}`);
  }
  return out;
}

/** Voltages outside their band or active flows above their limit in the LinDistFlow closed form at the result's quantities and sources. */
function feasibilityViolations(problem: FeederProblem, r: FeederDispatchResult, tol = 1e-6): string[] {
  const { feeder, offers: o } = problem;
  const kw = new Float64Array(feeder.busCount);
  const kvar = new Float64Array(feeder.busCount);
  for (let j = 0; j < o.count; j++) {
    const sign = o.isBuy[j] ? 1 : -1;
    kw[o.bus[j]!]! += sign * r.quantityKw[j]!;
    kvar[o.bus[j]!]! += sign * r.quantityKw[j]! * (problem.kvarPerKw?.[j] ?? 0);
  }
  const src = problem.reactiveSources;
  for (let s = 0; s < (src?.count ?? 0); s++) kvar[src!.bus[s]!]! -= r.feeder.sourceKvar[s]!;
  const state = linDistFlow(feeder, kw, kvar);
  const out: string[] = [];
  for (let k = 0; k < feeder.busCount; k++) {
    if (k === feeder.root) continue;
    const v = state.vmPu[k]!;
    if (v < feeder.vMinPu[k]! - tol || v > feeder.vMaxPu[k]! + tol) out.push(`bus ${k}: ${v} p.u. outside [${feeder.vMinPu[k]}, ${feeder.vMaxPu[k]}]`);
    if (Math.abs(state.pKw[k]!) > feeder.limitKw[k]! * (1 + tol) + tol) out.push(`branch into bus ${k}: ${state.pKw[k]} kW above ${feeder.limitKw[k]}`);
  }
  return out;
}

describe('windowed LinDistFlow dispatch of large books (market/lp/windowedFeederDispatch.ts)', () => {
  /** A random radial feeder of 2–7 buses, tight voltage bands and line limits, a book of up to 250 columns at 1–4 power factors, inverters' Q at times. */
  const randomBook = fc
    .integer({ min: 2, max: 7 })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        network: randomRadialNetwork(n, { min: 100, max: 800 }),
        vmin: fc.integer({ min: 95, max: 99 }),
        // Integer prices in a narrow range: many ties, several columns at each price; quantities of 10–400 kW.
        // Buys away from the substation, most sells at it (so power flows down the feeder and its limits bind).
        offers: fc.array(fc.record({ bus: fc.nat({ max: n - 2 }), buy: fc.boolean(), atRoot: fc.nat({ max: 3 }), price: fc.integer({ min: 1, max: 60 }), kw: fc.integer({ min: 1, max: 40 }), pf: fc.nat({ max: 3 }) }), { minLength: 1, maxLength: 250, size: 'large' }),
        tans: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 4, maxLength: 4 }),
        inverterKvar: fc.option(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: n, maxLength: n }), { nil: undefined }),
        qCost: fc.boolean(),
        halfWidth: fc.integer({ min: 1, max: 3 }),
        buckets: fc.integer({ min: 1, max: 4 }),
        guess: fc.option(fc.array(fc.integer({ min: -20, max: 80 }), { minLength: n, maxLength: n }), { nil: undefined }),
        // Marginal losses at times (market/lp/marginalLossDispatch.ts): loss factors of 0–0.12 kW/kW and −0.05–0.05 kW/kvar, a constant of 0–50 kW.
        losses: fc.option(fc.record({ dp: fc.array(fc.integer({ min: 0, max: 120 }), { minLength: n, maxLength: n }), dq: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: n, maxLength: n }), constantKw: fc.integer({ min: 0, max: 50 }) }), { nil: undefined }),
      }),
    )
    .map((c) => {
      const feeder = radialFeeder(c.network, { defaultVMinPu: c.vmin / 100, defaultVMaxPu: 1.05 });
      // Supply at the substation at 30 so that every book is feasible (demand is optional anyway).
      const list: Offer[] = [{ bus: 0, buy: false, price: 30, kw: 20_000, tan: 0 }, ...c.offers.map((o) => ({ bus: o.buy || o.atRoot === 0 ? 1 + o.bus : 0, buy: o.buy, price: o.price, kw: 10 * o.kw, tan: c.tans[o.pf]! / 100 }))];
      const inv = c.inverterKvar;
      const losses = c.losses ? { dLossDpKw: Float64Array.from(c.losses.dp, (v, k) => (k === feeder.root ? 0 : v / 1000)), dLossDqKvar: Float64Array.from(c.losses.dq, (v, k) => (k === feeder.root ? 0 : v / 1000)), constantKw: c.losses.constantKw } : undefined;
      const problem: FeederProblem = {
        feeder,
        ...(losses ? { block: { losses } } : {}),
        offers: offersFromList(list),
        kvarPerKw: Float64Array.from(list, (o) => o.tan),
        ...(inv ? { reactiveSources: { count: c.n, bus: Int32Array.from(inv, (_, k) => k), lowerKvar: Float64Array.from(inv, (q) => -q), upperKvar: Float64Array.from(inv), ...(c.qCost ? { costPerMvarh: 0.5 } : {}) } } : {}),
      };
      return { problem, halfWidth: c.halfWidth, buckets: c.buckets, guess: c.guess };
    });

  it('equals the whole LP on random radial feeders with binding voltages and limits and several power factors, with marginal losses at times: status, welfare, KKT over every column, a feasible dispatch', function () {
    this.timeout(120_000);
    let rounds = 0;
    let binding = 0;
    let withLosses = 0;
    fc.assert(
      fc.property(randomBook, ({ problem, halfWidth, buckets, guess }) => {
        const whole = dispatchFeeder(problem, highs);
        const windowed = dispatchFeederWindowed(problem, highs, { aboveColumns: 0, halfWidth, buckets, ...(guess ? { guessMwh: Float64Array.from(guess) } : {}), trace: () => rounds++ });
        expect(windowed.status).to.equal(whole.status);
        if (whole.status !== 'optimal') return;
        const tol = 1e-9 + 1e-9 * Math.abs(whole.welfarePerH);
        expect(windowed.welfarePerH).to.be.closeTo(whole.welfarePerH, tol);
        // Without a cost on Q the welfare is the book's alone: from the expanded quantities, no constant term.
        if (!problem.reactiveSources?.costPerMvarh) expect(bookWelfarePerH(problem.offers, windowed.quantityKw)).to.be.closeTo(whole.welfarePerH, 1e-7 * Math.max(1, Math.abs(whole.welfarePerH)));
        expect(kktViolations(problem, windowed)).to.deep.equal([]);
        expect(feasibilityViolations(problem, windowed)).to.deep.equal([]);
        if (whole.feeder.voltageDual.some((d) => Math.abs(d) > 1e-9) || whole.feeder.lineShadowMwh.some((d) => d > 1e-9)) binding++;
        if (problem.block?.losses) {
          // The windows keep the loss terms (flow columns and the root's bounds): the same loss parts, λ · LF_k where the price is unique.
          withLosses++;
          const { feeder } = problem;
          for (const k of feeder.order) expect(windowed.feeder.lossMwh[k]).to.be.closeTo(windowed.feeder.energyMwh[feeder.root]! * problem.block.losses.dLossDpKw[k]!, 1e-6 * Math.max(1, Math.abs(windowed.feeder.energyMwh[feeder.root]!)));
        }
      }),
      { numRuns: 120, seed: 61 },
    );
    expect(withLosses).to.be.greaterThan(30);
    expect(rounds).to.be.greaterThan(120); // the small LPs ran, and more than one round at times
    expect(binding).to.be.greaterThan(20); // limits bound in many of the books
  });

  it('clears 30,000 segments on case33bw (~900 columns a bus) by default through small LPs, to the whole LP’s welfare and DLMPs, with a binding voltage limit and two power factors', function () {
    this.timeout(60_000);
    const opf = matpowerFeederOpf(readMatpowerFile(CASE33));
    const feeder = radialFeeder(opf.feeder.network, { defaultVMinPu: 0.95, defaultVMaxPu: 1.05 });
    const r = new RandomService(33).stream('test', 'feeder-book');
    const N = feeder.busCount;
    // Buys at every bus but the substation at 20–200 /MWh, half of them at power factor 0.95 (tan φ 0.329); sellers at the substation at 0–150.
    const list: Offer[] = Array.from({ length: 30_000 }, (_, j) => {
      const buy = j % 3 !== 0;
      return { bus: buy ? 1 + Math.floor(r.next() * (N - 1)) : 0, buy, price: Math.round((buy ? 20 + 180 * r.next() : 150 * r.next()) * 100) / 100, kw: 0.5 + Math.round(r.next() * 40) / 10, tan: buy && j % 2 === 0 ? 0.329 : 0 };
    });
    const problem: FeederProblem = { feeder, offers: offersFromList(list), kvarPerKw: Float64Array.from(list, (o) => o.tan) };
    expect(feederWindowable(problem)).to.equal(true);
    const rounds: Array<{ columns: number; proved: boolean }> = [];
    const windowed = dispatchFeederWindowed(problem, highs, { trace: (x) => rounds.push(x) });
    const whole = dispatchFeeder(problem, highs);
    expect(whole.status).to.equal('optimal');
    expect(whole.feeder.voltageDual.some((d) => d < -1e-9), 'the voltage limit binds').to.equal(true);
    expect(new Set(Array.from(whole.priceMwh, (p) => p.toFixed(3))).size, 'distinct DLMPs').to.be.greaterThan(10);
    expect(rounds.at(-1)!.proved).to.equal(true);
    expect(rounds.at(-1)!.columns).to.be.lessThan(list.length / 4);
    expect(windowed.welfarePerH).to.be.closeTo(whole.welfarePerH, 1e-9 * Math.abs(whole.welfarePerH));
    expect(kktViolations(problem, windowed)).to.deep.equal([]);
    // Where several voltage limits bind down one lateral the DLMPs there are not unique (bus 13 here: 205.20 windowed, 199.83
    // whole, both satisfying KKT). But complementary slackness holds between any optimal primal and any optimal dual: each
    // column the one solution clears in part pins its bus's price for the other.
    expect(pinnedPriceViolations(problem, whole, windowed), 'whole quantities, windowed prices').to.deep.equal([]);
    expect(pinnedPriceViolations(problem, windowed, whole), 'windowed quantities, whole prices').to.deep.equal([]);
    expect(feasibilityViolations(problem, windowed)).to.deep.equal([]);
  });

  it('is taken from 200 columns a bus, and never with generator groups or an islanded bus', () => {
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'g', reference: true }, { id: 'a' }, { id: 'b' }],
      branches: [
        { id: 'l1', from: 'g', to: 'a', resistancePu: 0.01, reactancePu: 0.01 },
        { id: 'l2', from: 'a', to: 'b', resistancePu: 0.01, reactancePu: 0.01 },
      ],
    });
    const whole3 = radialFeeder(network, {});
    const book = (n: number): Offers => offersFromList(Array.from({ length: n }, (_, j) => ({ bus: j % 3, buy: j % 2 === 0, price: 10 + (j % 50), kw: 1, tan: 0 })));
    const minColumns = Math.max(4_096, WINDOWED_COLUMNS_PER_BUS * 3);
    expect(feederWindowable({ feeder: whole3, offers: book(minColumns - 1) })).to.equal(false);
    expect(feederWindowable({ feeder: whole3, offers: book(minColumns) })).to.equal(true);
    expect(feederWindowable({ feeder: radialFeeder(withBranchInService(network, 'l2', false, { allowIslands: true }), {}), offers: book(minColumns) }), 'bus b islanded').to.equal(false);
    const grouped = { ...book(minColumns), group: new Int32Array(minColumns).fill(-1) };
    expect(feederWindowable({ feeder: whole3, offers: grouped, groups: { count: 0, lowerKw: new Float64Array(), upperKw: new Float64Array() } })).to.equal(false);
  });
});
