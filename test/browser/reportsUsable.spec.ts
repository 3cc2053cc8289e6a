/**
 * The HTML reports as people open them, in a real headless Chromium (test/helpers/chromium.ts):
 * - under a language tag Intl refuses (`LANG=C.UTF-8` gives `navigator.language` 'en-US@posix'),
 *   every chart still draws, and a chart that cannot be drawn says so on the page;
 * - at phone width (390 px) nothing is wider than the screen but a table's own scroll box,
 *   and charts follow their container's width when the window changes;
 * - a KPI that is 0 in every run of a batch shows a zero axis and says so;
 * - the chart legends work from the keyboard;
 * - many lines on one chart can be told apart, and a chart that shows some of its data says so.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { runBatch } from '../../batch/runBatch.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { runScenarioFile } from '../../engine/run.ts';

/** Charts drawn: per `window.gridbidCharts` entry, its canvas pixels that are not transparent. */
const INK = `(() => Object.entries(window.gridbidCharts || {}).map(([id, u]) => {
  const d = u.ctx.getImageData(0, 0, u.ctx.canvas.width, u.ctx.canvas.height).data;
  let ink = 0;
  for (let k = 3; k < d.length; k += 4) if (d[k] > 0) ink++;
  return { id, ink };
}))()`;

/** Elements whose box leaves the viewport on the right, other than inside a box that scrolls sideways on its own. */
const OVERFLOW = `(() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 0.5 || scrolls(el)) continue;
    out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') + ' right=' + Math.round(r.right));
  }
  return { viewport: vw, scrollWidth: document.documentElement.scrollWidth, out: out.slice(0, 10) };
})()`;

const FRAMES = 'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))';

