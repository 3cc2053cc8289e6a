/**
 * Acceptance of `mpc` for storage on scenarios/storage-arbitrage.yaml (two 20 kWh / 5 kW
 * batteries, a solar-midday / evening-peak spread, 5 days hourly): it earns more than
 * `truthful` (which values stored energy at the forecast median) and than `price-taker`
 * (the forecast rule, dispatched at any price); it keeps SoC within bounds; and with
 * perfect foresight it comes within 5 % of the whole horizon's LP optimum against the
 * prices that run realised. Profit = money received − paid − wear (|ΔSoC| × 20 /MWh).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/cli.ts';
import { loadHighsSolver } from '../../market/lp/highs.ts';
import { planBattery } from '../../strategies/mpc/batteryPlan.ts';
import { batteryProfit, run, type RunOutput, tempRoot, variant, withStrategy } from './helpers.ts';

const FILE = join(REPO_ROOT, 'scenarios/storage-arbitrage.yaml');
// The scenario's batteries (checked against the file below).
const B = { count: 2, capacityKwh: 20, minSocKwh: 2, maxSocKwh: 20, initialSocKwh: 10, kw: 5, eff: Math.sqrt(0.9), degradationCostPerMwh: 20 };

describe('mpc on scenarios/storage-arbitrage.yaml', function () {
  this.timeout(120_000);
  let root: string;
  const runs: Record<string, RunOutput> = {};
  const profit = (name: string): number => batteryProfit(runs[name]!.agents, B).total;

  before(async () => {
    root = tempRoot('gridbid-storage-arbitrage-');
    runs.mpc = await run(variant(FILE, (c) => c), root, 'mpc');
    runs.truthful = await run(variant(FILE, withStrategy('storage', 'truthful')), root, 'truthful');
    runs.priceTaker = await run(variant(FILE, withStrategy('storage', 'price-taker')), root, 'price-taker');
    runs.arbitrage = await run(variant(FILE, withStrategy('storage', 'storage-arbitrage')), root, 'storage-arbitrage');
    runs.foresight = await run(variant(FILE, (c) => ({ ...c, forecast: { ...c.forecast, method: 'perfect-foresight' } })), root, 'foresight');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the scenario is what this test assumes: mpc batteries, hourly, a spread from about 2 to 190 /MWh', () => {
    const s = variant(FILE, (c) => c).config;
    const g = s.agents.find((a) => a.kind === 'storage') as Record<string, unknown>;
    expect(g).to.include({ count: B.count, capacityKwh: B.capacityKwh, maxChargeKw: B.kw, maxDischargeKw: B.kw, minSocFraction: 0.1, initialSocFraction: 0.5, degradationCostPerMwh: 20, strategy: 'mpc' });
    expect(s.intervalMinutes).to.equal(60);
    const prices = runs.mpc!.intervals.map((r) => Number(r.price));
    expect(Math.min(...prices)).to.be.at.most(2);
    expect(Math.max(...prices)).to.be.at.least(190);
  });

  it('earns more than truthful (by at least 15 %) and than price-taker (by at least 30 %)', () => {
    const mpc = profit('mpc');
    const truthful = profit('truthful');
    const taker = profit('priceTaker');
    // Measured: mpc 24.46, truthful 20.50 (+19 %), price-taker 17.20 (+42 %).
    expect(truthful).to.be.greaterThan(0);
    expect(taker).to.be.greaterThan(0);
    expect(mpc).to.be.greaterThan(1.15 * truthful);
    expect(mpc).to.be.greaterThan(1.3 * taker);
  });

  it('never takes a battery outside its SoC bounds or power limits (agents.csv)', () => {
    for (const name of ['mpc', 'foresight']) {
      const rows = runs[name]!.agents.filter((r) => r.kind === 'storage');
      expect(rows).to.have.length(B.count * 120);
      for (const r of rows) {
        const at = `${name} ${r.agent_id} ${r.interval_start}`;
        expect(Number(r.soc_kwh), at).to.be.within(B.minSocKwh - 1e-9, B.maxSocKwh + 1e-9);
        expect(Math.abs(Number(r.award_kw)), at).to.be.at.most(B.kw + 1e-3);
      }
      // It cycles: reaches both bounds.
      const socs = rows.map((r) => Number(r.soc_kwh));
      expect(Math.min(...socs)).to.be.closeTo(B.minSocKwh, 1e-6);
      expect(Math.max(...socs)).to.be.closeTo(B.maxSocKwh, 1e-6);
    }
  });

  it('with perfect foresight comes within 5 % of the whole-horizon LP optimum against the realised prices', async () => {
    const prices = runs.foresight!.intervals.map((r) => Number(r.price));
    const T = prices.length;
    const optimum = planBattery(
      {
        dtH: 1,
        pricesMwh: prices,
        socKwh: B.initialSocKwh,
        minSocKwh: B.minSocKwh,
        maxSocKwh: B.maxSocKwh,
        chargeKw: new Float64Array(T).fill(B.kw),
        dischargeKw: new Float64Array(T).fill(B.kw),
        chargeEfficiency: B.eff,
        dischargeEfficiency: B.eff,
        degradationCostPerMwh: B.degradationCostPerMwh,
        terminalValuePerKwh: 0,
      },
      await loadHighsSolver(),
    );
    expect(optimum.ok).to.equal(true);
    const best = B.count * optimum.objective;
    const got = profit('foresight');
    // Measured: 25.61 of 25.61 (the batteries are too small to move these prices, so the
    // foresight pass's prices are the realised ones).
    expect(got).to.be.at.most(best + 1e-3); // (quantities are rounded to the watt)
    expect(got / best).to.be.at.least(0.95);
    // And the forecast mattered: the same strategy with yesterday's prices earns less.
    expect(profit('mpc')).to.be.lessThan(got);
  });
  it('docs/strategies.md "What they earn" quotes these runs’ profits', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/strategies.md'), 'utf8');
    const quoted = (label: string): number => {
      const m = new RegExp(`^\\| ${label} \\| (-?\\d+\\.\\d\\d)`, 'm').exec(doc);
      expect(m, label).to.not.equal(null);
      return Number(m![1]);
    };
    expect(quoted('`mpc`')).to.equal(Number(profit('mpc').toFixed(2)));
    expect(quoted('`mpc`, perfect foresight')).to.equal(Number(profit('foresight').toFixed(2)));
    expect(quoted('`truthful` \\(stored energy at the forecast median\\)')).to.equal(Number(profit('truthful').toFixed(2)));
    expect(quoted('`storage-arbitrage`')).to.equal(Number(profit('arbitrage').toFixed(2)));
    expect(quoted('`price-taker`')).to.equal(Number(profit('priceTaker').toFixed(2)));
  });
});
