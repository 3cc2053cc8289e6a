/**
 * Reads and validates a scenario file. Every problem is reported at once, each
 * with the file, the path inside the document (`agents[3].count`), the line and
 * column, and what was expected. Nothing here throws anything but `UserError`s.
 */
import { limitOffTick } from '../../market/types.ts';
import { readInputFile } from '../../core/inputFile.ts';
import { dirname, extname } from 'node:path';
import type * as z from 'zod';
import { formatPath, InputFileError, type InputIssue, parsePath, UserError } from '../../core/errors.ts';
import { describeIssue, locate, parseYamlFile, type Problem } from '../../core/yamlIssues.ts';
import { checkStrategyRef, strategyRefSchema } from '../../strategies/registry.ts';
import { feederConfigOf, networkFromConfig } from '../../network/schema.ts';
import { radialFeeder } from '../../network/radial.ts';
import { NetworkError, withBranchInService } from '../../network/validate.ts';
import type { Network } from '../../network/types.ts';
import { inForce, matchesAgent } from '../../agents/operations/faults.ts';
import { DEFAULT_GATE_CLOSURE_MINUTES, type ScenarioConfig, scenarioSchema } from './schema.ts';
import { normaliseTimeline, timelineProblems } from './timeline.ts';
import type { AgentGroup } from '../../agents/registry.ts';
import { meterIntervalIssues } from '../../tariffs/compat.ts';
import { formatSimTime, MS_PER_HOUR, MS_PER_MINUTE, parseSimTime, simTime } from '../../core/time.ts';
import { fixedOffsetName } from '../../core/siteZone.ts';
import { siteClockProblems, siteZoneOf } from './siteZone.ts';
import { reservedIdProblem } from './reservedIds.ts';
import { firstSendLeadMinutes } from '../interval/comms.ts';
import type { RealTimeStage } from './timeline.ts';
import { simulatedStart } from '../warmUp.ts';
import { runSpanOf } from './runSpan.ts';
import { warmUpProblems, warmUpSpan } from './warmUpChecks.ts';

export interface Scenario {
  /** The file it came from (as given), for messages and summaries. */
  readonly file: string;
  readonly config: ScenarioConfig;
}

export function loadScenarioFile(file: string): Scenario {
  const ext = extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) throw new UserError(`${file}: expected a .yaml, .yml or .json scenario file`);
  return parseScenario(readInputFile(file, 'scenario file'), file);
}

/** Parses scenario text; JSON is read by the same parser (YAML 1.2 contains JSON), so it gets line numbers too. */
export function parseScenario(text: string, file: string): Scenario {
  const { doc, lineCounter, raw } = parseYamlFile(text, file, 'the file is empty; expected a scenario mapping with name, start and agents');
  const parsed = scenarioSchema.safeParse(raw);
  const issues: InputIssue[] = [];
  const at = (p: Problem): InputIssue => ({ path: formatPath(p.path), message: p.message, ...locate(doc, lineCounter, p.path, p.atKey ?? false) });
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push(...describeIssue(i, raw, (path) => allowedKeys(raw, path)).map(at));
    // Strategy references are checked in the same pass, so one run of `validate` lists them too.
    for (const p of strategyChecksOnRaw(raw, dirname(file))) issues.push(at(p));
  } else {
    for (const p of crossChecks(parsed.data, dirname(file))) issues.push(at(p));
  }
  if (!parsed.success || issues.length > 0) {
    throw new InputFileError(file, issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
  }
  return { file, config: parsed.data };
}


/**
 * The scenario `parseScenario` would make of this plain data written out as YAML, checked on
 * the data itself: the scenario when it is valid, undefined when it is not (then
 * `parseScenario` on the text says where and why). A batch checks every run's scenario (its base
 * with the sweep's overrides applied, then written out) before the first starts, and reading that
 * text back was most of the planning's time on the batch's main thread, the time its workers wait.
 */
export function scenarioFromData(raw: unknown, file: string): Scenario | undefined {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success || crossChecks(parsed.data, dirname(file)).length > 0) return undefined;
  return { file, config: parsed.data };
}

/**
 * On a communication plane, interval k+1's bids leave at their bid time only when that lies within
 * interval k (engine/interval/comms.ts, `firstSendLeadMinutes`): a real-time gate that closes an
 * interval or more before its interval starts made every bid after the first interval's miss its
 * gate, a run whose market cleared nothing, with exit 0 (audit W-fuzz).
 */
