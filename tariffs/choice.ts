/**
 * Tariff choice: which of the offered tariffs a customer takes, from the bills it
 * expects under each, with inertia. The customer model of Power TAC:
 *
 *   W. Ketter, J. Collins, M. de Weerdt, "The 2020 Power Trading Agent Competition",
 *   ERIM Report Series Research in Management, Erasmus University Rotterdam, 2020 —
 *   the customer models' tariff evaluation (as implemented in powertac-server,
 *   `org.powertac.common.TariffEvaluator`).
 *
 * Each evaluation cycle a customer
 *
 * 1. with probability `inertia` does not even look at the offers and stays put
 *    (Power TAC's inertia; forced to 0 when its current tariff is no longer offered);
 * 2. otherwise scores every offer j by its normalised saving against a reference bill R,
 *
 *        Cⱼ = Bⱼ + (j ≠ current ? switchingCost : 0)          expected cost, currency
 *        uⱼ = (R − Cⱼ) / |R| − inconvenienceⱼ                  R: see `ChoiceParameters.referenceBill`
 *
 *    (Power TAC normalises by the default tariff's cost, so a choice does not depend on
 *    the currency or on the length of the horizon the bills cover);
 * 3. and picks j with the logit (softmax) probability
 *
 *        Pⱼ = exp(λ·uⱼ) / Σₖ exp(λ·uₖ)
 *
 *    λ = 0 picks uniformly at random; λ → ∞ always picks the cheapest. Power TAC takes a
 *    "rationality" r ∈ [0, 1] and uses λ = 50^r − 1 (`lambdaFromPowerTacRationality`).
 *
 * Pure and deterministic for a seeded stream: each call draws **exactly two** numbers
 * from `rng` (the inertia draw, then the choice draw), whatever the outcome, so a
 * variant that changes a tariff's price never shifts the rest of the customer's stream.
 * Offers are considered in `tariffId` order, whatever order they are given in.
 */
import type { Rng } from '../core/rng.ts';

export interface TariffOffer {
  readonly tariffId: string;
  /** Expected bill under this tariff over the evaluation horizon (currency; e.g. `expectedBill(...)` of a forecast profile, tariffs/expectedBill.ts: a monthly demand charge counts a day's share of the month). */
  readonly expectedBill: number;
  /** Extra disutility in normalised units (Power TAC's inconvenience, e.g. 0.1 for a real-time tariff). Default 0. */
  readonly inconvenience?: number;
}

export interface ChoiceParameters {
  /** Logit precision λ ≥ 0, per unit of normalised saving (a 1 % saving moves the odds by e^(λ/100)). */
  readonly rationality: number;
  /** Probability in [0, 1] of not evaluating at all this cycle (1: never switches). */
  readonly inertia: number;
  /** Cost of switching away from the current tariff, currency over the same horizon as the bills. Default 0. */
  readonly switchingCost?: number;
  /**
   * The bill savings are measured against. Default: the expected bill of the current
   * tariff when it is offered, else the mean |expected bill| of the offers. When it is 0
   * savings are in plain currency.
   */
  readonly referenceBill?: number;
}

export interface ChoiceProbability {
  readonly tariffId: string;
  readonly utility: number;
  readonly probability: number;
}

export interface TariffChoice {
  readonly tariffId: string;
  /** The chosen tariff is not the current one. */
  readonly switched: boolean;
  /** False when inertia kept the customer from looking. */
  readonly evaluated: boolean;
  /** The logit probabilities, in `tariffId` order (computed even when not evaluated). */
  readonly probabilities: readonly ChoiceProbability[];
}

/** Power TAC's map from rationality r ∈ [0, 1] to the logit precision: λ = λmax^r − 1 (λmax = 50). */
export function lambdaFromPowerTacRationality(r: number, lambdaMax = 50): number {
  if (!(r >= 0 && r <= 1)) throw new RangeError(`rationality must be in [0, 1], got ${r}`);
  return Math.pow(lambdaMax, r) - 1;
}

/**
 * Power TAC's start-up schedule for inertia: a customer in its n-th evaluation
 * (n = 0, 1, 2 …) uses max(0, (1 − 2^(1−n)) · inertia), so it may leave the default
 * tariff early in a simulation and settles to the steady inertia later.
 */
