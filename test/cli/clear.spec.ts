import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { ClearJson } from '../../cli/commands/clear.ts';
import { join } from 'node:path';
import { gridbid, gridbidInProcess, hasStackTrace, REPO_ROOT } from '../helpers/cli.ts';

const PJM = 'test/fixtures/refcases/pglib-opf/pglib_opf_case5_pjm.m';
const CASE9 = 'test/fixtures/refcases/matpower/t_case9_opf.m';
const THREE_BUS = 'test/fixtures/clear/three-bus.json';

describe('gridbid clear', () => {
  it('PJM 5-bus (Li & Bo 2010) through the real executable: published LMPs and dispatch within 0.01, branch 4–5 at 240 MW flowing 5→4', () => {
    const r = gridbid(['clear', PJM, '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as ClearJson;
    expect(out.status).to.equal('optimal');
    expect(out.buses.map((b) => b.id)).to.deep.equal([1, 2, 3, 4, 5]);
    const lmp = [16.9774, 26.3845, 30.0, 39.9427, 10.0];
    out.buses.forEach((b, k) => expect(b.price).to.be.closeTo(lmp[k]!, 0.01));
    const pg = [40, 170, 323.49, 0, 466.51];
    out.dispatch.forEach((g, k) => expect(g.pg as number).to.be.closeTo(pg[k]!, 0.01));
    const b45 = out.flows.find((f) => f.id === '4-5')!;
    expect(b45).to.include({ from: 4, to: 5, limit: 240 });
    expect(b45.flow).to.be.closeTo(-240, 1e-6);
    expect(b45.shadowPrice).to.be.greaterThan(0);
    expect(out.objective).to.be.closeTo(17479.9, 0.01);
    expect(out.units).to.deep.equal({ power: 'MW', price: '$/MWh', objective: '$/h' });
  });

  it("t_case9_opf (MATPOWER's soln9_dcopf): objective, LMPs and shadow prices with --branch-model matpower and --solver jslp", async () => {
    for (const solver of ['highs', 'jslp']) {
      const r = await gridbidInProcess(['clear', CASE9, '--json', '--solver', solver, '--branch-model', 'matpower']);
      expect(r.status, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout) as ClearJson;
      expect(out.objective).to.be.closeTo(6392.9017, 1e-3);
      expect(out.buses.map((b) => b.id)).to.deep.equal([1, 2, 30, 4, 5, 6, 7, 8, 9]);
      expect(out.buses[6]!.price).to.be.closeTo(25.3156, 1e-3);
      expect(out.flows.find((f) => f.id === '6-7')!.shadowPrice).to.be.closeTo(12.1083, 1e-3);
      expect(out.dispatch[0]!.muPmin as number).to.be.closeTo(5.3402, 1e-3);
      expect(out.flows.find((f) => f.id === '1-4')!.limit).to.equal(null); // RATE_A 0: no limit
    }
  });

  it('prints readable tables by default', async () => {
    const r = await gridbidInProcess(['clear', PJM]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/status: optimal/);
    expect(r.stdout).to.match(/objective: 17479\.8969 \$\/h/);
    expect(r.stdout).to.match(/^4\s+39\.9427$/m);
    expect(r.stdout).to.match(/^4-5\s+4\s+5\s+-240\.0000\s+240\.0000\s+100\.0%\s+62\.3220$/m);
  });

  it('clears a native case in kW with either solver: same welfare and prices', async () => {
    const outs: ClearJson[] = [];
    for (const solver of ['highs', 'jslp']) {
      const r = await gridbidInProcess(['clear', THREE_BUS, '--json', '--solver', solver]);
      expect(r.status, r.stderr).to.equal(0);
      outs.push(JSON.parse(r.stdout) as ClearJson);
    }
    const [h, j] = outs as [ClearJson, ClearJson];
    expect(h.status).to.equal('cleared');
    expect(h.buses).to.deep.equal([
      { id: 'A', price: 20 },
      { id: 'B', price: 80 },
      { id: 'C', price: 50 },
    ]);
    expect(h.dispatch.map((d) => d.awarded)).to.deep.equal([80, 50, 100, 0, 30]);
    expect(h.flows[0]).to.deep.equal({ id: 'AB', from: 'A', to: 'B', flow: 60, limit: 60, shadowPrice: 90, inService: true });
    expect(h.objective).to.be.closeTo(10.6, 1e-12);
    expect(j.objective).to.equal(h.objective);
    expect(j.buses).to.deep.equal(h.buses);
    expect(h.units.power).to.equal('kW');
  });

  it('a type-4 (isolated) bus is left out as MATPOWER leaves it, and the output says so with its load, generator and branch', async () => {
    // Bus 4 (30 MW of load, gen row 3, branch row 4) is isolated: prices and cost are the triangle's alone.
    const r = await gridbidInProcess(['clear', 'test/fixtures/clear/isolated-bus.m', '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as ClearJson;
    expect(out.objective).to.be.closeTo(5100, 1e-6); // 80 MW × 20 + 70 MW × 50
    expect(out.buses.map((b) => [b.id, Math.round(b.price! * 1e6) / 1e6])).to.deep.equal([[1, 20], [2, 80], [3, 50]]);
    expect(out.isolatedBuses).to.deep.equal([{ bus: 4, loadMw: 30, generators: [3], branches: [4] }]);
    const text = await gridbidInProcess(['clear', 'test/fixtures/clear/isolated-bus.m']);
    expect(text.stdout).to.match(/^isolated buses \(type 4\) left out with their load, generators and branches: 4 \(load 30\.0000 MW, gen 3, branch rows 4\)$/m);
    const none = JSON.parse((await gridbidInProcess(['clear', PJM, '--json'])).stdout) as ClearJson;
    expect(none).to.not.have.property('isolatedBuses');
  });

  it('a branch out of service (status 0) is marked so, not shown as an idle line at 0 % loading', async () => {
    const out = JSON.parse((await gridbidInProcess(['clear', 'test/fixtures/clear/branch-out.m', '--json'])).stdout) as ClearJson;
    expect(out.objective).to.be.closeTo(3000, 1e-6); // 150 MW × 20 $/MWh
    expect(out.flows.map((f) => [f.id, f.flow === null ? null : Math.round(f.flow * 1e6) / 1e6, f.inService])).to.deep.equal([
      ['1-2', 0, false],
      ['2-3', -100, true],
      ['3-1', -150, true],
    ]);
    const text = (await gridbidInProcess(['clear', 'test/fixtures/clear/branch-out.m'])).stdout;
    expect(text).to.not.match(/^1-2 /m);
    expect(text).to.match(/^out of service: 1-2$/m);
  });

  it("a native case's congestion rent is Σ price × net withdrawal at the prices and awards it reports (the money settlement keeps)", async () => {
    const out = JSON.parse((await gridbidInProcess(['clear', 'test/fixtures/clear/off-tick.json', '--json'])).stdout) as ClearJson;
    // C's LP price is (20 + 126.35) / 2 = 73.175, reported on the 0.01 tick as 73.17; B's 126.35 exactly (not 126.35000000000001).
    expect(out.buses).to.deep.equal([
      { id: 'A', price: 20 },
      { id: 'B', price: 126.35 },
      { id: 'C', price: 73.17 },
    ]);
    expect(out.dispatch.map((d) => d.awarded)).to.deep.equal([70.001, 50, 20.001]);
    // 50 kW × 126.35 + 20.001 kW × 73.17 − 70.001 kW × 20, over 1 h, / 1000 = 6.3175 + 1.46347317 − 1.40002 = 6.38095317
    // (the LP's own rent at its unrounded prices was 6.381).
    expect(out.congestionRent).to.equal(6.38095317);
  });

  it('a binding angle-difference limit has its own shadow price, not the thermal one of a branch with no thermal limit', async () => {
    // 1-2: no RATE_A, ANGMAX 3°: b (θ1 − θ2) ≤ 1000 MW/rad × 3π/180 = 52.3599 MW; gen 3 gives 3 × (66.6667 − 52.3599) + 50 = 92.9204 MW.
    const out = JSON.parse((await gridbidInProcess(['clear', 'test/fixtures/clear/angle-limit.m', '--json'])).stdout) as ClearJson;
    expect(out.objective).to.be.closeTo(20 * 57.0796327 + 50 * 92.9203673, 1e-4);
    out.buses.forEach((b, k) => expect(b.price).to.be.closeTo([20, 80, 50][k]!, 1e-9));
    const b12 = out.flows[0]!;
    expect(b12.flow).to.be.closeTo((1000 * 3 * Math.PI) / 180, 1e-9);
    expect(b12.limit).to.equal(null);
    expect(b12.shadowPrice).to.equal(0);
    expect(b12.angleShadowPrice).to.be.closeTo(90, 1e-9);
    const text = (await gridbidInProcess(['clear', 'test/fixtures/clear/angle-limit.m'])).stdout;
    expect(text).to.match(/^angle-difference limits binding: 1-2 \(shadow 90\.0000 \$\/MWh\)$/m);
  });

  it('the example in docs/clear.md is the tested fixture, byte for byte', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/clear.md'), 'utf8');
    const block = /Native cases[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).to.equal(readFileSync(join(REPO_ROOT, THREE_BUS), 'utf8'));
  });

  describe('user errors: a message naming the file and the problem, exit 1, no stack trace', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['a missing file', ['clear', 'no/such/case.m'], /no\/such\/case\.m: no such file/],
      ['an unknown case extension', ['clear', 'package.json.txt'], /expected a \.m \(MATPOWER\) or \.json\/\.yaml\/\.yml \(native gridbid\) case file/],
      ['an unknown solver', ['clear', PJM, '--solver', 'glpk'], /argument 'glpk' is invalid\. Allowed choices are highs, jslp/],
      ['an unknown branch model', ['clear', PJM, '--branch-model', 'ac'], /Allowed choices are matpower, powermodels/],
      ['an unknown option', ['clear', PJM, '--fast'], /unknown option '--fast'/],
      ['a malformed MATPOWER matrix', ['clear', 'test/fixtures/clear/bad-row.m'], /bad-row\.m: 2 problems[\s\S]*bad-row\.m:10:\d+ gen\[1\]: 'abc' is not a number[\s\S]*bad-row\.m:16:\d+ branch\[1\]: has 6 columns, expected at least 11/],
      ['an unknown key in a native case', ['clear', 'test/fixtures/clear/unknown-key.json'], /unknown-key\.json:5:\d+ network\.branches\[0\]\.reactance: unknown key .reactance./],
      ['a bid at a bus the network does not have', ['clear', 'test/fixtures/clear/unknown-bus.json'], /unknown-bus\.json:\d+:\d+ bids\[1\]: bid 'h' rejected \(unknown-bus\): bus 'Z' is not in the network/],
      ['an islanded bus', ['clear', 'test/fixtures/clear/islanded.json'], /islanded\.json:\d+:\d+ network\.branches: bus 'C' is islanded/],
      // LinDistFlow takes r and x as they are: a branch model there did nothing, while the output named it.
      ['--branch-model on a MATPOWER feeder', ['clear', 'test/fixtures/refcases/matpower/case33bw.m', '--model', 'lindistflow', '--branch-model', 'powermodels'], /^gridbid: --branch-model powermodels sets the DC power flow's branch susceptance; a LinDistFlow feeder has none \(it uses r and x\): leave it out/],
      ['--branch-model on a native feeder case', ['clear', 'test/fixtures/clear/feeder-line.yaml', '--branch-model', 'matpower'], /feeder-line\.yaml: --branch-model matpower sets the DC power flow's branch susceptance/],
      ['--branch-model on a day-ahead case cleared as a feeder', ['clear', 'test/fixtures/clear/day-ahead.json', '--model', 'lindistflow', '--branch-model', 'powermodels'], /day-ahead\.json: --branch-model powermodels sets the DC power flow's branch susceptance/],
      ['an islanded MATPOWER bus (not type 4)', ['clear', 'test/fixtures/clear/islanded.m'], /islanded\.m network: bus '4' is islanded: not connected to the reference bus '1' through in-service branches; set a bus type to 4 \(isolated\) to leave it out/],
      ['a MATPOWER case whose fixed load cannot be served', ['clear', 'test/fixtures/clear/infeasible.m'], /infeasible\.m: infeasible: the fixed load of 50 MW cannot be delivered within the branch and angle limits/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const r = await gridbidInProcess(args);
        expect(r.status, r.stdout).to.equal(1);
        expect(r.stderr).to.match(message);
        expect(hasStackTrace(r.stderr)).to.equal(false);
      });
    }

    it('an infeasible case still prints its result (status and message) before failing', async () => {
      const r = await gridbidInProcess(['clear', 'test/fixtures/clear/infeasible.m', '--json']);
      expect(r.status).to.equal(1);
      const out = JSON.parse(r.stdout) as ClearJson;
      expect(out.status).to.equal('infeasible');
      expect(out.objective).to.equal(null);
      expect(out.buses.every((b) => b.price === null)).to.equal(true);
    });
  });
});