function planeGateProblem(s: ScenarioConfig, stages: ReturnType<typeof normaliseTimeline>): Problem | undefined {
  if (s.comms === 'ideal') return undefined;
  const rt = stages.findIndex((st) => st.stage === 'realTime');
  const own = rt < 0 ? undefined : (stages[rt] as RealTimeStage).gateClosureMinutes;
  const gateMinutes = own ?? s.market.gateClosureMinutes;
  const leadMinutes = firstSendLeadMinutes(s.agents.some((g) => g.kind === 'aggregator'));
  if (gateMinutes + leadMinutes <= s.intervalMinutes) return undefined;
  const what = leadMinutes > 1 ? `the members' curves leave ${leadMinutes} min before the gate` : 'bids leave 1 min before the gate';
  return {
    path: own === undefined ? ['market', 'gateClosureMinutes'] : ['market', 'timeline', rt, 'gateClosureMinutes'],
    // A scenario that never set the gate gets the default: say so, or the user looks for a key they never wrote.
    message: `${gateMinutes} min${own === undefined && gateMinutes === DEFAULT_GATE_CLOSURE_MINUTES ? ' (the default, when not given)' : ''}: on a communication plane a real-time gate must close at most ${s.intervalMinutes - leadMinutes} min before its interval (${what}, and the engine sends an interval's bids only within the interval before it, of ${s.intervalMinutes} min); set it to at most ${s.intervalMinutes - leadMinutes}, or use comms: ideal for a longer gate`,
  };
}

/** Strategy references of a document that failed its schema: each that is well-formed is checked for its id, kind and parameters. */
function strategyChecksOnRaw(raw: unknown, baseDir: string): Problem[] {
  const agents = raw !== null && typeof raw === 'object' ? (raw as { agents?: unknown }).agents : undefined;
  if (!Array.isArray(agents)) return [];
  const out: Problem[] = [];
  agents.forEach((g: unknown, i) => {
    if (g === null || typeof g !== 'object' || !('strategy' in g)) return;
    const ref = strategyRefSchema.safeParse((g as { strategy: unknown }).strategy);
    if (!ref.success) return; // the schema's own issue says what is wrong with it
    const kind = (g as { kind?: unknown }).kind;
    for (const p of checkStrategyRef(ref.data, typeof kind === 'string' ? kind : undefined, baseDir)) out.push({ path: ['agents', i, 'strategy', ...p.path], message: p.message });
  });
  return out;
}

