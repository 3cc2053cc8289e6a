/**
 * `kind: building` — a commercial building on the DOE reference small office
 * (`physics/loadProfile.ts`, `physics/thermal.ts`), scaled to the group's floor area:
 * occupancy, lighting and plug schedules; an RC envelope with HVAC; a comfort band
 * while occupied and a wider setback band otherwise; and, under a curtailment
 * contract, a curtailable share (setpoint relaxation within the band, lighting
 * dimming, up to the contracted kW) bid as price-responsive while the rest is bid at
 * the cap.
 *
 * Scaling with floor area A (reference 511 m²): capacitance, rating and solar aperture
 * ∝ A, envelope resistance ∝ 1/A (conductance ∝ A), so the time constant R·C stays
 * the reference's 29 h; lighting, plugs and people ∝ A through the load densities.
 * Draw stream per building: 'hvac' (log-normal factors for R, C, the rating, then the
 * setpoint: always all four, in that order).
 */
import * as z from 'zod';
import { positivePowerKw, powerKw, thermalCapacitance, thermalResistance } from '../../core/bounds.ts';
import { bandSchema, groupBaseShape, rangeSchema } from '../group.ts';
import { SMALL_OFFICE_LOADS } from '../physics/loadProfile.ts';
import { OFFICE_COMFORT_BAND, SMALL_OFFICE_HVAC } from '../physics/thermal.ts';

export const buildingGroupSchema = z.strictObject({
  kind: z.literal('building'),
  ...groupBaseShape,
  /** Conditioned floor area of each building, m² (the reference small office: 511). */
  floorAreaM2: z.number().positive().max(1_000_000).default(SMALL_OFFICE_LOADS.floorAreaM2),
  hvac: z
    .strictObject({
      mode: z.enum(['cool', 'heat']).default('cool'),
      /** °C/kW; default the reference office's 1.25 × 511 / area. */
      rCPerKw: thermalResistance().optional(),
      /** kWh/°C; default the reference office's 23.4 × area / 511. */
      cKwhPerC: thermalCapacitance().optional(),
      /** Electric kW; default the reference office's 10 × area / 511. */
      ratedElectricKw: positivePowerKw().optional(),
      copCooling: z.number().min(0).max(20).default(SMALL_OFFICE_HVAC.copCooling),
      copHeating: z.number().min(0).max(20).default(SMALL_OFFICE_HVAC.copHeating),
      /** Per-building variation of R, C and the rating: log-normal factors with this ln-sd. */
      paramSigma: z.number().min(0).max(1).default(0.1),
      /**
       * Effective solar aperture, m²; default 8 × area / 511 (our estimate for the reference
       * office: ~59 m² of glazing, SHGC 0.39, about a third of GHI reaching vertical windows).
       */
      solarApertureM2: z.number().min(0).max(1e5).optional(),
    })
    .prefault({}),
  comfort: z
    .strictObject({
      /** Comfort band while occupied (default 21–24 °C). */
      occupiedBand: bandSchema.default({ lowC: OFFICE_COMFORT_BAND.lowC, highC: OFFICE_COMFORT_BAND.highC }),
      /** Setback band while unoccupied (default 15–30 °C). */
      unoccupiedBand: bandSchema.default({ lowC: 15, highC: 30 }),
      /** Occupied setpoint, °C; default the middle of the occupied band. Per building N(setpoint, setpointSdC), kept in the band. */
      setpointC: z.number().min(-30).max(60).optional(),
      setpointSdC: z.number().min(0).max(5).default(0.3),
      /** Occupancy fraction at and above which the building counts as occupied (0.5: 08–17 h on workdays). */
      occupancyThreshold: z.number().gt(0).max(1).default(0.5),
      /** Hours before occupancy in which the occupied band is already in force (optimum start). */
      startupHours: z.number().min(0).max(12).default(2),
    })
    .prefault({}),
  loads: z
    .strictObject({
      lightingWPerM2: z.number().min(0).max(100).default(SMALL_OFFICE_LOADS.lightingWPerM2),
      plugWPerM2: z.number().min(0).max(200).default(SMALL_OFFICE_LOADS.plugWPerM2),
    })
    .prefault({}),
  /** The curtailment contract (absent: nothing is curtailable, everything is bid at the cap). */
  curtailable: z
    .strictObject({
      /** Contracted curtailable power per building, kW. */
      contractKw: powerKw(),
      /** Share of lighting that may be dimmed, 0–1. */
      maxDimming: z.number().min(0).max(1).default(0.3),
      /** How far the setpoint may be relaxed towards the band edge, °C. */
      relaxC: z.number().min(0).max(10).default(1.5),
      /** Values of the curtailable blocks, currency/MWh (lowest: HVAC relaxation first). */
      valueMwh: rangeSchema(-1e6, 1e6, 'valueMwh').default({ min: 150, max: 400 }),
      blocks: z.int().min(1).max(10).default(2),
    })
    .optional(),
  /** Indoor temperature at the start, °C; default each building's setpoint. */
  initialIndoorC: z.number().min(-30).max(60).optional(),
});
export type BuildingGroup = z.infer<typeof buildingGroupSchema>;
