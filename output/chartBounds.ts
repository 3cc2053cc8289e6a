/**
 * Bounds on what the report draws, so that report.html opens in a browser whatever the run:
 * a chart of one line per bus keeps a few buses and the envelope of all of them, and a chart
 * longer than a screen has pixels keeps each stretch's lowest and highest values. Every value
 * stays in the CSV files; the charts' captions say what was left out. Pure functions.
 */
import type { ChartSeries, ChartSpec } from './chart.ts';

/** Per-bus lines drawn as they are up to this many buses; beyond it, the envelope and a few. */
export const MAX_BUS_LINES = 10;

/** Buses drawn beside the envelope when there are more than MAX_BUS_LINES. */
const WIDEST_BUSES = 5;

/**
 * Points a chart's time axis keeps: beyond it, consecutive intervals are taken in buckets and
 * each bucket drawn as two points. A chart 1,000–2,000 pixels wide shows no more than this,
 * and uPlot draws it at once; a year at 15 minutes (35,040 intervals) would otherwise inline
 * 35,040 points per line.
 */
export const MAX_CHART_POINTS = 10_000;

export interface BusLines {
  readonly series: ChartSeries[];
  /** Says which buses are drawn when not all are; absent when every bus is. */
  readonly caption?: string;
}

/**
 * One line per bus (`label(bus)`), or, past MAX_BUS_LINES buses, the highest, mean and lowest
 * over all buses each interval and the WIDEST_BUSES buses whose values spread widest over the
 * run (highest minus lowest; ties in map order). `what` names the values for the caption
 * ('clearing prices'), `csv` the file that has every bus.
 */
export function busLines(
  byBus: ReadonlyMap<string, ReadonlyArray<number | null>>,
  label: (bus: string) => string,
  what: string,
  csv: string,
  dash = false,
): BusLines {
  const style = dash ? { dash: true } : {};
  if (byBus.size <= MAX_BUS_LINES) return { series: [...byBus].map(([bus, values]) => ({ label: label(bus), values, ...style })) };
  const columns = [...byBus.values()];
  const n = columns.reduce((m, v) => Math.max(m, v.length), 0);
  const highest: Array<number | null> = new Array(n).fill(null);
  const lowest: Array<number | null> = new Array(n).fill(null);
  const mean: Array<number | null> = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    let hi = -Infinity;
    let lo = Infinity;
    let sum = 0;
    let count = 0;
    for (const values of columns) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (v > hi) hi = v;
      if (v < lo) lo = v;
      sum += v;
      count++;
    }
    if (count > 0) {
      highest[i] = hi;
      lowest[i] = lo;
      mean[i] = sum / count;
    }
  }
  const widest = [...byBus]
    .map(([bus, values], order) => ({ bus, values, order, spread: spreadOf(values) }))
    .sort((a, b) => b.spread - a.spread || a.order - b.order)
    .slice(0, WIDEST_BUSES)
    .sort((a, b) => a.order - b.order);
  return {
    series: [
      { label: label(`highest of ${byBus.size} buses`), values: highest, ...style },
      { label: label(`mean of ${byBus.size} buses`), values: mean, ...style },
      { label: label(`lowest of ${byBus.size} buses`), values: lowest, ...style },
      ...widest.map(({ bus, values }) => ({ label: label(bus), values, ...style })),
    ],
    caption: `${byBus.size} buses: the highest, mean and lowest of their ${what} each interval, and the ${WIDEST_BUSES} buses whose ${what} spread widest over the run; every bus is in ${csv}.`,
  };
}

/** Highest minus lowest of a line's values (0 for a line with none). */
function spreadOf(values: ReadonlyArray<number | null>): number {
  let hi = -Infinity;
  let lo = Infinity;
  for (const v of values) {
    if (v === null) continue;
    if (v > hi) hi = v;
    if (v < lo) lo = v;
  }
  return hi >= lo ? hi - lo : 0;
}

/**
 * The chart as drawn: unchanged up to MAX_CHART_POINTS points; beyond, its intervals in
 * buckets of k consecutive ones (k the least that gives at most MAX_CHART_POINTS / 2 buckets),
 * each bucket two points, at its first and its last time, carrying each line's lowest and
 * highest value in the bucket in the order they came (min-max decimation: every peak and
 * trough of the run is drawn, at most one bucket away from its time). A bucket where a line
 * has no value draws a gap.
 */
export function fitForDisplay(chart: ChartSpec, maxPoints = MAX_CHART_POINTS): ChartSpec {
  const n = chart.x.length;
  if (n <= maxPoints) return chart;
  const k = Math.ceil(n / Math.floor(maxPoints / 2));
  const buckets = Math.ceil(n / k);
  // A last bucket of one interval is one point: uPlot's times must rise.
  const points = n - (buckets - 1) * k === 1 ? 2 * buckets - 1 : 2 * buckets;
  const x: number[] = new Array(points);
  for (let b = 0; b < buckets; b++) {
    x[2 * b] = chart.x[b * k]!;
    if (2 * b + 1 < points) x[2 * b + 1] = chart.x[Math.min(n, (b + 1) * k) - 1]!;
  }
  const series = chart.series.map((s) => ({ ...s, values: extremesByBucket(s.values, k, buckets, points) }));
  const note = `Drawn in ${buckets} stretches of ${k} intervals, each as its lowest and highest value; every interval is in the CSV files.`;
  return { ...chart, x, series, caption: chart.caption ? `${chart.caption} ${note}` : note };
}

function extremesByBucket(values: ReadonlyArray<number | null>, k: number, buckets: number, points: number): Array<number | null> {
  const out: Array<number | null> = new Array(points).fill(null);
  for (let b = 0; b < buckets; b++) {
    let lo: number | null = null;
    let hi: number | null = null;
    let loAt = 0;
    let hiAt = 0;
    const end = Math.min(values.length, (b + 1) * k);
    for (let i = b * k; i < end; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (lo === null || v < lo) {
        lo = v;
        loAt = i;
      }
      if (hi === null || v > hi) {
        hi = v;
        hiAt = i;
      }
    }
    if (lo === null || hi === null) continue;
    // In the order they came: a rise draws low then high, a fall high then low.
    out[2 * b] = loAt <= hiAt ? lo : hi;
    if (2 * b + 1 < points) out[2 * b + 1] = loAt <= hiAt ? hi : lo;
  }
  return out;
}
