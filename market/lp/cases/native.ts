/**
 * gridbid's native clearing case: one interval's network and bids, in kW and
 * currency/MWh, as JSON (or YAML). Strict: an unknown key is an error. Format and
 * example in docs/clear.md; a kept copy is test/fixtures/clear/three-bus.json.
 *
 * ```json
 * { "name": "three-bus", "durationH": 1,
 *   "network": { "buses": [{ "id": "A", "reference": true }, { "id": "B" }],
 *                "branches": [{ "id": "AB", "from": "A", "to": "B", "reactancePu": 0.1, "limitKw": 50 }] },
 *   "bids": [{ "id": "gen-A", "bus": "A", "segments": [{ "side": "sell", "priceMwh": 20, "quantityKw": 100 }] },
 *            { "id": "load-B", "bus": "B", "segments": [{ "side": "buy", "priceMwh": 90, "quantityKw": 80 }] }] }
 * ```
 */
import { intervalNumber, magnitude, MAX_ENERGY_KWH, MAX_HORIZON_INTERVALS, MAX_INTERVAL_H, MAX_POWER_KW, powerKw, priceMwh, priceTickMwh, quantumKw } from '../../../core/bounds.ts';
import { readInputFile } from '../../../core/inputFile.ts';
import type { Document, LineCounter } from 'yaml';
import * as z from 'zod';
import { formatPath, InputFileError, type InputIssue, UserError } from '../../../core/errors.ts';
import { agentId, busId } from '../../../core/units.ts';
import { describeIssue, parseYamlFile } from '../../../core/yamlIssues.ts';
import { feederConfigOf, type NetworkConfig, networkFromConfig, networkSchema } from '../../../network/schema.ts';
import { radialFeeder } from '../../../network/radial.ts';
import type { Network } from '../../../network/types.ts';
import { NetworkError } from '../../../network/validate.ts';
import { buildOrderBook } from '../../orderBook.ts';
import type { DayAheadBook, IntertemporalBid } from '../../dayAhead/types.ts';
import { type Bid, DEFAULT_RULES, limitOffTick, type MarketRules, type OrderBook, type Rejection } from '../../types.ts';

const segmentSchema = z.strictObject({
  side: z.enum(['buy', 'sell']),
  priceMwh: priceMwh(),
  quantityKw: powerKw(),
});

const bidSchema = z.strictObject({
  id: z.string().min(1),
  /** Owner; defaults to the bid id. */
  agent: z.string().min(1).optional(),
  bus: z.string().min(1),
  /** Multi-interval cases: the interval the bid is for (default the case's `interval`). */
  interval: intervalNumber().optional(),
  segments: z.array(segmentSchema).min(1),
});

/**
 * Sizes bounded to what the engine represents (core/bounds.ts); signs, ranges between fields
 * and feasibility are the market's checks (market/dayAhead/validate.ts), with their own reasons.
 */
const energy = () => magnitude(MAX_ENERGY_KWH);
const power = () => magnitude(MAX_POWER_KW);

/** Fields of a battery (storage and EV bids), as market/dayAhead/types.ts documents them. */
const batteryShape = {
  id: z.string().min(1),
  agent: z.string().min(1).optional(),
  bus: z.string().min(1),
  capacityKwh: energy(),
  minSocKwh: energy(),
  maxSocKwh: energy(),
  maxChargeKw: power(),
  maxDischargeKw: power(),
  chargeEfficiency: magnitude(1e3),
  dischargeEfficiency: magnitude(1e3),
  initialSocKwh: energy(),
  needValueMwh: priceMwh().optional(),
  degradationCostPerMwh: priceMwh().optional(),
};

const intertemporalBidSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('storage'), ...batteryShape, finalSocMinKwh: energy().optional(), terminalValueMwh: priceMwh() }),
  z.strictObject({ kind: z.literal('ev'), ...batteryShape, firstInterval: intervalNumber(), lastInterval: intervalNumber(), energyNeededKwh: energy() }),
  z.strictObject({
    kind: z.literal('shiftable'),
    id: z.string().min(1),
    agent: z.string().min(1).optional(),
    bus: z.string().min(1),
    powerKw: power(),
    runIntervals: intervalNumber(),
    firstInterval: intervalNumber(),
    lastInterval: intervalNumber(),
    valueMwh: priceMwh(),
  }),
  z.strictObject({
    kind: z.literal('block'),
    id: z.string().min(1),
    agent: z.string().min(1).optional(),
    bus: z.string().min(1),
    side: z.enum(['buy', 'sell']),
    firstInterval: intervalNumber(),
    quantitiesKw: z.array(power()).min(1).max(MAX_HORIZON_INTERVALS),
    priceMwh: priceMwh(),
    parentId: z.string().min(1).optional(),
  }),
]);

