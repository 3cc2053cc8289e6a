/**
 * The weather every agent of a site shares: outdoor temperature and solar
 * irradiance per market interval, from the physics presets plus seeded noise.
 * Computed once per interval (at its midpoint) and cached: thousands of homes ask
 * for the same numbers. Draws come from the site's own streams, so changing the
 * agents never changes the weather.
 */
import * as z from 'zod';
import type { RandomService, Rng } from '../core/rng.ts';
import { MS_PER_HOUR, type SimTime, simTime } from '../core/time.ts';
import { COLD_DAY, type DayTemperature, drawDayOffsetC, HEATWAVE_DAY, MILD_DAY, nextTemperatureNoiseC, outdoorTempC, persistenceFor } from './physics/outdoor.ts';
import { clearSkyGhiWm2, drawSkyDay, nextClearSkyIndex, type SkyDay } from './physics/pv.ts';
import { localHourOfDay, localMidnight } from './physics/localTime.ts';
import { type Holidays, holidaysOf } from '../core/calendar.ts';
import { celsius } from '../core/units.ts';
import type { SiteZone } from '../core/siteZone.ts';

const dayTemperature = z.union([
  z.enum(['mild', 'heatwave', 'cold']),
  z.strictObject({ minC: z.number().min(-60).max(60), maxC: z.number().min(-60).max(60), minHour: z.number().min(0).max(23).default(5), maxHour: z.number().min(1).max(23.99).default(15) }),
]);

/** Where the simulated place is: for sun position and local routines. */
export interface Site {
  readonly latitude: number;
  readonly longitude: number;
  /** The site's clock (core/siteZone.ts): a fixed offset from UTC, or an IANA zone with its daylight-saving changes. */
  readonly zone: SiteZone;
  /** Public holidays, local dates `YYYY-MM-DD`: Sunday load shapes, offices closed, no commute, not business days for DR baselines. */
  readonly holidays?: readonly string[] | undefined;
}

export const weatherSchema = z.strictObject({
  /** Daily temperature shape: a preset or { minC, maxC, minHour, maxHour } (local hours). */
  temperature: dayTemperature.default('mild'),
  /** Each day differs from the shape by an offset drawn from N(0, sd) °C. */
  dayOffsetSdC: z.number().min(0).max(10).default(0),
  /** Interval-to-interval AR(1) noise, stationary sd in °C; it persists 0.9 per 15 minutes whatever the interval (0.6561 an hour later). */
  noiseSdC: z.number().min(0).max(5).default(0.3),
  /** clear: clear-sky irradiance all day; variable: a seeded clear/partly cloudy/overcast day (temperate summer climate; its clouds persist 0.7 per 15 minutes). */
  sky: z.enum(['clear', 'variable', 'overcast']).default('variable'),
});
export type WeatherConfig = z.infer<typeof weatherSchema>;
export const DEFAULT_WEATHER: WeatherConfig = weatherSchema.parse({});

export interface Conditions {
  readonly outdoorC: number;
  /** Global horizontal irradiance with clouds, W/m². */
  readonly ghiWm2: number;
  readonly clearSkyGhiWm2: number;
  /** Local hour of day at the interval's midpoint. */
  readonly localHour: number;
}

export class Environment {
  private readonly day: DayTemperature;
  private readonly tempRng: Rng;
  private readonly skyRng: Rng;
  private readonly cache = new Map<number, Conditions>();
  private lastDay = NaN;
  private dayOffset = 0;
  private noise = 0;
  private sky: SkyDay | undefined;
  private skyIndex = 1;

  /** The site's holidays as local day numbers (`dayTypeOf`'s third argument). */
  readonly holidays: Holidays;

  constructor(
    readonly site: Site,
    private readonly weather: WeatherConfig,
    random: RandomService,
  ) {
    this.holidays = holidaysOf(site.holidays);
    const t = weather.temperature;
    this.day =
      typeof t === 'string' ? { mild: MILD_DAY, heatwave: HEATWAVE_DAY, cold: COLD_DAY }[t] : { minC: celsius(t.minC), maxC: celsius(t.maxC), minHour: t.minHour, maxHour: t.maxHour };
    this.tempRng = random.stream('site', 'temperature');
    this.skyRng = random.stream('site', 'sky');
  }

  /**
   * Conditions at the midpoint of the interval starting at `start` lasting `durationH`.
   * Intervals must be asked for in time order the first time (the noise is a process);
   * repeated questions about the same interval return the cached answer.
   */
  at(start: SimTime, durationH: number): Conditions {
    const hit = this.cache.get(start);
    if (hit) return hit;
    const mid = simTime(start + (durationH * MS_PER_HOUR) / 2);
    const dayStart = localMidnight(mid, this.site.zone);
    if (dayStart !== this.lastDay) {
      this.lastDay = dayStart;
      this.dayOffset = this.weather.dayOffsetSdC > 0 ? drawDayOffsetC(this.tempRng, this.weather.dayOffsetSdC) : 0;
      this.sky = this.weather.sky === 'variable' ? drawSkyDay(this.skyRng) : undefined;
      this.skyIndex = this.sky?.meanIndex ?? (this.weather.sky === 'overcast' ? 0.3 : 1);
    }
    if (this.weather.noiseSdC > 0) this.noise = nextTemperatureNoiseC(this.tempRng, this.noise, persistenceFor(0.9, durationH), this.weather.noiseSdC);
    if (this.sky) this.skyIndex = nextClearSkyIndex(this.skyRng, this.sky, this.skyIndex, durationH);
    const localHour = localHourOfDay(mid, this.site.zone);
    const clear = clearSkyGhiWm2(mid, this.site.latitude, this.site.longitude);
    const c: Conditions = Object.freeze({
      outdoorC: outdoorTempC(this.day, localHour) + this.dayOffset + this.noise,
      ghiWm2: clear * this.skyIndex,
      clearSkyGhiWm2: clear,
      localHour,
    });
    this.cache.set(start, c);
    // Keep the cache to about a day: agents only ask about the current interval.
    if (this.cache.size > 200) this.cache.delete(this.cache.keys().next().value!);
    return c;
  }
}
