import { expect } from 'chai';
import type { ClearJson } from '../../cli/commands/clear.ts';
import type { FeederBusJson } from '../../cli/commands/clearFeeder.ts';
import { gridbidInProcess, hasStackTrace } from '../helpers/cli.ts';

const CASE33 = 'test/fixtures/refcases/matpower/case33bw.m';

describe('gridbid clear --model lindistflow', () => {
  it('case33bw --ac --json: DLMPs with components and LinDistFlow voltages per bus, the published AC losses and minimum voltage', async () => {
    const r = await gridbidInProcess(['clear', CASE33, '--model', 'lindistflow', '--ac', '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as ClearJson;
    expect(out.model).to.equal('lindistflow');
    expect(out.status).to.equal('optimal');
    expect(out.conversions).to.have.length(2);
    const buses = out.buses as FeederBusJson[];
    expect(buses).to.have.length(33);
    expect(buses[17]).to.include({ id: 18 });
    expect(buses[17]!.vm).to.be.closeTo(0.91593, 5e-6);
    for (const b of buses) {
      expect(b.price).to.be.closeTo(20, 1e-9);
      expect(b.components.energy! + b.components.congestion! + b.components.voltage!).to.be.closeTo(b.price!, 1e-9);
    }
    expect(out.dispatch[0]!.qg as number).to.be.closeTo(2.3, 1e-9);
    expect(out.ac!.lossesKw).to.be.closeTo(202.68, 0.005);
    expect(out.ac!.lossesKvar).to.be.closeTo(135.14, 0.005);
    expect(out.ac!.minVm.bus).to.equal(18);
    expect(out.ac!.minVm.vm).to.be.closeTo(0.91309, 5e-6);
    expect(out.ac!.maxLinDistFlowError.bus).to.equal(18);
    expect(out.ac!.maxLinDistFlowError.pu).to.be.closeTo(0.91593 - 0.91309, 1e-5);
    expect(out.ac!.violations).to.deep.equal([]);
    // The five ties are listed, out of service, with no flow.
    expect(out.flows.filter((f) => (f as { inService?: boolean }).inService === false).map((f) => f.id)).to.deep.equal(['21-8', '9-15', '12-22', '18-33', '25-29']);
  });

  it('prints the DLMP table, the conversions it applied and the AC check', async () => {
    const r = await gridbidInProcess(['clear', CASE33, '--model', 'lindistflow', '--ac']);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/unit conversions applied \(the case's own code\): branch r, x from ohms to p\.u\. \(÷ Vbase²\/Sbase = 16\.0276 Ω\); bus Pd, Qd from kW to MW/);
    expect(r.stdout).to.match(/^18\s+20\.0000\s+20\.0000\s+0\.0000\s+0\.0000\s+0\.0000\s+0\.91593\s+0\.91309$/m);
    expect(r.stdout).to.match(/losses 202\.68 kW, 135\.14 kvar; voltage 0\.91309 p\.u\. \(min, bus 18\)/);
    expect(r.stdout).to.match(/limits the linear model missed: none/);
  });

  it('the DC model of the same case now reads its loads in MW and says so', async () => {
    const r = await gridbidInProcess(['clear', CASE33, '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as ClearJson;
    expect(out.dispatch[0]!.pg as number).to.be.closeTo(3.715, 1e-9);
    expect(out.conversions).to.deep.equal(['branch r, x from ohms to p.u. (÷ Vbase²/Sbase = 16.0276 Ω)', 'bus Pd, Qd from kW to MW (÷ 1e3)']);
  });

  it("--ac holds a MATPOWER branch to RATE_A as an MVA rating: 0.9 MW and 0.6 Mvar through a 1 MVA line is over it (|S| 1.1055 MVA with losses), though |P| is not", async () => {
    const r = await gridbidInProcess(['clear', 'test/fixtures/clear/feeder-rating.m', '--model', 'lindistflow', '--ac', '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as ClearJson;
    // The LP holds |P| ≤ RATE_A (its default line limit): 0.9 MW, lossless.
    expect(out.flows[0]!.flow).to.be.closeTo(0.9, 1e-9);
    // By hand: V₂ ≈ 1 − (0.01·0.9 + 0.02·0.6) = 0.979, I ≈ 1.0817 / 0.979 = 1.105 p.u., losses I²r = 0.0122 MW
    // and I²x = 0.0244 Mvar at the sending end: |S| = √(0.9122² + 0.6244²) ≈ 1.1055 MVA.
    expect(out.ac!.lossesKw).to.be.closeTo(12.2, 0.05);
    expect(out.ac!.violations).to.deep.equal(['branch 1-2: 1.1055 MVA above its 1.0000 MVA limit']);
  });

  describe('bad input: a located error, exit 1, no stack trace', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['a meshed network', ['clear', 'test/fixtures/clear/feeder-meshed.m', '--model', 'lindistflow'], /feeder-meshed\.m:15:1 branch\[2\]: the in-service branches form a loop \('2' – '1' – '3' – '2', closed by branch '2-3'\): --model lindistflow needs a radial feeder; take one branch of the loop out of service \(status 0/],
      ['a branch with r = x = 0', ['clear', 'test/fixtures/clear/feeder-zero-impedance.m', '--model', 'lindistflow'], /feeder-zero-impedance\.m:15:1 branch\[2\]: branch 2-3 has r = x = 0/],
      ['a transformer tap (LinDistFlow has none: it was ignored)', ['clear', 'test/fixtures/clear/feeder-tap.m', '--model', 'lindistflow'], /feeder-tap\.m:15:1 branch\[2\]: tap ratio 0\.95: --model lindistflow has no off-nominal transformer taps, .* about 5\.26 % off; set TAP to 0 or use --model dc/],
      ['a bus cut off from the substation (docs said its load would be unserved)', ['clear', 'test/fixtures/clear/feeder-islanded.m', '--model', 'lindistflow'], /feeder-islanded\.m network: bus '3' is islanded: not connected to the reference bus '1' through in-service branches/],
      ['vmin above vmax', ['clear', 'test/fixtures/clear/feeder-vmin-above-vmax.m', '--model', 'lindistflow'], /feeder-vmin-above-vmax\.m:7:1 bus\[2\]: bus 2: VMIN 1\.2 p\.u\. is above VMAX 1\.1 p\.u\./],
      ['unknown code after the data (any model)', ['clear', 'test/fixtures/clear/feeder-unknown-code.m'], /feeder-unknown-code\.m:22:1 code: unrecognised conversion 'mpc\.bus\(:, 3\) = mpc\.bus\(:, 3\) \* 2'[\s\S]*feeder-unknown-code\.m:23:1 code: code gridbid does not recognise: 'mpc\.branch\(2, 3\) = 0\.5'/],
      ['--ac without --model lindistflow', ['clear', CASE33, '--ac'], /--ac checks a LinDistFlow dispatch: add --model lindistflow/],
      ['--model lindistflow on a meshed native case', ['clear', 'test/fixtures/clear/three-bus.json', '--model', 'lindistflow'], /three-bus\.json: --model lindistflow: invalid network: 1 problem\n  branch 'BC': the in-service branches form a loop \('B' – 'A' – 'C' – 'B', closed by branch 'BC'\)/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const r = await gridbidInProcess(args);
        expect(r.status, r.stdout).to.equal(1);
        expect(r.stderr).to.match(message);
        expect(hasStackTrace(r.stderr)).to.equal(false);
      });
    }
  });
});
