/**
 * `kind: home` — a household: a base load that follows a standard residential
 * profile (scaled per home, with seeded noise), of which a share is price-responsive;
 * optionally HVAC (first-order RC model, comfort band), rooftop PV and shiftable
 * appliances. Every optional part is off unless its key is present, so a scenario
 * written for the base-load home behaves as before.
 *
 * Config keys (units in the names; defaults in the schema):
 * - `baseLoad`, `flexibility`: the base load and its price-responsive share (as before);
 * - `hvac`: a share of homes with an air conditioner or heat pump working in `mode`,
 *   with RC and unit parameters varied per home (log-normal, ln-sd `paramSigma`), a comfort
 *   `band`, a setpoint drawn per home around `setpointC`, internal and solar gains;
 * - `pv`: a share of homes with rooftop PV of `capacityKw` (uniform per home), offered
 *   in full as supply at `offerPriceMwh` (gross metering: the home buys all it uses
 *   and sells all it makes; a price below the offer curtails the PV);
 * - `appliances`: shiftable appliances, each owned by a share of homes, one run per
 *   local day between an earliest start and a deadline drawn per home and day.
 * Draw streams per home: 'base-load', 'home-scale', 'willingness-to-pay' (as before),
 * 'hvac', 'pv', 'appliances' (ownership), 'appliance-days' (daily windows).
 */
import { positiveEnergyKwh, positivePowerKw, priceMwh, priceRangeMwh, thermalCapacitance, thermalResistance } from '../../core/bounds.ts';
import * as z from 'zod';
import { bandSchema, groupBaseShape, rangeSchema } from '../group.ts';
import { HOME_COMFORT_BAND, HOME_HVAC, HOME_RC, residentialInternalGainsKw } from '../physics/thermal.ts';
import { DEFAULT_PERFORMANCE_RATIO } from '../physics/pv.ts';

export const homeHvacSchema = z.strictObject({
  /** Share of the group's homes that have the unit, 0–1. */
  share: z.number().min(0).max(1).default(1),
  /** 'cool' (air conditioner, summer) or 'heat' (heat pump, winter). */
  mode: z.enum(['cool', 'heat']).default('cool'),
  /** Comfort band, °C (default 20–24). */
  band: bandSchema.default({ lowC: HOME_COMFORT_BAND.lowC, highC: HOME_COMFORT_BAND.highC }),
  /** Thermostat setpoint, °C; default the middle of the band. Per home: N(setpoint, setpointSdC), kept inside the band. */
  setpointC: z.number().min(-30).max(60).optional(),
  setpointSdC: z.number().min(0).max(5).default(0.5),
  /** Envelope resistance °C/kW, capacitance kWh/°C, electric rating kW, COPs (defaults: HOME_RC, HOME_HVAC). */
  rCPerKw: thermalResistance().default(HOME_RC.rCPerKw),
  cKwhPerC: thermalCapacitance().default(HOME_RC.cKwhPerC),
  ratedElectricKw: positivePowerKw().default(HOME_HVAC.ratedElectricKw),
  copCooling: z.number().min(0).max(20).default(HOME_HVAC.copCooling),
  copHeating: z.number().min(0).max(20).default(HOME_HVAC.copHeating),
  /** Per-home variation of R, C and the rating: log-normal factors with this ln-sd. */
  paramSigma: z.number().min(0).max(1).default(0.1),
  /** Internal gains, thermal kW (default: ASHRAE residential formula, 150 m², 3 people = 0.532 kW). */
  internalGainsKw: z.number().min(0).max(50).default(residentialInternalGainsKw(150, 3)),
  /**
   * Effective solar aperture, m² (glazing × SHGC × shading): solar gain = aperture × GHI.
   * Default 4: ~15 m² of windows at SHGC·shading ≈ 0.25 (our example, not a published figure).
   */
  solarApertureM2: z.number().min(0).max(100).default(4),
  /** Indoor temperature at the start, °C; default each home's setpoint. */
  initialIndoorC: z.number().min(-30).max(60).optional(),
  /** Value of comfort, currency/MWh: `max` for the block next to the band edge, `min` for the block reaching the setpoint. */
  comfortValueMwh: rangeSchema(-1e6, 1e6, 'comfortValueMwh').default({ min: 40, max: 600 }),
  /** Number of blocks between the band edge and the setpoint. */
  blocks: z.int().min(1).max(10).default(3),
});

