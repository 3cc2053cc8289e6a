/**
 * `mpc` for an aggregator: shift its members' flexible demand to the cheapest
 * forecast intervals within `shiftHours`. The aggregator sees, at one bus, only
 * the aggregate of its members' curves; demand valued at the cap is need (bid as
 * it is), demand valued below it is flexible and taken to be deferrable: a member
 * whose flexible demand is not bought now asks again later (EVs with slack,
 * appliances before their deadline). Supply is offered as it is.
 *
 * With flexible segments k (q_k kW valued v_k), the window's S intervals of Δt hours
 * and forecast prices p_t, the plan x_{k,t} (kW of segment k served in interval t):
 *
 *   max  Σ_k Σ_t (v_k − p_t) · x_{k,t} · Δt/1000
 *   s.t. Σ_t x_{k,t} ≤ q_k                      (each segment's energy is served once)
 *        Σ_k x_{k,t} ≤ shiftCapacity · Σ_k q_k   (t ≥ 1: what a later interval can take on top of its own)
 *        0 ≤ x_{k,t} ≤ q_k
 *
 * θ_k is the dearest later interval the plan puts segment k in (its value v_k when the
 * plan serves none of it later): buying more of it now pays below θ_k, as it displaces
 * that slot. (Read from the plan, not from the duals: with later slots that exactly fit,
 * the duals are not unique.) The bid per segment: its planned share x_{k,0} at
 * min(v_k, max(θ_k, p₀ + δ)) (clears in full at the forecast price, never above the
 * members' value) and the rest at θ_k (bought now if the price is no worse than the plan's
 * later slot: at a tie, now is as cheap and surer). With nothing planned later that is the
 * members' own value: truthful. Segments are merged into at most `MAX_BANDS` value bands
 * (each at its lowest value) to keep the LP small.
 */
import type { BidSegment } from '../../market/types.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { valuationBids } from '../truthful.ts';
import type { AgentViewBase, MarketView, ValueSegment } from '../types.ts';
import { LpBuilder } from './lpBuilder.ts';
import type { MpcParams } from './params.ts';
import { forecastWindow } from './window.ts';

/** The aggregator's view at one bus (agents/aggregator), as far as this strategy reads it. */
export interface AggregateView extends AgentViewBase {
  readonly kind: 'aggregator';
  readonly bus: string;
}

export const MAX_BANDS = 24;
const MIN_KW = 1e-3;

/** Flexible demand (valued below the cap) in at most `MAX_BANDS` bands, highest value first; each band at its lowest value. */
export function flexibleBands(demand: readonly ValueSegment[], capMwh: number): ValueSegment[] {
  const flex = demand.filter((d) => d.kw > MIN_KW && d.valueMwh < capMwh).sort((a, b) => b.valueMwh - a.valueMwh);
  if (flex.length <= MAX_BANDS) return flex;
  const per = Math.ceil(flex.length / MAX_BANDS);
  const out: ValueSegment[] = [];
  for (let i = 0; i < flex.length; i += per) {
    const band = flex.slice(i, i + per);
    out.push({ kw: band.reduce((s, b) => s + b.kw, 0), valueMwh: band[band.length - 1]!.valueMwh });
  }
  return out;
}

export interface ShiftPlan {
  readonly ok: boolean;
  /** Planned kW of each band now (interval 0). */
  readonly nowKw: Float64Array;
  /** θ_k, currency/MWh: below it buying band k now beats its planned later slot. */
  readonly thresholdMwh: Float64Array;
}

export function planShift(bands: readonly ValueSegment[], prices: readonly number[], dtH: number, shiftCapacity: number, solver: LpSolver): ShiftPlan {
  const K = bands.length;
  const S = prices.length;
  const total = bands.reduce((s, b) => s + b.kw, 0);
  const b = new LpBuilder();
  const energyRows = bands.map((band) => b.row(-Infinity, band.kw));
  const capRows = prices.map((_, t) => (t === 0 ? -1 : b.row(-Infinity, shiftCapacity * total)));
  const nowCols = new Int32Array(K).fill(-1);
  const laterCols: Array<Array<[number, number]>> = bands.map(() => []);
  for (let k = 0; k < K; k++) {
    const band = bands[k]!;
    for (let t = 0; t < S; t++) {
      const gain = band.valueMwh - prices[t]!;
      if (!(gain > 0)) continue; // never worth serving there
      const entries: Array<[number, number]> = [[energyRows[k]!, 1]];
      if (t > 0) entries.push([capRows[t]!, 1]);
      const j = b.col((gain * dtH) / 1000, 0, band.kw, entries);
      if (t === 0) nowCols[k] = j;
      else laterCols[k]!.push([t, j]);
    }
  }
  const nowKw = new Float64Array(K);
  const thresholdMwh = new Float64Array(K);
  const sol = solver.solve(b.build('max'));
  if (sol.status !== 'optimal') return { ok: false, nowKw, thresholdMwh };
  for (let k = 0; k < K; k++) {
    nowKw[k] = nowCols[k]! >= 0 ? Math.max(0, sol.colValue[nowCols[k]!]!) : 0;
    // What is left for later goes to the dearest later slot the plan uses: buying now pays below it.
    let later = -Infinity;
    for (const [t, j] of laterCols[k]!) if (sol.colValue[j]! > MIN_KW) later = Math.max(later, prices[t]!);
    thresholdMwh[k] = later > -Infinity ? Math.min(bands[k]!.valueMwh, later) : bands[k]!.valueMwh;
  }
  return { ok: true, nowKw, thresholdMwh };
}

export function aggregatorMpcBid(view: AggregateView, market: MarketView, params: MpcParams, solver: LpSolver): BidSegment[] {
  const prices = forecastWindow(market, params.shiftHours);
  const bands = flexibleBands(view.demand, market.priceCapMwh);
  if (!prices || bands.length === 0) return valuationBids(view, market);
  const plan = planShift(bands, prices, market.interval.durationH, params.shiftCapacity, solver);
  if (!plan.ok) return valuationBids(view, market);
  const clamp = (p: number): number => (p > market.priceCapMwh ? market.priceCapMwh : p < market.priceFloorMwh ? market.priceFloorMwh : p);
  const d = params.marginMwh;
  const p0 = prices[0]!;
  const out: BidSegment[] = [];
  for (const s of view.demand) if (s.kw > 0 && s.valueMwh >= market.priceCapMwh) out.push({ side: 'buy', priceMwh: market.priceCapMwh, quantityKw: s.kw });
  bands.forEach((band, k) => {
    const now = Math.min(band.kw, plan.nowKw[k]!);
    const theta = plan.thresholdMwh[k]!;
    if (now > MIN_KW) out.push({ side: 'buy', priceMwh: clamp(Math.min(band.valueMwh, Math.max(theta, p0 + d))), quantityKw: now });
    const rest = band.kw - now;
    if (rest > MIN_KW && theta >= market.priceFloorMwh) out.push({ side: 'buy', priceMwh: clamp(Math.min(band.valueMwh, theta)), quantityKw: rest });
  });
  for (const s of view.supply) if (s.kw > 0) out.push({ side: 'sell', priceMwh: clamp(s.valueMwh), quantityKw: s.kw });
  return out;
}
