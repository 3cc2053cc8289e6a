/**
 * Reactive power from the inverters on a LinDistFlow feeder: rooftop PV (homes),
 * batteries (storage) and EV chargers. An inverter rated S kVA carrying P kW can
 * supply or absorb |Q| ≤ √(S² − P²) kvar. `network.feeder.reactive.mode` says who sets Q:
 *
 * - `clearing`: Q is a decision of the LP (at a tie-break cost of 0.001/Mvarh, below). Each bus gets one reactive source
 *   bounded by ±Σ √(S² − P_max²) over the inverters there, P_max the most active power the
 *   inverter can carry in the interval (below); its price is the bus's reactive price.
 * - `volt-var`: each inverter follows a volt-var curve Q/S = f(V) at the AC voltage of its bus
 *   in the PREVIOUS interval (the substation set point in the first), clipped to √(S² − P_max²):
 *   a fixed injection, as a real inverter's autonomous controller applies it (it measures, then
 *   acts; it does not see the interval it is in). Iterating with the AC check instead would
 *   model a controller faster than the interval, which distribution inverters are not (their
 *   IEEE 1547 open-loop response time is seconds, but utilities set it slow to avoid hunting).
 * - `none`: inverters at unity power factor (the default; today's behaviour).
 *
 * ## P_max, and why the bound is never exceeded
 * The clearing decides P; the disc P² + Q² ≤ S² couples it with Q. Rather than a polygon per
 * inverter, the bound uses the largest P the clearing could award this agent in the interval:
 * its offered quantity (homes: their sell segments — the PV output they offer; storage and EVs:
 * the larger of their buy and sell totals). Any award has |P| ≤ P_max, so √(S² − P_max²) ≤
 * √(S² − P²): every cleared Q fits the inverter whatever P the market awards (tested by
 * property). The price of this simplicity: Q headroom freed by curtailing P in the same
 * clearing is not used. An agent offering nothing has no inverter in the interval (a PV home
 * at night, an EV away), so reactive support comes only from plugged-in, producing units.
 */
import type { RadialFeeder } from '../network/radial.ts';
import type { ReactiveSources } from './lp/feederDispatch.ts';
import type { OrderBook } from './types.ts';

export type ReactiveMode = 'none' | 'clearing' | 'volt-var';

/**
 * Cost of inverter Q in the clearing, currency/Mvarh: a tie-break, not a price. Free Q is a
 * degenerate choice for the lossless LP (any Q within the limits is optimal, and a vertex can
 * absorb hundreds of kvar for nothing, deepening AC losses and voltage errors); at 0.001 the LP
 * uses only the Q that relieves a limit, and prices move by ε·x/r at most — far below the tick.
 */
export const REACTIVE_TIE_BREAK_MVARH = 0.001;

/** One point of a volt-var curve: at `vPu`, Q = `qPerKva` × S (> 0 supplies vars, raising voltage). */
export interface VoltVarPoint {
  readonly vPu: number;
  readonly qPerKva: number;
}

/** IEEE 1547-2018 category B default volt-var curve (V_ref = 1.0 p.u.). */
export const IEEE1547_CATEGORY_B: readonly VoltVarPoint[] = Object.freeze([
  { vPu: 0.92, qPerKva: 0.44 },
  { vPu: 0.98, qPerKva: 0 },
  { vPu: 1.02, qPerKva: 0 },
  { vPu: 1.08, qPerKva: -0.44 },
]);

/** Which agent kinds have inverters and how they are rated. */
export interface InverterSetup {
  readonly mode: ReactiveMode;
  /** Inverter rating per agent kind (`home`, `storage`, `ev`), kVA; kinds not named have none. */
  readonly kvaByKind: ReadonlyMap<string, number>;
  readonly voltVar: readonly VoltVarPoint[];
}

/** Q/S of a volt-var curve at `vPu`: linear between points, flat beyond the first and last. Points sorted by vPu. */
export function voltVarKvarPerKva(curve: readonly VoltVarPoint[], vPu: number): number {
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (!(vPu > first.vPu)) return first.qPerKva;
  if (vPu >= last.vPu) return last.qPerKva;
  let i = 1;
  while (curve[i]!.vPu < vPu) i++;
  const a = curve[i - 1]!;
  const b = curve[i]!;
  return a.qPerKva + ((b.qPerKva - a.qPerKva) * (vPu - a.vPu)) / (b.vPu - a.vPu);
}

