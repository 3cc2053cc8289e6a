/**
 * Faults a scenario injects (`faults:`), and when each is in force. Every fault
 * and its consequence is recorded in events.csv.
 *
 * - `line-outage`: a branch out of service from `at` (until `until`, if given): the
 *   topology is recomputed and the market re-cleared on it; the operator sees it.
 * - `derating`: a branch's (e.g. a transformer's) limit lowered to `limitKw`.
 * - `comms-loss`: messages to and from some agents are lost, each with `probability`
 *   (seeded): bids, operator commands and reports. With `mode: delayed` only bids are
 *   delayed (by `delayMinutes`; one past the gate is rejected as late); commands and reports
 *   still arrive (an operator's command either reaches an agent in its interval or not:
 *   for delays of commands, use a communication plane's latencies and link outages).
 *   On a communication plane the fault acts at the sender: a bid or command it cuts off is a
 *   `lost` row of messages.csv with 0 attempts (counted in `lostBids`, `lostCommands`), and a
 *   delayed bid enters the plane `delayMinutes` after its bid time (its `sent_at`), which then
 *   decides whether it makes the gate (else `late`, counted in `lateBids`).
 * - `agent-crash`: from `at`, a site's code throws while bidding: the engine isolates it from the
 *   market and the operators, and its devices run on their own control for the rest of the run,
 *   metered and settled at the imbalance price (docs/markets.md, "Crashed agents"; a site only:
 *   naming an aggregator or a retailer is refused at load, as it would do nothing).
 * - `agent-fault`: the agent's equipment fails (its machine goes to `faulted`) until repaired.
 * - `forged-command`: a command from an issuer that is not the agent's operator.
 * - `replayed-command` (with `comms:` a plane): an eavesdropper re-sends, at `at`, the last
 *   genuine signed command it saw sent to `target`; the agent must reject it (nonce or freshness).
 * - `tampered-read` (with `comms:` a plane): `agent`'s meter read of the interval containing
 *   `at` is altered in transit (+1 kWh imported); the MDMS must reject it (its MAC fails). A site's:
 *   an aggregator or a retailer has no meter (refused at load).
 */
import { MAX_POWER_KW, powerKw } from '../../core/bounds.ts';
import * as z from 'zod';
import { parseSimTime, type SimTime } from '../../core/time.ts';

const isoTime = z.string().refine((s) => parseSimTime(s) !== undefined, { message: 'expected an ISO-8601 time in UTC or with its offset, such as 2026-07-01T17:00:00Z' });

export const faultSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('line-outage'), branch: z.string().min(1), at: isoTime, until: isoTime.optional() }),
  z.strictObject({ type: z.literal('derating'), branch: z.string().min(1), limitKw: powerKw(), at: isoTime, until: isoTime.optional() }),
  z.strictObject({
    type: z.literal('comms-loss'),
    /** Agent ids, or id prefixes ending in `*` (e.g. `ev-*`). */
    agents: z.array(z.string().min(1)).min(1),
    from: isoTime,
    until: isoTime,
    mode: z.enum(['lost', 'delayed']).default('lost'),
    delayMinutes: z.number().min(0).max(366 * 24 * 60).default(15),
    /** Each message is affected with this probability (seeded per agent). */
    probability: z.number().min(0).max(1).default(1),
  }),
  z.strictObject({ type: z.literal('agent-crash'), agent: z.string().min(1), at: isoTime }),
  /** A physical fault: the agent's machine goes to `faulted` at `at` and is repaired at `until`. */
  z.strictObject({ type: z.literal('agent-fault'), agent: z.string().min(1), at: isoTime, until: isoTime.optional() }),
  z.strictObject({
    type: z.literal('forged-command'),
    at: isoTime,
    issuer: z.string().min(1),
    target: z.string().min(1),
    valueKw: z.number().min(-MAX_POWER_KW).max(MAX_POWER_KW),
  }),
  z.strictObject({ type: z.literal('replayed-command'), at: isoTime, target: z.string().min(1) }),
  z.strictObject({ type: z.literal('tampered-read'), at: isoTime, agent: z.string().min(1) }),
]);
export const faultsSchema = z.array(faultSchema);
export type Fault = z.infer<typeof faultSchema>;

export const timeOf = (iso: string): SimTime => parseSimTime(iso)!;

/** True when the fault window [at, until) contains `t` (no `until`: for the rest of the run). */
export function inForce(at: string, until: string | undefined, t: SimTime): boolean {
  return t >= timeOf(at) && (until === undefined || t < timeOf(until));
}

/** Whether an agent id matches a list of ids and `prefix*` patterns. */
export function matchesAgent(patterns: readonly string[], id: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? id.startsWith(p.slice(0, -1)) : p === id));
}