const rampSchema = z.strictObject({
  id: z.string().min(1),
  /** The generator: the agent whose simple sell segments it limits. */
  agent: z.string().min(1),
  rampUpKw: powerKw(),
  rampDownKw: powerKw(),
  initialKw: powerKw().optional(),
});

export const nativeCaseSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  /** Length of the interval, hours (welfare and settlement are over it). */
  durationH: z.number().positive().max(MAX_INTERVAL_H).default(1),
  interval: intervalNumber().min(0).default(0),
  market: z
    .strictObject({
      priceCapMwh: priceMwh().default(DEFAULT_RULES.priceCapMwh),
      priceFloorMwh: priceMwh().default(DEFAULT_RULES.priceFloorMwh),
      priceTickMwh: priceTickMwh().default(DEFAULT_RULES.priceTickMwh),
      quantumKw: quantumKw().default(DEFAULT_RULES.quantumKw),
    })
    .default({
      priceCapMwh: DEFAULT_RULES.priceCapMwh,
      priceFloorMwh: DEFAULT_RULES.priceFloorMwh,
      priceTickMwh: DEFAULT_RULES.priceTickMwh,
      quantumKw: DEFAULT_RULES.quantumKw,
    }),
  network: networkSchema,
  bids: z.array(bidSchema).default([]),
  /** Multi-interval (day-ahead) cases: how many intervals from `interval`. */
  intervals: z.int().min(1).max(MAX_HORIZON_INTERVALS).optional(),
  intertemporalBids: z.array(intertemporalBidSchema).optional(),
  rampLimits: z.array(rampSchema).optional(),
});

export interface NativeCase {
  readonly file: string;
  readonly name: string;
  readonly network: Network;
  /** The `network` section as written (defaults filled in): its `model` and, for `lindistflow`, its `feeder` options. */
  readonly networkConfig: NetworkConfig;
  readonly book: OrderBook;
  readonly rules: MarketRules;
}

/** A multi-interval native case: cleared by `clearDayAhead` (market/dayAhead/clear.ts). */
export interface NativeDayAheadCase {
  readonly file: string;
  readonly name: string;
  readonly network: Network;
  readonly networkConfig: NetworkConfig;
  readonly book: DayAheadBook;
  /** Where a rejected bid sits in the file, for located errors. */
  readonly locate: (rejection: Rejection) => InputIssue;
}

/** Reads a native case; a case with `intervals`, `intertemporalBids` or `rampLimits` is a day-ahead case. */
export function readClearCaseFile(file: string): { kind: 'single'; case: NativeCase } | { kind: 'day-ahead'; case: NativeDayAheadCase } {
  return parseClearCase(readText(file), file);
}

function readText(file: string): string {
  return readInputFile(file, 'case file');
}

/** Parses and validates a single-interval native case; every problem is listed with its path and line. */
export function parseNativeCase(text: string, file: string): NativeCase {
  const parsed = parseClearCase(text, file);
  if (parsed.kind !== 'single') throw new UserError(`${file}: a multi-interval (day-ahead) case, expected one interval`);
  return parsed.case;
}

