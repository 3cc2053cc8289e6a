/**
 * The combinations the other modes never or rarely draw (audit A-fuzz4), for the fuzzer's mix mode
 * (`npm run fuzz -- --mix`, `generateScenario(seed, { mix: true })`, combinable with `--feeder`, `--tariffs`, `--batch`):
 * - the market's grid: `quantumKw` coarser than a watt and `priceTickMwh` coarser than a cent (both always the default
 *   before), which every award, price and money figure snaps to;
 * - the day-ahead stage written out (`{ stage: dayAhead, gateClosureLocal, daysBefore, intervalMinutes }`: a gate at
 *   another local time, 1–3 days before; rarely 0 days or day-ahead intervals coarser than real time's, both refused) and the real-time stage's own gate;
 * - aggregators: members of two kinds (buildings among them) spread over buses, a second aggregator, and pay-as-bid with
 *   an aggregator (the base draws pay-as-bid and aggregators independently, 30 % × 30–50 %);
 * - a battery behind a retailer's meter (the base never makes storage a retail customer), on the demand charge when there is one;
 * - on a communication plane: a shared link with a capacity, log-normal meter latency and priorities.
 *
 * - grids that are no round decimal (quantum 0.003 or 0.007 kW, tick 0.03 or 0.07), where none of the above was drawn.
 *
 * From a stream of its own (the generator passes `rng(seed ^ 0x313a7d)`, and `rng(seed ^ 0x313a7e)` for the odd grids), applied after every other draw, so that outside
 * the mode every seed's YAML is the one it always was, byte for byte. Mutates `doc`; returns what it drew, for the tally.
 */
export interface MixDraw {
  quantumKw: number | undefined;
  priceTickMwh: number | undefined;
  dayAheadStage: boolean;
  /** The day-ahead interval, when written (the run's; rarely a coarser one, refused). */
  dayAheadMinutes: number | undefined;
  realTimeStageGate: boolean;
  aggregatorKinds: boolean;
  secondAggregator: boolean;
  aggregatorPayAsBid: boolean;
  retailStorage: boolean;
  commsLink: boolean;
  /** Operators' options never drawn before: headroom other than 2 %, no look-ahead. */
  operatorOptions: boolean;
  /** A generator with `takes` on the street (absorbing exports where they are made), not at the reference bus. */
  streetTakes: boolean;
  /** `forecast.priorByHourMwh`: the forecast's prior where no history is known. */
  priorForecast: boolean;
}

const MEMBER_KINDS = ['home', 'building', 'ev', 'storage'] as const;