describe('HTML reports whatever the browser: locale, phone width, keyboard, many lines', function () {
  this.timeout(120_000);
  let dir: string;
  let browser: Browser | undefined;
  let runReport: string;
  let evReport: string;
  let manyReport: string;
  let commsReport: string;
  let batchReport: string;
  let longReport: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-usable-'));
    // Two runs of the tiny scenario, with a KPI that is 0 in both (no network: no overloaded interval).
    const sweep = join(dir, 'zero.yaml');
    writeFileSync(
      sweep,
      `name: zero\nbase: ${JSON.stringify(join(REPO_ROOT, 'test/fixtures/sweeps/tiny.yaml'))}\ngrid:\n  market.pricing: [uniform, pay-as-bid]\nreport:\n  kpis: [welfare, overloadIntervals, peakKw]\n`,
    );
    const r = await runBatch({ target: sweep, outDir: join(dir, 'batch') });
    expect([r.ok, r.failed]).to.deep.equal([2, 0]);
    runReport = join(dir, 'batch', 'pricing-uniform__seed-7', 'report.html');
    batchReport = join(dir, 'batch', 'batch-report.html');
    // EVs (the widest state diagram), batteries and a network (branch loading).
    await runScenarioFile(join(REPO_ROOT, 'test/fixtures/scenarios/ev-storage-town.yaml'), { outDir: join(dir, 'ev') });
    evReport = join(dir, 'ev', 'report.html');
    // 30 buses and 30 branches with limits.
    await runScenarioFile(join(REPO_ROOT, 'scenarios/evening-peak.yaml'), { outDir: join(dir, 'many') });
    manyReport = join(dir, 'many', 'report.html');
    // Operator commands (the events table) and a communication plane (its tables).
    await runScenarioFile(join(REPO_ROOT, 'test/fixtures/scenarios/comms-dr.yaml'), { outDir: join(dir, 'comms') });
    commsReport = join(dir, 'comms', 'report.html');
    // 60 days at 5 minutes (17,280 intervals): the charts drawn in stretches.
    const long = join(dir, 'long.yaml');
    writeFileSync(long, readFileSync(join(REPO_ROOT, 'test/fixtures/sweeps/tiny.yaml'), 'utf8').replace(/^days: 1$/m, 'days: 60').replace(/^intervalMinutes: 60$/m, 'intervalMinutes: 5'));
    await runScenarioFile(long, { outDir: join(dir, 'long') });
    longReport = join(dir, 'long', 'report.html');
    browser = (await launchChromium()).browser;
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface Opened {
    readonly page: Page;
    readonly errors: string[];
    close(): Promise<void>;
  }

  async function open(b: Browser, file: string, options: BrowserContextOptions = {}, init?: string): Promise<Opened> {
    const context = await b.newContext(options);
    const errors: string[] = [];
    await context.route(/^(https?|wss?):/, async (route) => {
      errors.push(`network request: ${route.request().url()}`);
      await route.abort();
    });
    const page = await context.newPage();
    if (init) await page.addInitScript(init);
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.evaluate(FRAMES);
    return { page, errors, close: () => context.close() };
  }

  describe('a language tag Intl refuses', () => {
    // What the page saw before its own scripts ran.
    const RECORD_LANGUAGE = 'window.__language = navigator.language;';

    it("under LANG=C.UTF-8 with no locale override, a run's and a batch's report draw every chart, with no page error", async () => {
      const cLocale = (await launchChromium({ env: { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', LANGUAGE: undefined } })).browser;
      try {
        for (const [file, least] of [
          [runReport, 2],
          [batchReport, 3],
        ] as const) {
          const o = await open(cLocale, file, {}, RECORD_LANGUAGE);
          const seen = await o.page.evaluate('window.__language');
          const charts = (await o.page.evaluate(INK)) as Array<{ id: string; ink: number }>;
          await o.close();
          expect(o.errors, `${file} (navigator.language ${String(seen)})`).to.deep.equal([]);
          expect(charts.length, file).to.be.at.least(least);
          for (const c of charts) expect(c.ink, `${c.id}: drawn`).to.be.greaterThan(500);
        }
      } finally {
        await cLocale.close();
      }
    });

    it("with navigator.language 'en-US@posix' (as that Chromium reports it), both pages draw every chart", async () => {
      const posix = `Object.defineProperty(Navigator.prototype, 'language', { get: () => 'en-US@posix', configurable: true }); ${RECORD_LANGUAGE}`;
      for (const [file, least] of [
        [runReport, 2],
        [batchReport, 3],
      ] as const) {
        const o = await open(browser!, file, {}, posix);
        expect(await o.page.evaluate('window.__language')).to.equal('en-US@posix');
        const charts = (await o.page.evaluate(INK)) as Array<{ id: string; ink: number }>;
        await o.close();
        expect(o.errors, file).to.deep.equal([]);
        expect(charts.length, file).to.be.at.least(least);
        for (const c of charts) expect(c.ink, `${c.id}: drawn`).to.be.greaterThan(500);
      }
    });

    it('a chart that cannot be drawn says so on the page instead of leaving a blank box', async () => {
      // Intl refuses every locale: the charting library cannot load at all.
      const broken = `window.Intl.NumberFormat = function () { throw new RangeError('no number formats here'); };`;
      for (const file of [runReport, batchReport]) {
        const o = await open(browser!, file, {}, broken);
        const boxes = (await o.page.$$eval('.chart', (els) =>
          els.map((el) => ({ text: (el as unknown as { innerText: string }).innerText, h: el.getBoundingClientRect().height, role: el.getAttribute('role') })),
        )) as Array<{ text: string; h: number; role: string | null }>;
        await o.close();
        expect(boxes.length, file).to.be.greaterThan(1);
        for (const b of boxes) {
          expect(b.text, file).to.match(/could not be drawn/);
          expect(b.h, file).to.be.greaterThan(10);
          expect(b.role, file).to.equal('alert');
        }
      }
    });
  });

  describe('phone width and resizing', () => {
    const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'en-US' };

    it('at 390 px (a phone): a viewport tag, and nothing wider than the screen but a table in its own scroll box', async () => {
      for (const file of [evReport, commsReport, runReport, batchReport]) {
        const o = await open(browser!, file, PHONE);
        const viewport = await o.page.$eval('meta[name=viewport]', (m) => m.getAttribute('content'));
        const overflow = (await o.page.evaluate(OVERFLOW)) as { viewport: number; scrollWidth: number; out: string[] };
        const machines = (await o.page.$$eval('svg.machine', (svgs) => svgs.map((x) => x.getBoundingClientRect().width))) as number[];
        const charts = (await o.page.evaluate('Object.values(window.gridbidCharts).map((u) => [u.width, u.root.parentElement.clientWidth])')) as Array<[number, number]>;
        await o.close();
        expect(o.errors, file).to.deep.equal([]);
        expect(viewport, file).to.equal('width=device-width, initial-scale=1');
        // The page is laid out at the phone's width, not 980 px scaled down.
        expect(overflow.viewport, file).to.equal(390);
        expect(overflow.out, file).to.deep.equal([]);
        expect(overflow.scrollWidth, file).to.equal(overflow.viewport);
        if (file === evReport) expect(machines.length, file).to.be.greaterThan(2);
        for (const w of machines) expect(w, `${file}: state diagram`).to.be.at.most(390);
        expect(charts.length, file).to.be.greaterThan(1);
        for (const [w, box] of charts) expect(w, `${file}: chart in a box of ${box} px`).to.equal(Math.max(260, box));
      }
    });

    it("charts follow their box's width when the window is resized, and the page never scrolls sideways", async () => {
      for (const file of [evReport, batchReport]) {
        const o = await open(browser!, file, { viewport: { width: 1280, height: 800 }, locale: 'en-US' });
        const widths = async (): Promise<Array<[number, number]>> => {
          await o.page.evaluate(FRAMES);
          await o.page.evaluate(FRAMES);
          return (await o.page.evaluate('Object.values(window.gridbidCharts).map((u) => [u.width, u.root.parentElement.clientWidth])')) as Array<[number, number]>;
        };
        const wide = await widths();
        await o.page.setViewportSize({ width: 700, height: 800 });
        const narrow = await widths();
        const scroll = (await o.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
        await o.page.setViewportSize({ width: 1100, height: 800 });
        const again = await widths();
        await o.close();
        expect(o.errors, file).to.deep.equal([]);
        for (const [w, box] of [...wide, ...narrow, ...again]) expect(w, file).to.equal(box);
        for (const [i, [w]] of narrow.entries()) expect(w, file).to.be.lessThan(wide[i]![0]);
        for (const [i, [w]] of again.entries()) expect(w, file).to.be.greaterThan(narrow[i]![0]);
        expect(scroll, file).to.equal(0);
      }
    });
  });

  it('batch report: a KPI that is 0 in every run says so and draws an axis from 0, not an empty box', async () => {
    const o = await open(browser!, batchReport, { viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    const zero = (await o.page.evaluate(`(() => {
      const u = window.gridbidCharts['kpi-overloadIntervals'];
      return { note: u.root.closest('section').innerText, ticks: (u.axes[1]._values || []).map(String), range: [u.scales.y.min, u.scales.y.max] };
    })()`)) as { note: string; ticks: string[]; range: [number, number] };
    const ink = (await o.page.evaluate(INK)) as Array<{ id: string; ink: number }>;
    const others = (await o.page.$$eval('section', (ss) => ss.filter((x) => x.querySelector('.zero')).length)) as number;
    await o.close();
    expect(o.errors).to.deep.equal([]);
    expect(zero.note).to.include('0 in every run');
    expect(zero.range).to.deep.equal([0, 1]);
    expect(zero.ticks[0]).to.equal('0');
    expect(zero.ticks.length).to.be.greaterThan(2);
    // Only that KPI: welfare and peak consumption are not 0.
    expect(others).to.equal(1);
    expect(ink.find((c) => c.id === 'kpi-overloadIntervals')!.ink).to.be.greaterThan(1500);
  });

  it('chart legends from the keyboard: Tab reaches each entry, Enter and Space hide and show its line', async () => {
    const o = await open(browser!, runReport, { viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    const p = o.page;
    const lines = (await p.evaluate('Object.values(window.gridbidCharts).reduce((n, u) => n + u.series.length - 1, 0)')) as number;
    const entries = (await p.$$eval('.u-legend tr.u-series[role=button][tabindex="0"]', (trs) => trs.length)) as number;
    expect(entries).to.equal(lines);
    await p.keyboard.press('Tab');
    const focused = 'document.activeElement.matches(".u-legend tr.u-series[role=button]") ? document.activeElement.getAttribute("aria-pressed") + " " + document.activeElement.querySelector("th").innerText.trim() : "not a legend entry: " + document.activeElement.tagName';
    const first = (await p.evaluate(focused)) as string;
    const shown = `window.gridbidCharts.prices.series[1].show`;
    expect(first).to.equal(`true ${(await p.evaluate('window.gridbidCharts.prices.series[1].label')) as string}`);
    await p.keyboard.press('Enter');
    expect(await p.evaluate(shown)).to.equal(false);
    expect(((await p.evaluate(focused)) as string).startsWith('false ')).to.equal(true);
    await p.keyboard.press(' ');
    expect(await p.evaluate(shown)).to.equal(true);
    // The mouse toggles too, and the entry's state follows.
    await p.click('#chart-prices .u-legend tr.u-series[role=button] th');
    expect(await p.evaluate(shown)).to.equal(false);
    expect(await p.$eval('#chart-prices .u-legend tr.u-series[role=button]', (tr) => tr.getAttribute('aria-pressed'))).to.equal('false');
    await p.keyboard.press('Tab');
    expect(((await p.evaluate(focused)) as string).startsWith('true ')).to.equal(true);
    await o.close();
    expect(o.errors).to.deep.equal([]);
  });

  it('30 buses: every line of a chart has its own colour and dash; the price charts draw the envelope of the 30 buses and 5 of them, the branch chart the 10 most loaded of 30, each saying so', async () => {
    const o = await open(browser!, manyReport, { viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    const styles = (await o.page.evaluate(`Object.fromEntries(Object.entries(window.gridbidCharts).map(([id, u]) =>
      [id, u.series.slice(1).map((s, i) => s.stroke(u, i + 1) + ' ' + JSON.stringify(s.dash || null))]))`)) as Record<string, string[]>;
    const loading = (await o.page.$eval('#chart-loading', (el) => el.closest('section')!.textContent)) as string;
    const prices = (await o.page.$eval('#chart-prices', (el) => el.closest('section')!.textContent)) as string;
    await o.close();
    expect(o.errors).to.deep.equal([]);
    // The highest, mean and lowest of the 30 buses, and the 5 whose prices spread widest.
    expect(styles.prices!.length).to.equal(8);
    expect(prices).to.match(/30 buses: the highest, mean and lowest of their clearing prices each interval, and the 5 buses/);
    expect(styles.stages!.length).to.be.at.least(8);
    for (const [id, ss] of Object.entries(styles)) expect(new Set(ss).size, `${id}: ${ss.length} lines`).to.equal(ss.length);
    expect(loading).to.match(/10 most loaded of 30 branches/);
  });

  it('60 days at 5 minutes: every chart drawn from at most 10,000 points, saying so, with no page error', async () => {
    const o = await open(browser!, longReport, { viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    const points = (await o.page.evaluate('Object.fromEntries(Object.entries(window.gridbidCharts).map(([id, u]) => [id, u.data[0].length]))')) as Record<string, number>;
    const charts = (await o.page.evaluate(INK)) as Array<{ id: string; ink: number }>;
    const captions = (await o.page.$$eval('p.caption', (ps) => ps.map((p) => p.textContent))) as string[];
    await o.close();
    expect(o.errors).to.deep.equal([]);
    // 17,280 intervals in stretches of ceil(17,280 / 5,000) = 4: 4,320 stretches, 8,640 points.
    expect(Object.values(points).length).to.be.at.least(1);
    for (const [id, n] of Object.entries(points)) expect(n, id).to.equal(8640);
    for (const c of charts) expect(c.ink, `${c.id}: drawn`).to.be.greaterThan(500);
    expect(captions.length).to.equal(charts.length);
    for (const c of captions) expect(c).to.equal('Drawn in 4320 stretches of 4 intervals, each as its lowest and highest value; every interval is in the CSV files.');
  });

  it('every time column and label names its time zone: UTC in tables and key figures, local on chart axes', async () => {
    const o = await open(browser!, commsReport, { viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    const heads = (await o.page.$$eval('th', (ths) => ths.map((th) => th.textContent ?? ''))) as string[];
    const note = (await o.page.$eval('p.zone', (p) => p.textContent)) as string;
    const axes = (await o.page.evaluate('Object.values(window.gridbidCharts).map((u) => u.axes[0].label)')) as string[];
    await o.close();
    expect(o.errors).to.deep.equal([]);
    const times = heads.filter((h) => /^time\b|^Time of/i.test(h));
    expect(times).to.include('time (UTC)');
    // Tables and key figures in UTC; the charts' legends in the scenario's local time, named.
    for (const h of times) expect(h).to.match(/\(UTC\)|\(time \(UTC\)\)|^time \(UTC[+−]\d\d:\d\d\)$/);
    expect(note).to.equal("Times in tables and key figures are UTC; chart axes show the scenario's local time (UTC+02:00).");
    for (const a of axes) expect(a).to.equal('local time (UTC+02:00)');
  });
});
