/**
 * The HTML reports in a real browser: headless Chromium driven by playwright-core
 * (Debian's when installed, else the one inside the @sparticuz/chromium devDependency:
 * test/helpers/chromium.ts). Each page must load with no console error, page error or
 * network request, and every chart must have drawn its data: each series has
 * values, and hiding it changes the canvas (so it put pixels there).
 * It never skips: with no Debian Chromium it runs on the npm one (GRIDBID_CHROMIUM=npm forces that).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { runBatch } from '../../batch/runBatch.ts';
import { launchChromium } from '../helpers/chromium.ts';

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

interface PageCheck {
  readonly problems: string[];
  readonly charts: ChartCheck[];
  readonly links: string[];
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

  async function check(file: string): Promise<PageCheck> {
    const context = await browser!.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
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
    const charts = (await page.evaluate(PROBE)) as ChartCheck[];
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    await context.close();
    return { problems, charts, links };
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
