/**
 * The run report's section on what went wrong without stopping the run: strategy and
 * agent faults (who, when, where, the message) and bids the market rejected (whose,
 * when, the code and the reason). Counts are complete; the tables show the first
 * `MAX_ROWS` of each (all are in events.csv and rejections.csv).
 */
import { escapeHtml } from './report.ts';

export const MAX_ROWS = 100;

export interface FaultRow {
  readonly agentId: string;
  readonly kind: string;
  /** ISO-8601 UTC, as in summary.json. */
  readonly at: string;
  readonly phase: string;
  readonly message: string;
}

export interface RejectionRow {
  readonly at: string;
  readonly agentId: string;
  readonly bidId: string;
  readonly code: string;
  readonly reason: string;
}

const table = (head: readonly string[], rows: ReadonlyArray<readonly string[]>): string =>
  `<div class="table-scroll"><table class="events"><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>` +
  rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('') +
  '</table></div>';

/** The section's HTML: a sentence when nothing went wrong, else counts and the first rows with their messages. */
export function issuesSectionHtml(faults: readonly FaultRow[], faultCount: number, rejections: readonly RejectionRow[], rejectedCount: number): string {
  const parts: string[] = [];
  if (faultCount === 0) parts.push('<p class="faults">No strategy or agent faults.</p>');
  else {
    parts.push(`<p class="faults">${faultCount} fault(s): the agent bid its kind's default for that interval (strategy), or was isolated for the rest of the run: a site whose bidding code crashed runs on its own control (bid), any other crash leaves the agent out, its load unknown (command, settle, own-control).</p>`);
    parts.push(table(['time (UTC)', 'agent', 'kind', 'where', 'message'], faults.slice(0, MAX_ROWS).map((f) => [f.at, f.agentId, f.kind, f.phase, f.message])));
    if (faultCount > MAX_ROWS) parts.push(`<p>(first ${MAX_ROWS}; all are in events.csv, STRATEGY_FAULT and AGENT_CRASH rows)</p>`);
  }
  if (rejectedCount === 0) parts.push('<p class="rejections">No rejected bids.</p>');
  else {
    parts.push(`<p class="rejections">${rejectedCount} rejected bid(s); the market cleared the others.</p>`);
    parts.push(table(['time (UTC)', 'agent', 'bid', 'code', 'reason'], rejections.slice(0, MAX_ROWS).map((r) => [r.at, r.agentId, r.bidId, r.code, r.reason])));
    if (rejectedCount > MAX_ROWS) parts.push(`<p>(first ${MAX_ROWS}; all are in rejections.csv)</p>`);
  }
  return parts.join('');
}
