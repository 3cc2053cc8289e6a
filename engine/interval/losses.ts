/**
 * The losses stage on a radial feeder (`network.model: lindistflow`): the distribution
 * operator buys the feeder's AC losses each interval at the substation's price.
 *
 * Why a stage of its own. The LinDistFlow dispatch is lossless: the market's parties trade
 * (and are metered at) their net withdrawals, which sum to zero at every interval. The AC check
 * of the cleared dispatch (market/clearFeeder.ts, backward/forward sweep) says the substation
 * imports that and the series losses on top: energy no market party scheduled or bought. As in
 * most distribution codes (the DSO procures its losses), the distribution operator's losses
 * account (party `dso-losses`) buys them, and the grid behind the substation (party
 * `transmission`) delivers them, at the substation's (the reference bus's) real-time price. The
 * market parties' positions, meters and money are not touched: the losses are settled beside
 * them, exactly, and the books prove both that the AC energy balance closes with them and that
 * what the DSO pays is what the upstream receives (engine/interval/books.ts).
 *
 * Rounding: the sweep's losses (a float) are rounded once, at the solver's boundary, to whole
 * quanta of the market's power quantum (`rules.quantumKw`), as every award is; money is then
 * quanta × price ticks in the interval's settlement unit, exact like every other stage.
 *
 * Two settlements, as every market party's: the losses of the cleared dispatch (the schedule) at
 * the substation's real-time price, and the difference the meters make — the AC losses of what
 * flowed (meteredFeeder.ts: operators' commands and every deviation included) less the
 * schedule's, in quanta — at the substation's imbalance price (its real-time price where nothing
 * was re-dispatched), as the deviations of the sites that caused it are. Where the sites did as
 * cleared the difference is 0 and the stage is the schedule's alone.
 *
 * Where the market formed no price at the substation (nothing traded: a shortage night with the
 * only plant down, PV alone after dark, bids that do not cross), the grid behind the substation
 * still delivers the losses — a few watts that volt-var inverters and the feeder's charging make
 * with nothing flowing. They settle at what the next kW would have cost there (`unformedPrice`):
 * the book's lowest offer, or, where nobody offered at all, the price cap, the rules' scarcity
 * price (MarketRules.priceCapMwh: the price when demand at the cap is rationed). The same price
 * stands in for a missing imbalance price. `priceBasis` says which, agents.csv's `state` and the
 * KPIs count them; the books check the price against the same rule.
 *
 * When the losses are not known, the stage is not settled and says why (`status`), and the books
 * report the interval open — never a silent zero:
 * - `ac-not-converged`: a sweep did not converge (a dispatch, or what flowed, that the feeder cannot
 *   carry: voltage collapse); its last iterate's losses are no measurement.
 * Buses an outage cut off (islanded) carry no current: the sweep walks only the energised
 * branches, so the losses are theirs alone.
 *
 * Pure: it reads the clearing's feeder outcome, the book's buses and the bus prices.
 */
import { type FeederOutcome, type OrderBook, ticksToPrice } from '../../market/types.ts';
import { ticksOf } from './ledger.ts';
import type { MeteredFeeder } from './meteredFeeder.ts';

/** The party that buys the losses: the distribution operator's losses account (a reserved id). */
export const LOSSES_BUYER_ID = 'dso-losses';
/** The party that delivers them: the grid behind the substation (a reserved id). */
export const LOSSES_SELLER_ID = 'transmission';

export type LossesStatus = 'settled' | 'ac-not-converged';

/**
 * Where the losses' price came from: the substation's market price (`substation`), or, where the
 * market formed none there, the book's lowest offer (`lowest-offer`) or the price cap (`price-cap`).
 */
export type LossesPriceBasis = 'substation' | 'lowest-offer' | 'price-cap';

/**
 * The price the next kW at the substation would have cost where the market formed none (nothing
 * traded): the lowest offer in the book — the seller that kW would have come from — or, with no
 * offer at all, the price cap (scarcity). Pure. Example: offers at 45 and 60, buys at 30 (no
 * cross) → 45; no offers → `rules.priceCapMwh` (3000 by default).
 */
export function unformedPrice(book: Pick<OrderBook, 'size' | 'isBuy' | 'priceTicks' | 'quantityQuanta' | 'rules'>): { readonly priceMwh: number; readonly basis: 'lowest-offer' | 'price-cap' } {
  let lowest = Infinity;
  for (let s = 0; s < book.size; s++) if (!book.isBuy[s] && book.quantityQuanta[s]! > 0 && book.priceTicks[s]! < lowest) lowest = book.priceTicks[s]!;
  return lowest === Infinity ? { priceMwh: book.rules.priceCapMwh, basis: 'price-cap' } : { priceMwh: ticksToPrice(lowest, book.rules.priceTickMwh), basis: 'lowest-offer' };
}