/** Parses and validates a native case of either kind; every problem is listed with its path and line. */
export function parseClearCase(text: string, file: string): { kind: 'single'; case: NativeCase } | { kind: 'day-ahead'; case: NativeDayAheadCase } {
  const { doc, lineCounter: lc, raw } = parseYamlFile(text, file, 'the file is empty; expected a case object with network and bids');
  if (raw === null || typeof raw !== 'object') throw new InputFileError(file, [{ path: '', message: 'expected a case object with network and bids' }]);
  const at = (path: readonly PropertyKey[], message: string): InputIssue => ({ path: formatPath(path), message, ...position(doc, lc, path) });
  const parsed = nativeCaseSchema.safeParse(raw);
  if (!parsed.success) throw new InputFileError(file, parsed.error.issues.flatMap((i) => describeIssue(i, raw, () => []).map((p) => at(p.path, p.message))));
  const c = parsed.data;
  const issues: InputIssue[] = [];
  if (c.market.priceFloorMwh >= c.market.priceCapMwh) issues.push(at(['market', 'priceFloorMwh'], `must be below priceCapMwh (${c.market.priceCapMwh})`));
  const offTick = limitOffTick(c.market);
  if (offTick) issues.push(at(['market', offTick.key], offTick.message));
  // A case's bids carry no agent kind, and these feeder options are set per kind: they would apply to nothing.
  const f = c.network.feeder;
  if (f && Object.keys(f.powerFactor).length > 0) issues.push(at(['network', 'feeder', 'powerFactor'], 'is set per agent kind, and a case’s bids have none: it applies to scenarios only'));
  if (f && f.reactive.mode !== 'none') issues.push(at(['network', 'feeder', 'reactive', 'mode'], 'inverters are set per agent kind, and a case’s bids have none: it applies to scenarios only'));
  let network: Network | undefined;
  try {
    network = networkFromConfig(c.network);
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    for (const i of err.issues) issues.push(at(['network', ...i.path], i.element === 'network' ? i.message : `${i.element}: ${i.message}`));
  }
  // A feeder (model lindistflow) must be radial, its voltage bands consistent: said here, at its place in the file.
  if (network && c.network.model === 'lindistflow') {
    const f = feederConfigOf(c.network);
    try {
      radialFeeder(network, { substationVoltagePu: f.substationVoltagePu, defaultVMinPu: f.voltageLimitsPu.min, defaultVMaxPu: f.voltageLimitsPu.max });
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      for (const i of err.issues) issues.push(at(['network', ...i.path], i.element === 'network' ? i.message : `${i.element}: ${i.message}`));
    }
  }
  if (!network || issues.length > 0) throw new InputFileError(file, issues);
  const rules: MarketRules = { ...DEFAULT_RULES, ...c.market };
  const bids: Bid[] = c.bids.map((b) => ({
    id: b.id,
    agentId: agentId(b.agent ?? b.id),
    bus: busId(b.bus),
    interval: b.interval ?? c.interval,
    segments: b.segments,
  }));
  if (c.intervals !== undefined || c.intertemporalBids !== undefined || c.rampLimits !== undefined) {
    const intertemporal = c.intertemporalBids ?? [];
    const ramps = c.rampLimits ?? [];
    const book: DayAheadBook = {
      horizon: { firstInterval: c.interval, intervalCount: c.intervals ?? 1, durationH: c.durationH },
      rules,
      bids,
      intertemporalBids: intertemporal.map(({ agent, ...b }) => ({ ...b, agentId: agentId(agent ?? b.id), bus: busId(b.bus) }) as IntertemporalBid),
      rampLimits: ramps.map(({ agent, ...r }) => ({ ...r, agentId: agentId(agent) })),
    };
    const locate = (r: Rejection): InputIssue => {
      const what = `rejected (${r.code}): ${r.reason}`;
      let i = intertemporal.findIndex((b) => b.id === r.bidId);
      if (i >= 0 && !(r.code === 'unknown-interval')) return at(['intertemporalBids', i], `intertemporal bid '${r.bidId}' ${what}`);
      i = ramps.findIndex((x) => x.id === r.bidId);
      if (i >= 0 && (r.code === 'ramp-infeasible' || r.code === 'invalid-parameter')) return at(['rampLimits', i], `ramp limit '${r.bidId}' ${what}`);
      i = bids.findIndex((b) => b.id === r.bidId);
      return at(['bids', Math.max(0, i)], `bid '${r.bidId}' ${what}`);
    };
    return { kind: 'day-ahead', case: { file, name: c.name ?? file, network, networkConfig: c.network, book, locate } };
  }
  const { book, rejections } = buildOrderBook(bids, {
    interval: c.interval,
    durationH: c.durationH,
    rules,
    buses: network.buses.map((b) => b.id),
    isKnownAgent: () => true,
  });
  if (rejections.length > 0) {
    throw new InputFileError(
      file,
      rejections.map((r) => {
        const i = bids.findIndex((b) => b.id === r.bidId);
        return at(['bids', Math.max(0, i)], `bid '${r.bidId}' rejected (${r.code}): ${r.reason}`);
      }),
    );
  }
  return { kind: 'single', case: { file, name: c.name ?? file, network, networkConfig: c.network, book, rules } };
}

function position(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): { line?: number; column?: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      const p = lc.linePos(node.range[0]);
      return { line: p.line, column: p.col };
    }
  }
  return {};
}
