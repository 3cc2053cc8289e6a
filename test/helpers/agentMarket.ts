/**
 * What the agent specs hand one agent group outside a simulation: an environment on a
 * 15-minute clock at Amsterdam's latitude, the market view of one interval, and the
 * market's answer to a curve at a clearing price. Shared by the home, building and
 * home fast-path specs so their markets cannot drift apart.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { Environment, weatherSchema } from '../../agents/environment.ts';
import type { AgentEnv } from '../../agents/types.ts';
import type { ClockSpec, MarketInterval } from '../../core/clock.ts';
import { RandomService } from '../../core/rng.ts';
import { busId } from '../../core/units.ts';
import type { BidSegment } from '../../market/types.ts';
import type { MarketView } from '../../strategies/types.ts';
import { branded } from './units.ts';

export const CAP = 3000;
export const FLOOR = -500;
export const QUANTUM = 0.001;

/** An agent environment from `start` for `intervals` quarter-hours, seeded, with the given weather. */
export function agentEnv(start: ClockSpec['start'], seed: number, intervals: number, weather: Record<string, unknown>): AgentEnv {
  const random = new RandomService(seed);
  const site = { latitude: 52.37, longitude: 4.9, zone: SiteZone.fixed(2) };
  const clock: ClockSpec = { start, intervalMinutes: 15, intervals, gateClosureMinutes: 5 };
  return { random, site, environment: new Environment(site, weatherSchema.parse(weather), random), clock, defaultBus: busId('main'), reportStrategyFault: () => {} } as AgentEnv;
}

/** The market view an agent bids on in `interval`: the cap, floor and quantum above, the forecast and the last price. */
export function marketAt(env: AgentEnv, interval: MarketInterval, forecast: readonly number[] = [], last?: number): MarketView {
  const w = env.environment.at(interval.start, interval.durationH);
  return branded<MarketView>(
    Object.freeze({
      interval: Object.freeze({ index: interval.index, start: interval.start, durationH: interval.durationH }),
      priceCapMwh: CAP,
      priceFloorMwh: FLOOR,
      quantumKw: QUANTUM,
      lastPriceMwh: last,
      priceForecastMwh: Object.freeze([...forecast]),
      conditions: Object.freeze({ outdoorC: w.outdoorC, ghiWm2: w.ghiWm2 }),
    }),
  );
}

/** A market's answer to one curve at clearing price p: segments priced above p whole, at p a share u, below p nothing; rounded to the quantum. */
export function award(segs: readonly BidSegment[], p: number, u: number): { buyKw: number; sellKw: number } {
  let buy = 0;
  let sell = 0;
  const q = (x: number): number => Math.round(x / QUANTUM) * QUANTUM;
  for (const s of segs) {
    const share = s.priceMwh === p ? u : s.side === 'buy' ? (s.priceMwh > p ? 1 : 0) : s.priceMwh < p ? 1 : 0;
    if (s.side === 'buy') buy += q(s.quantityKw * share);
    else sell += q(s.quantityKw * share);
  }
  return { buyKw: buy, sellKw: sell };
}
