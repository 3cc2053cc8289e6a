/**
 * `kind: retailer` — offers tariffs, forecasts its customers' net load and buys it in
 * the market (inelastic, at the price cap: its customers respond to their retail
 * prices, not to the market's; a forecast net export it offers at `exportOfferMwh`), bills them under their tariffs from their meters, and
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
import { wallClockYesterday } from '../../core/sameWallClock.ts';
import type { AgentEnv, BusBid, IntermediaryKindModule, IntermediaryRuntime } from '../types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { MarketView } from '../../strategies/types.ts';
import { forecastCustomerKw, forecastLoadKw } from './forecast.ts';
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
  /**
   * The lowest price (currency/MWh) it sells its customers' forecast net export at, where their PV is above their
   * load; default 0: never below zero. What it does not sell is its imbalance. The market's floor sells it
   * price-independently, as feed-in PV is sold in markets with feed-in tariffs; but against its own buys at the cap
   * a thin market then clears at a midpoint of the two limits, and behind a congested line the retailer pays the
   * local price down to the floor for what it would have settled as imbalance (audit A-review43b, D1 and D2).
   */
  exportOfferMwh: z.number().finite().default(0),
});
export type RetailerGroup = z.infer<typeof retailerGroupSchema>;

/** What the retailer knows of its customers at one bus: how many, what they declared, what they used. */
export interface CustomerBook {
  readonly bus: BusId;
  readonly customers: number;
  /** Σ of the customers' declared annual consumption, kWh/a. */
  readonly declaredAnnualKwh: number;
  /**
   * The customers one by one (agent index, declared consumption), where customers may change retailer
   * (`tariffChoice.among: every-retailer`): the retailer then forecasts each from its own meter (`forecastCustomerKw`).
   */
  readonly members?: ReadonlyArray<{ readonly party: number; readonly declaredAnnualKwh: number }>;
  /**
   * On a LinDistFlow feeder whose LP may price reactive power: its customers' tan φ there (their kinds'), weighted by their
   * declared consumption as the forecast weighs them, 6 decimals: what its bid at the bus draws per kW (`BusBid.kvarPerKw`).
   */
  readonly kvarPerKw?: number;
}

