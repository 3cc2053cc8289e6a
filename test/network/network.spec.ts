import { expect } from 'chai';
import { ptdfComputations, ptdfOf } from '../../network/ptdf.ts';
import { networkFromConfig, networkSchema } from '../../network/schema.ts';
import { buildTopology, TopologyCache } from '../../network/topology.ts';
import { createNetwork, NetworkError, type NetworkDefinition, withBranchInService } from '../../network/validate.ts';
import { triangle } from '../helpers/lpNetworks.ts';

const ok: NetworkDefinition = {
  buses: [{ id: 'A', reference: true }, { id: 'B' }, { id: 'C' }],
  branches: [
    { id: 'AB', from: 'A', to: 'B', reactancePu: 0.1, limitKw: 50 },
    { id: 'BC', from: 'B', to: 'C', reactancePu: 0.2 },
  ],
};

/** The NetworkError thrown by `fn`, or a failure. */
function networkError(fn: () => unknown): NetworkError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(NetworkError);
    return err as NetworkError;
  }
  expect.fail('expected a NetworkError');
}

describe('network model', () => {
  it('builds an immutable network with defaults: limits Infinity, in service, tap 1, no angle limits', () => {
    const net = createNetwork(ok);
    expect(net.referenceBus).to.equal('A');
    expect(net.baseKva).to.equal(1000);
    expect(net.branches[1]).to.include({ limitKw: Infinity, inService: true, tapRatio: 1, phaseShiftDeg: 0, resistancePu: 0, kind: 'line' });
    expect(Object.isFrozen(net) && Object.isFrozen(net.branches) && Object.isFrozen(net.branches[0])).to.equal(true);
  });

  describe('rejects bad networks with errors naming the element', () => {
    const cases: Array<[string, NetworkDefinition, RegExp]> = [
      ['an islanded bus', { ...ok, buses: [...ok.buses, { id: 'D' }] }, /bus 'D' is islanded: not connected to the reference bus 'A'/],
      ['a bus islanded by an out-of-service branch', { ...ok, branches: [ok.branches[0]!, { ...ok.branches[1]!, inService: false }] }, /bus 'C' is islanded/],
      ['no reference bus', { ...ok, buses: [{ id: 'A' }, { id: 'B' }, { id: 'C' }] }, /no reference bus: mark exactly one bus/],
      ['two reference buses', { ...ok, buses: [{ id: 'A', reference: true }, { id: 'B', reference: true }, { id: 'C' }] }, /2 reference buses \('A', 'B'\)/],
      ['a branch to an unknown bus', { ...ok, branches: [...ok.branches, { id: 'CX', from: 'C', to: 'X', reactancePu: 0.1 }] }, /branch 'CX': to bus 'X' is not a bus of the network/],
      ['a negative limit', { ...ok, branches: [{ ...ok.branches[0]!, limitKw: -5 }, ok.branches[1]!] }, /branch 'AB': limit must be ≥ 0 kW, got -5/],
      ['a NaN limit', { ...ok, branches: [{ ...ok.branches[0]!, limitKw: NaN }, ok.branches[1]!] }, /branch 'AB': limit must be a number of kW, got NaN/],
      ['a NaN reactance', { ...ok, branches: [{ ...ok.branches[0]!, reactancePu: NaN }, ok.branches[1]!] }, /branch 'AB': reactance must be a finite number, got NaN/],
      ['a zero reactance', { ...ok, branches: [{ ...ok.branches[0]!, reactancePu: 0, resistancePu: 0.01 }, ok.branches[1]!] }, /branch 'AB': reactance is zero/],
      ['no impedance at all (r = x = 0)', { ...ok, branches: [{ ...ok.branches[0]!, reactancePu: 0 }, ok.branches[1]!] }, /branch 'AB': r = x = 0: the branch has no impedance/],
      ['a negative reactance', { ...ok, branches: [{ ...ok.branches[0]!, reactancePu: -0.1 }, ok.branches[1]!] }, /branch 'AB': reactance must be > 0, got -0.1/],
      ['duplicate bus ids', { ...ok, buses: [...ok.buses, { id: 'B' }] }, /bus 'B': duplicate bus id \(also buses\[1\]\)/],
      ['duplicate branch ids', { ...ok, branches: [...ok.branches, { id: 'AB', from: 'A', to: 'C', reactancePu: 0.1 }] }, /branch 'AB': duplicate branch id/],
      ['a branch from a bus to itself', { ...ok, branches: [...ok.branches, { id: 'AA', from: 'A', to: 'A', reactancePu: 0.1 }] }, /branch 'AA': connects bus 'A' to itself/],
      ['no buses', { buses: [], branches: [] }, /a network needs at least one bus/],
      ['angle limits the wrong way round', { ...ok, branches: [{ ...ok.branches[0]!, angleMinDeg: 10, angleMaxDeg: -10 }, ok.branches[1]!] }, /branch 'AB': angle limits must satisfy/],
      // (Audit of mutation testing: with this check removed every test still passed.)
      ['voltage limits the wrong way round', { ...ok, buses: [ok.buses[0]!, { id: 'B', vMinPu: 1.05, vMaxPu: 0.95 }, ok.buses[2]!] }, /bus 'B': vMinPu 1.05 must not exceed vMaxPu 0.95/],
      ['a non-positive tap ratio', { ...ok, branches: [{ ...ok.branches[0]!, tapRatio: 0 }, ok.branches[1]!] }, /branch 'AB': tap ratio must be a number > 0/],
    ];
    for (const [what, def, message] of cases) {
      it(what, () => {
        const err = networkError(() => createNetwork(def));
        expect(err.message).to.match(message);
        expect(err.name).to.equal('NetworkError');
      });
    }

    it('lists every problem at once', () => {
      const err = networkError(() =>
        createNetwork({ buses: [{ id: 'A' }, { id: 'A' }], branches: [{ id: 'L', from: 'A', to: 'Z', reactancePu: -1, limitKw: -1 }] }),
      );
      expect(err.issues.length).to.be.greaterThanOrEqual(4);
      expect(err.message).to.match(/^invalid network: \d+ problems/);
    });

    it('accepts a negative reactance when asked (series compensation in imported cases)', () => {
      expect(() => createNetwork({ ...ok, branches: [{ ...ok.branches[0]!, reactancePu: -0.1 }, ok.branches[1]!] }, { allowNegativeReactance: true })).not.to.throw();
    });
  });

  describe('schema for the network: section', () => {
    it('parses a section with units in the key names and builds the network', () => {
      const parsed = networkSchema.parse({
        baseKva: 500,
        buses: [{ id: 'grid', reference: true }, { id: 'feeder' }, { id: 'street', vMinPu: 0.95, vMaxPu: 1.05 }],
        branches: [
          { id: 'head', kind: 'feeder-head', from: 'grid', to: 'feeder', reactancePu: 0.05, limitKw: 400 },
          { id: 't1', kind: 'transformer', from: 'feeder', to: 'street', reactancePu: 0.04, resistancePu: 0.01, limitKw: 100, tapRatio: 1.02 },
        ],
      });
      const net = networkFromConfig(parsed);
      expect(net.branches.map((b) => b.kind)).to.deep.equal(['feeder-head', 'transformer']);
      expect(net.branches[0]!.limitKw).to.equal(400);
      expect(net.buses[2]).to.include({ vMinPu: 0.95, vMaxPu: 1.05 });
      expect(buildTopology(net, 'matpower').radial).to.equal(true);
    });

    it('rejects unknown keys and wrong units (strict objects)', () => {
      const r = networkSchema.safeParse({ buses: [{ id: 'A', reference: true }], branches: [{ id: 'x', from: 'A', to: 'A', reactance: 0.1, limitKw: 5 }] });
      expect(r.success).to.equal(false);
      const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
      expect(messages).to.match(/branches\.0.*reactance/);
      expect(messages).to.match(/reactancePu/);
    });

    it('reports cross-element problems from the schema path with the element', () => {
      const parsed = networkSchema.parse({ buses: [{ id: 'A', reference: true }, { id: 'B' }], branches: [] });
      const err = networkError(() => networkFromConfig(parsed));
      expect(err.issues[0]!.message).to.match(/bus 'B' is islanded/);
    });
  });

  describe('topology: B-θ data and PTDF computed once per topology', () => {
    it('reuses the topology across intervals and recomputes it when a line goes out of service', () => {
      const cache = new TopologyCache();
      const net = triangle(50);
      const first = cache.get(net);
      for (let interval = 0; interval < 5; interval++) expect(cache.get(net)).to.equal(first);
      expect(cache.builds).to.equal(1);
      expect(cache.hits).to.equal(5);
      // An equal network built anew (e.g. parsed again) finds the same entry by key.
      expect(cache.get(triangle(50))).to.equal(first);
      expect(cache.builds).to.equal(1);

      const outage = withBranchInService(net, 'BC', false);
      const second = cache.get(outage);
      expect(second).not.to.equal(first);
      expect(cache.builds).to.equal(2);
      expect(second.branchCount).to.equal(2);
      expect(second.radial).to.equal(true);
      expect(first.radial).to.equal(false);

      // Back in service: the first topology again, without a rebuild.
      expect(cache.get(withBranchInService(outage, 'BC', true))).to.equal(first);
      expect(cache.builds).to.equal(2);
      // Another branch model is another topology.
      expect(cache.get(net, 'powermodels')).not.to.equal(first);
      expect(cache.builds).to.equal(3);
    });

    it('computes the PTDF once per topology', () => {
      const topo = new TopologyCache().get(triangle());
      const before = ptdfComputations();
      const p = ptdfOf(topo);
      expect(ptdfOf(topo)).to.equal(p);
      expect(ptdfComputations()).to.equal(before + 1);
      // Equal reactances: 2/3 of an A→B transfer takes the direct line.
      const n = topo.busCount;
      const ab = 0;
      expect(p.factors[ab * n + 0]! - p.factors[ab * n + 1]!).to.be.closeTo(2 / 3, 1e-12);
    });

    it('refuses to take out a branch whose loss islands a bus', () => {
      const radial = createNetwork({ buses: [{ id: 'A', reference: true }, { id: 'B' }], branches: [{ id: 'AB', from: 'A', to: 'B', reactancePu: 0.1 }] });
      expect(() => withBranchInService(radial, 'AB', false)).to.throw(NetworkError, /branch 'AB': taking it out of service islands the network: bus 'B' is islanded/);
      expect(() => withBranchInService(radial, 'XY', false)).to.throw(NetworkError, /branch 'XY': no such branch/);
    });
  });
});
