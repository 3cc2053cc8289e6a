/**
 * What a home's consumption is worth to it, interval by interval. The curve a home
 * shows its strategy (highest value first; see `strategies/home/view.ts`):
 * - the inelastic part of the base load at the price cap (the value of lost load:
 *   the home would pay anything up to the cap rather than go dark);
 * - an appliance run that must start now (or is running) at the cap; one that may
 *   still wait at a value rising as its slack shrinks (`appliances.ts`);
 * - the HVAC power that keeps the room inside its comfort band at the cap, then the
 *   power towards the setpoint in blocks whose value falls as the margin they buy
 *   grows, then pre-conditioning beyond the setpoint at 0 (`physics/hvac.ts`);
 * - the price-responsive share of the base load (laundry, a pool pump, comfort
 *   lighting …) in equal blocks whose values are spread between a low and a high
 *   willingness to pay.
 * Rooftop PV is supply at its offer price.
 */
/**
 * Per-home block values: evenly spaced in [minMwh, maxMwh], shifted by `u` ∈ [0, 1)
 * (one draw per home) so that many homes together give a smooth demand curve
 * rather than steps at the same few prices.
 */
export function flexibleBlockValues(minMwh: number, maxMwh: number, blocks: number, u: number): number[] {
  const width = (maxMwh - minMwh) / blocks;
  return Array.from({ length: blocks }, (_, k) => maxMwh - width * (k + u));
}
