/**
 * `learning`: a seeded reinforcement learner over markup levels, for `storage`
 * and `aggregator` agents. Tabular action values (`qTable.ts`) over state = the
 * UTC hour-of-day bucket and action = one of `levels`, ε-greedy with ε decaying
 * day by day, so over repeated days it settles on the markup that has paid best
 * in each part of the day.
 *
 * What a level m means:
 * - storage: the thresholds of `storage-arbitrage` (lo, hi = forecast quantiles; no
 *   bid unless the spread pays losses and wear) shifted by m × (hi − lo): buy its
 *   `maxChargeKw` at lo − m·(hi − lo), sell its `maxDischargeKw` at hi + m·(hi − lo)
 *   (m < 0 trades more, m > 0 holds out for better prices; m > −0.5 keeps buy < sell);
 * - aggregator (and any other view): a markup on its own curve, as `markup`:
 *   demand at value × (1 − m), supply at cost × (1 + m) (by magnitude when negative).
 *
 * Episodes are days. At a bucket's first bid of the day it picks a level (ε-greedy)
 * and keeps it for the bucket's intervals. Feedback comes through `observe` — the
 * agent's own award and price after settlement (per bus for an aggregator) — as a
 * reward per interval, in currency:
 * - storage: each trade marked to market at the water value w (the median of the
 *   known forecast, as the storage valuation): a MWh bought puts η_c MWh in the cells,
 *   worth w less the wear of storing them, a MWh sold takes 1/η_d MWh out:
 *   r = Δt/1000 · [(η_c·(w − deg) − p)·buy + (p − (w + deg)/η_d)·sell]; summed over a
 *   day, the cash earned less wear plus the change of stored energy at w;
 * - aggregator: its members' flexible energy marked to market at the same w: what it
 *   buys for them is worth what energy costs in a typical interval of the forecast, what
 *   it sells costs that much: r = Δt/1000 · [(w − p)·q_buy + (p − w)·q_sell]. So buying
 *   flexible demand in cheap intervals pays, in dear ones costs. Needs (demand valued at
 *   the cap; the award serves them first) are left out: they are bought whatever the
 *   markup, and would only add noise.
 * When the day ends (at `dayStartHourUtc`), each bucket's choice is credited with its
 * return: its own rewards plus γ × the next bucket's return, to the end of the day
 * (γ = `discount`, default 1: noon's charging is paid by the evening's sales, demand put
 * off in the evening is bought at night).
 *
 * State lives in the instance: one per agent (the kinds create one per agent). The
 * only randomness is the agent's own stream `random.stream(agentId, 'strategy:learning')`,
 * so a run is byte-reproducible for a seed, and adding agents changes no one's draws.
 * Created without a run context it refuses (it has no seeded stream to draw from).
 */
import * as z from 'zod';
import type { Rng } from '../../core/rng.ts';
import type { BidSegment } from '../../market/types.ts';
import { arbitragePrices } from '../storage/arbitrage.ts';
import { quantileOfSorted, sortedKnownPrices } from '../storage/forecastQuantiles.ts';
import type { StorageView } from '../storage/view.ts';
import { valuationBids } from '../truthful.ts';
import type { AgentViewBase, MarketView, Strategy, StrategyContext, StrategyFactory, StrategyOutcome, ValueSegment } from '../types.ts';
import { QTable } from './qTable.ts';

export const learningParams = z
  .strictObject({
    /** Markup levels to choose among (see above). */
    levels: z.array(z.number().gt(-0.5).max(5)).min(2).max(20).default([-0.2, -0.1, 0, 0.1, 0.25, 0.5]),
    /** Hour-of-day buckets (UTC); must divide 24. */
    buckets: z.int().min(1).max(24).default(4),
    /** UTC hour at which an episode (a learning day) starts: put it where the portfolio's cycle is quiet (e.g. 12 for cars charging overnight). */
    dayStartHourUtc: z.int().min(0).max(23).default(0),
    /** α: each update moves Q by at least this share towards the return (the first ones average: α = max(this, 1/visits)). */
    learningRate: z.number().gt(0).max(1).default(0.05),
    /**
     * γ, per bucket: a bucket's return is its own reward plus γ × the next bucket's return, to
     * the end of the day. 1 (default): the whole rest of the day answers for a choice (what a
     * battery buys at noon it sells in the evening; demand put off now is bought later); 0:
     * each bucket on its own (a contextual bandit).
     */
    discount: z.number().min(0).max(1).default(1),
    /** ε on the first day, multiplied by `epsilonDecayPerDay` each day, never below `minEpsilon`. */
    epsilon: z.number().min(0).max(1).default(0.5),
    epsilonDecayPerDay: z.number().min(0).max(1).default(0.85),
    minEpsilon: z.number().min(0).max(1).default(0.02),
    /** Storage: the forecast quantiles its thresholds start from (as `storage-arbitrage`). */
    lowQuantile: z.number().min(0).max(1).default(0.25),
    highQuantile: z.number().min(0).max(1).default(0.75),
  })
  .refine((p) => 24 % p.buckets === 0, { message: 'buckets must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)', path: ['buckets'] })
  .refine((p) => p.dayStartHourUtc % (24 / p.buckets) === 0, { message: 'dayStartHourUtc must fall on a bucket boundary', path: ['dayStartHourUtc'] })
  .refine((p) => p.lowQuantile < p.highQuantile, { message: 'lowQuantile must be below highQuantile', path: ['lowQuantile'] });
