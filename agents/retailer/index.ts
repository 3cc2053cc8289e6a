/**
 * `kind: retailer` — offers tariffs, forecasts its customers' load and buys it in
 * the market (inelastic, at the price cap: its customers respond to their retail
 * prices, not to the market's), bills them under their tariffs from their meters, and
 * carries the gap between what it bought and what they used as its imbalance, settled
 * in the real-time market at the bus's imbalance price like any party's
 * (docs/markets.md):
 *
 *   imbalance cost = (customers' metered use − position) × imbalance price
 *
 * Margin = bills − market cost − imbalance cost.
 */
import * as z from 'zod';
import { agentId, type BusId } from '../../core/units.ts';
import { MS_PER_HOUR, simTime } from '../../core/time.ts';
import type { AgentEnv, BusBid, IntermediaryKindModule, IntermediaryRuntime } from '../types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { MarketView } from '../../strategies/types.ts';
import { forecastLoadKw } from './forecast.ts';
import { retailerLifecycle, retailerMachine } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';

/** Every retailer's machine: shared snapshots and steps (agents/lifecycle.ts). */
const RETAILER_MODEL = new MachineModel(retailerMachine);


export const retailerGroupSchema = z.strictObject({
  kind: z.literal('retailer'),
  /** The retailer's id; customers name it in their `retailer:` key. */
  id: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits and _ . : - only'),
  count: z.literal(1).default(1),
  /** Ids of the tariffs (from the scenario's `tariffs:`) it offers. */
  tariffs: z.array(z.string().min(1)).min(1),
});
export type RetailerGroup = z.infer<typeof retailerGroupSchema>;

/** What the retailer knows of its customers at one bus: how many, what they declared, what they used. */
export interface CustomerBook {
  readonly bus: BusId;
  readonly customers: number;
  /** Σ of the customers' declared annual consumption, kWh/a. */
  readonly declaredAnnualKwh: number;
}

export interface RetailerRuntime extends IntermediaryRuntime {
  readonly role: 'retailer';
  readonly tariffIds: readonly string[];
  /** Its bids: the forecast load of its customers at each bus, at the cap. */
  bid(interval: MarketInterval, books: readonly CustomerBook[], market: (bus: BusId) => MarketView): readonly BusBid[];
  /**
   * Its day-ahead bids: for each delivery interval, its customers' forecast load at each bus at
   * the cap — the forecast it bids in real time, made at the gate (history it has by then,
   * else the declared consumption on the standard profile).
   */
  dayAhead(intervals: readonly MarketInterval[], books: readonly CustomerBook[], priceCapMwh: number): Array<{ readonly interval: number; readonly bids: readonly BusBid[] }>;
  /** The customers' metered net consumption per bus this interval, and what it bought there (kW). */
  metered(interval: MarketInterval, usedKw: ReadonlyMap<BusId, number>, boughtKw: ReadonlyMap<BusId, number>): void;
}

export const retailerKind: IntermediaryKindModule<RetailerGroup, RetailerRuntime> = {
  role: 'retailer',
  kind: 'retailer',
  groupSchema: retailerGroupSchema,
  machine: retailerMachine,
  create(group, env: AgentEnv) {
    const lifecycle = new Lifecycle(RETAILER_MODEL);
    const intervalsPerDay = Math.round((24 * 60) / env.clock.intervalMinutes);
    const history = new Map<BusId, { actualKw: Float64Array; declaredAnnualKwh: Float64Array }>();
    const historyAt = (bus: BusId): { actualKw: Float64Array; declaredAnnualKwh: Float64Array } => {
      let h = history.get(bus);
      if (!h) history.set(bus, (h = { actualKw: new Float64Array(env.clock.intervals).fill(NaN), declaredAnnualKwh: new Float64Array(env.clock.intervals).fill(NaN) }));
      return h;
    };
    const forecastBids = (interval: MarketInterval, books: readonly CustomerBook[], capAt: (bus: BusId) => number): BusBid[] => {
      const mid = simTime(interval.start + (interval.durationH * MS_PER_HOUR) / 2);
      return books.map((b) => {
        const kw = forecastLoadKw(historyAt(b.bus), interval.index, intervalsPerDay, b.declaredAnnualKwh, mid, env.site.zone, env.environment.holidays);
        return { bus: b.bus, segments: kw > 0 ? [{ side: 'buy' as const, priceMwh: capAt(b.bus), quantityKw: kw }] : [] };
      });
    };
    return {
      role: 'retailer',
      id: agentId(group.id),
      kind: 'retailer',
      lifecycle,
      tariffIds: group.tariffs,
      bid(interval, books, market) {
        if (lifecycle.value === 'faulted') return [];
        // Whom it supplies at each bus in this interval, for the forecasts that will read its meters (customers switch retailer).
        for (const b of books) historyAt(b.bus).declaredAnnualKwh[interval.index] = b.declaredAnnualKwh;
        return forecastBids(interval, books, (bus) => market(bus).priceCapMwh);
      },
      dayAhead(intervals, books, priceCapMwh) {
        if (lifecycle.value === 'faulted') return [];
        return intervals.map((iv) => ({ interval: iv.index, bids: forecastBids(iv, books, () => priceCapMwh) }));
      },
      metered(interval, usedKw, boughtKw) {
        let imbalance = 0;
        for (const [bus, kw] of usedKw) {
          historyAt(bus).actualKw[interval.index] = kw;
          imbalance += kw - (boughtKw.get(bus) ?? 0);
        }
        const event = retailerLifecycle(imbalance);
        if (lifecycle.can(event)) lifecycle.send(event);
      },
      observe: () => ({ state: lifecycle.value, baselineKw: 0, unservedKwh: 0 }),
    };
  },
};
