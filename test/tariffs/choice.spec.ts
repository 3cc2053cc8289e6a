import { expect } from 'chai';
import { RandomService, type Rng } from '../../core/rng.ts';
import {
  chooseTariff,
  lambdaFromPowerTacRationality,
  powerTacInertia,
  tariffChoiceProbabilities,
  type ChoiceParameters,
  type TariffOffer,
} from '../../tariffs/choice.ts';

const CUSTOMERS = 1000;
// Monthly expected bills: B is clearly cheaper than the incumbent A (−30 %), C dearer.
const offers: TariffOffer[] = [
  { tariffId: 'A', expectedBill: 100 },
  { tariffId: 'B', expectedBill: 70 },
  { tariffId: 'C', expectedBill: 130 },
];

/** Every customer starts on A and chooses once, each with its own (customer, purpose) stream. */
function population(seed: number, params: ChoiceParameters) {
  const random = new RandomService(seed);
  const chosen: Record<string, number> = { A: 0, B: 0, C: 0 };
  let evaluated = 0;
  for (let i = 0; i < CUSTOMERS; i++) {
    const c = chooseTariff(offers, 'A', params, random.stream(`home-${i}`, 'tariff-choice'));
    chosen[c.tariffId]! += 1;
    if (c.evaluated) evaluated += 1;
  }
  return { chosen, evaluated };
}

function countingRng(rng: Rng): Rng & { calls: number } {
  const wrapped = { ...rng, calls: 0 };
  wrapped.next = () => {
    wrapped.calls += 1;
    return rng.next();
  };
  return wrapped;
}

describe('tariffs: tariff choice (Power TAC logit with inertia)', () => {
  it('with inertia 1 nobody switches', () => {
    const r = population(42, { rationality: 1000, inertia: 1 });
    expect(r).to.deep.equal({ chosen: { A: 1000, B: 0, C: 0 }, evaluated: 0 });
  });

  it('with a large rationality parameter and a clearly cheaper tariff almost everyone switches (exact, seeded)', () => {
    // λ = 1000 on a 30 % saving: P(B) = 1/(1 + e^(−300) + e^(−600)) = 1 to double precision.
    expect(population(42, { rationality: 1000, inertia: 0 })).to.deep.equal({ chosen: { A: 0, B: 1000, C: 0 }, evaluated: 1000 });
    // With Power TAC's default inertia 0.8, only the ~20 % who look switch: exact for seed 42.
    const r = population(42, { rationality: 1000, inertia: 0.8 });
    expect(r).to.deep.equal({ chosen: { A: 1000 - r.evaluated, B: r.evaluated, C: 0 }, evaluated: r.evaluated });
    expect(r.evaluated).to.equal(PINNED_EVALUATED_SEED_42);
    // Reproducible for the seed; another seed draws differently.
    expect(population(42, { rationality: 1000, inertia: 0.8 })).to.deep.equal(r);
    expect(population(7, { rationality: 1000, inertia: 0.8 }).evaluated).to.not.equal(r.evaluated);
  });

  it('with a moderate rationality the split follows the logit probabilities', () => {
    // λ = 10: u_A = 0, u_B = +0.3, u_C = −0.3 (savings relative to the current bill 100).
    // P = e^(10u) / Σ: B = e^3 / (1 + e^3 + e^−3) = 0.9503, A = 0.0473, C = 0.0024.
    const p = tariffChoiceProbabilities(offers, 'A', { rationality: 10, inertia: 0 });
    expect(p.map((x) => x.tariffId)).to.deep.equal(['A', 'B', 'C']);
    expect(p.map((x) => x.probability.toFixed(4))).to.deep.equal(['0.0473', '0.9503', '0.0024']);
    // 1000 customers of seed 42 (expected about 47 / 950 / 2):
    expect(population(42, { rationality: 10, inertia: 0 }).chosen).to.deep.equal({ A: 44, B: 952, C: 4 });
  });

  it('λ = 0 chooses uniformly; Power TAC rationality maps to λ = 50^r − 1', () => {
    expect(tariffChoiceProbabilities(offers, 'A', { rationality: 0, inertia: 0 }).map((x) => x.probability)).to.deep.equal([1 / 3, 1 / 3, 1 / 3]);
    expect(lambdaFromPowerTacRationality(0)).to.equal(0);
    expect(lambdaFromPowerTacRationality(1)).to.equal(49);
    expect(lambdaFromPowerTacRationality(0.5)).to.be.closeTo(Math.sqrt(50) - 1, 1e-12);
    expect([0, 1, 2, 3, 10].map((n) => powerTacInertia(0.8, n))).to.deep.equal([0, 0, 0.4, 0.6000000000000001, 0.8 * (1 - 2 ** -9)]);
  });

  it('a switching cost is added to every alternative', () => {
    // Current A 100, B 95 + switching cost 10 = 105: u_A = 0, u_B = −0.05; λ = 20 → P_B = e^−1/(1 + e^−1) = 0.2689
    const p = tariffChoiceProbabilities(
      [
        { tariffId: 'A', expectedBill: 100 },
        { tariffId: 'B', expectedBill: 95 },
      ],
      'A',
      { rationality: 20, inertia: 0, switchingCost: 10 },
    );
    expect(p[1]!.probability.toFixed(4)).to.equal('0.2689');
  });

  it('draws exactly two numbers per call, whatever the outcome, and ignores the order of the offers', () => {
    const random = new RandomService(3);
    for (const inertia of [0, 0.5, 1]) {
      const rng = countingRng(random.stream('home-1', `count-${inertia}`));
      for (let k = 0; k < 10; k++) chooseTariff(offers, 'A', { rationality: 5, inertia }, rng);
      expect(rng.calls).to.equal(20);
    }
    const a = chooseTariff(offers, 'A', { rationality: 5, inertia: 0 }, random.stream('home-2', 'order'));
    const b = chooseTariff([...offers].reverse(), 'A', { rationality: 5, inertia: 0 }, random.stream('home-2', 'order'));
    expect(b).to.deep.equal(a);
  });

  it('a customer whose tariff was withdrawn, or a new one, always chooses', () => {
    const random = new RandomService(1);
    const withdrawn = chooseTariff(offers, 'gone', { rationality: 1000, inertia: 1 }, random.stream('home-1', 'tariff-choice'));
    expect(withdrawn).to.include({ tariffId: 'B', switched: true, evaluated: true });
    const newcomer = chooseTariff(offers, undefined, { rationality: 1000, inertia: 1 }, random.stream('home-2', 'tariff-choice'));
    expect(newcomer).to.include({ tariffId: 'B', switched: true, evaluated: true });
  });

  it('rejects invalid input', () => {
    const rng = new RandomService(1).stream('x', 'y');
    expect(() => chooseTariff([], 'A', { rationality: 1, inertia: 0 }, rng)).to.throw(RangeError, /at least one offer/);
    expect(() => chooseTariff([offers[0]!, offers[0]!], 'A', { rationality: 1, inertia: 0 }, rng)).to.throw(RangeError, /offered twice/);
    expect(() => chooseTariff(offers, 'A', { rationality: -1, inertia: 0 }, rng)).to.throw(RangeError, /rationality/);
    expect(() => chooseTariff(offers, 'A', { rationality: 1, inertia: 1.5 }, rng)).to.throw(RangeError, /inertia/);
    expect(() => chooseTariff([{ tariffId: 'A', expectedBill: Number.NaN }], 'A', { rationality: 1, inertia: 0 }, rng)).to.throw(RangeError, /finite/);
  });
});

