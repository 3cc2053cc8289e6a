/**
 * A self-contained HTML report: the charting library (uPlot), its stylesheet and
 * the data are inlined, so the page opens from disk with no network access.
 */
import type { ChartSpec } from './chart.ts';
import { fitForDisplay } from './chartBounds.ts';
import { kpiInfo, kpiTitle } from './kpiCatalogue.ts';
import { chartAssets, HEAD } from './reportAssets.ts';

export type { ChartSeries, ChartSpec } from './chart.ts';

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
  /**
   * The scenario's IANA time zone (`site.timeZone`), in place of `utcOffsetHours`: its name and its
   * offsets as `[from (s since the epoch, null for the first), offset (s)]`, from the run's zone
   * table (core/siteZone.ts), so the axes follow its daylight-saving changes as the run did.
   */
  readonly localZone?: { readonly name: string; readonly offsetsS: ReadonlyArray<readonly [number | null, number]> } | undefined;
  /** Extra HTML sections (already escaped), appended after the charts. */
  readonly sections?: ReadonlyArray<{ readonly title: string; readonly html: string }>;
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

/** Words of a camelCase key: `restoredAt` → 'restored at'. */
const keyWords = (k: string): string => k.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

/** A value of a list item as text: objects as 'key value · key value', lists joined, no value as '—'. */
function plain(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map(plain).join(', ');
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${keyWords(k)} ${plain(x)}`).join(' · ');
  return String(v);
}

/** Items of a list KPI the table shows; the rest are in summary.json. */
const LIST_ITEMS = 10;

function kpiRows(kpis: Record<string, unknown>, prefix = ''): string {
  return Object.entries(kpis)
    .map(([k, v]) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return kpiRows(v as Record<string, unknown>, `${prefix}${k}.`);
      const path = prefix + k;
      // A list (restorations, clearing problems, faults): how many, as summary.csv counts it, and what they are.
      const shown = Array.isArray(v)
        ? String(v.length) +
          (v.length === 0
            ? ''
            : `<ul class="items">${v
                .slice(0, LIST_ITEMS)
                .map((x) => `<li>${escapeHtml(plain(x))}</li>`)
                .join('')}${v.length > LIST_ITEMS ? `<li>… ${v.length - LIST_ITEMS} more in summary.json</li>` : ''}</ul>`)
        : escapeHtml(v === null ? '—' : String(v));
      const meaning = kpiInfo(path).meaning;
      return `<tr><th${meaning ? ` title="${escapeHtml(meaning)}"` : ''}>${escapeHtml(kpiTitle(path))}</th><td>${shown}</td></tr>`;
    })
    .join('');
}

export function renderReport(data: ReportData): string {
  const { scripts, css } = chartAssets();
  const drawn = data.charts.map((c) => fitForDisplay(c));
  const charts = drawn
    .map((c) => `<section><h2>${escapeHtml(c.title)} <span class="unit">(${escapeHtml(c.yLabel)})</span></h2>${c.caption ? `<p class="sub caption">${escapeHtml(c.caption)}</p>` : ''}<div class="chart" id="chart-${escapeHtml(c.id)}"></div></section>`)
    .join('\n');
  const offsetH = data.utcOffsetHours ?? 0;
  const zone = data.localZone;
  // Seconds since the epoch `x` moved to the local wall clock: by the fixed offset, or by the zone's offset at `x`.
  const shifted = (x: string): string => (zone === undefined ? `${x} + OFFSET_S` : `${x} + offsetAt(${x})`);
  const zoneLine =
    zone === undefined
      ? offsetH === 0
        ? 'All times are UTC.'
        : `Times in tables and key figures are UTC; chart axes show the scenario's local time (${utcOffsetLabel(offsetH)}).`
      : `Times in tables and key figures are UTC; chart axes show the scenario's local time (${zone.name}, ${zone.offsetsS.map(([, o]) => utcOffsetLabel(o / 3600)).filter((l, i, all) => all.indexOf(l) === i).join(' / ')}).`;
  const zoneScript =
    zone === undefined
      ? `// The scenario's local time, whatever the viewer's time zone: shift by its UTC offset and format as UTC.
const OFFSET_S = ${scriptJson(offsetH * 3600)};
const ZONE = ${scriptJson(utcOffsetLabel(offsetH))};`
      : `// The scenario's local time, whatever the viewer's time zone: shift by the zone's offset at each instant (the run's table) and format as UTC.
const OFFSETS = ${scriptJson(zone.offsetsS)};
const offsetAt = (v) => { let o = OFFSETS[0][1]; for (const [from, x] of OFFSETS) if (from === null || v >= from) o = x; return o; };
const ZONE = ${scriptJson(zone.name)};`;
  const sections = (data.sections ?? []).map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${HEAD}
<title>${escapeHtml(data.title)}</title>
<style>${css}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
.sub { color: #666; margin-top: 0; }
table.kpis { border-collapse: collapse; font-size: 13px; } table.kpis th, table.kpis td { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: left; }
table.kpis th { font-weight: 500; color: #444; } table.kpis td { overflow-wrap: anywhere; } table.kpis ul.items { margin: 0; padding-left: 1.2em; }
h2 .unit { font-weight: 400; color: #555; }
.machines { display: flex; flex-wrap: wrap; gap: 12px; } figure.machine { margin: 0; border: 1px solid #eee; padding: 6px; max-width: 100%; min-width: 0; box-sizing: border-box; } figure.machine figcaption { font-weight: 600; }
svg.machine { max-width: 100%; height: auto; }
table.events { border-collapse: collapse; font-size: 12px; } table.events td, table.events th { padding: 2px 6px; border-bottom: 1px solid #eee; text-align: left; }
</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<p class="sub">${escapeHtml(data.subtitle)}</p>
<p class="sub zone">${escapeHtml(zoneLine)}</p>
${charts}
${sections}
<section><h2>Key figures</h2><table class="kpis">${kpiRows(data.kpis)}</table></section>
${scripts}
<script>
const CHARTS = ${scriptJson(drawn)};
${zoneScript}
const pad = (n) => String(n).padStart(2, '0');
const local = (v) => new Date((${shifted('v')}) * 1000);
const hhmm = (d) => pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
const ymd = (d) => d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
// 24-hour ticks; the date under the first tick and under each midnight.
const timeTicks = (u, splits) => splits.map((v, i) => {
  const d = local(v);
  return i === 0 || (d.getUTCHours() === 0 && d.getUTCMinutes() === 0) ? hhmm(d) + '\\n' + ymd(d) : hhmm(d);
});
for (const c of CHARTS) {
  const el = document.getElementById('chart-' + c.id);
  const opts = {
    width: gridbidChartWidth(el), height: 300,
    scales: { x: { time: true } },
    // Ticks fall on the scenario's local hours and midnights.
    tzDate: (ts) => uPlot.tzDate(new Date((${shifted('ts')}) * 1e3), 'Etc/UTC'),
    axes: [{ label: 'local time (' + ZONE + ')', values: timeTicks, size: 56 }, { label: c.yLabel }],
    series: [{ label: 'time (' + ZONE + ')', value: (u, v) => v == null ? '' : ymd(local(v)) + ' ' + hhmm(local(v)) }]
      .concat(c.series.map((s, i) => Object.assign({ label: s.label, width: 1.5, spanGaps: false }, lineStyle(i, s.dash)))),
  };
  gridbidChart(c.id, el, opts, [c.x].concat(c.series.map((s) => s.values)));
}
</script>
</body>
</html>
`;
}