/** Rules that span several fields, which the schema alone cannot state. */
function crossChecks(s: ScenarioConfig, baseDir: string): Problem[] {
  const out: Array<{ path: PropertyKey[]; message: string; atKey?: boolean }> = [];
  const m = s.market;
  if (m.priceFloorMwh >= m.priceCapMwh) out.push({ path: ['market', 'priceFloorMwh'], message: `must be below priceCapMwh (${m.priceCapMwh})` });
  const offTick = limitOffTick(m);
  if (offTick) out.push({ path: ['market', offTick.key], message: offTick.message });
  if ((24 * 60) % s.intervalMinutes !== 0) out.push({ path: ['intervalMinutes'], message: `must divide a day evenly (e.g. 5, 15, 30, 60), got ${s.intervalMinutes}` });
  else {
    // The run is a whole number of intervals: a remainder would be dropped or added without a word.
    const intervals = (s.days * 24 * 60) / s.intervalMinutes;
    if (Math.abs(intervals - Math.round(intervals)) > 1e-9 || Math.round(intervals) < 1)
      out.push({ path: ['days'], message: `${s.days} day(s) is ${+intervals.toFixed(4)} intervals of ${s.intervalMinutes} minutes: a run is a whole number of intervals, at least one (e.g. days: ${Math.max(1, Math.round(intervals)) * s.intervalMinutes / 1440})` });
    else {
      // Days are calendar days of the site's clock (engine/scenario/runSpan.ts): across a change of 30 minutes (Lord
      // Howe) a day of 23.5 or 24.5 hours is no whole number of hourly intervals.
      const span = runSpanOf(s);
      const stepMs = s.intervalMinutes * MS_PER_MINUTE;
      const zone = siteZoneOf(s);
      // (Only where the clock changes: else the check above is the whole rule, as it always was. A fraction of a day
      // can leave a float's last bit in the span: a tolerance of a microsecond.)
      const offGrid = (ms: number): boolean => Math.abs(ms - Math.round(ms / stepMs) * stepMs) > 1e-3;
      if (span.wallClock)
        for (const [key, fromMs, toMs] of [['days', span.startMs, span.endMs], ['warmUpDays', span.simulatedStartMs, span.startMs]] as const)
          if (offGrid(toMs - fromMs))
            out.push({ path: [key], message: `${key === 'warmUpDays' ? 'the warm-up\'s ' : ''}${s[key]} day(s) on the wall clock of ${zone.name} run from ${formatSimTime(simTime(fromMs))} to ${formatSimTime(simTime(toMs))}, ${(toMs - fromMs) / MS_PER_MINUTE} minutes: not a whole number of ${s.intervalMinutes}-minute intervals (the clock changes in them); use intervals that divide the change` });
    }
  }
  const stages = normaliseTimeline(m.timeline);
  for (const p of timelineProblems(stages, s.intervalMinutes, m.gateClosureMinutes)) out.push({ path: ['market', 'timeline', ...p.path], message: p.message });
  stages.forEach((st, i) => {
    // A run clears day-ahead on the scenario's own intervals (one day-ahead position per real-time interval).
    if (st.stage === 'dayAhead' && st.intervalMinutes !== undefined && st.intervalMinutes !== s.intervalMinutes)
      out.push({ path: ['market', 'timeline', i, 'intervalMinutes'], message: `a run clears day-ahead on the scenario's intervals (${s.intervalMinutes} minutes) for now; leave intervalMinutes out or set it to ${s.intervalMinutes}` });
  });
  const gateProblem = planeGateProblem(s, stages);
  if (gateProblem) out.push(gateProblem);
  let buses: Set<string> | undefined;
  if (s.network) {
    try {
      const net = networkFromConfig(s.network);
      buses = new Set(net.buses.map((b) => b.id));
      if (s.network.model === 'lindistflow') {
        // A radial feeder: no loops, an impedance on every branch, voltage bands the right way round.
        const f = feederConfigOf(s.network);
        radialFeeder(net, { substationVoltagePu: f.substationVoltagePu, defaultVMinPu: f.voltageLimitsPu.min, defaultVMaxPu: f.voltageLimitsPu.max });
        // Inverter Q as a decision needs a clearing that decides it: the auction has no reactive power.
        if (f.reactive.mode === 'clearing' && m.mechanism === 'double-auction')
          out.push({ path: ['network', 'feeder', 'reactive', 'mode'], message: "inverter reactive power 'clearing' needs market.mechanism lp or auto (the double auction does not clear Q); use volt-var or none" });
        // Marginal losses are the LP's duals, and are priced in real time only (the day-ahead programme is lossless).
        if (f.losses === 'marginal' && m.mechanism === 'double-auction')
          out.push({ path: ['network', 'feeder', 'losses'], message: "marginal losses need market.mechanism lp or auto (they are priced by the LP's duals; the double auction has one price); use settled" });
        if (f.losses === 'marginal' && stages.some((st) => st.stage === 'dayAhead'))
          out.push({ path: ['network', 'feeder', 'losses'], message: "marginal losses are priced in real time only: the day-ahead programme on a feeder is lossless; use settled, or a real-time-only timeline" });
      } else if (s.network.feeder) out.push({ path: ['network', 'feeder'], message: 'feeder options need model: lindistflow', atKey: true });
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      for (const i of err.issues) out.push({ path: ['network', ...i.path], message: `${i.element}: ${i.message}` });
    }
  }
  // Operators and faults refer to the network and to agents by id.
  const network = (() => {
    try {
      return s.network ? networkFromConfig(s.network) : undefined;
    } catch {
      return undefined;
    }
  })();
  const branchIds = new Set(network?.branches.map((b) => b.id) ?? []);
  // Every agent id, listed only when faults name agents (a million-agent scenario need not spell them out).
  const agentIds: string[] = [];
  // Which of them are aggregators and retailers (some faults cannot name one).
  const intermediaryKind = new Map<string, string>();
  if (s.faults.length > 0) {
    for (const g of s.agents) {
      const from = agentIds.length;
      if (g.count === 1 && g.id) agentIds.push(g.id);
      else for (let k = 1; k <= g.count; k++) agentIds.push(`${('idPrefix' in g ? g.idPrefix : undefined) ?? g.id ?? g.kind}-${k}`);
      if (g.kind === 'aggregator' || g.kind === 'retailer') for (let k = from; k < agentIds.length; k++) intermediaryKind.set(agentIds[k]!, g.kind);
    }
  }
  const known = new Set(agentIds);
  out.push(...idClashes(s.agents));
  out.push(...reservedIdClashes(s));
  s.operations.forEach((o, i) => {
    if (!s.network) out.push({ path: ['operations', i], message: 'an operator needs a network (add network: …)' });
    else if (o.selfHealing && s.network.model !== 'lindistflow') out.push({ path: ['operations', i, 'selfHealing'], message: 'self-healing restores radial feeders: it needs network.model lindistflow', atKey: true });
    // Its setpoints are answered at once, not sent as messages: on a plane they would bypass its latency, loss and signatures.
    if (o.prePosition && s.comms !== 'ideal') out.push({ path: ['operations', i, 'prePosition'], message: "pre-positioning setpoints do not travel a communication plane yet (they would skip its latency, losses and signatures): it needs comms: ideal", atKey: true });
    o.buses?.forEach((b, k) => {
      if (buses && !buses.has(b)) out.push({ path: ['operations', i, 'buses', k], message: `unknown bus '${b}'` });
    });
    o.watch?.forEach((b, k) => {
      if (network && !branchIds.has(b)) out.push({ path: ['operations', i, 'watch', k], message: `unknown branch '${b}' (the network has ${[...branchIds].join(', ')})` });
      // An operator keeps a branch within its limit: one without a limit it would watch in vain.
      else if (network && !Number.isFinite(network.branches.find((br) => br.id === b)!.limitKw) && !s.faults.some((f) => f.type === 'derating' && f.branch === b))
        out.push({ path: ['operations', i, 'watch', k], message: `branch '${b}' has no limitKw: there is nothing for the operator to keep it within (give the branch a limitKw, or watch another)` });
    });
  });
  const start = parseSimTime(s.start)!;
  const end = runSpanOf(s).endMs;
  s.faults.forEach((f, i) => {
    const when = f.type === 'comms-loss' ? f.from : f.at;
    const t = parseSimTime(when)!;
    if (t < start || t >= end)
      out.push({
        path: ['faults', i, f.type === 'comms-loss' ? 'from' : 'at'],
        // Before the start of a run with a warm-up: in the warm-up, which takes no faults (they would act unreported).
        message: t < start && s.warmUpDays > 0 && t >= simulatedStart(s) ? `${when} falls in the warm-up; ${warmUpSpan(s)}: faults act from ${s.start} on` : `${when} is outside the run (${s.start} for ${s.days} day(s))`,
      });
    // A window that ends before it starts would never be in force: the fault would silently not happen.
    if ('until' in f && f.until !== undefined && parseSimTime(f.until)! <= t)
      out.push({ path: ['faults', i, 'until'], message: `${f.until} is not after ${f.type === 'comms-loss' ? 'from' : 'at'} (${when}): the fault would never be in force` });
    // Grid and equipment faults act at interval starts (those in [at, until)): a window between two of them never acts.
    else if ((f.type === 'line-outage' || f.type === 'derating' || f.type === 'agent-fault') && f.until !== undefined) {
      const stepMs = s.intervalMinutes * 60_000;
      const firstStart = start + Math.ceil((t - start) / stepMs) * stepMs;
      if (firstStart >= parseSimTime(f.until)!)
        out.push({ path: ['faults', i, 'until'], message: `[${when}, ${f.until}) holds no interval start (${s.intervalMinutes}-minute intervals from ${s.start}): the fault would never be in force` });
    }
    if (f.type === 'derating' && network?.branches.some((b) => b.id === f.branch)) {
      const rated = network.branches.find((b) => b.id === f.branch)!.limitKw;
      if (Number.isFinite(rated) && f.limitKw >= rated)
        out.push({ path: ['faults', i, 'limitKw'], message: `${f.limitKw} kW is not below branch '${f.branch}''s limit of ${rated} kW: a derating lowers a limit` });
    }
    if (f.type === 'line-outage' || f.type === 'derating') {
      if (!network) out.push({ path: ['faults', i], message: `a ${f.type} needs a network` });
      else if (!branchIds.has(f.branch)) out.push({ path: ['faults', i, 'branch'], message: `unknown branch '${f.branch}' (the network has ${[...branchIds].join(', ')})` });
      else if (f.type === 'line-outage' && s.network?.model !== 'lindistflow') {
        // (A LinDistFlow feeder runs islands: their demand is unserved, and a self-healing operator may restore them.)
        try {
          withBranchInService(network, f.branch, false);
        } catch (err) {
          if (!(err instanceof NetworkError)) throw err;
          out.push({ path: ['faults', i, 'branch'], message: `${err.issues[0]!.message}; the DC model cannot run islands: choose a branch of a meshed part of the network` });
        }
      }
    }
    // The engine injects an agent-crash into a site's bidding only, and an aggregator or a retailer has no meter to tamper:
    // such a fault on one was accepted and did nothing, no event, no effect (audit Z-audit). (An agent-fault on one does act:
    // it stops bidding and its customers' draw settles as its imbalance; a forged or replayed command to one is sent,
    // rejected and reported.)
    const named = f.type === 'agent-crash' || f.type === 'tampered-read' ? f.agent : undefined;
    const intermediary = named === undefined ? undefined : intermediaryKind.get(named);
    if (intermediary)
      out.push({
        path: ['faults', i, 'agent'],
        message: `'${named}' is ${intermediary === 'aggregator' ? 'an aggregator' : 'a retailer'}: ${f.type === 'agent-crash' ? "an agent-crash is injected into a site's bidding" : 'a tampered-read alters a meter read'} (a generator, home, building, ev or storage), so on it the fault would do nothing`,
      });
    else if ((f.type === 'agent-crash' || f.type === 'agent-fault') && !known.has(f.agent)) out.push({ path: ['faults', i, 'agent'], message: `unknown agent '${f.agent}'` });
    if (f.type === 'forged-command' && !known.has(f.target)) out.push({ path: ['faults', i, 'target'], message: `unknown agent '${f.target}'` });
    if (f.type === 'replayed-command' && !known.has(f.target)) out.push({ path: ['faults', i, 'target'], message: `unknown agent '${f.target}'` });
    if (!intermediary && f.type === 'tampered-read' && !known.has(f.agent)) out.push({ path: ['faults', i, 'agent'], message: `unknown agent '${f.agent}'` });
    if ((f.type === 'replayed-command' || f.type === 'tampered-read') && s.comms === 'ideal') out.push({ path: ['faults', i, 'type'], message: `a ${f.type} needs a communication plane (comms: is 'ideal')` });
    if (f.type === 'comms-loss') {
      f.agents.forEach((a, k) => {
        if (!agentIds.some((id) => matchesAgent([a], id))) out.push({ path: ['faults', i, 'agents', k], message: `'${a}' matches no agent` });
      });
    }
  });
  if (network && s.network?.model !== 'lindistflow') out.push(...jointOutageProblems(s.faults, network));
  out.push(...siteClockProblems(s));
  s.tariffs.forEach((t, i) => {
    const zone = siteZoneOf(s);
    const span = runSpanOf(s);
    const runFrom = span.simulatedStartMs;
    const runTo = span.endMs;
    // Every offset the site's clock takes in the run (two across a daylight-saving change) places the local hours and the holidays' midnights.
    const offsets = zone.offsetsHoursIn(runFrom, runTo);
    // Each problem once, with the offsets of the run that raise it: the same text in every offset of a change (a
    // boundary in UTC hours, the run's start) is the tariff's own, not the clock's, and names no offset (audit A-dst).
    const found = new Map<string, { path: string; message: string; offsets: number[] }>();
    for (const offsetHours of offsets) {
      // Local hours move by the offset on the tariffs' quarter-hour grid (tariffs/localHours.ts).
      if (t.hours === 'local' && Math.round(offsetHours * 4) !== offsetHours * 4) {
        out.push({ path: ['tariffs', i, 'hours'], message: zone.iana ? `local hours need the site's offset from UTC in quarter hours (got ${offsetHours} in ${zone.name}), as the tariff's hours are` : `local hours need site.utcOffsetHours in quarter hours (got ${offsetHours}), as the tariff's hours are` });
        continue;
      }
      // At the rule or key the boundary comes from, so that file:line points at it (not at the tariff's first line).
      for (const issue of meterIntervalIssues(t, s.intervalMinutes, parseSimTime(s.start)!, [], offsetHours, (s.site.holidays?.length ?? 0) > 0, (span.endMs - span.startMs) / MS_PER_MINUTE)) {
        const key = `${issue.path}|${issue.message}`;
        const f = found.get(key);
        if (f === undefined) found.set(key, { path: issue.path, message: issue.message, offsets: [offsetHours] });
        else f.offsets.push(offsetHours);
      }
    }
    for (const f of found.values()) {
      const everyOffset = offsets.length > 1 && f.offsets.length === offsets.length;
      const message = zone.iana && !everyOffset ? `${f.message} (${zone.name} at ${f.offsets.map((h) => fixedOffsetName(h * MS_PER_HOUR)).join(' and ')})` : f.message;
      out.push({ path: ['tariffs', i, ...parsePath(f.path)], message });
    }
  });
  out.push(...warmUpProblems(s));
  const tariffIds = new Set(s.tariffs.map((t) => t.id));
  const byId = new Map<string, AgentGroup>();
  for (const g of s.agents) if (g.id !== undefined && g.count === 1) byId.set(g.id, g);
  const ids = new Map<string, number>();
  // A tariff belongs to one retailer: the desk bills it, and finds whose customers bought under it, by its id alone.
  const offeredBy = new Map<string, string>();
  s.agents.forEach((g, i) => {
    const at = (...path: PropertyKey[]): PropertyKey[] => ['agents', i, ...path];
    const key = g.count === 1 && g.id ? g.id : `${('idPrefix' in g ? g.idPrefix : undefined) ?? g.id ?? g.kind}-*`;
    const seen = ids.get(key);
    if (seen !== undefined) out.push({ path: at(g.count === 1 && g.id ? 'id' : 'idPrefix'), message: `ids clash with agents[${seen}]; give each group its own id or idPrefix` });
    else ids.set(key, i);
    if ('strategy' in g && g.strategy !== undefined) for (const p of checkStrategyRef(g.strategy, g.kind, baseDir)) out.push({ path: at('strategy', ...p.path), message: p.message });
    if (g.kind === 'retailer') {
      g.tariffs.forEach((t, k) => {
        const other = offeredBy.get(t);
        if (!tariffIds.has(t)) out.push({ path: at('tariffs', k), message: `unknown tariff '${t}' (the scenario's tariffs: ${[...tariffIds].join(', ') || 'none'})` });
        else if (other !== undefined && other !== g.id) out.push({ path: at('tariffs', k), message: `'${t}' is already offered by retailer '${other}': a tariff belongs to one retailer (its bills and its customers' energy go to that retailer's books); give this retailer its own copy under another id` });
        else offeredBy.set(t, g.id ?? '');
      });
      // Clamped to the limits it would sell at the floor or the cap without saying so: refuse it instead (the default,
      // 0, is clamped quietly to a floor above zero: it means "never below zero").
      const offer = g.exportOfferMwh;
      if (offer !== 0 && (offer < m.priceFloorMwh || offer > m.priceCapMwh))
        out.push({ path: at('exportOfferMwh'), message: `${offer} is outside the market's price limits [${m.priceFloorMwh}, ${m.priceCapMwh}] (market.priceFloorMwh, priceCapMwh); write ${m.priceFloorMwh} to offer the export at the floor` });
      return;
    }
    if (g.kind === 'aggregator') return;
    // An offer outside the market's price limits would be rejected every interval: say so now.
    if (g.kind === 'generator')
      g.offers.forEach((o, k) => {
        if (o.priceMwh > m.priceCapMwh) out.push({ path: at('offers', k, 'priceMwh'), message: `${o.priceMwh} is above the price cap ${m.priceCapMwh} (market.priceCapMwh): every bid would be rejected` });
        else if (o.priceMwh < m.priceFloorMwh) out.push({ path: at('offers', k, 'priceMwh'), message: `${o.priceMwh} is below the price floor ${m.priceFloorMwh} (market.priceFloorMwh): every bid would be rejected` });
      });
    if (buses) {
      if (g.bus !== undefined && !buses.has(g.bus)) out.push({ path: at('bus'), message: `unknown bus '${g.bus}' (the network has ${[...buses].join(', ')})` });
      g.buses?.forEach((b, k) => {
        if (!buses.has(b)) out.push({ path: at('buses', k), message: `unknown bus '${b}'` });
      });
    } else if (!s.network && (g.bus !== undefined || g.buses !== undefined)) {
      // With a network that failed validation its problems are reported above; the buses are not the mistake.
      out.push({ path: at(g.bus !== undefined ? 'bus' : 'buses'), message: 'the scenario has no network: leave out bus/buses (every agent is on the one bus)' });
    }
    if (g.count > 1 && g.id !== undefined) out.push({ path: at('id'), message: `a group of ${g.count} agents needs idPrefix, not id` });
    if (g.bus !== undefined && g.buses !== undefined) out.push({ path: at('buses'), message: 'give either bus or buses, not both' });
    if (g.commsLatencyMinutes && g.commsLatencyMinutes.min > g.commsLatencyMinutes.max) out.push({ path: at('commsLatencyMinutes', 'min'), message: 'must not exceed max' });
    // How the group trades: in the market, through an aggregator, or as a retailer's customers.
    if (g.aggregator !== undefined && g.retailer !== undefined) out.push({ path: at('retailer'), message: 'give either aggregator or retailer, not both' });
    if (g.aggregator !== undefined && byId.get(g.aggregator)?.kind !== 'aggregator') out.push({ path: at('aggregator'), message: `'${g.aggregator}' is not an aggregator of this scenario` });
    if (g.retailer !== undefined) {
      const r = byId.get(g.retailer);
      if (r?.kind !== 'retailer') out.push({ path: at('retailer'), message: `'${g.retailer}' is not a retailer of this scenario` });
      else if (g.tariff === undefined) out.push({ path: at('tariff'), message: `required with retailer: one of ${r.tariffs.join(', ')}` });
      else if (!r.tariffs.includes(g.tariff)) out.push({ path: at('tariff'), message: `retailer '${g.retailer}' does not offer '${g.tariff}' (it offers ${r.tariffs.join(', ')})` });
      if (g.kind === 'generator') out.push({ path: at('retailer'), message: 'a generator sells in the market; it cannot be a retail customer' });
    } else {
      if (g.tariff !== undefined) out.push({ path: at('tariff'), message: 'a tariff needs a retailer (add retailer: <id>)' });
      if (g.tariffChoice !== undefined) out.push({ path: at('tariffChoice'), message: 'tariff choice needs a retailer (add retailer: <id> and tariff: <id>)' });
    }
  });
  return out;
}