/** √(S² − P²), kvar: what an inverter rated `kva` carrying `pKw` can still supply or absorb (0 when P ≥ S). */
export function reactiveHeadroomKvar(kva: number, pKw: number): number {
  return Math.sqrt(Math.max(0, kva * kva - pKw * pKw));
}

/** One interval's inverters: per agent with an inverter, its bus, rating and P_max. */
export interface IntervalInverters {
  readonly agentId: readonly string[];
  /** Feeder bus index. */
  readonly bus: Int32Array;
  readonly kva: Float64Array;
  readonly pMaxKw: Float64Array;
}

/** The inverters in `book`'s interval (see the module comment for P_max). Agents in book order of first bid. */
export function intervalInverters(book: OrderBook, feeder: RadialFeeder, setup: InverterSetup, kindOf: (agentId: string) => string): IntervalInverters {
  const index = new Map<string, number>();
  const agentId: string[] = [];
  const bus: number[] = [];
  const kva: number[] = [];
  const buyKw: number[] = [];
  const sellKw: number[] = [];
  const kinds: string[] = [];
  for (let i = 0; i < book.size; i++) {
    const q = book.quantityQuanta[i]!;
    if (!(q > 0)) continue;
    const bid = book.bids[book.bidIndex[i]!]!;
    const id = bid.agentId;
    let a = index.get(id);
    if (a === undefined) {
      const kind = kindOf(id);
      const s = setup.kvaByKind.get(kind);
      const k = feeder.busIndex.get(book.buses[book.busIndex[i]!]!) ?? -1;
      if (s === undefined || k < 0 || feeder.energised[k] !== 1) continue;
      a = agentId.push(id) - 1;
      index.set(id, a);
      bus.push(k);
      kva.push(s);
      buyKw.push(0);
      sellKw.push(0);
      kinds.push(kind);
    }
    const kw = q * book.rules.quantumKw;
    if (book.isBuy[i]) buyKw[a]! += kw;
    else sellKw[a]! += kw;
  }
  // A home's buys are its house load, not its inverter's: only its PV (sell) counts, and no PV offered means no inverter now.
  const keep = agentId.map((_, a) => kinds[a] !== 'home' || sellKw[a]! > 0);
  const pick = <T>(xs: T[]): T[] => xs.filter((_, a) => keep[a]);
  const pMax = agentId.map((_, a) => (kinds[a] === 'home' ? sellKw[a]! : Math.max(buyKw[a]!, sellKw[a]!)));
  return { agentId: pick(agentId), bus: Int32Array.from(pick(bus)), kva: Float64Array.from(pick(kva)), pMaxKw: Float64Array.from(pick(pMax)) };
}

/**
 * The reactive sources of the LP, one per bus that has inverters: `clearing` bounds each by
 * ±Σ headroom (a decision); `volt-var` fixes each at Σ clip(f(V_prev) S, ±headroom). `previousVmPu`
 * is per feeder bus (NaN or missing: the substation set point). Also returns each inverter's Q for `volt-var`.
 */