export type LearningParams = z.infer<typeof learningParams>;

const MS_PER_DAY = 86_400_000;

/** A bid waiting for its outcome: its bucket and how to value the award. */
interface Pending {
  readonly bucket: number;
  /** Reward valuation: buys valued highest first, sells cheapest first, currency/MWh (NaN: not rewarded). */
  readonly buyValues: readonly ValueSegment[];
  readonly sellCosts: readonly ValueSegment[];
  readonly dtH: number;
}

export interface LearningStrategy extends Strategy<AgentViewBase> {
  /** The Q-table, rows = hour buckets, columns = levels (a copy, for tests and reports). */
  table(): number[][];
  /** Each finished day's total reward, in order (the learning curve). */
  dailyRewards(): readonly number[];
}

export function learningStrategy(params: LearningParams, rng: Rng): LearningStrategy {
  const L = params.levels.length;
  const B = params.buckets;
  const gamma = params.discount;
  // Ties go to the smallest markup in magnitude: with nothing learned, it bids (close to) its own values.
  const preference = Array.from({ length: L }, (_, a) => a).sort((x, y) => Math.abs(params.levels[x]!) - Math.abs(params.levels[y]!) || x - y);
  const q = new QTable(B, L, preference);
  const pending = new Map<string, Pending>();
  // Today's choice per bucket (−1: none yet) and the rewards each bucket earned.
  const action = new Int32Array(B).fill(-1);
  const earned = new Float64Array(B);
  let today = -1;
  let firstDay = -1;
  const days: number[] = [];
  const bucketOf = (t: number): number => Math.floor((((t % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / (MS_PER_DAY / B));
  // Buckets in episode order: the episode's first bucket is the one its start hour falls in.
  const firstBucket = Math.floor(params.dayStartHourUtc / (24 / B));
  const order = Array.from({ length: B }, (_, k) => (firstBucket + k) % B);

  /** Ends the day: every bucket that chose is credited with its return to the end of the day. */
  const closeDay = (): void => {
    let g = 0;
    let total = 0;
    for (let k = B - 1; k >= 0; k--) {
      const b = order[k]!;
      g = earned[b]! + gamma * g;
      total += earned[b]!;
      if (action[b]! >= 0) q.update(b, action[b]!, g, params.learningRate);
    }
    if (today >= 0) days.push(total);
    action.fill(-1);
    earned.fill(0);
  };

  return {
    id: 'learning',
    bid(view, market) {
      const day = Math.floor((market.interval.start - params.dayStartHourUtc * 3_600_000) / MS_PER_DAY);
      if (day !== today) {
        closeDay();
        today = day;
        if (firstDay < 0) firstDay = day;
      }
      const bucket = bucketOf(market.interval.start);
      const key = busOf(view);
      pending.delete(key);
      const plan = view.kind === 'storage' ? storagePlan(view as StorageView, market, params) : curvePlan(view, market);
      if (!plan) return [];
      if (action[bucket]! < 0) {
        const epsilon = Math.max(params.minEpsilon, params.epsilon * params.epsilonDecayPerDay ** (day - firstDay));
        action[bucket] = q.choose(bucket, epsilon, rng);
      }
      pending.set(key, { bucket, buyValues: plan.buyValues, sellCosts: plan.sellCosts, dtH: market.interval.durationH });
      return plan.bids(params.levels[action[bucket]!]!);
    },
    observe(outcome: StrategyOutcome) {
      const key = keyOf(outcome.bus ?? '', outcome.kvarPerKw);
      const p = pending.get(key);
      if (!p) return;
      pending.delete(key);
      if (Number.isFinite(outcome.priceMwh)) earned[p.bucket]! += reward(p, outcome);
    },
    table: () => q.snapshot(),
    dailyRewards: () => days,
  };
}

const busOf = (view: AgentViewBase): string => {
  const v = view as AgentViewBase & { bus?: unknown; kvarPerKw?: unknown };
  return keyOf(typeof v.bus === 'string' ? v.bus : '', typeof v.kvarPerKw === 'number' ? v.kvarPerKw : undefined);
};

/** A pending bid's key: its bus, and its power-factor class where an aggregator bids one per class at a bus. */
const keyOf = (bus: string, kvarPerKw: number | undefined): string => (kvarPerKw === undefined ? bus : `${bus}~${kvarPerKw}`);

interface Plan {
  readonly buyValues: readonly ValueSegment[];
  readonly sellCosts: readonly ValueSegment[];
  bids(markup: number): BidSegment[];
}

const clampTo = (p: number, m: MarketView): number => (p > m.priceCapMwh ? m.priceCapMwh : p < m.priceFloorMwh ? m.priceFloorMwh : p);

function storagePlan(view: StorageView, market: MarketView, params: LearningParams): Plan | undefined {
  if (!(view.maxChargeKw > 0) && !(view.maxDischargeKw > 0)) return undefined;
  const { buyMwh: lo, sellMwh: hi, marginMwh } = arbitragePrices(view, market, params);
  if (!(marginMwh > 0) || !(hi > lo)) return undefined;
  const w = waterValueMwh(market);
  if (!Number.isFinite(w)) return undefined;
  const ec = view.chargeEfficiency;
  const ed = view.dischargeEfficiency;
  const deg = view.degradationCostPerMwh;
  const spread = hi - lo;
  return {
    buyValues: [{ kw: view.maxChargeKw, valueMwh: ec * (w - deg) }],
    sellCosts: [{ kw: view.maxDischargeKw, valueMwh: (w + deg) / ed }],
    bids(m) {
      const out: BidSegment[] = [];
      if (view.maxChargeKw > 0) out.push({ side: 'buy', priceMwh: clampTo(lo - m * spread, market), quantityKw: view.maxChargeKw });
      if (view.maxDischargeKw > 0) out.push({ side: 'sell', priceMwh: clampTo(hi + m * spread, market), quantityKw: view.maxDischargeKw });
      return out;
    },
  };
}

function curvePlan(view: AgentViewBase, market: MarketView): Plan | undefined {
  if (view.demand.length === 0 && view.supply.length === 0) return undefined;
  const w = waterValueMwh(market);
  if (!Number.isFinite(w)) return undefined;
  const cap = market.priceCapMwh;
  return {
    // Needs (at the cap) are bought whatever the markup: left out (NaN). The rest is worth w.
    buyValues: [...view.demand].sort((a, b) => b.valueMwh - a.valueMwh).map((d) => ({ kw: d.kw, valueMwh: d.valueMwh >= cap ? NaN : w })),
    sellCosts: [...view.supply].sort((a, b) => a.valueMwh - b.valueMwh).map((s) => ({ kw: s.kw, valueMwh: w })),
    bids: (m) => valuationBids(view, market, m),
  };
}

/** The water value: the median of the known forecast, else the last price, else NaN (as agents/storage). */
function waterValueMwh(market: MarketView): number {
  const sorted = sortedKnownPrices(market.priceForecastMwh);
  if (sorted.length > 0) return quantileOfSorted(sorted, 0.5);
  return market.lastPriceMwh !== undefined && Number.isFinite(market.lastPriceMwh) ? market.lastPriceMwh : NaN;
}

/** The reward of an award (see the module comment), currency. */
function reward(p: Pending, o: StrategyOutcome): number {
  const price = o.priceMwh;
  let sum = 0;
  let left = o.buyKw;
  for (const s of p.buyValues) {
    if (!(left > 0)) break;
    const q = Math.min(left, s.kw);
    if (!Number.isNaN(s.valueMwh)) sum += (s.valueMwh - price) * q;
    left -= q;
  }
  if (left > 0) sum -= price * left; // more than the curve asked for (not expected): at cost
  left = o.sellKw;
  for (const s of p.sellCosts) {
    if (!(left > 0)) break;
    const q = Math.min(left, s.kw);
    sum += (price - s.valueMwh) * q;
    left -= q;
  }
  if (left > 0) sum += price * left;
  return (sum * p.dtH) / 1000;
}

/** Registry entry (`strategies/registry.ts`). */
export const learningFactory: StrategyFactory = {
  params: learningParams,
  kinds: ['storage', 'aggregator'],
  create(p, context?: StrategyContext) {
    if (!context) throw new Error("strategy 'learning' needs a run's seeded randomness (a StrategyContext); create it through strategyFor with a context");
    return learningStrategy(p as LearningParams, context.random.stream(context.agentId, 'strategy:learning'));
  },
};
