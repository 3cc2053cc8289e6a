/**
 * A self-contained HTML report: the charting library (uPlot), its stylesheet and
 * the data are inlined, so the page opens from disk with no network access.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface ChartSeries {
  readonly label: string;
  readonly values: ReadonlyArray<number | null>;
  readonly dash?: boolean;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
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
      return `<tr><th>${escapeHtml(prefix + k)}</th><td>${escapeHtml(shown)}</td></tr>`;
    })
    .join('');
}

export function renderReport(data: ReportData): string {
  const { js, css } = uplotAssets();
  const charts = data.charts.map((c) => `<section><h2>${escapeHtml(c.title)}</h2><div class="chart" id="chart-${escapeHtml(c.id)}"></div></section>`).join('\n');
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
.chart { min-height: 320px; }
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
window.gridbidCharts = {};
for (const c of CHARTS) {
  const el = document.getElementById('chart-' + c.id);
  const opts = {
    width: Math.max(600, el.clientWidth || 900), height: 300,
    scales: { x: { time: true } },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    axes: [{}, { label: c.yLabel }],
    series: [{ label: 'time (UTC)', value: (u, v) => v == null ? '' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ') }]
      .concat(c.series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, dash: s.dash ? [6, 4] : undefined, spanGaps: false }))),
  };
  window.gridbidCharts[c.id] = new uPlot(opts, [c.x].concat(c.series.map((s) => s.values)), el);
}
</script>
</body>
</html>
`;
}
