/**
 * `network.feeder.losses: marginal` through the real CLI: DLMPs with a marginal-loss part, the
 * loss surplus in the real-time rent, the `losses` stage still settling the AC losses, the books
 * closed; the two feeder examples with the option; the option's validation.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { gridbid, hasStackTrace, REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;

interface Summary {
  books: { closed: boolean; intervals: number; violations: unknown[] };
  kpis: { merchandisingSurplus: string; totalCost: string; sellersRevenue: string; feeder: Record<string, unknown>; losses: Record<string, unknown> };
}

/** `scenario` with `losses: marginal` added to its network.feeder block (written in a temp dir). */
function withMarginalLosses(dir: string, scenario: string): string {
  const text = readFileSync(join(REPO_ROOT, scenario), 'utf8');
  const out = text.includes('\n  feeder:\n') ? text.replace('\n  feeder:\n', '\n  feeder:\n    losses: marginal\n') : text.replace('\n  model: lindistflow\n', '\n  model: lindistflow\n  feeder: { losses: marginal }\n');
  expect(out, `${scenario} got the option`).to.not.equal(text);
  const file = join(dir, scenario.replace(/\//g, '_'));
  writeFileSync(file, out);
  return file;
}

function run(dir: string, file: string, name: string): { summary: Summary; agents: Row[]; voltages: Row[]; status: number | null; stderr: string } {
  const out = join(dir, name);
  const r = gridbid(['run', file, '--out', out]);
  return {
    status: r.status,
    stderr: r.stderr,
    summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary,
    agents: parse(readFileSync(join(out, 'agents.csv')), { columns: true }) as Row[],
    voltages: parse(readFileSync(join(out, 'voltages.csv')), { columns: true }) as Row[],
  };
}

describe('marginal losses in a run (network.feeder.losses: marginal, through the CLI)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-mloss-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('the hand line over two days (test/fixtures/scenarios/losses-line-marginal.yaml)', () => {
    let r: ReturnType<typeof run>;
    before(function () {
      this.timeout(120_000);
      r = run(dir, join(REPO_ROOT, 'test/fixtures/scenarios/losses-line-marginal.yaml'), 'line');
    });

    it('prices the far end at 40 × (1 + 0.0427224) = 41.7089 → 41.71, its loss part 1.7089 in voltages.csv', () => {
      // LF = ∂Loss/∂P at 1 p.u. = 0.0427224 (test/market/lp/marginalLossDispatch.spec.ts derives it by hand).
      expect(r.status, r.stderr).to.equal(0);
      const b = r.voltages.filter((v) => v.bus === 'b');
      expect(b).to.have.length(192);
      for (const v of b) expect([v.price, v.dlmp_energy, v.dlmp_loss, v.dlmp_congestion, v.dlmp_voltage]).to.deep.equal(['41.71', '40.0000', '1.7089', '0.0000', '0.0000']);
      for (const v of r.voltages.filter((x) => x.bus === 'grid')) expect([v.price, v.dlmp_loss]).to.deep.equal(['40.00', '0.0000']);
    });

    it('the load pays 100 kW × ¼ h × 41.71 = 1.04275, the supply receives 1, the rent is 0.04275 an interval: 8.208 over 192; the DSO still pays 0.02088 an interval for the AC losses', () => {
      const first = r.agents.filter((a) => a.interval_start === '2026-01-14T00:00:00Z');
      expect(first.map((a) => `${a.agent_id} ${a.award_kw} ${a.price} ${a.cost}`)).to.deep.equal(['wholesale -100.000 40.00 -1', 'load 100.000 41.71 1.04275', 'dso-losses 2.088 40.00 0.02088', 'transmission -2.088 40.00 -0.02088']);
      const k = r.summary.kpis;
      expect([k.totalCost, k.sellersRevenue, k.merchandisingSurplus]).to.deep.equal(['200.208', '192', '8.208']);
      expect(new Decimal('0.04275').times(192).toFixed()).to.equal('8.208');
      expect(k.losses).to.deep.equal({ buyer: 'dso-losses', seller: 'transmission', kwh: 100.224, buyersPay: '4.00896', sellersReceive: '4.00896', rent: '0', unsettledIntervals: 0, unformedPriceIntervals: 0 });
      // The loss surplus is about twice the losses' cost (quadratic losses: Σ LF p ≈ 2 L): 8.208 / 4.00896 = 2.047.
      expect(new Decimal(k.merchandisingSurplus).div(k.losses.buyersPay as string).toNumber()).to.be.closeTo(2.047, 0.001);
      expect(k.feeder.marginalLossUnconvergedIntervals).to.equal(0);
      expect(k.feeder.marginalLossMaxGapMwh).to.equal(0);
      expect(k.feeder.marginalLossMaxResidualKw).to.equal(0);
    });

    it('closes its books in all 192 intervals', () => {
      expect(r.summary.books).to.include({ closed: true, intervals: 192 });
      expect(r.summary.books.violations).to.deep.equal([]);
    });
  });

  for (const scenario of ['scenarios/feeder-voltage.yaml', 'scenarios/self-healing.yaml']) {
    it(`${scenario} with the option: books closed (exit 0), every DLMP = energy + loss + congestion + voltage, no residual left to the rounding, every interval at its fixed point`, function () {
      this.timeout(120_000);
      const r = run(dir, withMarginalLosses(dir, scenario), scenario.replace(/\W/g, '-'));
      expect(r.status, r.stderr).to.equal(0);
      expect(r.summary.books.closed).to.equal(true);
      let downstream = 0;
      for (const v of r.voltages) {
        if (v.price === '' || v.dlmp_energy === '') continue;
        const parts = Number(v.dlmp_energy) + Number(v.dlmp_loss) + Number(v.dlmp_congestion) + Number(v.dlmp_voltage);
        // The price is rounded to the tick (0.01), each part printed to 4 places: within 0.005 + 4 × 0.00005.
        expect(Math.abs(parts - Number(v.price)), `${v.interval_start} ${v.bus}`).to.be.at.most(0.0052);
        if (Math.abs(Number(v.dlmp_loss)) > 0) downstream++;
      }
      expect(downstream, 'buses with a loss part').to.be.greaterThan(96);
      expect(r.summary.kpis.feeder.marginalLossMaxResidualKw).to.equal(0);
      // Every interval reached its fixed point (on main before the column phase: 32 of 96 on feeder-voltage, 42 of 96 on
      // self-healing did not), its DLMPs within 0.001/MWh of the linearisation at its own dispatch.
      expect(r.summary.kpis.feeder.marginalLossUnconvergedIntervals).to.equal(0);
      expect(r.summary.kpis.feeder.marginalLossMaxGapMwh).to.be.a('number').and.at.most(0.001);
    });
  }

  it('gridbid clear on a native case with the option: the loss part in the JSON and the table, the parts summing to each DLMP; a day-ahead case refused', function () {
    this.timeout(60_000);
    const text = readFileSync(join(REPO_ROOT, 'test/fixtures/clear/feeder-line.yaml'), 'utf8').replace('    voltageLimitsPu: { min: 0.5, max: 1.5 }\n', '    voltageLimitsPu: { min: 0.5, max: 1.5 }\n    losses: marginal\n');
    const file = join(dir, 'feeder-line-marginal.yaml');
    writeFileSync(file, text);
    const r = gridbid(['clear', file, '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { buses: Array<{ id: string; price: number; components: Record<string, number> }> };
    for (const b of out.buses) {
      const c = b.components;
      // The price is on the tick (0.01), the parts are the LP's: within half a tick.
      expect(c.energy! + c.congestion! + c.voltage! + c.loss!, b.id).to.be.closeTo(b.price, 0.005 + 1e-9);
    }
    // Downstream buses carry a loss part; the substation none. Lossless (the fixture as it is), no `loss` key.
    expect(out.buses.map((b) => b.components.loss! > 0)).to.deep.equal([false, true, true]);
    const plain = JSON.parse(gridbid(['clear', join(REPO_ROOT, 'test/fixtures/clear/feeder-line.yaml'), '--json']).stdout) as typeof out;
    expect(plain.buses.every((b) => !('loss' in b.components))).to.equal(true);
    expect(gridbid(['clear', file]).stdout).to.match(/voltage +loss +reactive/);
    const da = readFileSync(join(REPO_ROOT, 'test/fixtures/clear/feeder-line-day-ahead.yaml'), 'utf8');
    expect(da).to.match(/\n  model: lindistflow\n/);
    const daFile = join(dir, 'feeder-line-day-ahead-marginal.yaml');
    writeFileSync(daFile, da.includes('\n  feeder:\n') ? da.replace('\n  feeder:\n', '\n  feeder:\n    losses: marginal\n') : da.replace('\n  model: lindistflow\n', '\n  model: lindistflow\n  feeder: { losses: marginal }\n'));
    const refused = gridbid(['clear', daFile]);
    expect(refused.status).to.not.equal(0);
    expect(refused.stderr).to.match(/network\.feeder\.losses: marginal losses are priced in real time only/);
    expect(hasStackTrace(refused.stderr)).to.equal(false);
  });

  it('refuses a value it does not know, the double auction and a day-ahead stage, each at network.feeder.losses', function () {
    this.timeout(60_000);
    const base = readFileSync(join(REPO_ROOT, 'test/fixtures/scenarios/losses-line-marginal.yaml'), 'utf8');
    const cases: Array<[string, string, RegExp]> = [
      ['typo', base.replace('losses: marginal', 'losses: marginl'), /network\.feeder\.losses.*(settled|marginal)/s],
      ['auction', base.replace('mechanism: lp', 'mechanism: double-auction'), /network\.feeder\.losses.*mechanism lp or auto/s],
      ['day-ahead', base.replace('  mechanism: lp\n', '  mechanism: lp\n  timeline: [dayAhead, realTime]\n'), /network\.feeder\.losses.*real time only/s],
    ];
    for (const [name, text, message] of cases) {
      expect(text, name).to.not.equal(base);
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, text);
      const v = gridbid(['validate', file]);
      expect(v.status, `${name}: ${v.stdout}${v.stderr}`).to.not.equal(0);
      expect(v.stderr + v.stdout, name).to.match(message);
      expect(hasStackTrace(v.stderr), name).to.equal(false);
    }
  });
});
