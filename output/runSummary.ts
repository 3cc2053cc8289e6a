/**
 * The shape of a run's summary (summary.json, and `runScenario`'s `summary`), typed for the
 * library's users: the scenario, the books and the headline figures by name and type; the
 * rest of the key figures (feeder, comms, settlement, operations, retail …: present when the run
 * has them, docs in README "Outputs" and output/kpiCatalogue.ts) under an index of `unknown`.
 * Money is exact decimal text (decimal.js `toFixed`), energy kWh and power kW numbers.
 */
import type { BooksSummary } from '../core/errors.ts';

/** One market stage's money: what buyers paid, sellers received, and the difference (the stage's rent). */
export interface StageMoney {
  readonly buyersPay: string;
  readonly sellersReceive: string;
  readonly rent: string;
}

/** An agent kind's figures over the run. */
export interface KindFigures {
  readonly count: number;
  /** Net metered energy, kWh (+ consumed, − generated). */
  readonly energyKwh: number;
  readonly cost: string;
  readonly unservedKwh: number;
}

/** A fault of an agent or of its strategy, as summary.json lists it. */
export interface AgentFaultRecord {
  readonly agentId: string;
  readonly kind: string;
  /** ISO-8601 UTC. */
  readonly at: string;
  /** Where it threw: `bid` (a site then runs on its own control), `command`, `settle`, `own-control` (left out), `strategy` (its kind's default bid). */
  readonly phase: 'bid' | 'command' | 'settle' | 'own-control' | 'strategy';
  readonly message: string;
}

/** A day-ahead auction that did not clear, as summary.json lists it (`kpis.dayAhead.failedDays`). */
export interface DayAheadFailureRecord {
  /** The delivery day, the site's local date (`YYYY-MM-DD`). */
  readonly day: string;
  /** Its first delivery interval's start (ISO-8601 UTC) and how many intervals it was for (the run's part of that day). */
  readonly firstInterval: string;
  readonly intervals: number;
  /** `infeasible`, `unbounded` or `solver-error`, and the clearing's message. */
  readonly status: string;
  readonly message: string;
}

export interface RunKpis {
  readonly welfare: number;
  /** The real-time stage's money, per party and interval (with a day-ahead stage, on the difference from its position). */
  readonly totalCost: string;
  readonly sellersRevenue: string;
  readonly merchandisingSurplus: string;
  /**
   * With a day-ahead stage: its money, and, only when some auction did not clear, `failedDayCount` and
   * `failedDays` (each such delivery day, in order: its intervals ran in real time alone).
   */
  readonly dayAhead?: StageMoney & { readonly failedDayCount?: number; readonly failedDays?: readonly DayAheadFailureRecord[] };
  readonly imbalance: StageMoney & {
    readonly redispatchedIntervals: number;
    readonly deviationKwh: number;
    readonly unservedKwh: number;
    readonly spilledKwh: number;
    readonly curtailedKwh: number;
    readonly shedKwh: number;
  };
  readonly demandResponsePaid: string;
  /** The sites' metered gross consumption and generation, kWh (not the cleared demand). */
  readonly demandKwh: number;
  readonly supplyKwh: number;
  readonly peakKw: number;
  readonly peakAt: string | null;
  readonly baselinePeakKw: number;
  readonly peakReductionKw: number;
  readonly peakReductionPct: number;
  readonly averagePriceMwh: number | null;
  readonly minPriceMwh: number | null;
  readonly maxPriceMwh: number | null;
  readonly byKind: Readonly<Record<string, KindFigures>>;
  readonly overloadIntervals: number;
  /** The first 1,000 intervals whose clearing failed (`LISTED_CLEARING_PROBLEMS`); `clearingProblemCount` counts them all. */
  readonly clearingProblems: ReadonlyArray<{ readonly interval: string; readonly status: string; readonly message: string }>;
  readonly clearingProblemCount: number;
  readonly rejectedBids: Readonly<Record<string, number>>;
  /** The first 1,000 faults (`LISTED_FAULTS`), in order; events.csv has them all. */
  readonly agentFaults: readonly AgentFaultRecord[];
  /** Every fault of the run, listed or not. */
  readonly agentFaultCount: number;
  /**
   * Agents isolated after a crash (a fault outside their strategy): they bid and are commanded no more. A site
   * whose bidding code crashed runs on its own control (metered, settled at the imbalance price); one that threw
   * while settling, answering a command or on its own control is left out (its meter reads zero, its load unknown).
   */
  readonly isolatedAgents: number;
  readonly [figure: string]: unknown;
}

export interface RunSummary {
  readonly scenario: { readonly name: string; readonly file: string; readonly description: string };
  readonly seed: number;
  /** ISO-8601 UTC. */
  readonly start: string;
  readonly intervals: number;
  readonly intervalMinutes: number;
  readonly agents: number;
  readonly buses: readonly string[];
  /** The market stages the run cleared, in timeline order ('dayAhead', 'realTime' …). */
  readonly stages: readonly string[];
  readonly books: BooksSummary;
  /** With `warmUpDays`: the days and intervals simulated before `start` (reported nowhere else) and their agent faults (all counted, the first 1,000 listed). */
  readonly warmUp?: { readonly days: number; readonly intervals: number; readonly agentFaultCount: number; readonly agentFaults: readonly AgentFaultRecord[] };
  readonly kpis: RunKpis;
}
