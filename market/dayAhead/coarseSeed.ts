/**
 * Price-band seeds from a coarse day: where the storage/EV bids move prices far from the
 * simple bids' merit order (the day-ahead bench: 1,000 batteries and EVs outweigh the
 * simple bids), seeds at the merit order are far off, and the first widening frees almost
 * every column. So the seed is the price of a small approximation of the same day:
 *
 * - one node (copper plate): no grid rows;
 * - simple columns bucketed by price (`bucketTicks`) per interval and side, each bucket one
 *   column at its quantity-weighted mean price;
 * - storage/EV bids with the same window and per-unit parameters merged into one (their
 *   capacities, SoC bounds, power limits, initial SoC and targets added), the rest kept;
 * - no ramp limits.
 *
 * Only the seeds come from it: which columns the restricted LPs fix is certified by the full
 * LP's duals afterwards (market/dayAhead/priceBands.ts), so a poor seed costs iterations,
 * never exactness. Returns undefined when the coarse LP has no optimum (then the merit-order
 * seeds serve). Pure apart from the solver call.
 */
import type { LpSolver } from '../lp/solver.ts';
import { type BatteryBid, buildProgram, copperPlate, type ProgramInput, type SimpleColumns } from './program.ts';
import { type PriceBands, uniformBands } from './priceBands.ts';

/** Bucket width of the coarse day's simple columns, currency/MWh. */
export const COARSE_BUCKET_MWH = 1;

export function coarseSeedBands(input: ProgramInput, solver: LpSolver, marginTicks: number, busCount: number): { bands: PriceBands; rows: number; cols: number } | undefined {
  const tick = input.priceTickMwh;
  const bucketTicks = Math.max(1, Math.round(COARSE_BUCKET_MWH / tick));
  const simple = input.simple.map((cols) => bucketColumns(cols, bucketTicks));
  const coarse: ProgramInput = { ...input, grid: copperPlate(1), simple, batteries: mergeBatteries(input.batteries), ramps: [], integers: [] };
  const { lp, layout } = buildProgram(coarse);
  const solution = solver.solve(lp, { duals: true, method: 'simplex' });
  if (solution.status !== 'optimal' || !solution.rowDual) return undefined;
  const T = input.horizon.intervalCount;
  const loTick = new Float64Array(T);
  const hiTick = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    // The single balance row's dual is −price × Δt (program.ts).
    const price = -solution.rowDual[layout.gridRow[t]!]! / input.horizon.durationH;
    loTick[t] = Math.floor(price / tick) - marginTicks;
    hiTick[t] = Math.ceil(price / tick) + marginTicks;
  }
  return { bands: uniformBands(loTick, hiTick, busCount), rows: lp.numRows, cols: lp.numCols };
}

/** One interval's simple columns as one column per (side, price bucket), all at bus 0, no ramp groups. */
export function bucketColumns(cols: SimpleColumns, bucketTicks: number): SimpleColumns {
  const key = new Map<number, number>();
  const isBuy: number[] = [];
  const quanta: number[] = [];
  const tickQuanta: number[] = [];
  for (let c = 0; c < cols.count; c++) {
    const buy = cols.isBuy[c]!;
    const k = Math.floor(cols.priceTicks[c]! / bucketTicks) * 2 + buy;
    let j = key.get(k);
    if (j === undefined) {
      j = isBuy.length;
      key.set(k, j);
      isBuy.push(buy);
      quanta.push(0);
      tickQuanta.push(0);
    }
    quanta[j]! += cols.quanta[c]!;
    tickQuanta[j]! += cols.quanta[c]! * cols.priceTicks[c]!;
  }
  const n = isBuy.length;
  return {
    count: n,
    gridBus: new Int32Array(n),
    isBuy: Uint8Array.from(isBuy),
    priceTicks: Float64Array.from(tickQuanta, (v, j) => v / quanta[j]!),
    quanta: Float64Array.from(quanta),
    ramp: new Int32Array(n).fill(-1),
    columnOf: new Int32Array(0),
  };
}

/** Storage/EV bids with the same window, kind and per-unit parameters as one bid of their summed sizes (bus 0). */
export function mergeBatteries(batteries: readonly BatteryBid[]): BatteryBid[] {
  const groups = new Map<string, BatteryBid>();
  for (const b of batteries) {
    const d = b.bid;
    const k = [d.kind, b.from, b.to, d.chargeEfficiency, d.dischargeEfficiency, d.degradationCostPerMwh ?? 0, b.shortfallCostMwh, b.terminalValueMwh, d.maxChargeKw > 0, d.maxDischargeKw > 0].join('|');
    const g = groups.get(k);
    if (!g) {
      groups.set(k, { ...b, gridBus: 0 });
      continue;
    }
    const s = g.bid;
    groups.set(k, {
      ...g,
      targetKwh: g.targetKwh + b.targetKwh,
      bid: {
        ...s,
        capacityKwh: s.capacityKwh + d.capacityKwh,
        minSocKwh: s.minSocKwh + d.minSocKwh,
        maxSocKwh: s.maxSocKwh + d.maxSocKwh,
        maxChargeKw: s.maxChargeKw + d.maxChargeKw,
        maxDischargeKw: s.maxDischargeKw + d.maxDischargeKw,
        initialSocKwh: s.initialSocKwh + d.initialSocKwh,
      },
    });
  }
  return [...groups.values()];
}
