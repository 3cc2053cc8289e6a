/**
 * The contract between an aggregator and its members, as data, with its money
 * rule. Pure; amounts exact (decimal.js).
 *
 * `pass-through`: each member pays (or is paid) the market price at its bus for
 * its own allocation, as if it had traded itself, and pays the aggregator a fee
 * per kWh it moved (bought or sold):
 *
 *   member payment = net kWh × price / 1000 + fee × (bought kWh + sold kWh)
 *
 * Summed over the members of one bus, the first term is exactly what the
 * aggregator pays the market for that bus (the split of an award adds up to the
 * award in whole quanta), so every interval
 *
 *   Σ member payments = aggregator's market payment + aggregator fee income.
 */
import * as z from 'zod';
import { type Money, money, ZERO } from '../../core/money.ts';

export const contractSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('pass-through'),
    /** Currency per kWh of member throughput (bought + sold), the aggregator's income. */
    feePerKwh: z.number().min(0).max(10).default(0.01),
  }),
]);
export type AggregatorContract = z.infer<typeof contractSchema>;

/**
 * The fee a member owes for moving `throughputQuanta` quanta over an interval: from the interval's whole minutes,
 * divided by 60 last, not from its float hours (1/12 h is no float: a fee of exactly 0.002275 came out
 * 0.0022749999999999999909…, and an aggregator's books opened on it; fuzz feeder seed 10035).
 */
export function memberFee(contract: AggregatorContract, throughputQuanta: number, quantumKw: number, durationH: number): Money {
  if (throughputQuanta === 0 || contract.feePerKwh === 0) return ZERO;
  const minutes = Math.round(durationH * 60);
  return money(contract.feePerKwh).times(money(throughputQuanta)).times(money(quantumKw)).times(minutes).div(60);
}
