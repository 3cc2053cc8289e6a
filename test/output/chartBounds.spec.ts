/**
 * What report.html draws stays bounded (output/chartBounds.ts). Before, a 2,000-bus star drew a
 * 2,001-entry price chart, and every chart inlined one point per interval: 4.5 MB of report for a
 * year at 15 minutes on 3 buses, 21 MB for 160 days at 1 minute, which a browser opens slowly or
 * not at all.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { ChartSpec } from '../../output/chart.ts';
import { busLines, fitForDisplay, MAX_BUS_LINES, MAX_CHART_POINTS } from '../../output/chartBounds.ts';
import { renderReport } from '../../output/report.ts';

const chart = (x: number[], values: Array<number | null>): ChartSpec => ({ id: 'c', title: 'c', yLabel: 'kW', x, series: [{ label: 's', values }] });

describe('report charts within bounds (output/chartBounds.ts)', () => {
  it(`up to ${MAX_BUS_LINES} buses: one line each, labelled, no caption`, () => {
    const byBus = new Map(Array.from({ length: MAX_BUS_LINES }, (_, b) => [`b${b}`, [b, b + 1]] as const));
    const lines = busLines(byBus, (bus) => `${bus} real-time`, 'prices', 'intervals.csv', true);
    expect(lines.caption).to.equal(undefined);
    expect(lines.series.map((s) => s.label)).to.deep.equal(Array.from({ length: MAX_BUS_LINES }, (_, b) => `b${b} real-time`));
    expect(lines.series.every((s) => s.dash === true)).to.equal(true);
  });

  it('by hand, 12 buses: the highest, mean and lowest each interval (a bus without a price left out), then the 5 widest-spread buses in bus order', () => {
    // Bus b has prices [10 + b, 20, 30 - b] except: b11 spreads 0..100, b3 has no price in interval 1.
    const byBus = new Map<string, Array<number | null>>(Array.from({ length: 12 }, (_, b) => [`b${b}`, [10 + b, 20, 30 - b]]));
    byBus.set('b11', [0, 100, 50]);
    byBus.set('b3', [13, null, 27]);
    const lines = busLines(byBus, (bus) => bus, 'clearing prices', 'intervals.csv');
    const [hi, mean, lo, ...widest] = lines.series;
    expect(hi!.label).to.equal('highest of 12 buses');
    expect(hi!.values).to.deep.equal([20, 100, 50]);
    expect(lo!.values).to.deep.equal([0, 20, 20]);
    // Interval 0: 10+11+…+20 except b11 (21) replaced by 0, over 12 buses: (10+…+20 + 0) / 12 = 165 / 12.
    expect(mean!.values[0]).to.be.closeTo(165 / 12, 1e-12);
    // Interval 1: b3 has none, 10 buses at 20 and b11 at 100, over 11.
    expect(mean!.values[1]).to.be.closeTo((10 * 20 + 100) / 11, 1e-12);
    // Spreads: b11 100; any other bus b |20 − 2b| (b3 too: 13 to 27): b0 20, b1 18, b2 16, b3 14, b4 12 …
    // The 5 widest: b11, b0, b1, b2, b3 → drawn in bus order.
    expect(widest.map((s) => s.label)).to.deep.equal(['b0', 'b1', 'b2', 'b3', 'b11']);
    expect(lines.caption).to.equal('12 buses: the highest, mean and lowest of their clearing prices each interval, and the 5 buses whose clearing prices spread widest over the run; every bus is in intervals.csv.');
  });

  it(`a chart of up to ${MAX_CHART_POINTS} points is drawn as it is`, () => {
    const c = chart([1, 2, 3], [5, null, 7]);
    expect(fitForDisplay(c)).to.equal(c);
  });

  it('by hand: 25 intervals into at most 10 points → 5 stretches of 5, each its lowest and highest in the order they came', () => {
    const x = Array.from({ length: 25 }, (_, i) => 900 * i);
    const values: Array<number | null> = [1, 2, 9, 3, 4, /**/ 8, 1, 5, 5, 5, /**/ null, null, null, null, null, /**/ 6, 6, 6, 6, 6, /**/ 0, null, 3, null, -2];
    const drawn = fitForDisplay(chart(x, values), 10);
    expect(drawn.x).to.deep.equal([0, 3600, 4500, 8100, 9000, 12600, 13500, 17100, 18000, 21600]);
    expect(drawn.series[0]!.values).to.deep.equal([1, 9, 8, 1, null, null, 6, 6, 3, -2]);
    expect(drawn.caption).to.equal('Drawn in 5 stretches of 5 intervals, each as its lowest and highest value; every interval is in the CSV files.');
  });

  it('a last stretch of one interval is one point (times must rise)', () => {
    const x = Array.from({ length: 21 }, (_, i) => i);
    const drawn = fitForDisplay(chart(x, x.map((i) => i * 2)), 10);
    expect(drawn.x).to.deep.equal([0, 4, 5, 9, 10, 14, 15, 19, 20]);
    expect(drawn.series[0]!.values).to.deep.equal([0, 8, 10, 18, 20, 28, 30, 38, 40]);
  });

  it('any run: at most the bound of points, times rising, every value drawn one of the run, and each line keeps its lowest and highest (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 60 }),
        fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null, freq: 4 }), { minLength: 1, maxLength: 400 }),
        (maxPoints, values) => {
          const x = values.map((_, i) => 60 * i);
          const drawn = fitForDisplay(chart(x, values), maxPoints);
          expect(drawn.x.length).to.be.at.most(maxPoints);
          for (let i = 1; i < drawn.x.length; i++) expect(drawn.x[i]!).to.be.greaterThan(drawn.x[i - 1]!);
          const drawnValues = drawn.series[0]!.values;
          expect(drawnValues.length).to.equal(drawn.x.length);
          const seen = values.filter((v): v is number => v !== null);
          for (const v of drawnValues) if (v !== null) expect(seen).to.include(v);
          if (seen.length > 0) {
            const kept = drawnValues.filter((v): v is number => v !== null);
            expect(Math.max(...kept)).to.equal(Math.max(...seen));
            expect(Math.min(...kept)).to.equal(Math.min(...seen));
          }
        },
      ),
    );
  });

  it('report.html of a year at 15 minutes inlines at most the bound of points per line, and says so under the chart', () => {
    const n = 365 * 96;
    const x = Array.from({ length: n }, (_, i) => 1_767_225_600 + 900 * i);
    const html = renderReport({
      title: 't',
      subtitle: 's',
      kpis: {},
      charts: [{ id: 'load', title: 'Load', yLabel: 'kW', x, series: [{ label: 'demand', values: x.map((_, i) => (i === 12_345 ? 999 : i % 96)) }] }],
    });
    const charts = JSON.parse(/const CHARTS = (.*);\n/.exec(html)![1]!) as ChartSpec[];
    // 35,040 intervals in stretches of ceil(35,040 / 5,000) = 8: 4,380 stretches, 8,760 points.
    expect(charts[0]!.x.length).to.equal(8760);
    expect(charts[0]!.series[0]!.values).to.include(999);
    expect(html).to.include('Drawn in 4380 stretches of 8 intervals');
  });
});
