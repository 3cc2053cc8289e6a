/**
 * A seeded generator of small random scenarios for fuzzing the whole engine (audit A-fuzz3).
 *
 * `generateScenario(seed)` returns YAML text: 2–30 agents, 4–96 intervals of 5/15/30/60 minutes,
 * on one bus, a small DC network or a LinDistFlow feeder, with the features added since the first
 * fuzzing rounds combined at random: load shedding (plants too small for the load), sites without a
 * position (late bids, lost bids), crashed agents, demand charges by day or by month and in local
 * hours (quarter-hour offsets, holidays, holiday periods, critical-peak events), several operators
 * over one street, pre-positioning (with cars), self-healing feeders, the communication plane and the
 * day-ahead stage. Half the sites are in an IANA time zone (`drawZone`: `ZONES`, some runs started within days of a
 * daylight-saving change, so that the run or its warm-up holds it), the rest at a fixed offset. The text goes through the real loader (`parseScenario`): the generator does not
 * try to make every combination valid, so what validation refuses is part of what is tested (each
 * refusal must be a located `InputFileError`).
 *
 * Pure: the same seed gives the same text (one mulberry32 stream per scenario), so a failure is
 * reproduced by its seed alone.
 */
import { stringify } from 'yaml';
import { SiteZone } from '../../core/siteZone.ts';
import { drawFeeder, type FeederDraw } from './feederDraw.ts';
import { drawClock, drawTariffs, type TariffDraw } from './tariffDraw.ts';
import { drawMix, type MixDraw } from './mixDraw.ts';

/** mulberry32: small, fast, and good enough for picking a scenario's features. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Features {
  network: 'none' | 'dc' | 'lindistflow';
  minutes: number;
  intervals: number;
  dayAhead: boolean;
  comms: boolean;
  operators: number;
  prePosition: boolean;
  cars: boolean;
  selfHealing: boolean;
  retail: boolean;
  /** Two retailers splitting the tariffs, customers with tariff choice comparing every retailer's (`tariffChoice.among: every-retailer`). */
  retailCompetition: boolean;
  demandCharge: 'none' | 'day' | 'month';
  localHours: boolean;
  aggregator: boolean;
  crash: boolean;
  shortage: boolean;
  lateBids: boolean;
  faults: number;
  /** The site's IANA zone (`site.timeZone`), or undefined for a fixed offset (`site.utcOffsetHours`). */
  timeZone: string | undefined;
  /** Whether the run (or a warm-up of up to two days before it) holds a change of the zone's offset. */
  nearChange: boolean;
  /** Feeder mode only (`generateScenario(seed, { feeder: true })`): what test/fuzz/feederDraw.ts drew. */
  feeder?: FeederDraw;
  /** Tariff mode only (`generateScenario(seed, { tariffs: true })`): what test/fuzz/tariffDraw.ts drew. */
  tariffs?: TariffDraw;
  /** Mix mode only (`generateScenario(seed, { mix: true })`): what test/fuzz/mixDraw.ts drew. */
  mix?: MixDraw;
}

export interface GenerateOptions {
  /**
   * Feeder mode (`npm run fuzz -- --feeder`): every scenario on a LinDistFlow feeder, with the feeder options of
   * test/fuzz/feederDraw.ts drawn from a stream of their own. Off by default, so that every seed's scenario outside the
   * mode is the one it always was, byte for byte.
   */
  readonly feeder?: boolean;
  /**
   * Tariff mode (`npm run fuzz -- --tariffs`): every scenario retail, with the interval, the site's clock and the tariff
   * options of test/fuzz/tariffDraw.ts drawn from a stream of their own. Off by default, for the same reason.
   */
  readonly tariffs?: boolean;
  /**
   * Mix mode (`npm run fuzz -- --mix`, combinable with the others): the combinations of test/fuzz/mixDraw.ts (the market's
   * quantum and tick, the day-ahead stage's options, aggregators of mixed members with pay-as-bid, batteries behind a
   * retailer's meter, a plane's shared link), from a stream of its own after every other draw. Off by default, for the same reason.
   */
  readonly mix?: boolean;
}

export interface Generated {
  readonly seed: number;
  readonly yaml: string;
  readonly features: Features;
}

const OFFSETS = [0, 1, 2, -5, -7, 5.5, 5.75, -3.5, 9.5, 12.75, -9.5, 14, -12, 3];