export function drawMix(r: () => number, doc: Record<string, any>, odd: () => number = () => 1, more: () => number = () => 1): MixDraw {
  const extra = drawMore(more, doc);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const market = doc.market as Record<string, any>;
  const agents = doc.agents as Record<string, any>[];
  const minutes = Number(doc.intervalMinutes);
  const street = ((doc.network?.buses ?? []) as Record<string, any>[]).filter((b) => !b.reference).map((b) => String(b.id));
  const where = (): Record<string, unknown> => (doc.network === undefined ? {} : street.length > 1 && chance(0.6) ? { buses: street } : { bus: street.length > 0 ? pick(street) : 'grid' });

  // The market's grid: a coarser quantum and tick.
  const quantumKw = chance(0.4) ? pick([0.01, 0.1, 0.005, 0.5]) : undefined;
  if (quantumKw !== undefined) market.quantumKw = quantumKw;
  const priceTickMwh = chance(0.4) ? pick([0.1, 1, 0.5, 5]) : undefined;
  if (priceTickMwh !== undefined) market.priceTickMwh = priceTickMwh;

  // The day-ahead stage with its options (not under marginal losses, which validate refuses with one: documented).
  let dayAheadStage = false;
  let dayAheadMinutes: number | undefined;
  let realTimeStageGate = false;
  if (doc.network?.feeder?.losses !== 'marginal' && (market.timeline !== undefined || chance(0.5))) {
    dayAheadStage = true;
    // Rarely what validate refuses, located and documented: day-ahead intervals coarser than the run's ("for now"), and a
    // gate on the delivery day itself (it cannot close before the real-time gate of the day's first interval).
    const coarser = [2, 3, 4].map((k) => k * minutes).filter((m) => 1440 % m === 0);
    dayAheadMinutes = coarser.length > 0 && chance(0.05) ? pick(coarser) : chance(0.2) ? minutes : undefined;
    const da = { stage: 'dayAhead', gateClosureLocal: pick(['12:00', '06:30', '18:00', '23:45', '00:00']), daysBefore: chance(0.05) ? 0 : pick([1, 1, 2, 3]), ...(dayAheadMinutes !== undefined ? { intervalMinutes: dayAheadMinutes } : {}) };
    realTimeStageGate = chance(0.4);
    // On a plane a real-time gate must close within the interval before (refused otherwise).
    const gates = [0, 1, 2, 5, 10].filter((g) => doc.comms === undefined || g < minutes);
    market.timeline = [da, realTimeStageGate ? { stage: 'realTime', gateClosureMinutes: pick(gates) } : 'realTime'];
  }

  // Aggregators: another kind of member, spread over the street; a second aggregator; pay-as-bid with one.
  let aggregatorKinds = false;
  let secondAggregator = false;
  const hasAggregator = agents.some((a) => a.kind === 'aggregator');
  if (hasAggregator && chance(0.6)) {
    const kinds = new Set(agents.filter((a) => a.aggregator === 'agg').map((a) => a.kind));
    const kind = pick(MEMBER_KINDS.filter((k) => !kinds.has(k)));
    agents.push({ kind, idPrefix: 'mixmember', count: int(1, 3), ...where(), aggregator: 'agg' });
    aggregatorKinds = true;
  }
  if (chance(0.3)) {
    agents.push({ kind: 'aggregator', id: 'agg-2', contract: { type: 'pass-through', feePerKwh: pick([0, 0.003, 0.02]) } });
    agents.push({ kind: pick(MEMBER_KINDS), idPrefix: 'agg2m', count: int(1, 3), ...where(), aggregator: 'agg-2' });
    agents.push({ kind: pick(MEMBER_KINDS), idPrefix: 'agg2n', count: 1, ...where(), aggregator: 'agg-2' });
    secondAggregator = true;
  }
  const aggregatorPayAsBid = (hasAggregator || secondAggregator) && chance(0.5);
  if (aggregatorPayAsBid) market.pricing = 'pay-as-bid';

  // A battery behind a retailer's meter, on the demand charge where there is one.
  let retailStorage = false;
  const retailer = agents.find((a) => a.kind === 'retailer');
  if (retailer !== undefined && chance(0.5)) {
    const offered = retailer.tariffs as string[];
    const tariff = offered.includes('demand') && chance(0.7) ? 'demand' : pick(offered);
    agents.push({ kind: 'storage', idPrefix: 'rbat', count: int(1, 2), ...where(), capacityKwh: pick([5, 13.5]), maxChargeKw: pick([2, 5]), maxDischargeKw: pick([2, 5]), retailer: retailer.id, tariff });
    retailStorage = true;
  }

  // On a plane: a shared link, log-normal meter reads, priorities.
  let commsLink = false;
  if (doc.comms !== undefined && chance(0.6)) {
    const classes = doc.comms.classes as Record<string, unknown>;
    classes.ami = { latency: { distribution: 'lognormal', medianMs: pick([200, 4000]), sigma: pick([0.3, 0.8]) }, ...(chance(0.4) ? { lossProbability: 0.05, retry: { maxRetries: 2, backoffMs: 2000 } } : {}) };
    classes['demand-response'] = { ...(classes['demand-response'] as object), priority: pick([0, 3]) };
    doc.comms.links = [{ id: 'backhaul', capacityBitPerS: pick([9600, 64000, 1_000_000]), referencePoints: pick([['RP2', 'RP3'], ['RP3'], ['RP1', 'RP2', 'RP3', 'RP4']]), ...(chance(0.5) ? { classes: ['ami', 'demand-response'] } : {}) }];
    commsLink = true;
  }
  // Grids that are no round decimal (a quantum of 3 W, ticks of 0.03 and 0.07), where neither was drawn above: from a
  // stream of their own (`odd`), so that the seeds whose scenarios drew a quantum or a tick keep theirs byte for byte.
  if (quantumKw === undefined && priceTickMwh === undefined && odd() < 0.5) {
    market.quantumKw = [0.003, 0.007, 0.003][Math.floor(odd() * 3)]!;
    const tick = [0.03, 0.07, 0.01][Math.floor(odd() * 3)]!;
    market.priceTickMwh = tick;
    // The limits on the tick (validate refuses a cap or floor between ticks), inside the ones the scenario had.
    const onTick = (x: number, round: (t: number) => number): number => Number((round(Number((x / tick).toFixed(6))) * tick).toFixed(6));
    market.priceFloorMwh = onTick(market.priceFloorMwh ?? -500, Math.ceil);
    market.priceCapMwh = onTick(market.priceCapMwh ?? 3000, Math.floor);
    return { quantumKw: market.quantumKw, priceTickMwh: market.priceTickMwh, dayAheadStage, dayAheadMinutes, realTimeStageGate, aggregatorKinds, secondAggregator, aggregatorPayAsBid, retailStorage, commsLink, ...extra };
  }
  return { quantumKw, priceTickMwh, dayAheadStage, dayAheadMinutes, realTimeStageGate, aggregatorKinds, secondAggregator, aggregatorPayAsBid, retailStorage, commsLink, ...extra };
}

/**
 * More of what no mode drew (operators' headroom and look-ahead, takes on the street, the forecast's prior), from a third
 * stream (`rng(seed ^ 0x313a7f)`), drawn first so that the other mix draws keep their order; with the default stream
 * (`() => 1`) nothing is drawn.
 */
function drawMore(r: () => number, doc: Record<string, any>): Pick<MixDraw, 'operatorOptions' | 'streetTakes' | 'priorForecast'> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  let operatorOptions = false;
  for (const op of (doc.operations ?? []) as Record<string, any>[]) {
    if (r() < 0.5) {
      op.headroomPct = pick([0, 10, 50]);
      if (r() < 0.3 && op.prePosition === undefined) op.lookaheadIntervals = 0;
      operatorOptions = true;
    }
  }
  const street = ((doc.network?.buses ?? []) as Record<string, any>[]).filter((b) => !b.reference).map((b) => String(b.id));
  const streetTakes = street.length > 0 && r() < 0.3;
  if (streetTakes) (doc.agents as Record<string, any>[]).push({ kind: 'generator', id: 'sink', bus: pick(street), offers: [{ kw: 1, priceMwh: pick([150, 400]) }], takes: [{ kw: pick([2, 10]), priceMwh: pick([-20, 0, 15]) }] });
  const priorForecast = r() < 0.3;
  if (priorForecast) doc.forecast = { ...(doc.forecast ?? {}), priorByHourMwh: Array.from({ length: 24 }, (_, h) => (h >= 16 && h <= 20 ? pick([120, 250]) : pick([30, 45, -10]))) };
  return { operatorOptions, streetTakes, priorForecast };
}
