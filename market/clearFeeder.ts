/**
 * Clearing an interval on a radial feeder under LinDistFlow (`network.model:
 * lindistflow`): the LP with voltage limits and reactive power (`clearNetwork` with
 * `feeder`) for `lp` and `auto`, or the double auction (one price; the feeder left to
 * the operator) for `double-auction`; either way followed by the AC check at the
 * cleared dispatch — the LinDistFlow and AC voltages, losses — in `result.feeder`.
 *
 * Reactive power: each consumption segment draws tan φ kvar per kW at its agent
 * kind's power factor (`network.feeder.powerFactor`); injections are at unity unless
 * inverters supply or absorb Q (`network.feeder.reactive`, market/inverters.ts: a
 * decision of the LP, or volt-var from the previous interval's AC voltages); the
 * substation supplies the rest. Pure; the radial structure is memoised per network.
 */
import { acSweep } from '../network/acSweep.ts';
import { linDistFlow } from '../network/linDistFlow.ts';
import { type FeederLimits, type RadialFeeder, radialFeeder } from '../network/radial.ts';
import type { Network } from '../network/types.ts';
import { doubleAuction } from './auction.ts';
import { clearNetworkDetailed } from './clearNetwork.ts';
import type { FeederDispatchResult } from './lp/feederDispatch.ts';
import type { MarginalLossResult } from './lp/marginalLossDispatch.ts';
import type { LineLimitForm } from './lp/linDistFlowBlock.ts';
import type { LpSolver } from './lp/solver.ts';
import type { TopologyCache } from '../network/topology.ts';
import type { ClearingResult, FeederOutcome, OrderBook } from './types.ts';
import { type InverterSetup, intervalInverters, inverterSources, shareSourceKvar, type VoltageMemory } from './inverters.ts';

export interface FeederGrid {
  readonly limits: FeederLimits;
  readonly lineLimit: LineLimitForm;
  readonly polygonSides: number;
  /** `network.feeder.losses: marginal`: DLMPs with marginal losses (market/lp/marginalLossDispatch.ts), on the LP clearing. */
  readonly marginalLosses?: boolean;
  /** tan φ of an agent's consumption, kvar per kW (0 at unity power factor). */
  kvarPerKw(agentId: string): number;
  /** Inverters' reactive power (market/inverters.ts), absent for unity power factor. */
  readonly inverters?: InverterSetup;
  readonly kindOf?: (agentId: string) => string;
  /**
   * The AC voltages of past intervals, for volt-var: the one piece of state a feeder carries from
   * interval to interval, written by `clearOnFeeder` after each AC check.
   */
  readonly voltages?: VoltageMemory;
}

const feeders = new WeakMap<Network, RadialFeeder>();

/** The radial structure of `network` under `grid`'s limits, memoised per network value. */
export function feederOf(network: Network, grid: FeederGrid): RadialFeeder {
  let f = feeders.get(network);
  if (!f) feeders.set(network, (f = radialFeeder(network, grid.limits)));
  return f;
}