/**
 * IANA zones with varied rules (audit A-dst): a European and a North American change at whole hours, a southern one
 * that changes at local midnight (Santiago: the day starts at 01:00 in September), a 30-minute change (Lord Howe),
 * half-hour offsets with a change (Adelaide, +9:30/+10:30) and without (Kolkata, +5:30), a 45-minute offset with a
 * change (Chatham, +12:45/+13:45), a zone that is UTC in winter (London) and UTC itself.
 */
export const ZONES = ['Europe/Amsterdam', 'America/Los_Angeles', 'America/Santiago', 'Australia/Lord_Howe', 'Australia/Adelaide', 'Asia/Kolkata', 'Pacific/Chatham', 'Europe/London', 'UTC'] as const;

/**
 * The site's clock of a seed, from a stream of its own (`seed ^ 0x5d57a1`, so that every other draw stays the seed's):
 * a fixed offset for half the seeds (`timeZone` undefined: the caller keeps its drawn offset and start), else a zone of
 * `ZONES`; for two thirds of those with a change in 2026, a start moved near one of its two changes (spring or autumn,
 * drawn), either so that the run holds the change (the start up to the run's length before it) or so that only a
 * warm-up of one or two days before the start would (the start up to two days after it). The start stays on the
 * interval's grid of UTC (price boundaries must not fall inside readings).
 */
export function drawZone(seed: number, days: number, minutes: number): { timeZone: string | undefined; startMs: number | undefined } {
  const r = rng(seed ^ 0x5d57a1);
  if (r() < 0.5) return { timeZone: undefined, startMs: undefined };
  const timeZone = ZONES[Math.floor(r() * ZONES.length)]!;
  const changes = SiteZone.iana(timeZone, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)).transitions;
  if (changes.length === 0 || r() < 1 / 3) return { timeZone, startMs: undefined };
  const at = changes[Math.floor(r() * changes.length)]!.atMs;
  const stepMs = minutes * 60_000;
  const runMs = days * 86_400_000;
  const startMs = r() < 0.7 ? at - Math.floor(r() * runMs) : at + Math.floor(r() * 2 * 86_400_000);
  return { timeZone, startMs: Math.floor(startMs / stepMs) * stepMs };
}

