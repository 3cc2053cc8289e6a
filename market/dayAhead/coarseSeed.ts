/**
 * Price-band seeds from a coarse day: where the storage/EV bids move prices far from the
 * simple bids' merit order (the day-ahead bench: 1,000 batteries and EVs outweigh the
 * simple bids), seeds at the merit order are far off, and the first widening frees almost
 * every column. So the seeds are the bus prices of a smaller approximation of the same day:
 *
 * - the same grid, every interval;
 * - simple columns bucketed by price (`COARSE_BUCKET_MWH`) per interval, bus and side, each
 *   bucket one column at its quantity-weighted mean price;
 * - storage/EV bids at one bus with the same window and per-unit parameters merged into one
 *   (their capacities, SoC bounds, power limits, initial SoC and targets added), the rest kept;
 * - no ramp limits.
 *
 * Measured on the day-ahead bench (full scale): a copper-plate coarse day (one node) was
 * cheaper (7,923 × 53,593, ~1 s) but its prices missed the congested buses, and a second
 * restricted LP of 534k columns followed (76.5 s CPU for the day's solves); on the grid it is
 * 29,715 × 200,503 (7.1 s) and the first restricted LP is certified (42.0 s in all).
 *
 * Only the seeds come from it: which columns the restricted LPs fix is certified by the full
 * LP's duals afterwards (market/dayAhead/priceBands.ts), so a poor seed costs iterations,
 * never exactness. Returns undefined when the coarse LP has no optimum (then the merit-order
 * seeds serve). Pure apart from the solver call.
 */
import type { LpSolver } from '../lp/solver.ts';
import { type BatteryBid, buildProgram, type ProgramInput, type SimpleColumns } from './program.ts';
import { type PriceBands, uniformBands } from './priceBands.ts';

/** Bucket width of the coarse day's simple columns, currency/MWh (1 on the bench's grid: 1M columns, too many; 5: 200k). */
export const COARSE_BUCKET_MWH = 5;

export function coarseSeedBands(input: ProgramInput, solver: LpSolver, marginTicks: number, busCount: number): { bands: PriceBands; rows: number; cols: number } | undefined {
  const tick = input.priceTickMwh;
  const bucketTicks = Math.max(1, Math.round(COARSE_BUCKET_MWH / tick));
  const simple = input.simple.map((cols) => bucketColumns(cols, bucketTicks));
  const coarse: ProgramInput = { ...input, simple, batteries: mergeBatteries(input.batteries), ramps: [], integers: [] };
  const { lp, layout } = buildProgram(coarse);
  const solution = solver.solve(lp, { duals: true, method: 'simplex' });
  if (solution.status !== 'optimal' || !solution.rowDual) return undefined;
  const T = input.horizon.intervalCount;
  const y = solution.rowDual;
  const { injectionStarts, injectionRows, injectionValues } = input.grid;
  const bands = uniformBands(new Float64Array(T), new Float64Array(T), busCount);
  for (let t = 0; t < T; t++) {
    const r0 = layout.gridRow[t]!;
    for (let b = 0; b < busCount; b++) {
      // The bus price as the clearing reads it: −(Σ a_r y_r)/Δt over the rows an injection at b enters (program.ts).
      let v = 0;
      for (let k = injectionStarts[b]!; k < injectionStarts[b + 1]!; k++) v += injectionValues[k]! * y[r0 + injectionRows[k]!]!;
      const price = -v / input.horizon.durationH;
      bands.loTick[t * busCount + b] = Math.floor(price / tick) - marginTicks;
      bands.hiTick[t * busCount + b] = Math.ceil(price / tick) + marginTicks;
    }
  }
  return { bands, rows: lp.numRows, cols: lp.numCols };
}

/** One interval's simple columns as one column per (grid bus, side, price bucket), no ramp groups. */
export function bucketColumns(cols: SimpleColumns, bucketTicks: number): SimpleColumns {
  const key = new Map<number, number>();
  const isBuy: number[] = [];
  const gridBus: number[] = [];
  const quanta: number[] = [];
  const tickQuanta: number[] = [];
  for (let c = 0; c < cols.count; c++) {
    const buy = cols.isBuy[c]!;
    const bus = cols.gridBus[c]!;
    const k = (Math.floor(cols.priceTicks[c]! / bucketTicks) * 2 + buy) * 65536 + bus;
    let j = key.get(k);
    if (j === undefined) {
      j = isBuy.length;
      key.set(k, j);
      isBuy.push(buy);
      gridBus.push(bus);
      quanta.push(0);
      tickQuanta.push(0);
    }
    quanta[j]! += cols.quanta[c]!;
    tickQuanta[j]! += cols.quanta[c]! * cols.priceTicks[c]!;
  }
  const n = isBuy.length;
  return {
    count: n,
    gridBus: Int32Array.from(gridBus),
    isBuy: Uint8Array.from(isBuy),
    priceTicks: Float64Array.from(tickQuanta, (v, j) => v / quanta[j]!),
    quanta: Float64Array.from(quanta),
    ramp: new Int32Array(n).fill(-1),
    columnOf: new Int32Array(0),
  };
}

/** Storage/EV bids at one grid bus with the same window, kind and per-unit parameters as one bid of their summed sizes. */
export function mergeBatteries(batteries: readonly BatteryBid[]): BatteryBid[] {
  const groups = new Map<string, BatteryBid>();
  for (const b of batteries) {
    const d = b.bid;
    const k = [b.gridBus, d.kind, b.from, b.to, d.chargeEfficiency, d.dischargeEfficiency, d.degradationCostPerMwh ?? 0, b.shortfallCostMwh, b.terminalValueMwh, d.maxChargeKw > 0, d.maxDischargeKw > 0].join('|');
    const g = groups.get(k);
    if (!g) {
      groups.set(k, b);
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
