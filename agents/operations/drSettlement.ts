/**
 * Demand-response settlement of one opted-in command in one interval, as a pure
 * function: the operator pays the agent for the energy it delivered against its
 * baseline, up to what it committed (no credit for baseline error beyond it), and
 * charges a penalty for what it committed and did not deliver. Without a baseline
 * (NaN: a 10-of-10 with no clean prior day) delivery cannot be measured: nothing is paid
 * or charged.
 *
 * What "did not deliver" means is the programme's `penalty` rule. `baseline` (the default):
 * the commitment less the energy delivered against the baseline. But an agent commits a
 * change from its schedule, and where the schedule sits above the baseline (a home's cooling
 * recovering after an earlier event) an agent that does exactly what it committed is short
 * against the baseline and pays. `commitment`: only the energy consumed beyond the committed
 * level (schedule + commitment), at most the commitment: an agent that did what it committed
 * pays none, and is still paid only for what it delivered against the baseline.
 *
 * The grid room settles every interval with it from the meter phase's figures (the
 * initial settlement); the final settlement (engine/settlementRun.ts) settles the same
 * commands again from the MDMS's reads. One function, so both apply the same rule.
 *
 * A device committed to several operators in one interval (overlapping feeders: agents/operations/conflicts.ts)
 * delivered one change, measured once against its baseline: each command is settled on its `share` of
 * it, its commitment over the device's commitments in the interval (pro rata), so no kWh is credited,
 * paid or excused twice. One command alone has share 1: the rule above, unchanged.
 *
 * Energies enter money rounded once to 1e-6 kWh; prices are currency/MWh (÷ 1000 exactly).
 * Example: baseline 3 kW, actual 1 kW, committed 1.5 kWh over ½ h at 300/MWh → delivered
 * 1 kWh, credited 1 kWh, paid 0.3, penalty (1.5 − 1) kWh × 100/MWh = 0.05, net −0.25.
 */
import { type Money, money, ZERO } from '../../core/money.ts';
import { deliveredKwh } from './baseline.ts';

/** What a programme pays and charges, currency/MWh, and what it charges a shortfall against. */
export interface DrTerms {
  readonly eventPriceMwh: number;
  readonly shortfallPenaltyMwh: number;
  /** A shortfall measured against the baseline (default) or against the committed level. */
  readonly penalty?: 'baseline' | 'commitment' | undefined;
}

export interface DrSettlement {
  /** A baseline existed, so delivery was measured. */
  readonly measured: boolean;
  /** (baseline − actual) × Δt, kWh; 0 when not measured. May exceed the commitment or be negative. */
  readonly deliveredKwh: number;
  /** min(delivered, committed), ≥ 0, kWh: what is paid for. */
  readonly creditedKwh: number;
  readonly pay: Money;
  readonly penalty: Money;
  /** penalty − pay: what the agent pays the operator (+) or receives (−). */
  readonly net: Money;
}

/**
 * A programme's price as a decimal, parsed once: a run settles every opted-in command with the
 * same two prices (each settled again by the final settlement and its books), and parsing them
 * was a third of its decimal work. The same decimal `money` gives; a handful of prices per run.
 */
const prices = new Map<number, Money>();
function priceDecimal(priceMwh: number): Money {
  let d = prices.get(priceMwh);
  if (d === undefined) {
    if (prices.size >= 1024) prices.clear(); // bounded whatever a caller passes
    prices.set(priceMwh, (d = money(priceMwh)));
  }
  return d;
}

/**
 * @param baselineKw the baseline in the interval (NaN: none)
 * @param actualKw the agent's net consumption in the interval
 * @param committedKwh what the agent committed to deliver (≥ 0)
 * @param committedLevelKw the net consumption it committed to (its schedule plus the command), kW; read by the `commitment` rule
 *   only. With a `share` below 1: the level of all the device's commitments in the interval together.
 * @param share this command's part of the device's measured delivery (its commitment over all the device's commitments
 *   to operators in the interval, in (0, 1]); 1: the device answered this command alone
 */
export function settleDrCommand(baselineKw: number, actualKw: number, committedKwh: number, durationH: number, terms: DrTerms, committedLevelKw = Number.NaN, share = 1): DrSettlement {
  const measured = !Number.isNaN(baselineKw);
  // (× 1 is exact: a command alone is settled to the same bits as before shares existed.)
  const delivered = measured ? deliveredKwh(baselineKw, actualKw, durationH) * share : 0;
  const credited = measured ? Math.max(0, Math.min(delivered, committedKwh)) : 0;
  const pay = money(credited.toFixed(6)).times(priceDecimal(terms.eventPriceMwh)).div(1000);
  let shortKwh = 0;
  if (terms.penalty === 'commitment') {
    if (Number.isNaN(committedLevelKw)) throw new Error('settleDrCommand: the commitment rule needs the committed level');
    shortKwh = Math.min(committedKwh, Math.max(0, (actualKw - committedLevelKw) * durationH) * share);
  } else {
    shortKwh = Math.max(0, committedKwh - Math.max(0, delivered));
  }
  const penalty = measured ? money(shortKwh.toFixed(6)).times(priceDecimal(terms.shortfallPenaltyMwh)).div(1000) : ZERO;
  return { measured, deliveredKwh: delivered, creditedKwh: credited, pay, penalty, net: penalty.minus(pay) };
}