export function clearOnFeeder(book: OrderBook, mechanism: 'auto' | 'double-auction' | 'lp', network: Network, solver: LpSolver, grid: FeederGrid, topologies?: TopologyCache): ClearingResult {
  const feeder = feederOf(network, grid);
  const tan = new Float64Array(book.size);
  // A bid for others (an aggregator's members of one power factor) carries its own tan φ; else its agent kind's.
  const perBid = book.bids.map((b) => b.kvarPerKw ?? grid.kvarPerKw(b.agentId));
  for (let i = 0; i < book.size; i++) tan[i] = book.isBuy[i] ? perBid[book.bidIndex[i]!]! : 0;
  let result: ClearingResult;
  let lp: FeederDispatchResult | undefined;
  // A second clearing of an interval (a re-dispatch) has the inverters of its first: the same sources.
  const again = grid.inverters ? grid.voltages?.sourcesOf(book.interval) : undefined;
  const inv = grid.inverters && grid.kindOf && !again ? intervalInverters(book, feeder, grid.inverters, grid.kindOf) : undefined;
  const own = inv ? inverterSources(inv, feeder, grid.inverters!, grid.voltages?.before(book.interval)) : undefined;
  const sources = own?.sources ?? again;
  if (mechanism === 'double-auction') result = doubleAuction(feeder.islanded.length > 0 ? withoutIslands(book, feeder) : book);
  else {
    const d = clearNetworkDetailed(book, network, solver, {
      feeder: { feeder, block: { lineLimit: grid.lineLimit, polygonSides: grid.polygonSides }, ...(sources && sources.count > 0 ? { reactiveSources: sources } : {}) },
      segmentKvarPerKw: tan,
      ...(grid.marginalLosses ? { marginalLosses: true } : {}),
      ...(topologies ? { topologyCache: topologies } : {}),
    });
    result = d.result;
    lp = d.lp as FeederDispatchResult;
  }
  // Each inverter's Q: the curve's (volt-var) or its share of its bus's cleared Q (clearing).
  let inverterKvar: Float64Array | undefined;
  if (inv && own) {
    if (grid.inverters!.mode === 'volt-var') inverterKvar = own.inverterKvar;
    else if (lp?.status === 'optimal' && own.sources.count > 0) inverterKvar = shareSourceKvar(inv, own.sourceOfInverter, lp.feeder.sourceKvar);
  }
  const injectedKvar = new Float64Array(feeder.busCount);
  if (inv && inverterKvar) for (let a = 0; a < inv.agentId.length; a++) injectedKvar[inv.bus[a]!]! += inverterKvar[a]!;
  else if (again) {
    // A re-dispatch: the LP's Q per source (ranged), or the fixed set points (volt-var, or an auction).
    const solved = lp?.status === 'optimal' && again.count > 0 ? lp.feeder.sourceKvar : undefined;
    for (let s = 0; s < again.count; s++) injectedKvar[again.bus[s]!]! += solved ? solved[s]! : again.lowerKvar[s] === again.upperKvar[s] ? again.lowerKvar[s]! : 0;
  }
  const check = feederCheck(book, result, feeder, tan, lp, injectedKvar, grid.lineLimit);
  grid.voltages?.remember(book.interval, check.vmAcPu, sources ?? NO_SOURCES);
  // What reactive settlement reads (market/reactiveSettlement.ts): each segment's tan φ and each inverter's Q.
  const settled = {
    ...(tan.some((t) => t !== 0) ? { segmentKvarPerKw: tan } : {}),
    ...(inv && inverterKvar ? { inverterAgents: { agentId: inv.agentId, kvar: inverterKvar } } : {}),
  };
  return { ...result, feeder: { ...check, ...(grid.marginalLosses ? { marginalLosses: true } : {}), ...settled } };
}

const NO_SOURCES = { count: 0, bus: new Int32Array(0), lowerKvar: new Float64Array(0), upperKvar: new Float64Array(0) };

/** The book with the segments at islanded buses emptied: the auction must not trade across a cut. */
function withoutIslands(book: OrderBook, feeder: RadialFeeder): OrderBook {
  const dark = book.buses.map((b) => feeder.energised[feeder.busIndex.get(b) ?? -1] !== 1);
  const quantityQuanta = Float64Array.from(book.quantityQuanta, (q, i) => (dark[book.busIndex[i]!] ? 0 : q));
  return { ...book, quantityQuanta };
}

/** The marginal-loss iteration's summary; `residualKw`: Σ LF (p − p0), what the root's balance carried beyond the operating point's losses (the clearing's `outside` supply; ≈ 0 when settled). */
function lossIterationsOf(lp: MarginalLossResult): NonNullable<FeederOutcome['lossIterations']> {
  return { ...lp.lossIterations, residualKw: lp.losses ? lp.losses.suppliedKw : NaN };
}

