/**
 * The radial-feeder options the base generator does not draw (audit A-fuzzfeeder), for the fuzzer's feeder mode
 * (`npm run fuzz -- --feeder`, `generateScenario(seed, { feeder: true })`): marginal losses in the DLMPs
 * (`feeder.losses: marginal`), power factors by agent kind, `lineLimit: apparent`, per-bus voltage bands, the
 * substation's voltage, reactive modes, heavier lines (voltages near collapse), an operator with curtailment and V2G,
 * and line outages that leave dead buses — combined with whatever the seed's base draws gave (a day-ahead stage, a
 * communication plane, crashes, other faults).
 *
 * From a stream of its own (`r`: the generator passes `rng(seed ^ 0xfeede5)`), applied after every base draw, so that the base scenario of a seed is
 * the one it always was; outside feeder mode nothing here runs and every seed's YAML is unchanged byte for byte.
 * Mutates `doc` (the scenario as the generator builds it) and returns what it drew, for the tally.
 */
export interface FeederDraw {
  feederLosses: 'marginal' | 'settled' | undefined;
  powerFactor: boolean;
  apparentLimit: boolean;
  busVoltageLimits: boolean;
  substationVoltage: boolean;
  heavyLines: boolean;
  deadBuses: boolean;
}

const KINDS = ['home', 'building', 'ev', 'storage'] as const;

export function drawFeeder(r: () => number, doc: Record<string, any>): FeederDraw {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const network = doc.network;
  const feeder = network.feeder;
  const market = doc.market;
  const branches = network.branches as Record<string, any>[];
  const buses = network.buses as Record<string, any>[];

  // Losses: marginal for half, most of those made acceptable (LP or auto, real time only); the rest stay refused at
  // network.feeder.losses (double auction, day-ahead: documented), which the tally counts as refusals.
  const u = r();
  const feederLosses = u < 0.5 ? 'marginal' : u < 0.65 ? 'settled' : undefined;
  if (feederLosses !== undefined) feeder.losses = feederLosses;
  if (feederLosses === 'marginal' && chance(0.85)) {
    if (market.mechanism === 'double-auction') market.mechanism = pick(['lp', 'auto']);
    delete market.timeline;
  }
  // Power factors of consumption by kind (a buy at φ < 1 draws tan φ kvar a kW).
  const powerFactor = chance(0.6);
  if (powerFactor) {
    const pf: Record<string, number> = {};
    for (const k of KINDS) if (chance(0.5)) pf[k] = pick([0.5, 0.8, 0.85, 0.9, 0.95, 0.99, 1]);
    if (Object.keys(pf).length === 0) pf.home = 0.9;
    feeder.powerFactor = pf;
  }
  const apparentLimit = chance(0.4);
  if (apparentLimit) {
    feeder.lineLimit = 'apparent';
    if (chance(0.5)) feeder.polygonSides = pick([4, 8, 16, 24]);
  }
  if (chance(0.5)) feeder.voltageLimitsPu = pick([{ min: 0.95, max: 1.05 }, { min: 0.94, max: 1.06 }, { min: 0.9, max: 1.1 }]);
  const substationVoltage = chance(0.4);
  if (substationVoltage) feeder.substationVoltagePu = pick([0.98, 1.02, 1.03, 1.05]);
  // Per-bus bands: one side or both, sometimes tighter than the feeder's.
  let busVoltageLimits = false;
  for (const b of buses) {
    if (b.reference || !chance(0.35)) continue;
    busVoltageLimits = true;
    const side = pick(['min', 'max', 'both']);
    if (side !== 'max') b.vMinPu = pick([0.92, 0.95, 0.97]);
    if (side !== 'min') b.vMaxPu = pick([1.03, 1.05, 1.08]);
  }
  // Rarely a band the wrong way round (validate must refuse it, located), or one the substation's voltage is outside.
  const street = buses.filter((b) => !b.reference);
  if (street.length > 0 && chance(0.05)) Object.assign(pick(street), { vMinPu: 1.04, vMaxPu: 1.0 });
  if (feeder.reactive === undefined && chance(0.35)) feeder.reactive = { mode: pick(['clearing', 'volt-var']), inverterKva: { home: pick([3, 5, 10]), storage: 5, ev: 7 } };
  // Inverters' Q as a decision of the clearing needs the LP (refused at network.feeder.reactive.mode under the double
  // auction, documented): most such scenarios are made to run, a few left to be refused.
  if (feeder.reactive?.mode === 'clearing' && market.mechanism === 'double-auction' && chance(0.8)) market.mechanism = pick(['lp', 'auto']);
  // Heavier lines: voltages near their limits, and past collapse in places (an interval the losses stage must refuse to settle).
  const heavyLines = chance(0.3);
  if (heavyLines) {
    const factor = pick([3, 8, 20]);
    for (const br of branches) {
      br.reactancePu = Number((br.reactancePu * factor).toFixed(4));
      if (br.resistancePu !== undefined) br.resistancePu = Number((br.resistancePu * factor).toFixed(4));
    }
  }
  // An operator that curtails and sends V2G (an operator needs a branch with a limit to watch).
  if (doc.operations === undefined && branches.some((b) => b.limitKw !== undefined) && chance(0.4)) {
    doc.operations = [{ id: 'opf', v2g: true, curtailExport: chance(0.5), ...(chance(0.3) ? { charge: true } : {}), lookaheadIntervals: pick([4, 8]) }];
  }
  // A line outage: the buses it cuts off are dead (no current, their sites cut: engine/shed.ts).
  const deadBuses = chance(0.4);
  if (deadBuses) {
    const intervals = Math.round((doc.days * 1440) / doc.intervalMinutes);
    const startMs = Date.parse(doc.start);
    const at = (k: number): string => new Date(startMs + k * doc.intervalMinutes * 60_000).toISOString().replace('.000Z', 'Z');
    const a = Math.floor(r() * intervals);
    const inService = branches.filter((b) => b.inService !== false);
    const br = pick(inService);
    const fault = { type: 'line-outage', branch: br.id, at: at(a), ...(chance(0.7) ? { until: at(Math.min(intervals, a + 1 + Math.floor(r() * 8))) } : {}) };
    doc.faults = [...(doc.faults ?? []), fault];
  }
  return { feederLosses, powerFactor, apparentLimit, busVoltageLimits, substationVoltage, heavyLines, deadBuses };
}
