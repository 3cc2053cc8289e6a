/**
 * What both HTML reports (report.html: output/report.ts; batch-report.html: batch/report.ts)
 * inline to draw their charts, so that the two pages behave alike and open from disk with
 * no network:
 * - `HEAD`: the viewport tag (a phone lays the page out at its own width, not 980 px);
 * - `css`: uPlot's stylesheet and the rules both pages share (scroll boxes for wide tables,
 *   the message of a chart that could not be drawn, focus rings on legend entries);
 * - `scripts`: three script elements, a guard, then uPlot, then `gridbidChart(id, el, opts, data)`,
 *   which every chart is drawn with (apart, so that uPlot failing to load leaves the third working). The guard replaces a `navigator.language` Intl refuses: uPlot runs
 *   `new Intl.NumberFormat(navigator.language)` as it loads, and headless Chromium under
 *   `LANG=C.UTF-8` reports 'en-US@posix', which threw and left every chart blank.
 *   `gridbidChart` draws the chart or, if it cannot, says so in its box; sizes it to its
 *   box's width and again whenever that changes; makes the legend's entries buttons a
 *   keyboard reaches (Tab, then Enter or Space shows or hides the line); and registers it
 *   as `window.gridbidCharts[id]`.
 * - `lineStyle(i, dashed)` (in the page): a colour and dash per line, no two alike for the
 *   first 100 lines of a chart (10 colours × 5 solid patterns, and 5 dashed ones for lines
 *   drawn dashed), so a chart of 30 buses does not reuse a colour for three of them.
 * Pure: the same inputs give the same bytes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

/** `<meta>` tags both pages carry in their head. */
export const HEAD = '<meta name="viewport" content="width=device-width, initial-scale=1">';

/** Runs before uPlot: a language tag Intl accepts in `navigator.language` (the tag's language and region, else en-US). */
const LOCALE_GUARD = `(function () {
  var usable = function (tag) { try { new Intl.NumberFormat(tag); return true; } catch (e) { return false; } };
  var tag = navigator.language;
  if (usable(tag)) return;
  var base = String(tag).split(/[@.]/)[0].replace(/_/g, '-');
  var fixed = base && usable(base) ? base : 'en-US';
  try { Object.defineProperty(navigator, 'language', { get: function () { return fixed; }, configurable: true }); } catch (e) {}
  if (navigator.language !== fixed) try { Object.defineProperty(Object.getPrototypeOf(navigator), 'language', { get: function () { return fixed; }, configurable: true }); } catch (e) {}
})();`;

/** Runs after uPlot: `lineStyle` and `gridbidChart`. */
const CHART_HELPERS = `window.gridbidCharts = {};
var GRIDBID_PALETTE = ${JSON.stringify(PALETTE)};
var GRIDBID_SOLID = [null, [12, 3], [3, 3], [12, 3, 3, 3], [1, 2]];
var GRIDBID_DASHED = [[6, 4], [10, 3, 2, 3, 2, 3], [14, 6], [2, 6], [6, 2, 2, 2]];
function lineStyle(i, dashed) {
  var round = Math.floor(i / GRIDBID_PALETTE.length);
  var dash = (dashed ? GRIDBID_DASHED : GRIDBID_SOLID)[round % GRIDBID_SOLID.length];
  return { stroke: GRIDBID_PALETTE[i % GRIDBID_PALETTE.length], dash: dash || undefined };
}
function gridbidChartWidth(el) {
  return Math.max(260, el.clientWidth || 900);
}
function gridbidChartFailed(el, why) {
  el.textContent = '';
  el.classList.add('chart-failed');
  el.setAttribute('role', 'alert');
  el.textContent = 'This chart could not be drawn in this browser (' + why + '). Its figures are in the files next to this page.';
}
function gridbidChart(id, el, opts, data) {
  if (typeof uPlot !== 'function') return gridbidChartFailed(el, 'the charting library did not load');
  // Legend entries as toggle buttons: their state follows every show/hide, by mouse or keyboard.
  var rows = function (u) {
    var trs = Array.prototype.slice.call(u.root.querySelectorAll('.u-legend tr.u-series'));
    return trs.slice(trs.length - (u.series.length - 1));
  };
  var pressed = function (u) {
    rows(u).forEach(function (tr, k) { tr.setAttribute('aria-pressed', String(u.series[k + 1].show)); });
  };
  opts.hooks = opts.hooks || {};
  opts.hooks.setSeries = (opts.hooks.setSeries || []).concat([pressed]);
  var u;
  try {
    u = new uPlot(opts, data, el);
  } catch (e) {
    return gridbidChartFailed(el, e && e.message ? e.message : String(e));
  }
  rows(u).forEach(function (tr, k) {
    var i = k + 1;
    tr.tabIndex = 0;
    tr.setAttribute('role', 'button');
    tr.setAttribute('aria-label', 'show or hide ' + u.series[i].label);
    tr.addEventListener('keydown', function (ev) {
      if (ev.key !== 'Enter' && ev.key !== ' ') return;
      ev.preventDefault();
      u.setSeries(i, { show: !u.series[i].show });
    });
  });
  pressed(u);
  // The box's width, again whenever it changes (window resized, phone turned); on the next frame, not inside the observer.
  if (typeof ResizeObserver === 'function') {
    var pending = false;
    new ResizeObserver(function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        var w = gridbidChartWidth(el);
        if (w !== u.width) u.setSize({ width: w, height: u.height });
      });
    }).observe(el);
  }
  window.gridbidCharts[id] = u;
  return u;
}`;

/** Rules both pages share, after uPlot's stylesheet. */
const SHARED_CSS = `
.table-scroll { overflow-x: auto; max-width: 100%; }
.chart { min-height: 320px; }
.chart.chart-failed { min-height: 0; padding: 1rem; border: 1px dashed #c00; color: #a00; }
.u-legend tr.u-series:focus-visible { outline: 2px solid #1f77b4; outline-offset: 1px; }
@media (max-width: 600px) { body { margin: 0.75rem; } }
`;

const require = createRequire(import.meta.url);
let assets: { scripts: string; css: string } | undefined;

/** The script elements (before a page's own chart script) and the stylesheet's text, read once per process. */
export function chartAssets(): { readonly scripts: string; readonly css: string } {
  assets ??= {
    scripts: [LOCALE_GUARD, readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), CHART_HELPERS].map((js) => `<script>${js}</script>`).join('\n'),
    css: `${readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8')}\n${SHARED_CSS}`,
  };
  return assets;
}
