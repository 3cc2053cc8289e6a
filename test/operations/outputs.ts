/**
 * Shared by the operations acceptance specs: run a scenario into a temporary folder,
 * read its CSVs, and the checks every operations scenario must pass.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenario } from '../../engine/run.ts';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';

export type Row = Record<string, string>;

export interface RunOutputs {
  readonly dir: string;
  readonly summary: { intervals: number; kpis: Record<string, any>; books: { closed: boolean } };
  readonly agents: Row[];
  readonly flows: Row[];
  readonly events: Row[];
  /** agents.csv award_kw (the market position) and actual_kw (what the meter saw, after commands) by `interval_start|agent_id`. */
  readonly award: Map<string, number>;
  readonly actual: Map<string, number>;
  cleanup(): void;
}

const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true });

/** Runs a scenario (a file, or one already loaded and perhaps changed) and reads what it wrote. */
export async function runAndRead(scenario: string | Scenario, prefix = 'gridbid-ops-'): Promise<RunOutputs> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  await runScenario(typeof scenario === 'string' ? loadScenarioFile(scenario) : scenario, { outDir: dir });
  const agents = readCsv(join(dir, 'agents.csv'));
  return {
    dir,
    summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')),
    agents,
    flows: readCsv(join(dir, 'flows.csv')),
    events: readCsv(join(dir, 'events.csv')),
    award: new Map(agents.map((r) => [`${r.interval_start}|${r.agent_id}`, Number(r.award_kw)])),
    actual: new Map(agents.filter((r) => r.actual_kw !== '').map((r) => [`${r.interval_start}|${r.agent_id}`, Number(r.actual_kw)])),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The same scenario with its operators removed (`operations: []`): the run without any event. */
export function withoutOperators(file: string): Scenario {
  const s = loadScenarioFile(file);
  return { ...s, config: { ...s.config, operations: [] } };
}

/** flows.csv tolerance: three decimals written, and the engine's own 1e-7 relative slack. */
const over = (f: Row): boolean => Math.abs(Number(f.flow_kw)) > Number(f.limit_kw) * (1 + 1e-7) + 1e-3;

/**
 * Interval by interval, on the watched branches: a flow over its limit only where the
 * operator recorded an OVERLOAD_SHORTFALL for that branch then, and a relieved overload
 * always within its limit. Returns the number of over-limit intervals (all with shortfalls).
 */
export function expectWithinLimitOrShortfall(o: RunOutputs, branches: readonly string[]): number {
  const shortfall = new Set(o.events.filter((e) => e.type === 'OVERLOAD_SHORTFALL').map((e) => `${e.interval_start}|${e.target}`));
  const relieved = new Set(o.events.filter((e) => e.type === 'OVERLOAD_RELIEVED').map((e) => `${e.interval_start}|${e.target}`));
  let overloaded = 0;
  for (const f of o.flows) {
    if (!branches.includes(f.line_id!)) continue;
    const key = `${f.interval_start}|${f.line_id}`;
    if (over(f)) {
      overloaded++;
      expect(shortfall.has(key), `${key}: ${f.flow_kw} kW over its ${f.limit_kw} kW limit without an OVERLOAD_SHORTFALL row`).to.equal(true);
    }
    if (relieved.has(key)) expect(over(f), `${key}: relieved but ${f.flow_kw} kW`).to.equal(false);
  }
  // Every shortfall names a real over-limit interval of that branch (no false alarms).
  for (const key of shortfall) {
    const f = o.flows.find((x) => `${x.interval_start}|${x.line_id}` === key);
    expect(f && over(f), `${key}: a shortfall recorded but the flow is within the limit`).to.equal(true);
  }
  return overloaded;
}

/**
 * events.csv reconciles: every opted-in command committed a change in [requested, 0] (in
 * [0, requested] for a charge command) and has its two reports from the target in the same
 * interval; delivered = baseline − actual (actual − baseline for a charge command; the
 * metered actual_kw of agents.csv; × the command's share where the device committed to several operators in
 * the interval); the delta report's requested is the commitment. Declined commands
 * say why. Returns the number of opted-in commands checked.
 */
export function expectEventsReconcile(o: RunOutputs): number {
  const reports = new Map<string, Row>();
  // Keyed by the operator a report goes to (its target) as well: a device commanded by two operators reports to each.
  for (const e of o.events) if (e.type!.startsWith('REPORT:')) reports.set(`${e.interval_start}|${e.issuer}|${e.target}|${e.type}`, e);
  let n = 0;
  for (const e of o.events) {
    if (e.type !== 'DISPATCH_SETPOINT' && e.type !== 'IMPORT_CAPACITY_LIMIT') continue;
    const requested = Number(e.requested_kw);
    const delivered = Number(e.delivered_kw);
    const reason = e.detail!.slice(e.detail!.indexOf(': ') + 2);
    expect(reason.length, `${e.interval_start} ${e.target}: ${e.response} without a reason`).to.be.greaterThan(3);
    if (e.response !== 'opt-in') {
      expect(delivered, `${e.interval_start} ${e.target} ${e.response}`).to.equal(0);
      continue;
    }
    n++;
    const at = `${e.interval_start} ${e.target}`;
    // A reduction commits a change in [requested, 0]; a charge command (requested > 0) one in [0, requested].
    const up = requested > 0;
    if (up) expect(delivered, at).to.be.at.least(0);
    else expect(delivered, at).to.be.at.most(0);
    expect(Math.abs(delivered), `${at}: delivered more than requested`).to.be.at.most(Math.abs(requested) + 1e-9);
    const base = reports.get(`${e.interval_start}|${e.target}|${e.issuer}|REPORT:BASELINE`);
    const delta = reports.get(`${e.interval_start}|${e.target}|${e.issuer}|REPORT:DELTA_USAGE`);
    expect(base, `${at}: no baseline report`).to.not.equal(undefined);
    expect(delta, `${at}: no delta-usage report`).to.not.equal(undefined);
    expect(Number(base!.requested_kw), at).to.equal(requested);
    expect(Number(delta!.requested_kw), at).to.be.closeTo(delivered, 1e-3);
    if (base!.delivered_kw === '') {
      expect(delta!.delivered_kw, `${at}: no baseline, nothing measured`).to.equal('');
      continue;
    }
    const actual = o.actual.get(`${e.interval_start}|${e.target}`)!;
    const measured = up ? actual - Number(base!.delivered_kw) : Number(base!.delivered_kw) - actual;
    // A device committed to several operators in the interval: each is reported its share, commitment / all commitments.
    const together = /its share [\d.]+ of the delivery of ([\d.]+) kW/.exec(delta!.detail!);
    const share = together ? Math.abs(delivered) / Number(together[1]) : 1;
    expect(Number(delta!.delivered_kw), `${at}: delivered = baseline − actual (actual − baseline for a charge command), × its share`).to.be.closeTo(measured * share, 2e-3);
  }
  return n;
}

/**
 * The books of a run: closed in summary.json, and in agents.csv the metered actual_kw sums to zero
 * over the agents in every interval (exactly, in the quantum's decimals), while over the parties
 * facing the market (via empty) cost sums to the stages' rents (zero on a single price).
 */
export function expectBooksClosed(o: RunOutputs): void {
  expect(o.summary.books.closed).to.equal(true);
  const sums = new Map<string, number>();
  for (const r of o.agents) {
    if (r.actual_kw === '') {
      expect(r.kind === 'aggregator' || r.kind === 'retailer', `${r.agent_id}: an agent without a meter reading`).to.equal(true);
      continue;
    }
    // Whole watts: exact integer sums.
    sums.set(r.interval_start!, (sums.get(r.interval_start!) ?? 0) + Math.round(Number(r.actual_kw) * 1000));
  }
  expect(sums.size).to.equal(o.summary.intervals);
  for (const [t, w] of sums) expect(w, `Σ actual_kw at ${t}`).to.equal(0);
}