export function inverterSources(inv: IntervalInverters, feeder: RadialFeeder, setup: InverterSetup, previousVmPu?: ArrayLike<number>): { sources: ReactiveSources; inverterKvar: Float64Array; sourceOfInverter: Int32Array } {
  const n = inv.agentId.length;
  const sourceOfBus = new Map<number, number>();
  const busOf: number[] = [];
  const sourceOfInverter = new Int32Array(n);
  const inverterKvar = new Float64Array(n);
  const lower: number[] = [];
  const upper: number[] = [];
  for (let a = 0; a < n; a++) {
    const k = inv.bus[a]!;
    let s = sourceOfBus.get(k);
    if (s === undefined) {
      s = busOf.push(k) - 1;
      sourceOfBus.set(k, s);
      lower.push(0);
      upper.push(0);
    }
    sourceOfInverter[a] = s;
    const room = reactiveHeadroomKvar(inv.kva[a]!, inv.pMaxKw[a]!);
    if (setup.mode === 'clearing') {
      lower[s]! -= room;
      upper[s]! += room;
    } else if (setup.mode === 'volt-var') {
      const prev = previousVmPu?.[k];
      const v = prev !== undefined && Number.isFinite(prev) ? prev : feeder.substationVoltagePu;
      const q = Math.max(-room, Math.min(room, voltVarKvarPerKva(setup.voltVar, v) * inv.kva[a]!));
      inverterKvar[a] = q;
      lower[s]! += q;
      upper[s]! += q;
    }
  }
  return {
    sources: { count: busOf.length, bus: Int32Array.from(busOf), lowerKvar: Float64Array.from(lower), upperKvar: Float64Array.from(upper), ...(setup.mode === 'clearing' ? { costPerMvarh: REACTIVE_TIE_BREAK_MVARH } : {}) },
    inverterKvar,
    sourceOfInverter,
  };
}

/**
 * Shares each bus's cleared Q among its inverters in proportion to their headroom, so each gets
 * Q_a = Q_bus × room_a / Σ room, |Q_a| ≤ room_a because |Q_bus| ≤ Σ room.
 */
export function shareSourceKvar(inv: IntervalInverters, sourceOfInverter: Int32Array, sourceKvar: ArrayLike<number>): Float64Array {
  const n = inv.agentId.length;
  const room = Float64Array.from({ length: n }, (_, a) => reactiveHeadroomKvar(inv.kva[a]!, inv.pMaxKw[a]!));
  const total = new Float64Array(sourceKvar.length);
  for (let a = 0; a < n; a++) total[sourceOfInverter[a]!]! += room[a]!;
  return Float64Array.from({ length: n }, (_, a) => {
    const s = sourceOfInverter[a]!;
    return total[s]! > 0 ? (sourceKvar[s]! * room[a]!) / total[s]! : 0;
  });
}

/**
 * The AC voltages volt-var acts on: those of the interval before the one being cleared. An
 * interval may be cleared more than once (the market, then a re-dispatch of deviations,
 * market/redispatch.ts); only its first clearing — the market's — is remembered, and every
 * clearing of interval t reads the voltages of the latest interval before t: those of what the
 * meters read in it (`measured`, from the engine's AC power flow of the metered withdrawals), or
 * the schedule's where that power flow is not known.
 */
export class VoltageMemory {
  private previous: Remembered | undefined;
  private current: Remembered | undefined;

  /** Per feeder bus, the AC voltages of the latest interval before `interval` (undefined: none yet). */
  before(interval: number): Float64Array | undefined {
    if (this.current && this.current.interval < interval) {
      this.previous = this.current;
      this.current = undefined;
    }
    return this.previous && this.previous.interval < interval ? this.previous.vmPu : undefined;
  }

  /**
   * The inverters' reactive sources of `interval`'s market clearing when that interval was already
   * cleared once: a re-dispatch of deviations has the same inverters (its book has only the
   * deviations and the generators), so it gets the same sources — ranged (`clearing`) or fixed (`volt-var`).
   */
  sourcesOf(interval: number): ReactiveSources | undefined {
    return this.current?.interval === interval ? this.current.sources : undefined;
  }

  /**
   * What the meters' AC power flow says `interval`'s voltages were (engine/interval/meteredFeeder.ts): the
   * next interval's volt-var acts on them, as an inverter measures its terminal voltage, not on the
   * schedule's. Where that power flow did not converge (NaN) the schedule's stay.
   */
  measured(interval: number, vmPu: Float64Array, converged: boolean): void {
    if (converged && this.current?.interval === interval) this.current = { ...this.current, vmPu };
  }

  /** Records `interval`'s AC voltages and inverters' sources unless that interval already has some. */
  remember(interval: number, vmPu: Float64Array, sources: ReactiveSources): void {
    if (!this.current || this.current.interval < interval) {
      if (this.current) this.previous = this.current;
      this.current = { interval, vmPu, sources };
    }
  }
}

interface Remembered {
  readonly interval: number;
  readonly vmPu: Float64Array;
  readonly sources: ReactiveSources;
}
