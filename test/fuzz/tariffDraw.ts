/**
 * The retail and clock options the base generator does not draw (audit A-fuzz3), for the fuzzer's tariff mode
 * (`npm run fuzz -- --tariffs`, `generateScenario(seed, { tariffs: true })`): market intervals other than 5/15/30/60
 * minutes, a site whose run holds a daylight-saving change more often than not, retail in every scenario, export
 * compensation under every tariff kind (net-billing, its older name feed-in, net-metering with a surplus credit,
 * buy-all/sell-all), fixed daily charges on every kind, a real-time tariff with a discount adder and a floor below zero,
 * critical-peak events on the run's own days (announced or by notice), a retailer's export offer, tariff choice with
 * notice days, and pay-as-bid pricing.
 *
 * From a stream of its own (the generator passes `rng(seed ^ 0x7a21f5)`): `drawClock` runs before the base draws use
 * the interval and the start, `drawTariffs` after every base draw. Outside the mode nothing here runs, and every seed's
 * YAML is the one it always was, byte for byte.
 */
import { SiteZone } from '../../core/siteZone.ts';

export interface TariffDraw {
  /** Export compensation types given to tariffs (`none` where a tariff kept none). */
  exports: string;
  fixedCharges: boolean;
  rtpBelowZero: boolean;
  cppOnRunDays: boolean;
  exportOffer: boolean;
  noticeDays: boolean;
  payAsBid: boolean;
}

/** Zones whose offset changes in 2026, at whole hours, at local midnight, by 30 minutes (Lord Howe), at a 45-minute offset. */
const CHANGING = ['Europe/Amsterdam', 'Europe/Amsterdam', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Chatham', 'America/Los_Angeles', 'Australia/Adelaide'] as const;

/**
 * The interval (5 to 120 minutes, the unusual ones more often) and the site's clock: a zone that changes, the start placed
 * so that the run holds a change (three times in four) or just after one; otherwise the base draw's clock stands.
 */
export function drawClock(r: () => number): { minutes: number; zone: (days: number, minutes: number) => { timeZone: string | undefined; startMs: number | undefined } } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const minutes = pick([10, 10, 20, 20, 12, 6, 5, 15, 30, 60, 45, 120]);
  const withZone = r() < 0.8;
  const timeZone = pick(CHANGING);
  const spring = r() < 0.5;
  const inside = r() < 0.75;
  const u = r();
  const midnight = r() < 0.6;
  // A local midnight kept where it is off the epoch's grid of the interval (Lord Howe's 13:30 UTC with hourly intervals):
  // the run's grid is then its own, which every part of the engine must follow (fuzz --feeder seed 20041's MDMS did not).
  const offEpochGrid = r() < 0.3;
  return {
    minutes,
    zone: (days, m) => {
      if (!withZone) return { timeZone: undefined, startMs: undefined };
      const changes = SiteZone.iana(timeZone, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)).transitions;
      const at = changes[spring ? 0 : changes.length - 1]!.atMs;
      const stepMs = m * 60_000;
      const drawn = inside ? at - Math.floor(u * days * 86_400_000) : at + Math.floor(u * 86_400_000);
      // Most often at a local midnight (where billing days and demand windows start, which a demand charge requires).
      const clock = SiteZone.iana(timeZone, drawn - 3 * 86_400_000, drawn + 3 * 86_400_000);
      const startMs = midnight ? clock.dayStartMs(clock.localDayNumber(drawn)) : drawn;
      return { timeZone, startMs: midnight && offEpochGrid ? startMs : Math.floor(startMs / stepMs) * stepMs };
    },
  };
}