export const homePvSchema = z.strictObject({
  /** Share of the group's homes with PV, 0–1. */
  share: z.number().min(0).max(1).default(1),
  /** DC nameplate per home, kW: uniform in [min, max]. */
  capacityKw: rangeSchema(0, 1000, 'capacityKw').default({ min: 3, max: 6 }),
  performanceRatio: z.number().min(0).max(1).default(DEFAULT_PERFORMANCE_RATIO),
  /** The price it is offered at, currency/MWh: below it the PV is curtailed. */
  offerPriceMwh: priceMwh().default(0),
});

export const homeApplianceSchema = z.strictObject({
  /** A label for documentation (e.g. dishwasher). */
  name: z.string().min(1).default('appliance'),
  /** Share of the group's homes that own it, 0–1. */
  share: z.number().min(0).max(1).default(1),
  /** Energy of one run, kWh, and its constant power, kW (run length = energy / power). */
  energyKwh: z.number().positive().max(100),
  powerKw: z.number().positive().max(50),
  /** Local hour of the earliest start, uniform per home and day. */
  earliestStartHour: rangeSchema(0, 24, 'earliestStartHour').default({ min: 18, max: 22 }),
  /** Hours from the earliest start to the deadline, uniform per home and day (at least the run length). */
  windowHours: rangeSchema(0, 48, 'windowHours').default({ min: 6, max: 12 }),
  /** Value of running now: `max` when its slack is gone (at its latest start: the cap), `min` with all of it. */
  valueMwh: rangeSchema(-1e6, 1e6, 'valueMwh').default({ min: 20, max: 300 }),
});

export const homeGroupSchema = z.strictObject({
  kind: z.literal('home'),
  ...groupBaseShape,
  baseLoad: z
    .strictObject({
      /**
       * Annual consumption of the group's median home, kWh/a (e.g. 3500 for a European household).
       * Each home is scaled log-normally around it (`homeScaleSigma`), so the group's mean is
       * higher by e^(σ²/2): 6.3 % with the default σ 0.35 (agents/physics/loadProfile.ts).
       */
      annualKwh: positiveEnergyKwh().default(3500),
      /** Spread of consumption among homes: log-normal ln-sd of the per-home scale. */
      homeScaleSigma: z.number().min(0).max(2).default(0.35),
      /** Interval-to-interval noise: sd of the multiplicative N(1, sd) factor. */
      noiseSd: z.number().min(0).max(1).default(0.2),
    })
    .default({ annualKwh: 3500, homeScaleSigma: 0.35, noiseSd: 0.2 }),
  flexibility: z
    .strictObject({
      /** Share of the base load that responds to price, 0–1. */
      share: z.number().min(0).max(1).default(0.2),
      /** Willingness to pay for the flexible share, currency/MWh: blocks spread over [min, max]. */
      valueMwh: priceRangeMwh('valueMwh').default({ min: 50, max: 250 }),
      blocks: z.int().min(1).max(20).default(3),
    })
    .default({ share: 0.2, valueMwh: { min: 50, max: 250 }, blocks: 3 }),
  /** HVAC (off when absent). */
  hvac: homeHvacSchema.optional(),
  /** Rooftop PV (off when absent). */
  pv: homePvSchema.optional(),
  /** Shiftable appliances (none by default). */
  appliances: z.array(homeApplianceSchema).max(8).default([]),
});
export type HomeGroup = z.infer<typeof homeGroupSchema>;
export type HomeHvacConfig = z.infer<typeof homeHvacSchema>;
export type HomePvConfig = z.infer<typeof homePvSchema>;
export type HomeApplianceConfig = z.infer<typeof homeApplianceSchema>;
