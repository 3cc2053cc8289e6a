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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { runBatch } from '../../batch/runBatch.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { launchChromium } from '../helpers/chromium.ts';

/** Charts drawn: per `window.gridbidCharts` entry, its canvas pixels that are not transparent. */
const INK = `(() => Object.entries(window.gridbidCharts || {}).map(([id, u]) => {
  const d = u.ctx.getImageData(0, 0, u.ctx.canvas.width, u.ctx.canvas.height).data;
  let ink = 0;
  for (let k = 3; k < d.length; k += 4) if (d[k] > 0) ink++;
  return { id, ink };
}))()`;

const FRAMES = 'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))';

describe('HTML reports whatever the browser: locale, phone width, keyboard, many lines', function () {
  this.timeout(120_000);
  let dir: string;
  let browser: Browser | undefined;
  let runReport: string;
  let batchReport: string;

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
});