/** Pinned from a run: customers of seed 42 who evaluate at inertia 0.8 (≈ 200 expected). */
const PINNED_EVALUATED_SEED_42 = 192;

describe('tariffs: a customer chooses among its own retailer’s tariffs (engine/retail.ts)', function () {
  this.timeout(60_000);
  it('with a cheaper tariff at another retailer it stays; with a cheaper one at its own it switches, and every retailer’s books close', async () => {
    const { parseScenario } = await import('../../engine/scenario/load.ts');
    const { runScenario } = await import('../../engine/run.ts');
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { twoRetailersYaml } = await import('../helpers/twoRetailers.ts');
    // h starts on r1's dear tariff; r1 also offers mid, r2 offers cheap. Without `among: every-retailer` it compares
    // its own retailer's tariffs only (test/tariffs/retailerSwitching.spec.ts has it move to r2).
    const text = twoRetailersYaml();
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-retailers-'));
    try {
      const { summary } = await runScenario(parseScenario(text, join(dir, 's.yaml')), { outDir: dir });
      expect(summary.books.closed).to.equal(true);
      const bills = readFileSync(join(dir, 'bills.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      // h's tariff by day: dear on day 1, then its own retailer's mid (cheaper than dear), never r2's cheap.
      expect(bills.filter((b) => b[1] === 'h').map((b) => b[3])).to.deep.equal(['dear', 'mid', 'mid']);
      const retailers = summary.kpis.retailers as Record<string, { revenue: string }>;
      const billed = (who: string[]) => bills.filter((b) => who.includes(b[1]!)).reduce((a, b) => a + Number(b[10]), 0);
      expect(Number(retailers.r1!.revenue)).to.be.closeTo(billed(['h']), 1e-9);
      expect(Number(retailers.r2!.revenue)).to.be.closeTo(billed(['h2']), 1e-9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