/**
 * Line outages in force together that island a DC network, though none does alone (each alone is
 * checked with its fault). The set in force only grows at an outage's start, so each start is
 * checked with every outage in force then. The run found them only when it reached that
 * interval: exit 1 mid-run, a folder left INCOMPLETE, and a message without file or fault (audit W-fuzz).
 */
function jointOutageProblems(faults: ScenarioConfig['faults'], network: Network): Problem[] {
  const outages = faults.flatMap((f, i) => (f.type === 'line-outage' && network.branches.some((b) => b.id === f.branch) ? [{ f, i }] : []));
  const out: Problem[] = [];
  for (const { f, i } of outages) {
    const t = parseSimTime(f.at)!;
    const together = outages.filter((o) => o.i !== i && o.f.branch !== f.branch && inForce(o.f.at, o.f.until, t));
    if (together.length === 0) continue;
    let net = network;
    try {
      for (const o of together) net = withBranchInService(net, o.f.branch, false);
    } catch {
      continue; // an outage that islands alone is reported with its own fault
    }
    try {
      withBranchInService(net, f.branch, false);
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      const others = together.map((o) => `faults[${o.i}] (branch '${o.f.branch}', out from ${o.f.at}${o.f.until ? ` until ${o.f.until}` : ''})`).join(', ');
      out.push({ path: ['faults', i, 'branch'], message: `at ${f.at}, with ${others} out too, ${err.issues[0]!.message}; the DC model cannot run islands: let the outages not overlap, or choose a branch of a meshed part of the network` });
    }
  }
  return out;
}

