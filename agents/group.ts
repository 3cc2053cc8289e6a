/**
 * Fields every `agents:` entry shares: how many agents, their ids, where they
 * sit in the network, how they bid and how late their messages may arrive.
 */
import * as z from 'zod';
import { type AgentId, agentId, type BusId, busId } from '../core/units.ts';
import { strategyRefSchema } from '../strategies/registry.ts';

/** A { min, max } pair within [lo, hi], min ≤ max (home and building schedules). */
export const rangeSchema = (lo: number, hi: number, what: string) =>
  z
    .strictObject({ min: z.number().min(lo).max(hi), max: z.number().min(lo).max(hi) })
    .refine((r) => r.min <= r.max, { message: `${what}: min must not exceed max` });

/** A comfort band in °C, at least 0.5 °C wide (home and building HVAC). */
export const bandSchema = z
  .strictObject({ lowC: z.number().min(-30).max(60), highC: z.number().min(-30).max(60) })
  .refine((b) => b.highC - b.lowC >= 0.5, { message: 'the comfort band must be at least 0.5 °C wide (lowC < highC)' });

export const groupBaseShape = {
  /** Number of agents in the group (default 1). */
  count: z.int().positive().max(1_000_000).default(1),
  /** Agent id for a single agent; with count > 1 use `idPrefix`. */
  id: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits and _ . : - only').optional(),
  /** Ids become `<idPrefix>-1` … `<idPrefix>-<count>`; defaults to the kind. */
  idPrefix: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits and _ . : - only').optional(),
  /** The bus every agent of the group connects to. */
  bus: z.string().min(1).optional(),
  /** Spread the group over these buses, round-robin. */
  buses: z.array(z.string().min(1)).min(1).optional(),
  strategy: strategyRefSchema.optional(),
  /**
   * Communication latency of each bid, drawn uniformly per interval from [min, max]
   * minutes after the agent's bidding time (one minute before gate closure). A bid
   * delayed past the gate is rejected as late. On a communication plane the bid is held
   * that long at the agent and then travels on the plane (the two delays add up).
   */
  commsLatencyMinutes: z.strictObject({ min: z.number().min(0).max(24 * 60), max: z.number().min(0).max(24 * 60) }).optional(),
  /** Trade through this aggregator (its id) instead of bidding in the market. */
  aggregator: z.string().min(1).optional(),
  /** Buy from this retailer (its id) under `tariff`, responding to the retail price instead of trading. */
  retailer: z.string().min(1).optional(),
  /** The retail tariff (an id from the scenario's `tariffs:`), offered by `retailer`. */
  tariff: z.string().min(1).optional(),
  /**
   * Customers re-choose at the start of each day by their expected bill on yesterday's use, with
   * switching inertia (the Power TAC customer model): among their retailer's tariffs, or with
   * `among: every-retailer` among every retailer's (a switch of retailer then moves the customer's
   * energy, imbalance and bills to the new retailer's books from that day on: engine/retail.ts).
   */
  tariffChoice: z
    .strictObject({
      /** Logit rationality λ on relative savings; higher = more price-sensitive. */
      rationality: z.number().min(0).max(1000).default(10),
      /** Probability a customer does not even look at the offers on a given day. */
      inertia: z.number().min(0).max(1).default(0.8),
      /** Whose tariffs it compares: its own retailer's (default) or every retailer's (retail competition). */
      among: z.enum(['own-retailer', 'every-retailer']).default('own-retailer'),
      /**
       * Whole days of notice a switch takes: a tariff chosen at a day's close is billed from the start of the day
       * `noticeDays + 1` later (0, the default: the next day, as the EU's 24-hour supplier switch). The customer stays
       * with its tariff and retailer meanwhile and does not choose again until the switch is done; its retailers know
       * the move from the day it is chosen (their forecasts and day-ahead purchases for the days after it).
       */
      noticeDays: z.number().int().min(0).max(366).default(0),
    })
    .optional(),
} as const;

export interface GroupBase {
  count: number;
  id?: string | undefined;
  idPrefix?: string | undefined;
  bus?: string | undefined;
  buses?: string[] | undefined;
  strategy?: z.infer<typeof strategyRefSchema> | undefined;
  commsLatencyMinutes?: { min: number; max: number } | undefined;
  aggregator?: string | undefined;
  retailer?: string | undefined;
  tariff?: string | undefined;
  tariffChoice?: { rationality: number; inertia: number; among: 'own-retailer' | 'every-retailer'; noticeDays: number } | undefined;
}

export interface GroupMember {
  readonly id: AgentId;
  readonly bus: BusId;
  /** 0-based position in the group. */
  readonly index: number;
}

/** Expands a group into its members' ids and buses. */
export function groupMembers(group: GroupBase & { kind: string }, defaultBus: BusId): GroupMember[] {
  const members: GroupMember[] = [];
  for (let i = 0; i < group.count; i++) {
    const id = group.count === 1 && group.id ? group.id : `${group.idPrefix ?? group.id ?? group.kind}-${i + 1}`;
    const bus = group.buses ? group.buses[i % group.buses.length]! : (group.bus ?? defaultBus);
    members.push({ id: agentId(id), bus: busId(bus), index: i });
  }
  return members;
}
