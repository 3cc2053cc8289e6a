/**
 * batch-report.html: one self-contained page comparing the runs of a batch. The
 * charting library (uPlot), its stylesheet and the data are inlined, so it opens
 * from disk with no network. Pure: the same rows give the same bytes.
 *
 * - a bar chart per chosen KPI: one bar per configuration (variant and grid
 *   values) at the mean over its finished seeds, each seed's value as a dot;
 * - a table of every run: parameters, seed, status, the chosen KPIs, the error of
 *   a failed run, and a link to the run's own report.html.
 * Each chart's uPlot instance is `window.gridbidCharts[id]`, as in report.html.
 */
import type { BatchPlan, RunSpec } from './plan.ts';
import type { RunRow } from './summary.ts';
import { kpiInfo, kpiTitle } from '../output/kpiCatalogue.ts';
import { escapeHtml } from '../output/report.ts';
import { chartAssets, HEAD, PALETTE } from '../output/reportAssets.ts';

export interface BarChart {
  readonly id: string;
  /** The KPI's name and unit, from the catalogue (output/kpiCatalogue.ts). */
  readonly title: string;
  readonly unit: string;
  /** One label per configuration (x position 0, 1, …): its variant and values. */
  readonly labels: readonly string[];
  /** The configurations' full names (run ids without the seed), shown on hover. */
  readonly configs: readonly string[];
  readonly mean: ReadonlyArray<number | null>;
  /** One series of dots per seed. */
  readonly seeds: ReadonlyArray<{ readonly label: string; readonly values: ReadonlyArray<number | null> }>;
  /** Every finished run has 0: bars of no height, said in words and drawn on an axis from 0. */
  readonly allZero: boolean;
}

const scriptJson = (v: unknown): string => JSON.stringify(v).replaceAll('<', '\\u003c');

/** A run's configuration: its id without the seed. */
export const configurationOf = (run: RunSpec): string => run.id.replace(/__seed-\d+$/, '');

const numeric = (text: string | undefined): number | null => {
  if (text === undefined || text === '') return null;
  const x = Number(text);
  return Number.isFinite(x) ? x : null;
};

/** The charts' data: per KPI, the mean and each seed's value per configuration. Pure. */
export function barCharts(plan: BatchPlan, rows: ReadonlyArray<RunRow | undefined>): { charts: BarChart[]; missing: string[] } {
  const configs = [...new Set(plan.runs.map(configurationOf))];
  const labels = configs.map((c) => {
    const run = plan.runs.find((r) => configurationOf(r) === c)!;
    const parts = [run.variant, ...plan.paramKeys.map((k) => run.params[k] ?? '')].filter((p) => p !== '');
    return parts.length ? parts.join(' · ') : c;
  });
  const seeds = [...new Set(plan.runs.map((r) => r.seed))];
  const charts: BarChart[] = [];
  const missing: string[] = [];
  for (const kpi of plan.reportKpis) {
    const grid = configs.map(() => seeds.map((): number | null => null));
    let any = false;
    for (const row of rows) {
      if (row?.status !== 'ok') continue;
      const v = numeric(row.kpis.find(([k]) => k === kpi)?.[1]);
      if (v === null) continue;
      grid[configs.indexOf(configurationOf(row.run))]![seeds.indexOf(row.run.seed)] = v;
      any = true;
    }
    if (!any) {
      missing.push(kpi);
      continue;
    }
    const mean = grid.map((vs) => {
      const xs = vs.filter((v): v is number => v !== null);
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
    });
    charts.push({
      id: `kpi-${kpi.replace(/[^A-Za-z0-9_-]/g, '-')}`,
      title: kpiTitle(kpi),
      unit: kpiInfo(kpi).unit,
      labels,
      configs,
      mean,
      seeds: seeds.length > 1 ? seeds.map((s, j) => ({ label: `seed ${s}`, values: grid.map((vs) => vs[j]!) })) : [],
      allZero: grid.every((vs) => vs.every((v) => v === null || v === 0)),
    });
  }
  return { charts, missing };
}

