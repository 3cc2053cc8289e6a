/**
 * The HTML reports in a real browser: headless Chromium driven by playwright-core
 * (Debian's when installed, else the one inside the @sparticuz/chromium devDependency:
 * test/helpers/chromium.ts). Each page must load with no console error, page error or
 * network request, and every chart must have drawn its data: each series has
 * values, and hiding it changes the canvas (so it put pixels there).
 * It never skips: with no Debian Chromium it runs on the npm one (GRIDBID_CHROMIUM=npm forces that).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { runBatch } from '../../batch/runBatch.ts';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { agentKinds } from '../../agents/registry.ts';
import { operationsMachine } from '../../agents/operations/machine.ts';
import { machineShape, machineSvg } from '../../output/machineDiagram.ts';

interface ChartCheck {
  readonly id: string;
  /** Non-null values per data series. */
  readonly values: number[];
  /** Canvas pixels that change when each data series is hidden. */
  readonly drawn: number[];
  /** Canvas pixels that are not transparent. */
  readonly ink: number;
}

/**
 * Runs in the page (as text: the test runner's TypeScript transform would add
 * helpers the page does not have). For each chart in window.gridbidCharts: values
 * per series, and the pixels that change when each series is hidden.
 */
const PROBE = `(async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const pixels = (u) => u.ctx.getImageData(0, 0, u.ctx.canvas.width, u.ctx.canvas.height).data;
  await frame();
  const out = [];
  for (const [id, u] of Object.entries(window.gridbidCharts || {})) {
    const all = pixels(u);
    let ink = 0;
    for (let k = 3; k < all.length; k += 4) if (all[k] > 0) ink++;
    const values = [];
    const drawn = [];
    for (let i = 1; i < u.series.length; i++) {
      values.push(Array.from(u.data[i]).filter((v) => v !== null && v !== undefined).length);
      u.setSeries(i, { show: false });
      await frame();
      const hidden = pixels(u);
      let diff = 0;
      for (let k = 0; k < all.length; k += 4)
        if (all[k] !== hidden[k] || all[k + 1] !== hidden[k + 1] || all[k + 2] !== hidden[k + 2] || all[k + 3] !== hidden[k + 3]) diff++;
      drawn.push(diff);
      u.setSeries(i, { show: true });
      await frame();
    }
    out.push({ id, values, drawn, ink });
  }
  return out;
})()`;

