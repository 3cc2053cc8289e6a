/**
 * Radial feeders against published numbers (test/fixtures/refcases/SOURCE.md): the AC
 * backward/forward sweep and LinDistFlow on MATPOWER's case33bw, case69 and case141 after
 * the unit conversions in the files' own code; radiality, islands, and LinDistFlow's
 * closed form against a hand calculation.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { readMatpowerFile } from '../../market/lp/cases/matpower.ts';
import { feederPowerFlow, matpowerFeederOpf } from '../../market/lp/cases/matpowerFeeder.ts';
import { acSweep } from '../../network/acSweep.ts';
import { linDistFlow, voltageSensitivity } from '../../network/linDistFlow.ts';
import { radialFeeder } from '../../network/radial.ts';
import { createNetwork, NetworkError } from '../../network/validate.ts';

const fixture = (p: string): string => fileURLToPath(new URL(`../fixtures/refcases/matpower/${p}`, import.meta.url));

function minimum(vm: Float64Array, ids: readonly string[]): { v: number; bus: string } {
  let k = 0;
  for (let i = 0; i < vm.length; i++) if (vm[i]! < vm[k]!) k = i;
  return { v: vm[k]!, bus: ids[k]! };
}

describe('radial feeders: published power flows (MATPOWER distribution cases)', () => {
  const cases = [
    // case, AC kW, AC kvar (null: not published to this precision), AC min, at, LinDistFlow min, at
    ['case33bw', 202.68, 135.14, 0.91309, '18', 0.91593, '18'],
    ['case69', 224.99, 102.16, 0.90919, '65', 0.91306, '65'],
    ['case141', 632.7, 467.65, 0.92786, '87', 0.92994, '87'],
  ] as const;
  for (const [name, kw, kvar, acMin, acAt, ldfMin, ldfAt] of cases) {
    it(`${name}: AC losses ${kw} kW / ${kvar} kvar, minimum ${acMin} p.u. at bus ${acAt}; LinDistFlow minimum ${ldfMin} p.u. at bus ${ldfAt}`, () => {
      const opf = matpowerFeederOpf(readMatpowerFile(fixture(`${name}.m`)));
      const { ac, linDistFlow: ldf } = feederPowerFlow(opf);
      expect(ac.converged).to.equal(true);
      expect(ac.lossesKw).to.be.closeTo(kw, 0.005);
      expect(ac.lossesKvar).to.be.closeTo(kvar, 0.005);
      const a = minimum(ac.vmPu, opf.feeder.busIds);
      expect(a.v).to.be.closeTo(acMin, 5e-6);
      expect(a.bus).to.equal(acAt);
      const l = minimum(ldf.vmPu, opf.feeder.busIds);
      expect(l.v).to.be.closeTo(ldfMin, 5e-6);
      expect(l.bus).to.equal(ldfAt);
      // LinDistFlow is lossless and ignores the current's voltage dependence: it is optimistic everywhere here.
      for (let k = 0; k < ac.vmPu.length; k++) expect(ldf.vmPu[k]!).to.be.at.least(ac.vmPu[k]! - 1e-12);
    });
  }

  it('says which unit conversions it applied: case33bw ohms → p.u. and kW → MW, case141 also the 0.85 power factor', () => {
    expect(readMatpowerFile(fixture('case33bw.m')).conversions).to.deep.equal(['branch r, x from ohms to p.u. (÷ Vbase²/Sbase = 16.0276 Ω)', 'bus Pd, Qd from kW to MW (÷ 1e3)']);
    const c141 = readMatpowerFile(fixture('case141.m'));
    expect(c141.conversions).to.have.length(4);
    expect(c141.conversions![2]).to.match(/Qd = Pd × sin\(acos\(pf\)\) \(0\.526783\).*power factor 0\.85/);
    // Every converted load sits at power factor 0.85: Qd / Pd = tan(acos 0.85).
    const bus = c141.bus.find((b) => b[0] === 87)!;
    expect(bus[3]! / bus[2]!).to.be.closeTo(Math.tan(Math.acos(0.85)), 1e-12);
  });

  it("keeps case33bw's five status-0 ties in the network as open switches, outside the feeder tree", () => {
    const opf = matpowerFeederOpf(readMatpowerFile(fixture('case33bw.m')));
    const ties = opf.feeder.network.branches.filter((b) => !b.inService).map((b) => b.id);
    expect(ties).to.deep.equal(['21-8', '9-15', '12-22', '18-33', '25-29']);
    expect(opf.feeder.order.length).to.equal(33);
    expect(opf.feeder.islanded).to.deep.equal([]);
  });
});

describe('radial feeders: structure and the LinDistFlow closed form', () => {
  // grid —(r 0.01, x 0.02)— a —(r 0.02, x 0.01)— b, and a —(r 0.03, x 0.03)— c; base 1000 kVA.
  const net = createNetwork({
    baseKva: 1000,
    buses: [{ id: 'grid', reference: true }, { id: 'a' }, { id: 'b' }, { id: 'c' }],
    branches: [
      { id: 'ga', from: 'grid', to: 'a', resistancePu: 0.01, reactancePu: 0.02 },
      { id: 'ba', from: 'b', to: 'a', resistancePu: 0.02, reactancePu: 0.01 }, // written against the flow
      { id: 'ac', from: 'a', to: 'c', resistancePu: 0.03, reactancePu: 0.03 },
    ],
  });

  it('orients every branch away from the substation and solves w_j = w_i − 2(rP + xQ) by hand', () => {
    const f = radialFeeder(net);
    expect(Array.from(f.parent)).to.deep.equal([-1, 0, 1, 1]);
    expect(Array.from(f.orientation)).to.deep.equal([0, 1, -1, 1]);
    // Loads: a 100 kW / 50 kvar, b 200 / 100, c 300 / 0.
    const s = linDistFlow(f, [0, 100, 200, 300], [0, 50, 100, 0]);
    // P into a = 600 kW, Q = 150 kvar: w_a = 1 − 2 (0.01·0.6 + 0.02·0.15) = 0.982
    expect(s.wPu[1]).to.be.closeTo(0.982, 1e-12);
    // w_b = 0.982 − 2 (0.02·0.2 + 0.01·0.1) = 0.972;  w_c = 0.982 − 2 (0.03·0.3 + 0) = 0.964
    expect(s.wPu[2]).to.be.closeTo(0.972, 1e-12);
    expect(s.wPu[3]).to.be.closeTo(0.964, 1e-12);
    expect(Array.from(s.pKw)).to.deep.equal([0, 600, 200, 300]);
    // ∂w_b/∂p_c = −2 r_ga / S_base: only the branch grid–a is shared.
    expect(voltageSensitivity(f, 2, 3)).to.be.closeTo(-0.02 / 1000, 1e-15);
    // The AC sweep loses a little more voltage than LinDistFlow (losses), within 0.2 %.
    const ac = acSweep(f, [0, 100, 200, 300], [0, 50, 100, 0]);
    for (const k of [1, 2, 3]) expect(ac.vmPu[k]!).to.be.within(s.vmPu[k]! - 2e-3, s.vmPu[k]!);
  });

  it('keeps islanded buses (NaN voltage, no flow) instead of refusing them', () => {
    const open = createNetwork({ ...net, branches: net.branches.map((b) => (b.id === 'ac' ? { ...b, inService: true } : b)) });
    const f = radialFeeder({ ...open, branches: open.branches.map((b) => (b.id === 'ac' ? { ...b, inService: false } : b)) });
    expect(f.islanded).to.deep.equal(['c']);
    const s = linDistFlow(f, [0, 100, 200, 300], [0, 0, 0, 0]);
    expect(s.vmPu[3]).to.be.NaN;
    expect(s.pKw[1]).to.equal(300); // c's 300 kW is not served
    expect(acSweep(f, [0, 100, 200, 300], [0, 0, 0, 0]).vmPu[3]).to.be.NaN;
  });

  it('refuses an off-nominal tap instead of ignoring it (a tap of 0.95 would put the voltages behind it 5.26 % off), open branches too', () => {
    // Before: the drop rows have no ratio, so a 0.95 tap cleared exactly as tap 1 did, silently.
    const tapped = (inService: boolean): typeof net => ({ ...net, branches: net.branches.map((b) => (b.id === 'ac' ? { ...b, tapRatio: 0.95, inService } : b)) });
    for (const inService of [true, false]) {
      let caught: unknown;
      try {
        radialFeeder(tapped(inService));
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(NetworkError);
      const issues = (caught as NetworkError).issues;
      expect(issues).to.have.length(1);
      expect(issues[0]!.path).to.deep.equal(['branches', 2, 'tapRatio']);
      expect(issues[0]!.message).to.match(/^tap ratio 0\.95: network model lindistflow has no off-nominal transformer taps, .* about 5\.26 % off; set tapRatio to 1 or use model dc$/);
    }
    expect(() => radialFeeder({ ...net, branches: net.branches.map((b) => ({ ...b, tapRatio: 1 })) })).not.to.throw();
  });

  it('reports a default voltage band the wrong way round once, not again at every bus without a band of its own', () => {
    const withOwn = { ...net, buses: net.buses.map((b) => (b.id === 'c' ? { ...b, vMinPu: 0.97 } : b)) };
    let caught: unknown;
    try {
      radialFeeder(withOwn, { defaultVMinPu: 1.05, defaultVMaxPu: 0.95 });
    } catch (err) {
      caught = err;
    }
    // The default band, and bus c (its own vmin 0.97 above the default vmax 0.95); not a and b.
    expect((caught as NetworkError).issues.map((i) => i.path)).to.deep.equal([
      ['feeder', 'voltageLimitsPu'],
      ['buses', 3, 'vMinPu'],
    ]);
  });

  it('refuses a loop, naming its buses and the branch that closes it', () => {
    const meshed = { ...net, branches: [...net.branches, { ...net.branches[0]!, id: 'gc', from: 'grid' as never, to: 'c' as never }] };
    expect(() => radialFeeder(meshed)).to.throw(NetworkError, /branch 'ac': the in-service branches form a loop \('a' – 'grid' – 'c' – 'a', closed by branch 'ac'\): network model lindistflow needs a radial feeder/);
  });
});