function runTable(plan: BatchPlan, rows: ReadonlyArray<RunRow | undefined>): string {
  const head = ['run', 'scenario', ...(plan.hasVariants ? ['variant'] : []), ...plan.paramKeys, 'seed', 'status'];
  const kpiHeads = plan.reportKpis.map((k) => `<th title="${escapeHtml(kpiInfo(k).meaning)}">${escapeHtml(kpiTitle(k))}</th>`);
  const body = plan.runs.map((run) => {
    const row = rows[run.index];
    const status = row?.status ?? 'not finished';
    const link = row?.status === 'ok' ? `${encodeURIComponent(run.id)}/report.html` : row ? `${encodeURIComponent(run.id)}/error.txt` : undefined;
    const kpis = new Map(row?.kpis ?? []);
    const cells = [
      link ? `<a href="${escapeHtml(link)}">${escapeHtml(run.id)}</a>` : escapeHtml(run.id),
      escapeHtml(run.scenario),
      ...(plan.hasVariants ? [escapeHtml(run.variant)] : []),
      ...plan.paramKeys.map((k) => escapeHtml(run.params[k] ?? '')),
      String(run.seed),
      escapeHtml(status),
      ...plan.reportKpis.map((k) => `<span class="num">${escapeHtml(kpis.get(k) ?? '')}</span>`),
      `<span class="err">${escapeHtml(row?.error ?? '')}</span>`,
    ];
    return `<tr class="${status === 'ok' ? 'ok' : status === 'failed' ? 'failed' : 'pending'}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  // Many runs or KPIs make the table wider than the page: it scrolls inside its own box.
  return `<div class="table-scroll"><table class="runs"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}${kpiHeads.join('')}<th>error</th></tr></thead><tbody>\n${body.join('\n')}\n</tbody></table></div>`;
}

export function renderBatchReport(plan: BatchPlan, rows: ReadonlyArray<RunRow | undefined>): string {
  const { scripts, css } = chartAssets();
  const { charts, missing } = barCharts(plan, rows);
  const ok = rows.filter((r) => r?.status === 'ok').length;
  const failed = rows.filter((r) => r?.status === 'failed').length;
  const pending = plan.runs.length - ok - failed;
  const swept = [...(plan.hasVariants ? ['variant'] : []), ...plan.paramKeys];
  const subtitle = [
    `${plan.runs.length} run${plan.runs.length === 1 ? '' : 's'}: ${ok} ok, ${failed} failed${pending ? `, ${pending} not finished` : ''}`,
    swept.length ? `varying ${swept.join(', ')}` : '',
    `seeds ${[...new Set(plan.runs.map((r) => r.seed))].join(', ')}`,
  ].filter((s) => s !== '');
  const chartHtml = charts
    .map((c) => `<section><h2>${escapeHtml(c.title)}</h2>${c.allZero ? '<p class="sub zero">0 in every run.</p>' : ''}<div class="chart" id="chart-${escapeHtml(c.id)}"></div></section>`)
    .join('\n');
  const note = missing.length ? `<p class="sub">No finished run reports ${missing.map((m) => escapeHtml(kpiTitle(m))).join(', ')}.</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${HEAD}
<title>gridbid batch — ${escapeHtml(plan.name)}</title>
<style>${css}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
.sub { color: #666; margin-top: 0; }
table.runs { border-collapse: collapse; font-size: 13px; } table.runs td .err { display: inline-block; max-width: 40ch; white-space: normal; overflow-wrap: anywhere; } table.runs th, table.runs td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
table.runs th { font-weight: 500; color: #444; position: sticky; top: 0; background: #fff; }
tr.failed td { background: #fdecea; } tr.pending td { color: #999; }
.num { font-variant-numeric: tabular-nums; } .err { color: #a00; }
</style>
</head>
<body>
<h1>gridbid batch — ${escapeHtml(plan.name)}</h1>
<p class="sub">${escapeHtml(subtitle.join(' · '))}</p>
${plan.description ? `<p>${escapeHtml(plan.description)}</p>` : ''}
${chartHtml}
${note}
<section><h2>Runs</h2>${runTable(plan, rows)}</section>
${scripts}
<script>
const CHARTS = ${scriptJson(charts)};
const PALETTE = ${scriptJson(PALETTE)};
for (const c of CHARTS) {
  const el = document.getElementById('chart-' + c.id);
  const x = c.labels.map((_, i) => i);
  const shown = c.labels.map((l) => l.length > 40 ? l.slice(0, 39) + '…' : l);
  const longest = Math.max(...shown.map((l) => l.length));
  const width = gridbidChartWidth(el);
  // Labels side by side when they fit, else slanted, hanging down to the left of their bar.
  const rotate = shown.reduce((w, l) => w + l.length * 7 + 16, 0) > width - 100 ? 35 : 0;
  // No uPlot (it failed to load): gridbidChart says so in the chart's box.
  const bars = typeof uPlot === 'function' ? uPlot.paths.bars({ size: [0.6, 80] }) : undefined;
  const opts = {
    width,
    height: 300 + (rotate ? Math.round(longest * 4) : 0),
    scales: {
      x: { time: false, range: [-0.5, x.length - 0.5] },
      // From 0 (bars stand on it); all 0: an axis from 0 to 1, so the zero line and its ticks show.
      y: { range: (u, min, max) => { const lo = Math.min(0, min ?? 0), hi = Math.max(0, max ?? 0), pad = (hi - lo) * 0.08 || 1; return lo === 0 && hi === 0 ? [0, 1] : [lo < 0 ? lo - pad : 0, hi > 0 ? hi + pad : 0]; } },
    },
    axes: [
      { splits: () => x, values: (u, splits) => splits.map((i) => shown[i] ?? ''), rotate, size: rotate ? 20 + Math.round(longest * 4.2) : 40, grid: { show: false } },
      { size: 70, label: c.unit },
    ],
    series: [{ label: 'configuration', value: (u, v) => v == null ? '' : c.configs[v] }]
      .concat([{ label: 'mean over seeds', stroke: PALETTE[0], fill: PALETTE[0] + '55', width: 1, paths: bars, points: { show: false }, fillTo: 0 }])
      .concat(c.seeds.map((s, i) => ({ label: s.label, stroke: PALETTE[(i + 1) % PALETTE.length], fill: PALETTE[(i + 1) % PALETTE.length], paths: () => null, points: { show: true, size: 7, fill: PALETTE[(i + 1) % PALETTE.length] } }))),
  };
  gridbidChart(c.id, el, opts, [x, c.mean].concat(c.seeds.map((s) => s.values)));
}
</script>
</body>
</html>
`;
}
