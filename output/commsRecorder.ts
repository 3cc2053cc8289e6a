/**
 * The communication plane's outputs (issue 17), for runs with `comms:` a plane:
 * messages.csv (one row per message, in the order the plane finished them), the
 * `comms` KPIs of summary.json, and three report sections — delivery latency per
 * application class, link utilisation, and demand-response delivery against command
 * latency. A run with `comms: ideal` never builds one, so its outputs are unchanged.
 */
import { MESSAGE_LOG_COLUMNS } from '../comms/messageLog.ts';
import { orderStatistics } from '../comms/orderStatistics.ts';
import type { CommandDelivery, CommsRunEnd, IntervalComms } from '../engine/interval/outcome.ts';
import type { CsvFile } from './csvFile.ts';
import type { OpenTable } from './tableFiles.ts';
import { escapeHtml } from './report.ts';
import { byKey } from '../core/textOrder.ts';

/** Command latency bins of the DR-delivery table, upper bounds in seconds. */
const LATENCY_BINS_S = [1, 5, 30, 60, 180, 600, Infinity] as const;

/** One row of the DR-delivery table: commands and Σ kW (magnitudes) of the commands in one latency bin, or never in force. */
export interface DeliveryBin {
  n: number;
  committedKw: number;
  effectiveKw: number;
}

/**
 * The DR-delivery table's bins, filled command by command as each interval hands its deliveries
 * over: the table needs only counts and sums, so nothing per command is kept for the run's end
 * (a run commanding every home every interval delivered ~100,000 commands per 1,000 homes and
 * day). The sums are added in delivery order, as they were when every delivery was kept and
 * binned at the end, so the table's figures are the same to the last bit.
 */
export class DeliveryBins {
  /** Per bin of `LATENCY_BINS_S`, then (last) the commands never in force. */
  readonly bins: readonly DeliveryBin[] = [...LATENCY_BINS_S, 'never'].map(() => ({ n: 0, committedKw: 0, effectiveKw: 0 }));

  add(d: CommandDelivery): void {
    const k = d.latencyMs === undefined ? LATENCY_BINS_S.length : LATENCY_BINS_S.findIndex((b) => d.latencyMs! / 1000 <= b);
    const bin = this.bins[k]!;
    bin.n++;
    bin.committedKw -= d.committedKw;
    if (d.latencyMs !== undefined) bin.effectiveKw -= d.effectiveKw;
  }
}

export class CommsRecorder {
  private readonly csv: CsvFile;
  /** The DR-delivery table's counts and sums so far (`DeliveryBins`): a handful of numbers, however many commands. */
  readonly deliveryBins = new DeliveryBins();
  private end: CommsRunEnd | undefined;

  /** `open` gives the messages table its destinations (output/tableFiles.ts). */
  constructor(open: OpenTable) {
    this.csv = open('messages', [...MESSAGE_LOG_COLUMNS]);
  }

  interval(c: IntervalComms): void {
    for (const piece of c.rows) this.csv.bytes(piece);
    for (const d of c.commands) this.deliveryBins.add(d);
  }

  completed(end: CommsRunEnd): void {
    for (const piece of end.rows) this.csv.bytes(piece);
    this.end = end;
  }

  close(): void {
    this.csv.close();
  }

  /** An interrupted run: the rows so far stay under the `.partial` name. */
  abandon(): void {
    this.csv.abandon();
  }

  kpis(): Record<string, unknown> {
    return this.end ? { ...this.end.summary } : {};
  }

  sections(): Array<{ title: string; html: string }> {
    const end = this.end;
    if (!end) return [];
    const table = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
      `<div class="table-scroll"><table class="events"><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</table></div>`;
    const latencyRows = [...end.latencyByClass]
      .sort(byKey)
      .map(([cls, samples]) => {
        const n = samples.length;
        if (n === 0) return [cls, '0', '', '', '', ''];
        // The sorted sample's values at these ranks, by selection (millions of samples: no sort).
        const ranks = [0.5, 0.9, 0.99, 1].map((p) => Math.min(n - 1, Math.ceil(p * n) - 1));
        return [cls, String(n), ...orderStatistics(samples, ranks).map((ms) => (ms / 1000).toFixed(3))];
      });
    const linkRows = end.linkStats.map((l) => [l.link, end.elapsedMs > 0 ? ((100 * l.busyMs) / end.elapsedMs).toFixed(3) : '0', String(l.transmissions), String(l.maxQueueLength)]);
    const bins = this.deliveryBins.bins.slice(0, LATENCY_BINS_S.length);
    const never = this.deliveryBins.bins[LATENCY_BINS_S.length]!;
    const drRows = bins
      .map((b, k) => [k === 0 ? `≤ ${LATENCY_BINS_S[0]} s` : `${LATENCY_BINS_S[k - 1]}–${LATENCY_BINS_S[k] === Infinity ? '∞' : LATENCY_BINS_S[k]} s`, String(b.n), b.committedKw.toFixed(3), b.effectiveKw.toFixed(3), b.committedKw > 0 ? ((100 * b.effectiveKw) / b.committedKw).toFixed(1) : ''])
      .filter((r) => r[1] !== '0');
    if (never.n > 0) drRows.push(['never in force (lost, rejected, after the interval)', String(never.n), never.committedKw.toFixed(3), '0.000', '0.0']);
    return [
      {
        title: 'Communication plane: delivery latency per application class (seconds)',
        html: latencyRows.length === 0 ? '<p>No message was delivered.</p>' : table(['class', 'delivered', 'median', 'p90', 'p99', 'max'], latencyRows),
      },
      {
        title: 'Communication plane: link utilisation over the run',
        html: linkRows.length === 0 ? '<p>No shared link is modelled (every message on its own access path).</p>' : table(['link', 'busy %', 'transmissions', 'longest queue'], linkRows),
      },
      {
        title: 'Demand-response delivery against command latency',
        html:
          drRows.length === 0
            ? '<p>No operator command was opted in to.</p>'
            : table(['command latency', 'commands', 'committed kW (Σ)', 'in force kW (Σ, pro rata)', 'delivered share %'], drRows) +
              '<p>A command acts from its delivery on: the committed change × the share of the interval left when it arrives.</p>',
      },
    ];
  }
}