export interface LossesStage {
  readonly status: LossesStatus;
  /** The substation's (reference bus's) index in `book.buses`; −1 when it is not a book bus. */
  readonly busIndex: number;
  /** The AC check's figures (floats, as the sweep gave them), kW. */
  readonly lossesKw: number;
  readonly substationImportKw: number;
  /** Settled losses of the schedule, whole quanta of `rules.quantumKw` (0 when not settled). */
  readonly quanta: number;
  /** The price the schedule's losses settle at, currency/MWh: the substation's real-time price, or where it has none and losses are to settle, `unformedPrice`'s (`priceBasis`); NaN: none and nothing to settle at it. */
  readonly priceMwh: number;
  /** `substation`: the market's prices; otherwise the rule that stood in for a price the market did not form (`unformedPrice`), for `priceMwh` or `imbalancePriceMwh` or both. */
  readonly priceBasis: LossesPriceBasis;
  /** The AC losses of what flowed (the metered withdrawals' sweep), kW (NaN: unknown). */
  readonly meteredLossesKw: number;
  /** What flowed less the schedule, whole quanta (metered losses in quanta − `quanta`; 0 when not settled). */
  readonly deviationQuanta: number;
  /** The substation's imbalance price, currency/MWh, at which the difference settles (its real-time price where nothing was re-dispatched; where it has none and a difference is to settle, `unformedPrice`'s; NaN: none and nothing to settle at it). */
  readonly imbalancePriceMwh: number;
  /** Money in settlement units (`ledger.unit`): the buyer pays `buyerUnits` (+), the seller receives it (`sellerUnits` = −buyerUnits). */
  readonly buyerUnits: number;
  readonly sellerUnits: number;
}

/** Whole quanta of `quantumKw` in the sweep's losses: the one rounding of the stage. */
export const lossesQuanta = (lossesKw: number, quantumKw: number): number => Math.round(lossesKw / quantumKw);

/** What flowed: the metered withdrawals' sweep (meteredFeeder.ts), and the imbalance price per book bus. */
export interface FlowedLosses {
  readonly metered: Pick<MeteredFeeder, 'converged' | 'lossesKw'>;
  readonly imbalancePriceMwh: ArrayLike<number>;
}

/**
 * The interval's losses stage from the clearing's AC check `feeder`, priced at `busPriceMwh`
 * (book order) of the substation, and the difference what `flowed` makes at its imbalance price
 * (without `flowed`: none, as where the sites did as cleared). Example: 1.2345 kW of losses on a
 * 0.001 kW quantum for 15 minutes at 40/MWh → 1235 quanta, 0.30875 kWh, 0.01235 paid by
 * `dso-losses` to `transmission`; had 1.0005 kW flowed, at an imbalance price of 60/MWh, −234
 * quanta more: 0.01235 − 0.00351 = 0.00884.
 */
export function settleLosses(feeder: FeederOutcome, book: OrderBook, busPriceMwh: ArrayLike<number>, flowed?: FlowedLosses): LossesStage {
  const rules = book.rules;
  const busIndex = book.buses.indexOf(feeder.busIds[feeder.rootIndex]!);
  const marketPriceMwh = busIndex >= 0 ? busPriceMwh[busIndex]! : NaN;
  const marketImbalanceMwh = flowed ? (busIndex >= 0 ? flowed.imbalancePriceMwh[busIndex]! : NaN) : marketPriceMwh;
  const meteredLossesKw = flowed ? (flowed.metered.converged ? flowed.metered.lossesKw : NaN) : feeder.lossesKw;
  const base = { busIndex, lossesKw: feeder.lossesKw, substationImportKw: feeder.substationImportKw, meteredLossesKw };
  const none = { quanta: 0, deviationQuanta: 0, buyerUnits: 0, sellerUnits: 0 };
  if (!feeder.acConverged || Number.isNaN(meteredLossesKw)) return { ...base, status: 'ac-not-converged', priceMwh: marketPriceMwh, imbalancePriceMwh: marketImbalanceMwh, priceBasis: 'substation', ...none };
  const quanta = lossesQuanta(feeder.lossesKw, rules.quantumKw);
  const deviationQuanta = lossesQuanta(meteredLossesKw, rules.quantumKw) - quanta;
  // A price the market did not form, where something is to be settled at it, is what the next kW would have cost
  // there (a scan of the book, only then). Where nothing is, the price stays as the market left it (none: empty).
  const needsPrice = (quanta !== 0 && Number.isNaN(marketPriceMwh)) || (deviationQuanta !== 0 && Number.isNaN(marketImbalanceMwh));
  const unformed = needsPrice ? unformedPrice(book) : undefined;
  const priceMwh = unformed && Number.isNaN(marketPriceMwh) ? unformed.priceMwh : marketPriceMwh;
  const imbalancePriceMwh = unformed && Number.isNaN(marketImbalanceMwh) ? unformed.priceMwh : marketImbalanceMwh;
  const priceBasis: LossesPriceBasis = unformed ? unformed.basis : 'substation';
  const priced = { ...base, priceMwh, imbalancePriceMwh, priceBasis };
  const units = quanta * ticksOf(priceMwh, rules.priceTickMwh) + (deviationQuanta !== 0 ? deviationQuanta * ticksOf(imbalancePriceMwh, rules.priceTickMwh) : 0);
  return { ...priced, status: 'settled', quanta, deviationQuanta, buyerUnits: units, sellerUnits: -units };
}