interface Rect {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** What a person reads on the page, measured as rendered. */
interface Layout {
  /** Per state diagram: each edge label's text box and each state's box. */
  readonly diagrams: Array<{ readonly id: string; readonly labels: Rect[]; readonly states: Rect[] }>;
  /** Per chart: the title above it, its axes' labels and the x axis's tick texts. */
  readonly charts: Array<{ readonly id: string; readonly title: string; readonly xLabel: string; readonly yLabel: string; readonly xTicks: string[] }>;
  /** Column heads of every table. */
  readonly heads: string[];
  /** How far the page is wider than the window, px (0: nothing overflows it). */
  readonly pageOverflowPx: number;
  /** Per `.table-scroll` box: content width beyond the box, px (> 0: it scrolls). */
  readonly scrollBoxesPx: number[];
}

const LAYOUT = `(() => {
  const rect = (el, text) => { const r = el.getBoundingClientRect(); return { text, x: r.left, y: r.top, w: r.width, h: r.height }; };
  const diagrams = [...document.querySelectorAll('svg.machine')].map((svg) => ({
    id: svg.getAttribute('aria-label'),
    labels: [...svg.querySelectorAll('.edge-label text')].map((t) => rect(t, t.textContent)),
    states: [...svg.querySelectorAll('.state rect')].map((r) => rect(r, r.parentNode.getAttribute('data-state'))),
  }));
  const charts = Object.entries(window.gridbidCharts || {}).map(([id, u]) => ({
    id,
    title: u.root.parentNode.closest('section').querySelector('h2').textContent,
    xLabel: u.axes[0].label || '',
    yLabel: u.axes[1].label || '',
    xTicks: (u.axes[0]._values || []).map(String),
  }));
  const heads = [...document.querySelectorAll('th')].map((th) => th.textContent);
  const pageOverflowPx = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  const scrollBoxesPx = [...document.querySelectorAll('.table-scroll')].map((b) => b.scrollWidth - b.clientWidth);
  return { diagrams, charts, heads, pageOverflowPx, scrollBoxesPx };
})()`;

const overlaps = (a: Rect, b: Rect): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

interface PageCheck {
  readonly problems: string[];
  readonly charts: ChartCheck[];
  readonly links: string[];
  readonly layout: Layout;
}

describe('HTML reports in headless Chromium', function () {
  this.timeout(90_000);
  let dir: string;
  let browser: Browser | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-browser-'));
    const r = await runBatch({ target: 'test/fixtures/sweeps/report.yaml', outDir: dir });
    expect([r.ok, r.failed]).to.deep.equal([8, 4]);
    const launched = await launchChromium();
    browser = launched.browser;
    if (process.env.GRIDBID_CHROMIUM === 'npm') expect(launched.source).to.equal('npm');
    console.log(`      (Chromium ${browser.version()} from ${launched.source}: ${launched.executablePath})`);
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // A viewer in another time zone than the scenario's: the page must not depend on it.
  async function check(file: string, width = 1200): Promise<PageCheck> {
    const context = await browser!.newContext({ viewport: { width, height: 900 }, locale: 'en-US', timezoneId: 'America/New_York' });
    const problems: string[] = [];
    await context.route(/^(https?|wss?):/, async (route) => {
      problems.push(`network request: ${route.request().url()}`);
      await route.abort();
    });
    const page = await context.newPage();
    let probing = false;
    page.on('console', (m) => {
      // Warnings count while the page loads and draws; the probe's own reads of the canvas warn about speed.
      if (m.type() === 'error' || (m.type() === 'warning' && !probing)) problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    probing = true;
    const layout = (await page.evaluate(LAYOUT)) as Layout;
    const charts = (await page.evaluate(PROBE)) as ChartCheck[];
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    await context.close();
    return { problems, charts, links, layout };
  }

  const expectDrawn = (charts: readonly ChartCheck[]): void => {
    for (const c of charts) {
      expect(c.values.length, `${c.id}: series`).to.be.greaterThan(0);
      c.values.forEach((n, i) => expect(n, `${c.id}: values of series ${i + 1}`).to.be.greaterThan(0));
      c.drawn.forEach((n, i) => expect(n, `${c.id}: pixels of series ${i + 1}`).to.be.greaterThan(20));
      expect(c.ink, `${c.id}: ink`).to.be.greaterThan(1000);
    }
  };

  it("a run's report.html: no errors, no network, every chart drew its data", async () => {
    const page = await check(join(dir, 'truthful__pricing-uniform__seed-7', 'report.html'));
    expect(page.problems).to.deep.equal([]);
    expect(page.charts.map((c) => c.id)).to.include.members(['prices', 'load']);
    expectDrawn(page.charts);
  });

  it("a day-ahead run's report.html: day-ahead, real-time and imbalance prices per bus and the positions, drawn, titled with units", async () => {
    const out = join(dir, 'day-ahead-real-time');
    await runScenarioFile(join(REPO_ROOT, 'scenarios/day-ahead-real-time.yaml'), { outDir: out });
    const page = await check(join(out, 'report.html'));
    expect(page.problems).to.deep.equal([]);
    expect(page.charts.map((c) => c.id)).to.include.members(['prices', 'load', 'stages', 'positions']);
    expectDrawn(page.charts);
    const titles = new Map(page.layout.charts.map((c) => [c.id, c]));
    expect(titles.get('stages')!.title).to.equal('Day-ahead, real-time and imbalance prices by bus (currency/MWh)');
    expect(titles.get('positions')!.title).to.equal('Positions and imbalances (parties facing the market) (kW)');
    for (const c of page.layout.charts) expect(c.yLabel, c.id).to.equal(/\(([^()]+)\)$/.exec(c.title)?.[1]);
    // Both buses' three prices (the run re-dispatched at both), and the day-ahead position against the metered total.
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const label of ['grid day-ahead', 'town day-ahead', 'grid real-time', 'town real-time', 'grid imbalance', 'town imbalance', 'bought day-ahead', 'metered withdrawal (actual)']) expect(html, label).to.include(`"label":"${label}"`);
    expect(page.charts.find((c) => c.id === 'stages')!.values).to.have.length(6);
  });

  const expectNoOverlaps = (diagrams: Layout['diagrams']): void => {
    for (const d of diagrams) {
      expect(d.labels.length, d.id).to.be.greaterThan(2);
      for (const [i, a] of d.labels.entries()) {
        expect(a.w * a.h, `${d.id}: ${a.text} is drawn`).to.be.greaterThan(0);
        for (const b of d.labels.slice(i + 1)) expect(overlaps(a, b), `${d.id}: label ${a.text} × label ${b.text}`).to.equal(false);
        for (const st of d.states) expect(overlaps(a, st), `${d.id}: label ${a.text} × state ${st.text}`).to.equal(false);
      }
    }
  };

  it("report.html's state diagrams: no edge label overlaps another label or a state, as rendered", async () => {
    const { layout } = await check(join(dir, 'truthful__pricing-uniform__seed-7', 'report.html'));
    expect(layout.diagrams.map((d) => d.id)).to.deep.equal(['generator state machine', 'home state machine']);
    expectNoOverlaps(layout.diagrams);
  });

  it('every machine diagram (EV, storage, building, operators …) as the report draws it: no label overlaps', async () => {
    const machines = [...agentKinds.map((k) => k.machine), operationsMachine];
    const file = join(dir, 'diagrams.html');
    writeFileSync(file, `<!doctype html><html lang="en"><meta charset="utf-8"><body style="font: 14px system-ui, sans-serif">${machines.map((m) => machineSvg(machineShape(m))).join('')}</body></html>`);
    const { layout, problems } = await check(file);
    expect(problems).to.deep.equal([]);
    expect(layout.diagrams).to.have.length(machines.length);
    expectNoOverlaps(layout.diagrams);
  });

  it("report.html: every chart's title names its unit; time axes in the scenario's local time (UTC+02:00), 24-hour", async () => {
    const { layout } = await check(join(dir, 'truthful__pricing-uniform__seed-7', 'report.html'));
    expect(layout.charts.map((c) => c.id)).to.include.members(['prices', 'load']);
    for (const c of layout.charts) {
      const unit = /\(([^()]+)\)$/.exec(c.title)?.[1];
      expect(unit, `${c.id}: title '${c.title}'`).to.be.a('string');
      expect(c.yLabel, c.id).to.equal(unit);
      expect(c.xLabel, c.id).to.equal('local time (UTC+02:00)');
      expect(c.xTicks.length, c.id).to.be.greaterThan(3);
      // tiny.yaml starts at 00:00Z: 02:00 local on the first tick, with the date; no am/pm anywhere.
      expect(c.xTicks[0], c.id).to.equal('02:00\n2026-07-01');
      for (const t of c.xTicks) expect(t, c.id).to.match(/^([01]\d|2[0-3]):[0-5]\d(\n\d{4}-\d{2}-\d{2})?$/);
    }
  });

  it('batch-report.html: KPI names and units from the catalogue, never a raw path; the runs table scrolls in its box', async () => {
    const { layout, problems } = await check(join(dir, 'batch-report.html'), 800);
    expect(problems).to.deep.equal([]);
    expect(layout.charts.map((c) => c.title)).to.deep.equal(['Welfare (currency)', 'Paid by buyers in real time (currency)', 'Average price (currency/MWh)', 'Peak consumption (kW)', 'Peak reduction (%)']);
    for (const c of layout.charts) expect(c.yLabel, c.id).to.equal(/\(([^()]+)\)$/.exec(c.title)?.[1]);
    expect(layout.heads).to.include.members(['Welfare (currency)', 'Peak consumption (kW)']);
    // The swept parameter's column is named as the sweep file names it; every other head is a word, not a path.
    for (const h of layout.heads.filter((x) => x !== 'market.pricing')) expect(h, 'a raw KPI path').not.to.match(/^[a-z]+[A-Z]|[A-Za-z]\.[A-Za-z]/);
    // At 800 px the table is wider than the page: its box scrolls, the page does not.
    expect(layout.pageOverflowPx).to.equal(0);
    expect(layout.scrollBoxesPx).to.have.length(1);
    expect(layout.scrollBoxesPx[0]).to.be.greaterThan(0);
  });

  it('batch-report.html: no errors, no network, a drawn chart per KPI, a link to every run', async () => {
    const page = await check(join(dir, 'batch-report.html'));
    expect(page.problems).to.deep.equal([]);
    expect(page.charts.map((c) => c.id)).to.deep.equal(['kpi-welfare', 'kpi-totalCost', 'kpi-averagePriceMwh', 'kpi-peakKw', 'kpi-peakReductionPct']);
    // A bar per configuration (the broken variant's have no value) and one series of dots per seed.
    for (const c of page.charts) expect(c.values, c.id).to.deep.equal([4, 4, 4]);
    expectDrawn(page.charts);
    expect(page.links).to.have.length(12);
    for (const link of page.links) expect(existsSync(join(dir, decodeURIComponent(link))), link).to.equal(true);
    expect(page.links.filter((l) => l.endsWith('/report.html'))).to.have.length(8);
    const html = readFileSync(join(dir, 'batch-report.html'), 'utf8');
    expect(html).not.to.match(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
  });
});
