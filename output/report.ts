/**
 * A self-contained HTML report: the charting library (uPlot), its stylesheet and
 * the data are inlined, so the page opens from disk with no network access.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { kpiTitle } from './kpiCatalogue.ts';

export interface ChartSeries {
  readonly label: string;
  readonly values: ReadonlyArray<number | null>;
  readonly dash?: boolean;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** The y axis's unit ('kW', 'currency/MWh', '°C' …), printed after the title and on the axis. */
  readonly yLabel: string;
  /** Unix seconds (UTC). */
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
}

export interface ReportData {
  readonly title: string;
  readonly subtitle: string;
  readonly kpis: Record<string, unknown>;
  readonly charts: readonly ChartSpec[];
  /**
   * The scenario's local time, hours east of UTC (its `site.utcOffsetHours`): time axes and
   * the legend show local time, 24-hour, with this offset named. Default 0 (UTC).
   */
  readonly utcOffsetHours?: number | undefined;
  /** Extra HTML sections (already escaped), appended after the charts. */
  readonly sections?: ReadonlyArray<{ readonly title: string; readonly html: string }>;
}

const require = createRequire(import.meta.url);
let assets: { js: string; css: string } | undefined;
function uplotAssets(): { js: string; css: string } {
  assets ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return assets;
}

/** 'UTC+02:00', 'UTC−03:30', 'UTC'. */
export function utcOffsetLabel(hours: number): string {
  if (hours === 0) return 'UTC';
  const minutes = Math.round(Math.abs(hours) * 60);
  return `UTC${hours < 0 ? '−' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export const escapeHtml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** JSON safe to embed in a <script> element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replaceAll('<', '\\u003c');

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function kpiRows(kpis: Record<string, unknown>, prefix = ''): string {
  return Object.entries(kpis)
    .map(([k, v]) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return kpiRows(v as Record<string, unknown>, `${prefix}${k}.`);
      const shown = Array.isArray(v) ? (v.length === 0 ? 'none' : `${v.length} item(s)`) : String(v);
      return `<tr><th>${escapeHtml(kpiTitle(prefix + k))}</th><td>${escapeHtml(shown)}</td></tr>`;
    })
    .join('');
}

export function renderReport(data: ReportData): string {
  const { js, css } = uplotAssets();
  const charts = data.charts.map((c) => `<section><h2>${escapeHtml(c.title)} <span class="unit">(${escapeHtml(c.yLabel)})</span></h2><div class="chart" id="chart-${escapeHtml(c.id)}"></div></section>`).join('\n');
  const offsetH = data.utcOffsetHours ?? 0;
  const sections = (data.sections ?? []).map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(data.title)}</title>
<style>${css}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
.sub { color: #666; margin-top: 0; }
table.kpis { border-collapse: collapse; font-size: 13px; } table.kpis th, table.kpis td { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: left; }
table.kpis th { font-weight: 500; color: #444; }
.chart { min-height: 320px; } h2 .unit { font-weight: 400; color: #555; }
.machines { display: flex; flex-wrap: wrap; gap: 12px; } figure.machine { margin: 0; border: 1px solid #eee; padding: 6px; } figure.machine figcaption { font-weight: 600; }
table.events { border-collapse: collapse; font-size: 12px; } table.events td, table.events th { padding: 2px 6px; border-bottom: 1px solid #eee; text-align: left; }
</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<p class="sub">${escapeHtml(data.subtitle)}</p>
${charts}
${sections}
<section><h2>Key figures</h2><table class="kpis">${kpiRows(data.kpis)}</table></section>
<script>${js}</script>
<script>
const CHARTS = ${scriptJson(data.charts)};
const PALETTE = ${scriptJson(PALETTE)};
// The scenario's local time, whatever the viewer's time zone: shift by its UTC offset and format as UTC.
const OFFSET_S = ${scriptJson(offsetH * 3600)};
const ZONE = ${scriptJson(utcOffsetLabel(offsetH))};
const pad = (n) => String(n).padStart(2, '0');
const local = (v) => new Date((v + OFFSET_S) * 1000);
const hhmm = (d) => pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
const ymd = (d) => d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
// 24-hour ticks; the date under the first tick and under each midnight.
const timeTicks = (u, splits) => splits.map((v, i) => {
  const d = local(v);
  return i === 0 || (d.getUTCHours() === 0 && d.getUTCMinutes() === 0) ? hhmm(d) + '\\n' + ymd(d) : hhmm(d);
});
window.gridbidCharts = {};
for (const c of CHARTS) {
  const el = document.getElementById('chart-' + c.id);
  const opts = {
    width: Math.max(600, el.clientWidth || 900), height: 300,
    scales: { x: { time: true } },
    // Ticks fall on the scenario's local hours and midnights.
    tzDate: (ts) => uPlot.tzDate(new Date((ts + OFFSET_S) * 1e3), 'Etc/UTC'),
    axes: [{ label: 'local time (' + ZONE + ')', values: timeTicks, size: 56 }, { label: c.yLabel }],
    series: [{ label: 'time (' + ZONE + ')', value: (u, v) => v == null ? '' : ymd(local(v)) + ' ' + hhmm(local(v)) }]
      .concat(c.series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, dash: s.dash ? [6, 4] : undefined, spanGaps: false }))),
  };
  window.gridbidCharts[c.id] = new uPlot(opts, [c.x].concat(c.series.map((s) => s.values)), el);
}
</script>
</body>
</html>
`;
}
