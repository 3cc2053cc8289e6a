/**
 * Pre-positioning storage before a forecast overload (an operator's `prePosition`): the
 * state-of-charge setpoint (OpenADR CHARGE_STATE_SETPOINT) each battery behind a branch is
 * asked to reach by the event's start. Pure arithmetic on plain numbers.
 *
 * The share rule mirrors the real-time dispatch (operator.ts), which asks the agents whose kW
 * moves the branch most first (|PTDF|, then scenario order), each for the whole remaining
 * excess up to its limit: taken in that order, each battery is given, per interval of the
 * event, min(its inverter limit, remaining excess / |PTDF|) kW, and the excess its commitment
 * covers is taken off before the next battery. So the batteries that will be asked first are
 * the ones that hold the energy, and no battery is asked for more than its inverter can give
 * in an interval. Over a forward (import) overload that is energy to discharge: the floor is
 * its reserve + Σ kW × Δt / η_d; over a reverse (export) overload, room to absorb: the ceiling
 * is its maximum SoC − Σ kW × Δt × η_c. Both within [min SoC, max SoC] (a battery too small for
 * its share is given its whole span, and the rest passes to the next). The operator plans on
 * the batteries' registered ratings (what a distribution operator knows of a connected battery),
 * never on their state of charge: a battery that already holds more than its floor just keeps it.
 *
 * Getting there must not overload the branch itself: charging ahead of an import overload adds
 * to the import, discharging ahead of a reverse flow to the export. So the energy the batteries
 * move before the event is held within the forecast headroom of the intervals before it,
 * Σ max(0, limit × (1 − headroom) − forecast flow) × Δt (`headroomKwh`): a share whose worst
 * case (the battery starting from its reserve, or from full) would take more than what is left
 * is scaled down (`withinBudget`), and each answer's energy, as the battery states it, is taken
 * off. The batteries spread their trades evenly over the intervals left (agents/storage/setpoint.ts);
 * where one interval's headroom is short, the real-time dispatch trims them and they catch up later.
 */

/** What an operator knows of a connected battery: its registered ratings (physics/battery.ts `BatteryParams`). */
export interface StorageRating {
  readonly minSocKwh: number;
  readonly maxSocKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
}

/** One battery's share of a coming event. */
export interface SetpointShare {
  /** `at-least` before an import overload (energy to discharge), `at-most` before a reverse flow (room to absorb). */
  readonly bound: 'at-least' | 'at-most';
  /** The setpoint, kWh. */
  readonly socKwh: number;
  /** Per interval of the event, the kW it would give (discharge, or charge) towards the excess at its bus. */
  readonly shareKw: Float64Array;
  /** Σ shareKw × Δt, kWh at the grid: 0 when it has nothing to give. */
  readonly energyKwh: number;
}

/**
 * A battery's share of what remains of an event's forecast excess (`remainingKw`, per interval,
 * branch kW, ≥ 0), given how much its kW moves the branch (`sensitivity`, |PTDF| > 0).
 * @example shareOf(Float64Array.of(8, 8), 1, rating(min 1, max 10, 5 kW, η_d 0.9), false, 0.25)
 *   // → 5 kW each interval, 2.5 kWh; at least 1 + 2.5 / 0.9 = 3.778 kWh
 */
export function shareOf(remainingKw: Float64Array, sensitivity: number, r: StorageRating, reverse: boolean, dtH: number): SetpointShare {
  const limitKw = reverse ? r.maxChargeKw : r.maxDischargeKw;
  const shareKw = new Float64Array(remainingKw.length);
  let energy = 0;
  for (let t = 0; t < remainingKw.length; t++) {
    shareKw[t] = Math.max(0, Math.min(limitKw, remainingKw[t]! / sensitivity));
    energy += shareKw[t]! * dtH;
  }
  const span = Math.max(0, r.maxSocKwh - r.minSocKwh);
  let cell = reverse ? energy * r.chargeEfficiency : energy / r.dischargeEfficiency;
  if (cell > span) {
    // More than its whole span: it gives what the span holds, evenly less in every interval.
    const scale = cell > 0 ? span / cell : 0;
    for (let t = 0; t < shareKw.length; t++) shareKw[t]! *= scale;
    energy *= scale;
    cell = span;
  }
  return { bound: reverse ? 'at-most' : 'at-least', socKwh: reverse ? r.maxSocKwh - cell : r.minSocKwh + cell, shareKw, energyKwh: energy };
}

/**
 * The part of its share (0…1) a battery's answer covers: the committed SoC's distance from
 * where it would have nothing to give (its reserve for a floor, its maximum for a ceiling) over
 * the setpoint's. A car states where it has nothing to give (`floorKwh`: its reserve, or more for
 * its departure); it covers only what it commits above that.
 * @example floor share 3.778 kWh on reserve 1; a car committing 8 with floor 6.5 covers 1.5 / 2.778
 */
export function coveredFraction(share: SetpointShare, r: StorageRating, committedSocKwh: number, floorKwh?: number): number {
  const wanted = share.bound === 'at-least' ? share.socKwh - r.minSocKwh : r.maxSocKwh - share.socKwh;
  const got = share.bound === 'at-least' ? committedSocKwh - Math.max(r.minSocKwh, floorKwh ?? r.minSocKwh) : r.maxSocKwh - committedSocKwh;
  if (!(wanted > 0)) return 0;
  return Math.min(1, Math.max(0, got / wanted));
}

/** The grid energy (kWh) a battery would trade before the event to meet a share from its worst case: from its reserve up to a floor, from full down to a ceiling. */
export function worstCaseKwh(share: SetpointShare, r: StorageRating): number {
  return share.bound === 'at-least' ? Math.max(0, share.socKwh - r.minSocKwh) / r.chargeEfficiency : Math.max(0, r.maxSocKwh - share.socKwh) * r.dischargeEfficiency;
}

/** The grid energy (kWh) a battery's answer will trade before the event: its cell energy moved (`shiftKwh`) through its efficiency. */
export function answerKwh(bound: SetpointShare['bound'], shiftKwh: number, r: StorageRating): number {
  return bound === 'at-least' ? shiftKwh / r.chargeEfficiency : shiftKwh * r.dischargeEfficiency;
}

/**
 * A share whose worst-case trade before the event (`worstCaseKwh`, times `sensitivity`: branch
 * kWh) fits in `budgetKwh`: the share itself, or scaled down until it does (its kW per interval
 * and its distance from the reserve, or from full, alike).
 */
export function withinBudget(share: SetpointShare, r: StorageRating, sensitivity: number, budgetKwh: number): SetpointShare {
  const worst = worstCaseKwh(share, r) * sensitivity;
  if (worst <= budgetKwh) return share;
  const k = Math.max(0, budgetKwh) / worst;
  const shareKw = share.shareKw.map((x) => x * k);
  const socKwh = share.bound === 'at-least' ? r.minSocKwh + (share.socKwh - r.minSocKwh) * k : r.maxSocKwh - (r.maxSocKwh - share.socKwh) * k;
  return { bound: share.bound, socKwh, shareKw, energyKwh: share.energyKwh * k };
}

/**
 * The branch energy (kWh) the forecast leaves under the target before an event starting
 * `first` intervals ahead, in the event's direction `dir` (±1): Σ over k = 1 … first − 1 of
 * max(0, target − dir × forecast[k]) × Δt.
 */
export function headroomKwh(forecast: Float64Array, first: number, dir: number, targetKw: number, dtH: number): number {
  let e = 0;
  for (let k = 1; k < first; k++) e += Math.max(0, targetKw - dir * forecast[k]!) * dtH;
  return e;
}
