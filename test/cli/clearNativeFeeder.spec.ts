/**
 * `gridbid clear` on a native case whose network is a radial feeder (`model: lindistflow`, or
 * `--model lindistflow`): cleared by the LinDistFlow LP, not silently by DC power flow (before
 * session 33 the case's model was ignored and its buses all priced 20). The hand-computed line of
 * test/fixtures/clear/feeder-line.yaml, single-interval and day-ahead; bad input located.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ClearJson, DayAheadClearJson } from '../../cli/commands/clearCase.ts';
import type { FeederBusJson } from '../../cli/commands/clearFeeder.ts';
import { gridbidInProcess, hasStackTrace } from '../helpers/cli.ts';

const LINE = 'test/fixtures/clear/feeder-line.yaml';
const LINE_DA = 'test/fixtures/clear/feeder-line-day-ahead.yaml';

async function clearJson(args: string[]): Promise<ClearJson> {
  const r = await gridbidInProcess(['clear', ...args, '--json']);
  expect(r.status, r.stderr).to.equal(0);
  return JSON.parse(r.stdout) as ClearJson;
}

describe('gridbid clear: a native case on a LinDistFlow feeder', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-clear-feeder-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prices the line by hand: DLMPs 20 / 27.5 / 50 (voltage parts 0 / 7.5 / 30), b2 at its 0.95 p.u. floor, 1218.75 kW over the line', async () => {
    const out = await clearJson([LINE]);
    expect([out.status, out.model]).to.deep.equal(['cleared', 'lindistflow']);
    const buses = out.buses as FeederBusJson[];
    expect(buses.map((b) => [b.id, b.price, b.components.energy])).to.deep.equal([
      ['grid', 20, 20],
      ['b1', 27.5, 20],
      ['b2', 50, 20],
    ]);
    expect(buses[1]!.components.voltage).to.be.closeTo(7.5, 1e-6);
    expect(buses[2]!.components.voltage).to.be.closeTo(30, 1e-6);
    expect(buses[2]!.vm).to.be.closeTo(0.95, 1e-9);
    expect(out.dispatch.map((d) => [d.bid, d.awarded])).to.deep.equal([
      ['grid-supply', 1218.75],
      ['local', 281.25],
      ['load', 1500],
      ['small', 0], // worth 25 at b1, whose price is 27.5
    ]);
    // Welfare 1500 × 3000 − 1218.75 × 20 − 281.25 × 50 per MWh; the rent is what the buyer pays beyond the sellers: 75 − 38.4375.
    expect(out.objective).to.be.closeTo(4461.5625, 1e-6);
    expect(out.congestionRent).to.be.closeTo(36.5625, 1e-9);
    expect(out.flows.map((f) => f.flow)).to.deep.equal([1218.75, 1218.75]);
  });

  it('--model lindistflow makes the same network without a model a feeder (its other buses in the default band 0.95–1.05); without it the case clears by DC', async () => {
    const plain = join(dir, 'line-dc.yaml');
    // The same case with no model and no feeder options: every bus gets the default band.
    writeFileSync(plain, readFileSync(LINE, 'utf8').replace(/  model: lindistflow\n  feeder:\n    voltageLimitsPu: \{ min: 0\.5, max: 1\.5 \}\n/, ''));
    const dc = await clearJson([plain]);
    expect(dc.model).to.equal(undefined);
    expect(dc.buses.map((b) => b.price)).to.deep.equal([20, 20, 20]);
    const ldf = await clearJson([plain, '--model', 'lindistflow']);
    expect(ldf.model).to.equal('lindistflow');
    expect((ldf.buses as FeederBusJson[]).every((b) => b.vm! >= 0.95 - 1e-9)).to.equal(true);
    expect(ldf.buses[2]!.price).to.equal(50);
    expect(ldf.objective!).to.be.below(dc.objective!);
  });

  it('--ac adds the AC power flow at the dispatch, and names the limit the linear model missed (b2 at 0.94826 p.u.)', async () => {
    const out = await clearJson([LINE, '--ac']);
    expect(out.ac!.converged).to.equal(true);
    expect(out.ac!.minVm.bus).to.equal('b2');
    expect(out.ac!.minVm.vm).to.be.closeTo(0.94826, 1e-5);
    expect(out.ac!.violations).to.deep.equal(['bus b2: voltage 0.94826 p.u. below vmin 0.95 (LinDistFlow 0.95000)']);
    expect(out.ac!.lossesKw).to.be.greaterThan(0);
    const text = await gridbidInProcess(['clear', LINE, '--ac']);
    expect(text.stdout).to.match(/LinDistFlow feeder/);
    expect(text.stdout).to.match(/limits the linear model missed:\n  bus b2: voltage 0\.94826 p\.u\. below vmin 0\.95/);
  });

  it('--ac past voltage collapse reports no AC solution, not the last iterate: 60 kW over r = x = 0.5 p.u. on 100 kVA (beyond P ≤ 1/(1 + √2) = 41.42 kW) has no voltages, losses or violations to list (it printed the iterate\'s as if measured; audit A-infeas)', async () => {
    // LinDistFlow keeps b at √(1 − 2 · 0.5 · 0.6) = 0.6325 p.u., inside its 0.5 floor, so the LP clears the 60 kW; the AC power flow has no solution.
    const file = join(dir, 'collapse.yaml');
    writeFileSync(
      file,
      [
        'name: collapse',
        'durationH: 1',
        'network:',
        '  model: lindistflow',
        '  feeder:',
        '    voltageLimitsPu: { min: 0.5, max: 1.5 }',
        '  baseKva: 100',
        '  buses:',
        '    - { id: grid, reference: true }',
        '    - { id: b }',
        '  branches:',
        '    - { id: l1, from: grid, to: b, resistancePu: 0.5, reactancePu: 0.5 }',
        'bids:',
        '  - { id: supply, bus: grid, segments: [{ side: sell, priceMwh: 20, quantityKw: 200 }] }',
        '  - { id: load, bus: b, segments: [{ side: buy, priceMwh: 3000, quantityKw: 60 }] }',
        '',
      ].join('\n'),
    );
    const out = await clearJson([file, '--ac']);
    expect(out.status).to.equal('cleared');
    expect((out.buses as FeederBusJson[])[1]!.vm).to.be.closeTo(Math.sqrt(0.4), 1e-9);
    const ac = out.ac!;
    expect(ac.converged).to.equal(false);
    expect(ac.violations).to.deep.equal([`the sweep did not converge in ${ac.iterations} iterations: no AC solution at this dispatch (past voltage collapse), so no AC voltages, losses or limit checks`]);
    expect([ac.lossesKw, ac.lossesKvar, ac.minVm.vm, ac.maxVm.vm, ac.maxLinDistFlowError.pu]).to.deep.equal([null, null, null, null, null]);
    expect(ac.buses.map((b) => b.vm)).to.deep.equal([1, null]);
    const text = await gridbidInProcess(['clear', file, '--ac']);
    expect(text.stdout).to.match(/AC check \(backward\/forward sweep, \d+ iterations, NOT converged\): no AC solution at this dispatch \(past voltage collapse\): no AC voltages, losses or limit checks\n/);
    expect(text.stdout).not.to.match(/limits the linear model missed/);
  });

  it('day-ahead on the feeder, infeasible: exit 1, the message names hour 1, bus b2 at 1.0500 p.u. against its vMaxPu 1.03 (it said only "HiGHS proved the problem infeasible"; audit A-dafeeder), no price or voltage printed', async () => {
    const file = 'test/fixtures/clear/feeder-day-ahead-voltage-infeasible.yaml';
    const expected = "infeasible: the voltage limits cannot be met (the branch limits can): at the least violation, interval 1: bus 'b2' is at 1.0500 p.u., above its vMaxPu 1.03";
    for (const solver of ['highs', 'jslp']) {
      const r = await gridbidInProcess(['clear', file, '--json', '--solver', solver]);
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stderr).to.contain(`feeder-day-ahead-voltage-infeasible.yaml: ${expected} (`);
      expect(hasStackTrace(r.stderr)).to.equal(false);
      const out = JSON.parse(r.stdout) as DayAheadClearJson;
      expect([out.status, out.objective]).to.deep.equal(['infeasible', null]);
      expect(out.message.startsWith(expected)).to.equal(true);
      expect(out.intervals.flatMap((iv) => iv.prices.map((p) => [p.price, p.vm ?? null]))).to.deep.equal(new Array(9).fill([null, null]));
    }
  });

  it('day-ahead on the feeder: the first hour binds the voltage (20 / 27.5 / 50), the second does not (20 everywhere)', async () => {
    const r = await gridbidInProcess(['clear', LINE_DA, '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as DayAheadClearJson;
    expect([out.status, out.model]).to.deep.equal(['cleared', 'lindistflow']);
    expect(out.intervals.map((iv) => iv.prices.map((p) => p.price))).to.deep.equal([
      [20, 27.5, 50],
      [20, 20, 20],
    ]);
    // 4461.5625 in the first hour, 1000 × (3000 − 20) / 1000 = 2980 in the second.
    expect(out.objective).to.be.closeTo(7441.5625, 1e-6);
    // The voltages the prices are about (they were not in the output): b2 at its 0.95 floor in the first hour;
    // in the second √(1 − 2 × 0.04 × 1000/1000) = 0.959166 at b2 and √(1 − 2 × 0.01 × 1) = 0.989949 at b1.
    const vm = out.intervals.map((iv) => iv.prices.map((p) => p.vm!));
    expect(vm[0]![2]).to.be.closeTo(0.95, 1e-9);
    expect(vm[1]![1]).to.be.closeTo(Math.sqrt(0.98), 1e-9);
    expect(vm[1]![2]).to.be.closeTo(Math.sqrt(0.92), 1e-9);
    expect(vm.map((v) => v[0])).to.deep.equal([1, 1]);
    const tables = await gridbidInProcess(['clear', LINE_DA]);
    expect(tables.stdout).to.match(/LinDistFlow voltage \(p\.u\.\)\ninterval +grid +b1 +b2\n[- ]+\n0 +1\.00000 +0\.98774 +0\.95000\n1 +1\.00000 +0\.98995 +0\.95917\n/);
  });

  describe('bad input: located, exit 1, no stack trace', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        'a loop in a feeder case',
        'network:\n  model: lindistflow\n  buses: [{ id: a, reference: true }, { id: b }, { id: c }]\n  branches:\n    - { id: ab, from: a, to: b, reactancePu: 0.1 }\n    - { id: bc, from: b, to: c, reactancePu: 0.1 }\n    - { id: ca, from: c, to: a, reactancePu: 0.1 }\nbids: []\n',
        /case\.yaml:\d+:\d+ network\.branches\[\d\]: branch '\w\w': the in-service branches form a loop/,
      ],
      [
        'a power factor per agent kind (a case has no kinds)',
        'network:\n  model: lindistflow\n  feeder: { powerFactor: { home: 0.95 } }\n  buses: [{ id: a, reference: true }, { id: b }]\n  branches: [{ id: ab, from: a, to: b, reactancePu: 0.1 }]\nbids: []\n',
        /case\.yaml:3:\d+ network\.feeder\.powerFactor: is set per agent kind, and a case’s bids have none/,
      ],
      [
        'inverters per agent kind',
        'network:\n  model: lindistflow\n  feeder: { reactive: { mode: clearing } }\n  buses: [{ id: a, reference: true }, { id: b }]\n  branches: [{ id: ab, from: a, to: b, reactancePu: 0.1 }]\nbids: []\n',
        /network\.feeder\.reactive\.mode: inverters are set per agent kind/,
      ],
    ];
    cases.forEach(([what, text, message], n) => {
      it(what, async () => {
        const file = join(dir, `bad-${n}`, 'case.yaml');
        mkdirSync(join(dir, `bad-${n}`));
        writeFileSync(file, text);
        const r = await gridbidInProcess(['clear', file]);
        expect(r.status, r.stdout).to.equal(1);
        expect(r.stderr).to.match(message);
        expect(hasStackTrace(r.stderr)).to.equal(false);
      });
    });
    it('feeder options on a case cleared by DC (no model: lindistflow, no --model): refused, not ignored', async () => {
      const file = join(dir, 'feeder-options-dc.yaml');
      writeFileSync(file, readFileSync(LINE, 'utf8').replace('  model: lindistflow\n', ''));
      const r = await gridbidInProcess(['clear', file]);
      expect([r.status, r.stderr]).to.deep.equal([1, `gridbid: ${file}: network.feeder: feeder options need model: lindistflow (in the case's network, or --model lindistflow)\n`]);
      expect((await gridbidInProcess(['clear', file, '--model', 'lindistflow'])).status).to.equal(0);
    });
    it('an explicit --model dc or --branch-model on a feeder case: refused, not ignored (both cleared the LinDistFlow LP unchanged)', async () => {
      for (const file of [LINE, LINE_DA]) {
        const dc = await gridbidInProcess(['clear', file, '--model', 'dc']);
        expect([dc.status, dc.stderr]).to.deep.equal([1, `gridbid: ${file}: --model dc: the case's network says model: lindistflow, which clears as a feeder; remove --model dc, or the network's model and feeder options to clear it by DC power flow\n`]);
      }
      for (const args of [[LINE, '--branch-model', 'powermodels'], ['test/fixtures/clear/three-bus.json', '--model', 'lindistflow', '--branch-model', 'matpower'], ['test/fixtures/refcases/matpower/case33bw.m', '--model', 'lindistflow', '--branch-model', 'powermodels']]) {
        const r = await gridbidInProcess(['clear', ...args]);
        expect(r.status, args.join(' ')).to.equal(1);
        expect(r.stderr).to.match(/--branch-model (powermodels|matpower) sets the DC power flow's branch susceptance; a LinDistFlow feeder has none \(it uses r and x\): leave it out/);
      }
      // Where they mean something they still work: DC cases, and the defaults on a feeder.
      expect((await gridbidInProcess(['clear', 'test/fixtures/clear/three-bus.json', '--model', 'dc', '--branch-model', 'powermodels'])).status).to.equal(0);
      expect((await gridbidInProcess(['clear', LINE])).status).to.equal(0);
    });
    it('--ac on a DC case, and on a day-ahead case', async () => {
      const dc = await gridbidInProcess(['clear', 'test/fixtures/clear/three-bus.json', '--ac']);
      expect([dc.status, dc.stderr]).to.deep.equal([1, "gridbid: --ac checks a LinDistFlow dispatch: add --model lindistflow (or model: lindistflow in the case's network)\n"]);
      const da = await gridbidInProcess(['clear', LINE_DA, '--ac']);
      expect(da.status).to.equal(1);
      expect(da.stderr).to.match(/--ac checks one interval's dispatch; a day-ahead case has many/);
    });
  });
});