/** LinDistFlow and AC voltages and losses at a result's awards, and the LP's DLMP parts when there is one. */
export function feederCheck(book: OrderBook, result: ClearingResult, feeder: RadialFeeder, tan: Float64Array, lp?: FeederDispatchResult, inverterKvar?: Float64Array, lineLimit: LineLimitForm = 'active'): FeederOutcome {
  const n = feeder.busCount;
  const netKw = new Float64Array(n);
  const netKvar = new Float64Array(n);
  const busOf = book.buses.map((b) => feeder.busIndex.get(b) ?? -1);
  const q = book.rules.quantumKw;
  for (let i = 0; i < book.size; i++) {
    const a = result.awardedQuanta[i]!;
    const k = busOf[book.busIndex[i]!]!;
    if (a === 0 || k < 0) continue;
    const kw = a * q;
    netKw[k]! += book.isBuy[i] ? kw : -kw;
    netKvar[k]! += book.isBuy[i] ? kw * tan[i]! : 0;
  }
  if (inverterKvar) for (let k = 0; k < n; k++) netKvar[k]! -= inverterKvar[k]!;
  const ldf = linDistFlow(feeder, netKw, netKvar);
  const ac = acSweep(feeder, netKw, netKvar);
  let violations = 0;
  let branchViolations = 0;
  let importKw = 0;
  let importKvar = 0;
  for (const k of feeder.order) {
    if (k === feeder.root) continue;
    if (feeder.parent[k] === feeder.root) {
      importKw += ac.pKw[k]!;
      importKvar += ac.qKvar[k]!;
    }
    const v = ac.vmPu[k]!;
    if (v < feeder.vMinPu[k]! - 1e-9 || v > feeder.vMaxPu[k]! + 1e-9) violations++;
    // The LP holds the lossless flow at the limit; the AC flow at the sending end carries the losses too.
    const kw = lineLimit === 'apparent' ? Math.hypot(ac.pKw[k]!, ac.qKvar[k]!) : Math.abs(ac.pKw[k]!);
    if (kw > feeder.limitKw[k]! * (1 + 1e-9)) branchViolations++;
  }
  // A sweep that did not converge measured nothing (see vmAcPu below): its iterate's violations are not counted as if they
  // were, they are not assessed (NaN; the run counts the interval in acSweepsNotConverged instead).
  if (!ac.converged) {
    violations = NaN;
    branchViolations = NaN;
  }
  const nan = (): Float64Array => new Float64Array(n).fill(NaN);
  // A sweep that did not converge (past voltage collapse) has no voltages but the substation's set point: its last
  // iterate may be finite (100 sweeps oscillating, not NaN) and is no measurement, so neither voltages.csv nor the next
  // interval's volt-var (grid.voltages) may take it for one (fuzz --feeder seed 10052: 0.25 p.u. written, 2.2 kvar supplied).
  let vmAcPu = ac.vmPu;
  if (!ac.converged) {
    vmAcPu = nan();
    vmAcPu[feeder.root] = ac.vmPu[feeder.root]!;
  }
  // The DLMP's parts only of prices the clearing published: an optimal LP whose prices do not support its awards is a
  // clearing problem with no price (market/clearNetwork.ts), and its parts are those rejected prices' (fuzz --feeder seed 10725).
  const f = lp?.status === 'optimal' && result.status === 'cleared' ? lp.feeder : undefined;
  return {
    busIds: feeder.busIds,
    rootIndex: feeder.root,
    vmLinDistFlowPu: ldf.vmPu,
    vmAcPu,
    acConverged: ac.converged,
    acVoltageViolations: violations,
    acBranchViolations: branchViolations,
    lossesKw: ac.lossesKw,
    lossesKvar: ac.lossesKvar,
    substationImportKw: importKw,
    substationImportKvar: importKvar,
    netKw,
    netKvar,
    energyMwh: f ? f.energyMwh : nan(),
    congestionMwh: f ? f.congestionMwh : nan(),
    voltageMwh: f ? f.voltageMwh : nan(),
    lossMwh: f ? f.lossMwh : nan(),
    ...(lp && 'lossIterations' in lp ? { lossIterations: lossIterationsOf(lp as MarginalLossResult) } : {}),
    reactivePriceMvarh: f ? f.reactivePriceMvarh : nan(),
    inverterKvar: inverterKvar ?? new Float64Array(n),
  };
}
