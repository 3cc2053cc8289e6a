import { networkFromConfig } from '../../network/schema.ts';
import { type Topology, TopologyCache } from '../../network/topology.ts';

/** grid ─head (limitKw)─ `bus`: the one-branch feeder the operator specs dispatch on, as its topology (bus 0 the grid, 1 the feeder). */
export function feederHeadTopology(limitKw: number, bus = 'a'): Topology {
  const network = networkFromConfig({
    baseKva: 1000,
    buses: [{ id: 'grid', reference: true }, { id: bus }],
    branches: [{ id: 'head', kind: 'feeder-head', from: 'grid', to: bus, reactancePu: 0.04, resistancePu: 0, limitKw, inService: true, tapRatio: 1, phaseShiftDeg: 0 }],
  });
  return new TopologyCache().get(network);
}
