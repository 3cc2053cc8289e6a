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
 * delivered one change: each command is settled on its part of it, pro rata to the commitments (`split`),
 * so no kWh is credited, paid or excused twice. The device's figures (credited, short) are those of one
 * command for all its commitments together; the commitments, in the order they were made, take
 * consecutive parts of them, [before, before + committed] of [0, total], and each part is the rounded
 * figure at its end less the rounded figure at its start: the parts add up to the device's figure rounded
 * once, to the 1e-6 kWh (rounding each share on its own lost or created 1e-6 kWh now and then: 2 + 4 kW
 * committed, 1.1250005 kWh delivered, is 1.125001 kWh rounded once but 0.375000 + 0.750000 in thirds).
 * A command alone (no split) is settled as before, to the bit.
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
 * A command's part of its device's delivery, where the device committed to several operators in the
 * interval: the commitments before it (kWh, in the order made) and all of them together (kWh, summed in
 * that order, so that the last command's `beforeKwh + committedKwh` is `totalKwh` exactly).
 */
export interface DrSplit {
  readonly beforeKwh: number;
  readonly totalKwh: number;
}

/**
 * A programme's price per kWh as a decimal (`money(priceMwh) ÷ 1000`), made once: a run settles every
 * opted-in command with the same two prices (each settled again by the final settlement and its books),
 * and parsing them was a third of its decimal work, the division by 1000 per amount another share.
 * kWh × (price ÷ 1000) is the same decimal as (kWh × price) ÷ 1000: at 60 digits every step is exact
 * (a 1e-6 kWh figure times a price is far fewer digits, and ÷ 1000 only moves the point). A handful of prices per run.
 */
const prices = new Map<number, Money>();
function perKwhDecimal(priceMwh: number): Money {
  let d = prices.get(priceMwh);
  if (d === undefined) {
    if (prices.size >= 1024) prices.clear(); // bounded whatever a caller passes
    prices.set(priceMwh, (d = money(priceMwh).div(1000)));
  }
  return d;
}

/**
 * @param baselineKw the baseline in the interval (NaN: none)
 * @param actualKw the agent's net consumption in the interval
 * @param committedKwh what the agent committed to deliver (≥ 0)
 * @param committedLevelKw the net consumption it committed to (its schedule plus the command), kW; read by the `commitment` rule
 *   only. With a `share` below 1: the level of all the device's commitments in the interval together.
 * @param split this command's part of the device's delivery (`DrSplit`); undefined: the device answered this command alone
 */
export function settleDrCommand(baselineKw: number, actualKw: number, committedKwh: number, durationH: number, terms: DrTerms, committedLevelKw = Number.NaN, split?: DrSplit): DrSettlement {
  const measured = !Number.isNaN(baselineKw);
  // The device's figures, for all its commitments together (this command's alone, without a split).
  const totalKwh = split ? split.totalKwh : committedKwh;
  const whole = measured ? deliveredKwh(baselineKw, actualKw, durationH) : 0;
  const creditedWhole = measured ? Math.max(0, Math.min(whole, totalKwh)) : 0;
  let shortWhole = 0;
  if (terms.penalty === 'commitment') {
    if (Number.isNaN(committedLevelKw)) throw new Error('settleDrCommand: the commitment rule needs the committed level');
    shortWhole = Math.min(totalKwh, Math.max(0, (actualKw - committedLevelKw) * durationH));
  } else {
    shortWhole = Math.max(0, totalKwh - Math.max(0, whole));
  }
  // This command's part of them, rounded to 1e-6 kWh (see above).
  const credited = partKwh(creditedWhole, committedKwh, split);
  const pay = credited.times(perKwhDecimal(terms.eventPriceMwh));
  const penalty = measured ? partKwh(shortWhole, committedKwh, split).times(perKwhDecimal(terms.shortfallPenaltyMwh)) : ZERO;
  const delivered = split ? whole * (committedKwh / split.totalKwh) : whole;
  return { measured, deliveredKwh: delivered, creditedKwh: split ? credited.toNumber() : creditedWhole, pay, penalty, net: penalty.minus(pay) };
}

/**
 * A command's part of its device's figure `kwh`, rounded to 1e-6 kWh (see the header): the whole figure rounded once
 * without a split. A module function, not a closure made per settlement: a run settles each command four times
 * (the meter phase, then the final settlement and its books: engine/settlementDrTotals.ts), and under tsx (the bench, the tests) each
 * closure was also given its name (`__name`, a property definition): 0.6 s of a 22 s profile of a commanded plane day.
 */
function partKwh(kwh: number, committedKwh: number, split: DrSplit | undefined): Money {
  return split ? money(roundedPart(kwh, split.beforeKwh + committedKwh, split.totalKwh)).minus(money(roundedPart(kwh, split.beforeKwh, split.totalKwh))) : money(kwh.toFixed(6));
}

/** `kwh` × upToKwh / totalKwh rounded to 1e-6 kWh: exactly `kwh` rounded where upToKwh is totalKwh (a ratio of 1, × 1 exact). */
const roundedPart = (kwh: number, upToKwh: number, totalKwh: number): string => (kwh * (upToKwh / totalKwh)).toFixed(6);