export interface RetailerRuntime extends IntermediaryRuntime {
  readonly role: 'retailer';
  readonly tariffIds: readonly string[];
  /** Its bids: the forecast net load of its customers at each bus, an import bought at the cap, an export offered at `exportOfferMwh` (0 unless set). */
  bid(interval: MarketInterval, books: readonly CustomerBook[], market: (bus: BusId) => MarketView): readonly BusBid[];
  /**
   * Its day-ahead bids: for each delivery interval, its customers' forecast net load at each bus (an
   * import at the cap, an export at `exportOfferMwh`) — the forecast it bids in real time, made at the gate (history it has by then,
   * else the declared consumption on the standard profile).
   */
  dayAhead(intervals: readonly MarketInterval[], booksAt: (interval: number) => readonly CustomerBook[], limits: { readonly priceCapMwh: number; readonly priceFloorMwh: number }): Array<{ readonly interval: number; readonly bids: readonly BusBid[] }>;
  /**
   * The customers' metered net consumption per bus this interval, and what it bought there (kW); under retail
   * competition also each customer's (agent index → kW), as its supplier reads its meter.
   */
  metered(interval: MarketInterval, usedKw: ReadonlyMap<BusId, number>, boughtKw: ReadonlyMap<BusId, number>, customersKw?: ReadonlyMap<number, number>): void;
  /** Under retail competition: the customers whose meter it still keeps (those it supplied within the last day; tests and diagnostics). */
  readonly retainedCustomerMeters: number;
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
    // Under retail competition: each customer's meter while it was this retailer's, over the last two days (a ring
    // tagged with the interval each slot holds): a forecast reads yesterday's interval and the last one. `last`: the
    // newest interval it holds; a customer that left is forgotten once that is more than a day old (nothing reads it).
    const ring = 2 * intervalsPerDay;
    const keepLonger = env.site.zone.fixedOffsetHours === undefined ? Math.ceil(60 / env.clock.intervalMinutes) : 0;
    const customerMeters = new Map<number, { readonly kw: Float64Array; readonly at: Int32Array; last: number }>();
    const customerKwAt = (party: number, k: number): number => {
      const m = customerMeters.get(party);
      const slot = k % ring;
      return m !== undefined && m.at[slot] === k ? m.kw[slot]! : NaN;
    };
    // Yesterday on the wall clock where the site's clock changes within the run (core/sameWallClock.ts), else one day of the grid back.
    const yesterdayOf = wallClockYesterday(env.site.zone, env.clock.start, env.clock.intervalMinutes);
    const forecastKw = (b: CustomerBook, interval: MarketInterval, mid: ReturnType<typeof simTime>): number => {
      const { zone } = env.site;
      const { holidays } = env.environment;
      const yesterday = yesterdayOf ? yesterdayOf(interval.index) : interval.index - intervalsPerDay;
      if (b.members === undefined) return forecastLoadKw(historyAt(b.bus), interval.index, intervalsPerDay, b.declaredAnnualKwh, mid, zone, holidays, yesterday);
      let kw = 0;
      for (const m of b.members) kw += forecastCustomerKw((k) => customerKwAt(m.party, k), interval.index, intervalsPerDay, m.declaredAnnualKwh, mid, zone, holidays, yesterday);
      return kw;
    };
    // A forecast net import is bought at the cap (its customers face their tariff, not the market); a forecast net
    // export (customers' PV above their load) is offered at `exportOfferMwh` (0 unless set), within the market's limits.
    const forecastBids = (interval: MarketInterval, books: readonly CustomerBook[], limitsAt: (bus: BusId) => { readonly priceCapMwh: number; readonly priceFloorMwh: number }): BusBid[] => {
      const mid = simTime(interval.start + (interval.durationH * MS_PER_HOUR) / 2);
      return books.map((b) => {
        const kw = forecastKw(b, interval, mid);
        // Its customers' reactive draw goes with their load, where the feeder prices it (their power factors, weighted).
        if (kw > 0) return { bus: b.bus, segments: [{ side: 'buy' as const, priceMwh: limitsAt(b.bus).priceCapMwh, quantityKw: kw }], ...(b.kvarPerKw !== undefined ? { kvarPerKw: b.kvarPerKw } : {}) };
        if (kw < 0) {
          const { priceFloorMwh, priceCapMwh } = limitsAt(b.bus);
          return { bus: b.bus, segments: [{ side: 'sell' as const, priceMwh: Math.min(priceCapMwh, Math.max(priceFloorMwh, group.exportOfferMwh)), quantityKw: -kw }] };
        }
        return { bus: b.bus, segments: [] };
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
        return forecastBids(interval, books, market);
      },
      dayAhead(intervals, booksAt, limits) {
        if (lifecycle.value === 'faulted') return [];
        // Its customers in each delivery interval (a switch under notice, `tariffChoice.noticeDays`, is known before the
        // auction); they change only where a billing day (a local day) starts, and the engine answers once a billing day.
        return intervals.map((iv) => ({ interval: iv.index, bids: forecastBids(iv, booksAt(iv.index), () => limits) }));
      },
      metered(interval, usedKw, boughtKw, customersKw) {
        for (const [party, kw] of customersKw ?? []) {
          let m = customerMeters.get(party);
          if (m === undefined) customerMeters.set(party, (m = { kw: new Float64Array(ring), at: new Int32Array(ring).fill(-1), last: -1 }));
          const slot = interval.index % ring;
          m.kw[slot] = kw;
          m.at[slot] = interval.index;
          m.last = interval.index;
        }
        // Once a day, the customers it no longer holds a readable interval of: every later forecast (a real-time bid
        // for a later interval k, a day-ahead one for a delivery interval after its gate) reads k − 1 day and k − 1,
        // both after interval.index − 1 day, and a customer that comes back starts a new ring. Before, a retailer kept
        // a ring (2 days × 12 B an interval: 6.9 kB at 5 minutes) for every customer it ever supplied, to the run's end.
        // (Across a change of the site's clock yesterday is up to 25 hours back: kept an hour longer there.)
        if (interval.index % intervalsPerDay === 0) for (const [party, m] of customerMeters) if (m.last < interval.index - intervalsPerDay - keepLonger) customerMeters.delete(party);
        let imbalance = 0;
        for (const [bus, kw] of usedKw) {
          historyAt(bus).actualKw[interval.index] = kw;
          imbalance += kw - (boughtKw.get(bus) ?? 0);
        }
        const event = retailerLifecycle(imbalance);
        if (lifecycle.can(event)) lifecycle.send(event);
      },
      observe: () => ({ state: lifecycle.value, baselineKw: 0, unservedKwh: 0 }),
      get retainedCustomerMeters() {
        return customerMeters.size;
      },
    };
  },
};