export function generateScenario(seed: number, opts: GenerateOptions = {}): Generated {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const round = (x: number, d = 2): number => Number(x.toFixed(d));

  // One seed in four prepares a pre-positioning case: two days (the look-ahead forecasts day 2 from
  // day 1, so an evening overload is seen coming), batteries and cars behind a low limit, an operator
  // with prePosition on the ideal plane, the double auction. (Not a draw, so other seeds are unchanged.)
  const prepared = seed % 4 === 0;
  // Tariff mode draws the interval and the clock from its own stream (the base draws still taken, so their order holds).
  const modeClock = opts.tariffs ? drawClock(rng(seed ^ 0x7a21f5)) : undefined;
  const minutesDrawn = pick([5, 15, 15, 30, 60, 60]);
  const minutesBase = modeClock?.minutes ?? minutesDrawn;
  const minutes = prepared ? (minutesBase <= 15 ? 30 : minutesBase) : minutesBase;
  // 4–96 intervals, and 1–3 days where the interval allows it within 96 (at 60 min: 24, 48, 72).
  // (days × 1440 must be a whole number of intervals: 0.125 day is 6 intervals of 30 minutes.)
  // (Other intervals, tariff mode only: the spans of whole intervals within 96, at least one.)
  const dayOptions =
    minutes === 60 ? [0.25, 0.5, 1, 2, 3] : minutes === 30 ? [0.125, 0.25, 0.5, 1, 2] : minutes === 15 ? [0.125, 0.25, 0.5, 1] : minutes === 5 ? [0.125, 0.25] : otherDays(minutes);
  const days = prepared ? 2 : pick(dayOptions);
  let intervals = Math.round((days * 1440) / minutes);

  // Half the seeds stack the features: a network, operators, crashes, a shortage, retail under a demand charge.
  const hard = chance(0.5);
  const drawnNetwork: Features['network'] = hard || prepared ? pick(['dc', 'lindistflow']) : pick(['none', 'none', 'dc', 'dc', 'lindistflow']);
  // Feeder mode puts every scenario on a feeder (the draw above still taken, so the seed's other draws keep their order).
  const network: Features['network'] = opts.feeder ? 'lindistflow' : drawnNetwork;
  const dayAhead = chance(hard ? 0.4 : 0.25);
  const comms = chance(0.25) && !prepared;
  const retailDrawn = chance(hard ? 0.8 : 0.5);
  const retail = opts.tariffs === true || retailDrawn;
  const demandCharge: Features['demandCharge'] = retail ? pick(hard ? ['day', 'month', 'month'] : ['none', 'day', 'month', 'month']) : 'none';
  const localHours = retail && chance(0.5);
  const aggregator = chance(hard ? 0.5 : 0.3);
  const crash = chance(hard ? 0.7 : 0.35);
  const shortage = chance(hard ? 0.5 : 0.3);
  const lateBids = chance(hard ? 0.4 : 0.2);
  const offset = pick(OFFSETS);

  // The start: near a month boundary half the time (monthly demand charges), on the hour, or off it.
  const month = int(0, 11);
  const nearBoundary = chance(0.5);
  const startDay = nearBoundary ? pick([28, 29, 30, 31, 1]) : int(1, 28);
  const startMonth = startDay === 1 && nearBoundary ? month : month;
  const y = 2026;
  const lastDay = new Date(Date.UTC(y, startMonth + 1, 0)).getUTCDate();
  const d = Math.min(startDay, lastDay);
  const hour = pick([0, 0, 0, 6, 13, 17, 22]);
  const minute = chance(0.2) ? pick([15, 30, 45]) : 0;
  const drawnStartMs = Date.UTC(y, startMonth, d, hour, minute) - (localHours && chance(0.5) ? Math.round(offset * 60) * 60_000 : 0);
  // A zone instead of the offset for half the seeds, some started near a change (drawZone: a stream of its own).
  const zone = modeClock !== undefined && modeClock.zone(days, minutes).timeZone !== undefined ? modeClock.zone(days, minutes) : drawZone(seed, days, minutes);
  const startMs = zone.startMs ?? drawnStartMs;
  const start = new Date(startMs).toISOString().replace('.000Z', 'Z');
  const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
  const atInterval = (k: number): string => iso(startMs + k * minutes * 60_000);
  const clock = zone.timeZone === undefined ? SiteZone.fixed(offset) : SiteZone.iana(zone.timeZone, startMs - 10 * 86_400_000, startMs + 10 * 86_400_000);
  const localDate = (k: number): string => new Date(clock.localMs(startMs + k * 86_400_000)).toISOString().slice(0, 10);
  const nearChange = zone.timeZone !== undefined && clock.transitionsIn(startMs - 2 * 86_400_000, startMs + days * 86_400_000).length > 0;
  // Whole days are calendar days of the site's clock (engine/scenario/runSpan.ts): across a change 2 days are 47 or 49
  // hours, and faults are dated within them. (Not a draw: only a zone's run with whole days across a change moves.)
  if (days >= 1) intervals = Math.round((clock.wallDaysAfter(startMs, Math.floor(days)) + (days - Math.floor(days)) * 86_400_000 - startMs) / (minutes * 60_000));

  const doc: Record<string, unknown> = {
    name: `fuzz-${seed}`,
    seed: int(1, 1_000_000),
    start,
    days: round(days, 6),
    intervalMinutes: minutes,
  };
  const holidays = chance(0.4) ? [localDate(pick([0, 1, 2]))] : undefined;
  doc.site = { latitude: round(-40 + r() * 100, 2), longitude: round(-120 + r() * 240, 2), ...(zone.timeZone === undefined ? { utcOffsetHours: offset } : { timeZone: zone.timeZone }), ...(holidays ? { holidays } : {}) };
  // (Not draws, so that the seeds' other choices stay as they were: the forecast and a solar-only supply.)
  if (seed % 3 === 1) doc.forecast = { method: ['persistence', 'same-interval-yesterday', 'perfect-foresight'][Math.floor(seed / 3) % 3] };
  const solarOnly = seed % 7 === 3;
  doc.weather = { temperature: pick(['heatwave', 'cold', { minC: 5, maxC: 30, minHour: 5, maxHour: 15 }]), sky: pick(['clear', 'variable', 'overcast']) };

  // The network.
  const buses: string[] = ['grid'];
  const branches: Record<string, unknown>[] = [];
  const ties: string[] = [];
  if (network !== 'none') {
    const n = int(1, 4);
    for (let i = 1; i <= n; i++) buses.push(`b${i}`);
    for (let i = 1; i <= n; i++) {
      const from = i === 1 ? 'grid' : pick(buses.slice(0, i));
      // Low limits, so that the evening's homes and cars overload them and the operators have work.
      const limitKw = chance(hard ? 0.8 : 0.6) ? (chance(0.7) ? int(2, 15) : int(16, 60)) : undefined;
      branches.push({
        id: `l${i}`,
        ...(i === 1 ? { kind: pick(['feeder-head', 'transformer', 'line']) } : {}),
        from,
        to: `b${i}`,
        reactancePu: network === 'lindistflow' ? round(0.005 + r() * 0.03, 4) : round(0.01 + r() * 0.1, 3),
        ...(network === 'lindistflow' ? { resistancePu: round(0.005 + r() * 0.04, 4) } : {}),
        ...(limitKw !== undefined ? { limitKw } : {}),
      });
    }
    // A tie (normally open on a feeder, a mesh branch on DC).
    if (n >= 2 && chance(0.5)) {
      const a = pick(buses.slice(1));
      const b = pick(buses.filter((x) => x !== a));
      branches.push({
        id: 'tie',
        from: a,
        to: b,
        reactancePu: round(0.02 + r() * 0.05, 3),
        ...(network === 'lindistflow' ? { resistancePu: round(0.01 + r() * 0.03, 3), inService: false } : {}),
        ...(chance(0.5) ? { limitKw: int(10, 60) } : {}),
      });
      ties.push('tie');
    }
    doc.network = {
      ...(network === 'lindistflow'
        ? {
            model: 'lindistflow',
            feeder: {
              voltageLimitsPu: { min: 0.9, max: 1.1 },
              ...(chance(0.5) ? { powerFactor: { home: 0.95 } } : {}),
              ...(chance(0.3) ? { reactive: { mode: pick(['clearing', 'volt-var']), inverterKva: { home: 5, storage: 5, ev: 7 } } } : {}),
            },
          }
        : {}),
      baseKva: pick([100, 1000]),
      buses: buses.map((id) => (id === 'grid' ? { id, reference: true } : { id })),
      branches,
    };
  }
  const street = buses.slice(1);
  const anyBus = (): string | undefined => (network === 'none' ? undefined : pick(street.length > 0 ? street : buses));

  // The market.
  const market: Record<string, unknown> = {
    mechanism: pick(['auto', 'auto', 'double-auction', 'lp']),
    ...(chance(0.3) ? { pricing: 'pay-as-bid' } : {}),
    ...(chance(0.3) ? { priceRule: pick(['partial-block', 'marginal-offer', 'marginal-bid', 'midpoint']) } : {}),
    ...(chance(0.3) ? { priceFloorMwh: pick([0, -100, -500]) } : {}),
    ...(chance(0.2) ? { priceCapMwh: pick([500, 1000, 3000]) } : {}),
    ...(chance(0.3) ? { gateClosureMinutes: pick([0, 1, 2, 4, 5, 10]) } : {}),
    ...(chance(0.2) ? { regulationSpreadMwh: pick([0, 5, 10, 50]) } : {}),
    ...(chance(0.15) ? { solver: 'jslp' } : {}),
  };
  if (dayAhead) market.timeline = ['dayAhead', 'realTime'];
  doc.market = market;
  if (comms) {
    // On a plane a real-time gate must close within the interval before (refused otherwise: audit W-fuzz).
    if (market.gateClosureMinutes === undefined || (market.gateClosureMinutes as number) >= minutes) market.gateClosureMinutes = pick([0, 1, 2, 4].filter((g) => g < minutes));
    doc.comms = {
      classes: {
        'demand-response': {
          latency: pick([{ distribution: 'fixed', ms: int(1, 500) }, { distribution: 'uniform', minMs: 1, maxMs: int(100, 90_000) }]),
          ...(chance(0.4) ? { lossProbability: round(r() * 0.3, 2) } : {}),
          ...(chance(0.3) ? { retry: { maxRetries: int(0, 3), backoffMs: int(100, 5000) } } : {}),
        },
      },
    };
  }

  // Tariffs.
  const tariffs: Record<string, unknown>[] = [];
  const tariffIds: string[] = [];
  if (retail) {
    const hoursKey = localHours ? { hours: 'local' } : {};
    const exportRule = chance(0.5) ? { export: pick([{ type: 'net-billing', exportPricePerKwh: 0.05 }, { type: 'net-metering' }, { type: 'buy-all-sell-all', exportPricePerKwh: 0.04 }]) } : {};
    tariffs.push({ id: 'flat', type: 'flat', energyPricePerKwh: round(0.1 + r() * 0.3, 3), ...(chance(0.5) ? { fixedChargePerDay: 0.4 } : {}), ...exportRule });
    tariffIds.push('flat');
    if (chance(0.5)) {
      tariffs.push({
        id: 'tou',
        type: 'time-of-use',
        ...hoursKey,
        defaultPeriod: 'off-peak',
        ...(chance(0.5) ? { holidayPeriod: 'off-peak' } : {}),
        periods: [
          { name: 'peak', energyPricePerKwh: 0.4, rules: [{ days: 'weekdays', fromHour: pick([16, 17, 17.5]), toHour: pick([20, 21, 23.75]) }] },
          { name: 'off-peak', energyPricePerKwh: 0.12 },
        ],
      });
      tariffIds.push('tou');
    }
    if (chance(0.4)) {
      tariffs.push({
        id: 'cpp',
        type: 'critical-peak',
        ...hoursKey,
        energy: { type: 'flat', energyPricePerKwh: 0.2 },
        eventWindow: { fromHour: pick([14, 17]), toHour: pick([19, 24]) },
        ...(chance(0.5) ? { eventPricePerKwh: 1.2 } : { eventAdderPerKwh: 0.8 }),
        noticeHours: pick([0, 4, 24]),
        events: [{ id: 'e1', date: localDate(pick([0, 1])) }],
      });
      tariffIds.push('cpp');
    }
    if (chance(0.3)) {
      tariffs.push({ id: 'rtp', type: 'real-time', adderPerKwh: 0.05, ...(chance(0.5) ? { floorPerKwh: 0 } : {}), ...(chance(0.5) ? { capPerKwh: 1 } : {}) });
      tariffIds.push('rtp');
    }
    if (demandCharge !== 'none') {
      const windowMinutes = pick([minutes, minutes, 15, 30, 60].filter((w) => w >= minutes && w % minutes === 0));
      tariffs.push({
        id: 'demand',
        type: 'demand-charge',
        ...hoursKey,
        energy: { type: 'flat', energyPricePerKwh: 0.18 },
        demandChargePerKw: pick([0.5, 3, 9]),
        demandWindowMinutes: windowMinutes,
        ...(demandCharge === 'month' ? { demandPeriod: 'month' } : chance(0.5) ? { demandPeriod: 'day' } : {}),
        ...(chance(0.3) ? { demandHours: [{ days: 'weekdays', fromHour: 8, toHour: 20 }] } : {}),
        ...(chance(0.3) ? { demandOnHolidays: false } : {}),
      });
      tariffIds.push('demand');
    }
    doc.tariffs = tariffs;
  }

  // Agents: 2–30 in all.
  const agents: Record<string, unknown>[] = [];
  let count = 0;
  const budget = int(2, 30);
  const room = (want: number): number => Math.max(0, Math.min(want, budget - count));
  const latency = (): Record<string, unknown> => (lateBids && chance(0.5) ? { commsLatencyMinutes: { min: 0, max: pick([2, 5, 20]) } } : {});
  const onBus = (): Record<string, unknown> => {
    const b = anyBus();
    return b === undefined ? {} : { bus: b };
  };
  // Supply: a plant at the reference bus, small under a shortage, and sometimes a PV plant with takes.
  agents.push({
    kind: 'generator',
    id: 'plant',
    ...(network !== 'none' ? { bus: 'grid' } : {}),
    offers: shortage ? [{ kw: int(1, 8), priceMwh: int(20, 90) }] : [{ kw: int(40, 200), priceMwh: int(20, 90) }, { kw: int(20, 100), priceMwh: int(100, 400) }],
    ...(chance(0.2) ? { takes: [{ kw: 50, priceMwh: pick([0, 5, -20]) }] } : {}),
    // A solar plant as the only supply: nothing at night, so every night is a shortage nothing can regulate.
    ...(solarOnly ? { availabilityByHour: Array.from({ length: 24 }, (_, h) => (h >= 7 && h <= 17 ? 1 : 0)) } : {}),
  });
  count++;
  if (chance(0.3)) {
    agents.push({ kind: 'generator', id: 'solar', ...onBus(), offers: [{ kw: int(2, 30), priceMwh: 0 }], availabilityByHour: Array.from({ length: 24 }, (_, h) => (h >= 7 && h <= 17 ? 1 : 0)) });
    count++;
  }
  const groups: { kind: string; prefix: string; n: number }[] = [];
  const homes = room(int(1, 10));
  if (homes > 0) {
    agents.push({
      kind: 'home',
      idPrefix: 'home',
      count: homes,
      ...(network !== 'none' ? (chance(0.5) ? { buses: street.length > 0 ? street : buses } : onBus()) : {}),
      ...(chance(0.5) ? { flexibility: { share: round(r() * 0.5, 2), valueMwh: { min: 50, max: 600 }, blocks: int(1, 4) } } : {}),
      ...(chance(hard ? 0.7 : 0.4) ? { hvac: { share: round(0.3 + 0.7 * r(), 2), mode: pick(['cool', 'heat']) } } : {}),
      ...(chance(0.4) ? { pv: { share: round(r(), 2), capacityKw: { min: 2, max: 8 } } } : {}),
      ...(chance(0.3) ? { appliances: [{ name: 'dishwasher', share: 0.5, energyKwh: 1.2, powerKw: 1.5 }] } : {}),
      ...(chance(0.3) ? { strategy: pick(['home-forecast', 'truthful', { id: 'markup', params: { markup: 0.1 } }]) } : {}),
      ...latency(),
      ...(retail && chance(0.6) ? { retailer: 'retail', tariff: pick(tariffIds), ...(chance(0.3) ? { tariffChoice: { rationality: 20, inertia: 0.5 } } : {}) } : {}),
    });
    groups.push({ kind: 'home', prefix: 'home', n: homes });
    count += homes;
  }
  const buildings = chance(0.3) ? room(int(1, 2)) : 0;
  if (buildings > 0) {
    agents.push({
      kind: 'building',
      idPrefix: 'office',
      count: buildings,
      ...onBus(),
      ...(chance(0.5) ? { curtailable: { contractKw: int(2, 10) } } : {}),
      ...latency(),
      ...(retail && chance(0.5) ? { retailer: 'retail', tariff: pick(tariffIds) } : {}),
    });
    groups.push({ kind: 'building', prefix: 'office', n: buildings });
    count += buildings;
  }
  const evs = chance(hard ? 0.8 : 0.6) ? room(int(1, 6)) : 0;
  if (evs > 0) {
    agents.push({
      kind: 'ev',
      idPrefix: 'ev',
      count: evs,
      ...onBus(),
      sessions: pick(['home', 'workplace']),
      chargerKw: pick([3.7, 7.4, 11]),
      v2gShare: pick([0, 0.5, 1]),
      battery: { capacityKwh: pick([20, 40, 60]), minSocFraction: pick([0.1, 0.2]), maxSocFraction: pick([0.8, 0.9, 1]) },
      ...(chance(0.3) ? { strategy: pick(['ev-uncontrolled', 'ev-slack', 'mpc']) } : {}),
      ...latency(),
      ...(retail && chance(0.3) ? { retailer: 'retail', tariff: pick(tariffIds) } : {}),
    });
    groups.push({ kind: 'ev', prefix: 'ev', n: evs });
    count += evs;
  }
  const batteries = chance(hard ? 0.8 : 0.6) || prepared ? Math.max(prepared ? 1 : 0, room(int(1, 4))) : 0;
  if (batteries > 0) {
    agents.push({
      kind: 'storage',
      idPrefix: 'battery',
      count: batteries,
      ...onBus(),
      capacityKwh: pick([5, 10, 20]),
      maxChargeKw: pick([2, 5]),
      maxDischargeKw: pick([2, 5]),
      initialSocFraction: pick([0.1, 0.5, 0.9]),
      minSocFraction: pick([0, 0.1]),
      maxSocFraction: pick([0.9, 1]),
      ...(chance(0.3) ? { strategy: pick(['storage-arbitrage', 'mpc', 'price-taker']) } : {}),
      ...latency(),
    });
    groups.push({ kind: 'storage', prefix: 'battery', n: batteries });
    count += batteries;
  }
  if (aggregator) {
    const members = room(int(1, 6));
    if (members > 0) {
      agents.push({ kind: 'aggregator', id: 'agg', contract: { type: 'pass-through', feePerKwh: pick([0, 0.01]) }, ...(chance(0.3) ? { strategy: pick(['mpc', 'learning', { id: 'markup', params: { markup: 0.1 } }]) } : {}) });
      const memberKind = pick(['home', 'ev', 'storage']);
      agents.push({ kind: memberKind, idPrefix: 'member', count: members, ...onBus(), aggregator: 'agg', ...latency() });
      groups.push({ kind: memberKind, prefix: 'member', n: members });
      count += members;
    }
  }
  if (retail) {
    agents.splice(1, 0, { kind: 'retailer', id: 'retail', tariffs: tariffIds });
    // A retailer without customers is refused: give it one at least.
    if (!agents.some((a) => a.retailer === 'retail')) {
      agents.push({ kind: 'home', idPrefix: 'cust', count: Math.max(1, room(int(1, 4))), ...onBus(), retailer: 'retail', tariff: pick(tariffIds) });
      groups.push({ kind: 'home', prefix: 'cust', n: 1 });
    }
  }
  const competition = retail && retailCompetition(agents, tariffIds, rng(seed ^ 0x2e7a11));
  doc.agents = agents;

  // Operators (with a network).
  let operators = 0;
  let prePosition = false;
  let cars = false;
  let selfHealing = false;
  if (network !== 'none' && branches.some((b) => b.limitKw !== undefined) && (chance(hard ? 0.95 : 0.7) || prepared)) {
    operators = chance(hard ? 0.5 : 0.3) ? 2 : 1;
    const ops: Record<string, unknown>[] = [];
    // An operator watches branches with a limit (all of them by default: refused when none has one).
    const limited = branches.filter((b) => b.limitKw !== undefined).map((b) => b.id as string);
    for (let k = 0; k < operators; k++) {
      const v2g = chance(0.6) || (prepared && k === 0);
      const charge = chance(0.4);
      const importLimit = chance(0.2) && !(prepared && k === 0);
      const pre = (prepared && k === 0) || (!comms && !importLimit && (v2g || charge) && chance(hard ? 0.6 : 0.4));
      const withCars = pre && v2g && chance(0.6);
      prePosition ||= pre;
      cars ||= withCars;
      const heal = network === 'lindistflow' && ties.length > 0 && chance(0.5);
      selfHealing ||= heal;
      ops.push({
        id: `op${k + 1}`,
        ...(chance(0.5) && limited.length > 0 ? { watch: [pick(limited)] } : {}),
        ...(k > 0 && chance(0.5) ? { buses: [pick(street)] } : {}),
        v2g,
        ...(charge && !importLimit ? { charge: true } : {}),
        ...(chance(0.3) && !importLimit ? { curtailExport: true } : {}),
        ...(importLimit ? { command: 'import-limit', ...(chance(0.5) ? { minimumImportKw: 1 } : {}) } : {}),
        ...(chance(0.3) ? { baseline: 'ten-of-ten' } : {}),
        ...(chance(0.3) ? { penalty: 'commitment' } : {}),
        ...(chance(0.3) ? { shortfallPenaltyMwh: 100 } : {}),
        lookaheadIntervals: pick([4, 8, 16]),
        ...(pre ? { prePosition: { leadIntervals: pick([2, 4]), ...(withCars ? { cars: true } : {}) } } : {}),
        ...(heal ? { selfHealing: { restoreAfterMinutes: pick([0, 5, 15, 30]) } } : {}),
      });
    }
    doc.operations = ops;
    // An operator has work when the market leaves the grid to it (the double auction); LP dispatch keeps the limits itself.
    if (chance(0.7) || prepared) market.mechanism = 'double-auction';
  }

  // Faults.
  const faults: Record<string, unknown>[] = [];
  const agentIds = (): string[] => groups.flatMap((g) => Array.from({ length: g.n }, (_, i) => `${g.prefix}-${i + 1}`));
  const ids = agentIds();
  const someInterval = (): number => int(0, Math.max(0, intervals - 1));
  if (crash && ids.length > 0) {
    for (let k = 0; k < int(1, 2); k++) faults.push({ type: 'agent-crash', agent: pick([...ids, 'plant']), at: atInterval(someInterval()) });
  }
  let nFaults = crash ? 1 : 0;
  if (chance(0.3) && ids.length > 0) {
    const a = someInterval();
    faults.push({ type: 'agent-fault', agent: pick(ids), at: atInterval(a), ...(chance(0.5) ? { until: atInterval(Math.min(intervals, a + int(1, 8))) } : {}) });
    nFaults++;
  }
  if (chance(0.3) && ids.length > 0) {
    const a = someInterval();
    faults.push({ type: 'comms-loss', agents: [pick([...ids, 'home-*', 'ev-*'])], from: atInterval(a), until: atInterval(Math.min(intervals, a + int(1, 8))), probability: pick([0.5, 1]), ...(chance(0.3) ? { mode: 'delayed', delayMinutes: pick([1, 5, 30]) } : {}) });
    nFaults++;
  }
  if (network !== 'none' && chance(hard ? 0.5 : 0.35)) {
    const a = someInterval();
    const br = pick(branches.map((b) => b.id as string));
    faults.push(
      chance(0.5)
        ? { type: 'line-outage', branch: br, at: atInterval(a), ...(chance(0.7) ? { until: atInterval(Math.min(intervals, a + int(1, 8))) } : {}) }
        : { type: 'derating', branch: br, limitKw: int(1, 20), at: atInterval(a), ...(chance(0.5) ? { until: atInterval(Math.min(intervals, a + int(1, 8))) } : {}) },
    );
    nFaults++;
  }
  if (comms && operators > 0 && ids.length > 0 && chance(0.4)) {
    faults.push(pick([
      { type: 'forged-command', issuer: 'mallory', target: pick(ids), valueKw: -2, at: atInterval(someInterval()) },
      { type: 'replayed-command', target: pick(ids), at: atInterval(someInterval()) },
      { type: 'tampered-read', agent: pick(ids), at: atInterval(someInterval()) },
    ]));
    nFaults++;
  }
  if (faults.length > 0) doc.faults = faults;
  const feeder = opts.feeder ? drawFeeder(rng(seed ^ 0xfeede5), doc) : undefined;
  const tariffDraw = opts.tariffs ? drawTariffs(rng(seed ^ 0x7a21f5 ^ 0x1), doc, localDate) : undefined;
  const mixDraw = opts.mix ? drawMix(rng(seed ^ 0x313a7d), doc, rng(seed ^ 0x313a7e), rng(seed ^ 0x313a7f)) : undefined;

  const features: Features = {
    network,
    minutes,
    intervals,
    dayAhead,
    comms,
    operators,
    prePosition,
    cars,
    selfHealing,
    retail,
    retailCompetition: competition,
    demandCharge,
    localHours,
    aggregator,
    crash,
    shortage,
    lateBids,
    faults: nFaults,
    timeZone: zone.timeZone,
    nearChange,
    ...(feeder !== undefined ? { feeder, dayAhead: (doc.market as { timeline?: unknown }).timeline !== undefined } : {}),
    ...(tariffDraw !== undefined ? { tariffs: tariffDraw } : {}),
    ...(mixDraw !== undefined ? { mix: mixDraw, dayAhead: (doc.market as { timeline?: unknown }).timeline !== undefined } : {}),
  };
  return { seed, yaml: stringify(doc, { lineWidth: 0, flowCollectionPadding: false }), features };
}

