/**
 * The scenario file format (YAML or JSON). Unknown keys are errors everywhere,
 * so a typo is never silently ignored. Units are in the key names.
 */
import { costMwh, priceMwh, priceTickMwh, quantumKw } from '../../core/bounds.ts';
import * as z from 'zod';
import { parseSimTime } from '../../core/time.ts';
import { agentGroupSchema } from '../../agents/registry.ts';
import { weatherSchema } from '../../agents/environment.ts';
import { forecastSchema } from '../forecast.ts';
import { faultsSchema } from '../../agents/operations/faults.ts';
import { operationsSchema } from '../../agents/operations/operator.ts';
import { networkSchema } from '../../network/schema.ts';
import { isoDate, tariffsSchema } from '../../tariffs/schema.ts';
import { timelineSchema } from './timeline.ts';
import { commsSchema } from '../../comms/schema.ts';
import { ianaZoneProblem } from '../../core/siteZone.ts';

/** The real-time gate when a scenario gives none: 5 minutes before its interval. */
export const DEFAULT_GATE_CLOSURE_MINUTES = 5;

const isoTime = z.string().refine((s) => parseSimTime(s) !== undefined, {
  message: 'expected an ISO-8601 time in UTC or with its offset, such as 2026-07-01T00:00:00Z',
});

export const marketSchema = z.strictObject({
  /** Clearing mechanism: `auto` uses the double auction on one bus and LP dispatch on a network. */
  mechanism: z.enum(['auto', 'double-auction', 'lp']).default('auto'),
  priceRule: z.enum(['partial-block', 'marginal-offer', 'marginal-bid', 'midpoint']).default('partial-block'),
  pricing: z.enum(['uniform', 'pay-as-bid']).default('uniform'),
  priceCapMwh: priceMwh().default(3000),
  priceFloorMwh: priceMwh().default(-500),
  priceTickMwh: priceTickMwh().default(0.01),
  quantumKw: quantumKw().default(0.001),
  /** LP solver for network clearing: HiGHS (default) or javascript-lp-solver (small networks). */
  solver: z.enum(['highs', 'jslp']).default('highs'),
  /** The gate for an interval closes this many minutes before it starts. */
  gateClosureMinutes: z.number().min(0).max(24 * 60).default(DEFAULT_GATE_CLOSURE_MINUTES),
  /**
   * Generators regulate around their position: up at marginal cost + this, down (buying the
   * energy back) at marginal cost − this, currency/MWh. Prices every deviation the real-time
   * market re-dispatches (docs/markets.md).
   */
  regulationSpreadMwh: costMwh().default(10),
  /** The market stages in gate order (engine/scenario/timeline.ts): `[realTime]` (the default) or `[dayAhead, realTime]`. */
  timeline: timelineSchema,
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Seed of every random draw in the run (overridden by `--seed`). */
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
  /** Start of the first market interval, UTC. */
  start: isoTime,
  /** Length of the reported horizon, from `start`. */
  days: z.number().positive().max(366).default(1),
  /**
   * Whole days simulated before `start` and reported nowhere (engine/warmUp.ts): agents' states,
   * price forecasts and the operators' metered history (10-of-10 baselines) are warm at `start`.
   */
  warmUpDays: z.int().min(0).max(366).default(0),
  intervalMinutes: z.int().positive().max(24 * 60).default(15),
  /** Where the simulated place is: sun position (PV) and local time (load profiles, occupancy). */
  site: z
    .strictObject({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      /** Local time = UTC + this many hours at every instant (no daylight saving); or give `timeZone`. */
      utcOffsetHours: z.number().min(-12).max(14).optional(),
      /**
       * An IANA time zone (`Europe/Amsterdam`): local time follows its wall clock, daylight-saving
       * changes included (core/siteZone.ts). The alternative to `utcOffsetHours`.
       */
      timeZone: z.string().optional(),
      /**
       * Public holidays, local calendar dates: their load follows the Sunday shape, offices stay
       * closed, cars do not commute, DR baselines count them with weekends, and a time-of-use
       * tariff with a `holidayPeriod` prices them so, and a demand charge with
       * `demandOnHolidays: false` takes no peak on them.
       */
      holidays: z.array(isoDate).max(3660).optional(),
    })
    .superRefine((site, ctx) => {
      if (site.utcOffsetHours !== undefined && site.timeZone !== undefined)
        ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `give either utcOffsetHours (a fixed offset) or timeZone (an IANA zone with its daylight saving), not both` });
      else if (site.utcOffsetHours === undefined && site.timeZone === undefined)
        ctx.addIssue({ code: 'custom', path: ['utcOffsetHours'], message: `the site needs its local time: utcOffsetHours (hours east of UTC, e.g. 1) or timeZone (an IANA name such as Europe/Amsterdam)` });
      else if (site.timeZone !== undefined) {
        const problem = ianaZoneProblem(site.timeZone, { named: false });
        if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['timeZone'], message: problem });
      }
    })
    .default({ latitude: 52.37, longitude: 4.9, utcOffsetHours: 1 }),
  /** Outdoor temperature and sky: shared by every agent of the site. */
  weather: weatherSchema.default(weatherSchema.parse({})),
  /** The public price forecast agents' strategies see. */
  forecast: forecastSchema.default(forecastSchema.parse({})),
  market: marketSchema.default(marketSchema.parse({})),
  /** Retail tariffs that retailers offer (by id) and customers buy under. */
  tariffs: tariffsSchema.default([]),
  /** The distribution network; without one, every agent is on a single bus named 'main'. */
  network: networkSchema.optional(),
  /** Distribution operators (need a network): keep branches within limits by commanding flexibility. */
  operations: operationsSchema.default([]),
  /** Faults injected during the run: outages, deratings, communication loss, crashing agents, forged commands. */
  faults: faultsSchema.default([]),
  agents: z.array(agentGroupSchema).min(1),
  /**
   * The communication plane (comms/): `ideal` (default) delivers every message at once;
   * a plane models latency, loss, shared links and priority, and a run carries its bids,
   * prices, commands and meter reads on it (docs/comms.md, "In a run").
   */
  comms: commsSchema,
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioConfig = z.infer<typeof scenarioSchema>;