/**
 * Agents named by `id` whose id a group also makes (`home-3` next to a group with prefix
 * `home` of 3 or more). Group ids are `<prefix>-<n>` with n a whole number, so two groups
 * with different prefixes never make the same id (the last '-' splits an id one way only);
 * groups with the same prefix are reported by the caller. Without listing every id.
 */
function idClashes(groups: ScenarioConfig['agents']): Problem[] {
  const prefixOf = (g: ScenarioConfig['agents'][number]): string => ('idPrefix' in g ? g.idPrefix : undefined) ?? g.id ?? g.kind;
  const byPrefix = new Map<string, { index: number; count: number }>();
  groups.forEach((g, i) => {
    if (!(g.count === 1 && g.id)) byPrefix.set(prefixOf(g), { index: i, count: Math.max(g.count, byPrefix.get(prefixOf(g))?.count ?? 0) });
  });
  const out: Problem[] = [];
  groups.forEach((g, i) => {
    if (!(g.count === 1 && g.id)) return;
    const m = /^(.*)-([1-9]\d*)$/.exec(g.id);
    const group = m ? byPrefix.get(m[1]!) : undefined;
    if (!group || Number(m![2]) > group.count) return;
    const other = groups[group.index]!;
    out.push({ path: ['agents', group.index, 'idPrefix' in other && other.idPrefix !== undefined ? 'idPrefix' : 'kind'], message: `makes the id '${g.id}', which agents[${i}] already has; ids must be unique` });
  });
  return out;
}