export function powerTacInertia(inertia: number, evaluationCount: number): number {
  return Math.max(0, (1 - Math.pow(2, 1 - evaluationCount)) * inertia);
}

/** The logit probabilities of the offers (sorted by `tariffId`). Throws `RangeError` on invalid input. */
export function tariffChoiceProbabilities(
  offers: readonly TariffOffer[],
  currentTariffId: string | undefined,
  params: ChoiceParameters,
): ChoiceProbability[] {
  check(offers, params);
  const sorted = [...offers].sort((a, b) => (a.tariffId < b.tariffId ? -1 : a.tariffId > b.tariffId ? 1 : 0));
  const current = sorted.find((o) => o.tariffId === currentTariffId);
  const reference =
    params.referenceBill ?? current?.expectedBill ?? sorted.reduce((s, o) => s + Math.abs(o.expectedBill), 0) / sorted.length;
  const scale = reference === 0 ? 1 : Math.abs(reference);
  const switchingCost = params.switchingCost ?? 0;
  const utilities = sorted.map((o) => {
    const cost = o.expectedBill + (o === current ? 0 : switchingCost);
    return (reference - cost) / scale - (o.inconvenience ?? 0);
  });
  // Softmax shifted by the maximum: no overflow for any finite λ.
  const lambda = params.rationality;
  const max = Math.max(...utilities);
  const weights = utilities.map((u) => (lambda === 0 ? 1 : Math.exp(lambda * (u - max))));
  const total = weights.reduce((s, w) => s + w, 0);
  return sorted.map((o, j) => ({ tariffId: o.tariffId, utility: utilities[j]!, probability: weights[j]! / total }));
}

/**
 * One customer's choice this cycle. Stays on `currentTariffId` with probability
 * `inertia` (when that tariff is still offered), else draws from the logit
 * probabilities. `currentTariffId` undefined: a new customer, who always chooses.
 * Consumes exactly two draws from `rng`.
 */
export function chooseTariff(
  offers: readonly TariffOffer[],
  currentTariffId: string | undefined,
  params: ChoiceParameters,
  rng: Rng,
): TariffChoice {
  const probabilities = tariffChoiceProbabilities(offers, currentTariffId, params);
  const inertiaDraw = rng.next();
  const choiceDraw = rng.next();
  const stillOffered = probabilities.some((p) => p.tariffId === currentTariffId);
  if (stillOffered && inertiaDraw < params.inertia) {
    return { tariffId: currentTariffId!, switched: false, evaluated: false, probabilities };
  }
  let chosen = probabilities[probabilities.length - 1]!.tariffId;
  let cumulative = 0;
  for (const p of probabilities) {
    cumulative += p.probability;
    if (choiceDraw < cumulative) {
      chosen = p.tariffId;
      break;
    }
  }
  return { tariffId: chosen, switched: chosen !== currentTariffId, evaluated: true, probabilities };
}

function check(offers: readonly TariffOffer[], params: ChoiceParameters): void {
  if (offers.length === 0) throw new RangeError('a tariff choice needs at least one offer');
  const ids = new Set<string>();
  for (const o of offers) {
    if (ids.has(o.tariffId)) throw new RangeError(`tariff '${o.tariffId}' is offered twice`);
    ids.add(o.tariffId);
    if (!Number.isFinite(o.expectedBill)) throw new RangeError(`expected bill of '${o.tariffId}' must be finite, got ${o.expectedBill}`);
    if (o.inconvenience !== undefined && !Number.isFinite(o.inconvenience))
      throw new RangeError(`inconvenience of '${o.tariffId}' must be finite, got ${o.inconvenience}`);
  }
  if (!(Number.isFinite(params.rationality) && params.rationality >= 0)) throw new RangeError(`rationality (λ) must be finite and ≥ 0, got ${params.rationality}`);
  if (!(params.inertia >= 0 && params.inertia <= 1)) throw new RangeError(`inertia must be in [0, 1], got ${params.inertia}`);
  if (params.switchingCost !== undefined && !(Number.isFinite(params.switchingCost) && params.switchingCost >= 0))
    throw new RangeError(`switchingCost must be finite and ≥ 0, got ${params.switchingCost}`);
  if (params.referenceBill !== undefined && !Number.isFinite(params.referenceBill))
    throw new RangeError(`referenceBill must be finite, got ${params.referenceBill}`);
}
