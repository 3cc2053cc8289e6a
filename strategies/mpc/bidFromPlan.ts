/**
 * Turns the first interval of a battery plan into bid segments (storage and EV
 * `mpc`). Pure.
 *
 * With p₀ the forecast price of the interval, c₀/d₀ the planned charge and
 * discharge (kW; netted), C/D the limits of the interval, vBuy/vSell the marginal
 * prices of the plan (`marginalPrices`), lo/hi the cheapest and dearest forecast
 * price of the rest of the window and δ a small margin:
 *
 * - planned charge c₀: buy at max(vBuy, p₀ + δ) — strictly above the forecast, so at
 *   the forecast price the plan happens in full (not rationed at a tie); if the price
 *   turns out higher than the plan's own value of stored energy, it does not buy;
 * - the rest of the charging limit, C − c₀: buy at min(vBuy, lo) − δ — only if the
 *   price falls below both the value of stored energy and every later chance to charge;
 * - planned discharge d₀: sell at min(vSell, p₀ − δ); the rest, D − d₀, at max(vSell, hi) + δ
 *   (only if the price rises above every later chance to sell);
 * - `mustBuyKw` (an EV's must-run) first, at the cap.
 * A curve never crosses itself: any extra segment priced across the other side is left
 * out (planned segments keep their price). Prices are clipped to [floor, cap];
 * segments under a watt are dropped.
 */
import type { BidSegment } from '../../market/types.ts';
import type { MarketView } from '../types.ts';
import { marginalPrices, type BatteryPlan, type BatteryWindow } from './batteryPlan.ts';
import { laterRange } from './window.ts';

export interface FirstStep {
  readonly forecastMwh: number;
  readonly chargeKw: number;
  readonly dischargeKw: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  /** NaN when unknown (no duals): the planned segments then go at p₀ ± δ, the extras at lo/hi ∓ δ. */
  readonly vBuyMwh: number;
  readonly vSellMwh: number;
  /** Cheapest and dearest forecast price of the window after the first interval (NaN when it has none). */
  readonly laterMinMwh: number;
  readonly laterMaxMwh: number;
  readonly marginMwh: number;
  /** Bought at the cap before anything else (an EV's must-run), kW. */
  readonly mustBuyKw?: number;
}

const MIN_KW = 1e-3;

export function bidFromPlan(s: FirstStep, market: MarketView): BidSegment[] {
  const clamp = (p: number): number => (p > market.priceCapMwh ? market.priceCapMwh : p < market.priceFloorMwh ? market.priceFloorMwh : p);
  const p0 = s.forecastMwh;
  const d = s.marginMwh;
  const net = s.chargeKw - s.dischargeKw;
  const must = Math.min(Math.max(0, s.mustBuyKw ?? 0), s.maxChargeKw);
  const planBuy = Math.min(Math.max(0, net, must), s.maxChargeKw);
  const planSell = must > MIN_KW ? 0 : Math.min(Math.max(0, -net), s.maxDischargeKw);
  const minOf = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b));
  const maxOf = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));

  const buys: BidSegment[] = [];
  const sells: BidSegment[] = [];
  if (must > MIN_KW) buys.push({ side: 'buy', priceMwh: market.priceCapMwh, quantityKw: must });
  if (planBuy - must > MIN_KW) buys.push({ side: 'buy', priceMwh: clamp(maxOf(s.vBuyMwh, p0 + d)), quantityKw: planBuy - must });
  if (planSell > MIN_KW) sells.push({ side: 'sell', priceMwh: clamp(minOf(s.vSellMwh, p0 - d)), quantityKw: planSell });
  const lowSell = sells.length > 0 ? sells[0]!.priceMwh : Infinity;

  const extraBuy = s.maxChargeKw - planBuy;
  const extraBuyPrice = minOf(s.vBuyMwh, s.laterMinMwh) - d;
  if (extraBuy > MIN_KW && Number.isFinite(extraBuyPrice) && clamp(extraBuyPrice) < lowSell && extraBuyPrice >= market.priceFloorMwh)
    buys.push({ side: 'buy', priceMwh: clamp(extraBuyPrice), quantityKw: extraBuy });
  const topBuy = buys.length > 0 ? Math.max(...buys.map((b) => b.priceMwh)) : -Infinity;
  const extraSell = s.maxDischargeKw - planSell;
  const extraSellPrice = maxOf(s.vSellMwh, s.laterMaxMwh) + d;
  if (extraSell > MIN_KW && Number.isFinite(extraSellPrice) && clamp(extraSellPrice) > topBuy && extraSellPrice <= market.priceCapMwh)
    sells.push({ side: 'sell', priceMwh: clamp(extraSellPrice), quantityKw: extraSell });
  return [...buys, ...sells];
}

/**
 * The bids of a solved battery plan's first interval: its planned charge and discharge,
 * the limits of the window's first interval, the plan's marginal prices and the rest of
 * the window's price range, as `bidFromPlan` takes them (storage and EV `mpc`).
 */
export function bidFromBatteryPlan(plan: BatteryPlan, w: BatteryWindow, marginMwh: number, market: MarketView, mustBuyKw?: number): BidSegment[] {
  const { vBuyMwh, vSellMwh } = marginalPrices(plan.socValuePerKwh, w);
  const later = laterRange(w.pricesMwh);
  return bidFromPlan(
    {
      forecastMwh: w.pricesMwh[0]!,
      chargeKw: plan.chargeKw[0]!,
      dischargeKw: plan.dischargeKw[0]!,
      maxChargeKw: w.chargeKw[0]!,
      maxDischargeKw: w.dischargeKw[0]!,
      vBuyMwh,
      vSellMwh,
      laterMinMwh: later.min,
      laterMaxMwh: later.max,
      marginMwh,
      ...(mustBuyKw === undefined ? {} : { mustBuyKw }),
    },
    market,
  );
}