/** Agents and operators that take an id the engine reserves for its own parties (reservedIds.ts), or share one. */
function reservedIdClashes(s: ScenarioConfig): Problem[] {
  const out: Problem[] = [];
  const single = new Map<string, number>();
  s.agents.forEach((g, i) => {
    const prefix = 'idPrefix' in g ? g.idPrefix : undefined;
    if (g.id !== undefined) {
      const why = reservedIdProblem(g.id);
      if (why) out.push({ path: ['agents', i, 'id'], message: why });
      if (g.count === 1) single.set(g.id, i);
    }
    if (prefix !== undefined) {
      const why = reservedIdProblem(prefix, true);
      if (why) out.push({ path: ['agents', i, 'idPrefix'], message: why });
    }
  });
  s.operations.forEach((o, i) => {
    const why = reservedIdProblem(o.id);
    if (why) out.push({ path: ['operations', i, 'id'], message: why });
    // An operator signs its commands with its own key and is paid as a party: it cannot share an agent's id.
    const agent = single.get(o.id);
    if (agent !== undefined) out.push({ path: ['operations', i, 'id'], message: `'${o.id}' is already agents[${agent}]'s id; expected an id of its own` });
  });
  return out;
}

/** The keys the schema accepts at a path (used for "did you mean"). */
export function allowedKeys(raw: unknown, path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = scenarioSchema;
  let v: unknown = raw;
  for (const k of path) {
    schema = unwrap(schema);
    const def = (schema as { def?: { type?: string } }).def;
    if (def?.type === 'object') schema = (schema as unknown as z.ZodObject).shape[k as string] as z.ZodType;
    else if (def?.type === 'array') schema = (schema as unknown as z.ZodArray<z.ZodType>).element;
    else return [];
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    schema = unwrap(schema);
    const d = (schema as { def?: { type?: string; discriminator?: string; options?: z.ZodType[] } }).def;
    if (d?.type === 'union' && d.options && v && typeof v === 'object') {
      // For the agent union, pick the option named by the entry's `kind`.
      const kind = (v as Record<string, unknown>).kind;
      const match = d.options.find((o) => {
        const shape = (unwrap(o) as unknown as { shape?: Record<string, z.ZodType> }).shape;
        const lit = shape?.kind as unknown as { def?: { values?: unknown[] } } | undefined;
        return lit?.def?.values?.includes(kind);
      });
      if (match) schema = match;
      // A keyword-or-mapping union (no `kind`): the mapping option names the allowed keys.
      else if (!d.options.some((o) => (unwrap(o) as unknown as { shape?: Record<string, unknown> }).shape?.kind)) {
        const objects = d.options.filter((o) => (unwrap(o) as unknown as { shape?: unknown }).shape);
        if (objects.length === 1) schema = objects[0]!;
      }
    }
  }
  schema = unwrap(schema);
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as unknown as { def: { type: string; innerType?: z.ZodType } };
  while (s.def.innerType && ['default', 'optional', 'nullable', 'prefault'].includes(s.def.type)) s = s.def.innerType as unknown as typeof s;
  return s as unknown as z.ZodType;
}
