/**
 * The tariff study's figures as the documents quote them — the table in the header of
 * scenarios/tariff-study/sweep.yaml and the one in README "Tariff study" — are those of the
 * full study run now (five runs of three days, 174 customers; ~10 s here). A change to the
 * engine that moves them fails here until the documents say what the runs do.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { planBatch } from '../../batch/plan.ts';
import { runScenario } from '../../engine/run.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { inWindow, SWEEP, TARIFFS, type TariffId } from './tariffStudyCommon.ts';

const README_LABEL: Record<TariffId, string> = { flat: 'flat 0.25/kWh', tou: 'time-of-use', cpp: 'critical-peak', rtp: 'real-time', demand: 'demand charge' };
const CUSTOMER_KINDS = new Set(['home', 'building', 'ev']);
/** Critical-peak's event days: its window figure is over them only. */
const EVENT_DAYS = ['2026-07-15', '2026-07-16'];

interface Figures {
  readonly billHome: string;
  readonly billOffice: string;
  readonly billEv: string;
  readonly peakKw: number;
  /** "15 Jul 14:30", as the sweep file writes the peak's time (UTC). */
  readonly peakAt: string;
  readonly windowKw: number;
  readonly shiftedKwh: number;
  readonly reboundKwh: number;
  readonly margin: string;
  readonly welfare: number;
}

/** The highest Σ of the customers' positive awards in a 15-minute interval of 14–19 UTC (cpp: its event days). */
function customersInWindowKw(agentsCsv: string, tariff: TariffId): number {
  const byInterval = new Map<string, number>();
  for (const r of parse(agentsCsv, { columns: true }) as Array<Record<string, string>>) {
    const t = r.interval_start!;
    if (!CUSTOMER_KINDS.has(r.kind!) || !inWindow(t)) continue;
    if (tariff === 'cpp' && !EVENT_DAYS.some((d) => t.startsWith(d))) continue;
    const kw = Number(r.award_kw);
    if (kw > 0) byInterval.set(t, (byInterval.get(t) ?? 0) + kw);
  }
  return Math.max(...byInterval.values());
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const dayAndTime = (iso: string): string => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(11, 16)}`;

describe('the tariff study’s figures in the sweep file and the README are the study’s', function () {
  this.timeout(180_000);
  let root: string;
  const measured = {} as Record<TariffId, Figures>;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'gridbid-tariff-docs-'));
    for (const r of planBatch(SWEEP).runs) {
      const tariff = r.variant as TariffId;
      const dir = join(root, tariff);
      await runScenario(parseScenario(r.text, r.file), { outDir: dir });
      const k = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).kpis;
      measured[tariff] = {
        billHome: Number(k.retail.averageBillByKind.home).toFixed(2),
        billOffice: Number(k.retail.averageBillByKind.building).toFixed(2),
        billEv: Number(k.retail.averageBillByKind.ev).toFixed(2),
        peakKw: Math.round(k.peakKw),
        peakAt: dayAndTime(k.peakAt),
        windowKw: Math.round(customersInWindowKw(readFileSync(join(dir, 'agents.csv'), 'utf8'), tariff)),
        shiftedKwh: Math.round(k.shiftedKwh),
        reboundKwh: Math.round(k.reboundKwh),
        margin: Number(k.retailers['power-retail'].margin).toFixed(2),
        welfare: Math.round(Number(k.welfare)),
      };
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the sweep file’s "Measured" table', () => {
    const text = readFileSync(SWEEP, 'utf8');
    for (const t of TARIFFS) {
      const m = measured[t];
      const row = new RegExp(`^#\\s+${t}\\s+(\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d\\s.+)$`, 'm').exec(text); // the table's row (three bills first), not the header's list of tariffs
      expect(row, `a row for ${t}`).to.not.equal(null);
      const quoted = row![1]!.trim().split(/\s+/);
      // bill home, office, EV, peak kW, day, month, time, customers in window, shifted, rebound, margin, welfare
      expect(quoted, t).to.deep.equal([m.billHome, m.billOffice, m.billEv, String(m.peakKw), ...m.peakAt.split(' '), String(m.windowKw), String(m.shiftedKwh), String(m.reboundKwh), m.margin, String(m.welfare)]);
    }
  });

  it('the README’s table', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const t of TARIFFS) {
      const m = measured[t];
      expect(readme, t).to.contain(`| ${README_LABEL[t]} | ${m.billHome} | ${m.billOffice} | ${m.billEv} | ${m.peakKw} | ${m.windowKw} | ${m.shiftedKwh} | ${m.reboundKwh} | ${m.margin} |`);
    }
  });
});