/** Mutates `doc` (a retail scenario as the generator built it): the tariff options above. Returns what it drew. */
export function drawTariffs(r: () => number, doc: Record<string, any>, localDate: (k: number) => string): TariffDraw {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const tariffs = (doc.tariffs ?? []) as Record<string, any>[];
  const exports: string[] = [];
  // Hours on the interval's grid (17:00 falls inside a 45-minute reading: refused, located), most of the time.
  const minutes = Number(doc.intervalMinutes);
  const onGrid = (h: number, near: readonly number[]): number => (chance(0.85) ? (near.find((x) => (x * 60) % minutes === 0) ?? h) : h);
  for (const t of tariffs) {
    for (const p of t.periods ?? []) for (const rule of p.rules ?? []) Object.assign(rule, { fromHour: onGrid(rule.fromHour, [16, 18, 15, 12]), toHour: onGrid(rule.toHour, [20, 21, 22, 24]) });
    for (const rule of t.demandHours ?? []) Object.assign(rule, { fromHour: onGrid(rule.fromHour, [8, 6, 9, 12]), toHour: onGrid(rule.toHour, [20, 18, 21, 24]) });
    // A demand window of the interval most of the time: a run then starts on a window's boundary wherever it starts on the
    // grid (validate refuses a start inside a window, and a local midnight inside one).
    if (t.type === 'demand-charge' && 1440 % minutes === 0 && chance(0.7)) t.demandWindowMinutes = minutes;
    if (t.eventWindow !== undefined) t.eventWindow = { fromHour: onGrid(t.eventWindow.fromHour, [14, 15, 16, 18, 12]), toHour: onGrid(t.eventWindow.toHour, [20, 18, 21, 24]) };
  }
  let fixedCharges = false;
  for (const t of tariffs) {
    if (chance(0.6)) {
      t.export = pick([
        { type: 'net-billing', exportPricePerKwh: pick([0, 0.03, 0.08]) },
        { type: 'feed-in', exportPricePerKwh: 0.06 },
        { type: 'net-metering', ...(chance(0.5) ? { netExportCreditPerKwh: pick([0, 0.02, 0.05]) } : {}) },
        { type: 'buy-all-sell-all', exportPricePerKwh: pick([0.04, 0.1]) },
      ]);
      exports.push(t.export.type);
    }
    if (chance(0.5)) {
      t.fixedChargePerDay = pick([0.25, 0.4, 1.1]);
      fixedCharges = true;
    }
  }
  // A real-time tariff where the base draw gave none (its bills are the real-time oracle's), some customers put on it.
  if (!tariffs.some((t) => t.type === 'real-time') && chance(0.5)) {
    tariffs.push({ id: 'rtp', type: 'real-time', adderPerKwh: 0.04 });
    const retail = (doc.agents as Record<string, any>[]).find((a) => a.kind === 'retailer' && a.id === 'retail')!;
    retail.tariffs = [...retail.tariffs, 'rtp'];
    const customers = (doc.agents as Record<string, any>[]).filter((a) => a.retailer === 'retail');
    if (customers.length > 0 && chance(0.7)) pick(customers).tariff = 'rtp';
  }
  // A real-time tariff's adder as a discount and its floor below zero pass a negative market price on (README, tariffs).
  let rtpBelowZero = false;
  const rtp = tariffs.find((t) => t.type === 'real-time');
  if (rtp && chance(0.5)) {
    rtp.adderPerKwh = pick([-0.02, 0, 0.05]);
    rtp.floorPerKwh = pick([-0.1, -0.02]);
    rtpBelowZero = true;
    if (doc.market.priceFloorMwh === undefined) doc.market.priceFloorMwh = -200;
  }
  // Critical-peak events on each of the run's first local days, some announced at a time of their own.
  let cppOnRunDays = false;
  const cpp = tariffs.find((t) => t.type === 'critical-peak');
  if (cpp && chance(0.7)) {
    const days = Math.max(1, Math.ceil(Number(doc.days)));
    cpp.events = Array.from({ length: Math.min(days + 1, 3) }, (_, k) => ({ id: `e${k + 1}`, date: localDate(k) }));
    cpp.noticeHours = pick([0, 1, 4, 24]);
    cppOnRunDays = true;
  }
  const retailers = (doc.agents as Record<string, any>[]).filter((a) => a.kind === 'retailer');
  let exportOffer = false;
  for (const ret of retailers) {
    if (chance(0.4)) {
      // Within the market's price limits (validate refuses one outside them).
      ret.exportOfferMwh = Math.max(doc.market.priceFloorMwh ?? -500, pick([0, 20, -500, -50]));
      exportOffer = true;
    }
  }
  // Tariff choice with notice days, on customer groups that choose.
  let noticeDays = false;
  for (const a of doc.agents as Record<string, any>[]) {
    if (a.retailer === undefined) continue;
    if (a.tariffChoice === undefined && chance(0.3)) a.tariffChoice = { rationality: 20, inertia: pick([0, 0.5]) };
    if (a.tariffChoice !== undefined && chance(0.5)) {
      a.tariffChoice = { ...a.tariffChoice, noticeDays: pick([0, 1, 2]) };
      noticeDays = true;
    }
    // More PV behind the customers' meters: exports for the export rules to credit.
    if (a.kind === 'home' && a.pv === undefined && chance(0.6)) a.pv = { share: pick([0.5, 1]), capacityKw: { min: 3, max: 8 } };
  }
  const payAsBid = chance(0.35);
  if (payAsBid) doc.market.pricing = 'pay-as-bid';
  else if (doc.market.pricing === 'pay-as-bid' && chance(0.5)) delete doc.market.pricing;
  return { exports: exports.length > 0 ? [...new Set(exports)].sort().join('+') : 'none', fixedCharges, rtpBelowZero, cppOnRunDays, exportOffer, noticeDays, payAsBid };
}