/** Run lengths (days) of whole intervals of `minutes`, 2 to 96 of them (tariff mode's unusual intervals). */
function otherDays(minutes: number): number[] {
  const days = [0.125, 0.25, 0.5, 1, 2, 3].filter((d) => Number.isInteger((d * 1440) / minutes) && (d * 1440) / minutes <= 96 && (d * 1440) / minutes >= 2);
  return days.length > 0 ? days : [1];
}

/**
 * Half the retail scenarios with two tariffs or more become retail competition: the tariffs split between `retail`
 * and a second retailer, `retail-2`, each customer group with the retailer of its tariff (a one-home group added for
 * a retailer left without customers: validate refuses one), and customers with tariff choice comparing every
 * retailer's (engine/retail.ts), as do the added homes. Drawn from a stream of its own, so that every other draw stays
 * the seed's and the scenarios of seeds found before are unchanged but for this. Returns whether it did.
 */
function retailCompetition(agents: Array<Record<string, unknown>>, tariffIds: readonly string[], r: () => number): boolean {
  if (tariffIds.length < 2 || r() < 0.5) return false;
  const second = new Set(tariffIds.slice(1 + Math.floor(r() * (tariffIds.length - 1))));
  const firstTariffs = tariffIds.filter((t) => !second.has(t));
  const customers = agents.filter((a) => a.retailer === 'retail');
  const retailer = agents.find((a) => a.kind === 'retailer' && a.id === 'retail')!;
  retailer.tariffs = firstTariffs;
  agents.splice(agents.indexOf(retailer) + 1, 0, { kind: 'retailer', id: 'retail-2', tariffs: [...second] });
  for (const a of customers) {
    if (second.has(a.tariff as string)) a.retailer = 'retail-2';
    if (a.tariffChoice !== undefined) a.tariffChoice = { ...(a.tariffChoice as object), among: 'every-retailer' };
  }
  // Where a customer group stands (its bus or buses), for a home added beside it.
  const where = (a: Record<string, unknown>) => ({ ...(a.bus !== undefined ? { bus: a.bus } : {}), ...(a.buses !== undefined ? { buses: a.buses } : {}) });
  const choosing = { rationality: 20, inertia: r() < 0.5 ? 0 : 0.5, among: 'every-retailer' };
  for (const [id, tariffs] of [['retail', firstTariffs], ['retail-2', [...second]]] as const) {
    if (customers.some((a) => a.retailer === id)) continue;
    agents.push({ kind: 'home', idPrefix: `${id}-home`, count: 1, ...where(customers[0]!), retailer: id, tariff: tariffs[Math.floor(r() * tariffs.length)]!, tariffChoice: choosing });
  }
  return true;
}
