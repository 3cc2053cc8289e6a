/** `kind: ev`: the scenario keys of a group (units in the names, defaults in the schema). Behaviour: runtime.ts. */
import { costMwh, powerKw, positivePowerKw } from '../../core/bounds.ts';
import * as z from 'zod';
import { groupBaseShape } from '../group.ts';

const fraction = z.number().min(0).max(1);
const efficiency = z.number().gt(0).max(1);

export const evBatterySchema = z
  .strictObject({
    /** Usable capacity, kWh (default 60: a mid-size BEV of 2023–24; our assumption). */
    capacityKwh: z.number().positive().max(1000).default(60),
    /** On-board charger limit, kW (default 11: three-phase AC). The effective limit is min(charger, this). */
    maxChargeKw: positivePowerKw().default(11),
    /** V2G inverter limit, kW, for V2G-capable cars (default 11). The effective limit is min(charger, this). */
    maxDischargeKw: powerKw().default(11),
    /** η_c, η_d of the AC charge and discharge paths (default 0.9 each; our assumption). */
    chargeEfficiency: efficiency.default(0.9),
    dischargeEfficiency: efficiency.default(0.9),
    /** Reserve V2G never discharges below, fraction of capacity (default 0.2). */
    minSocFraction: fraction.default(0.2),
    /** Charge limit = the departure target, fraction of capacity (default 0.9). */
    maxSocFraction: z.number().gt(0).max(1).default(0.9),
    /**
     * Wear per MWh of cell throughput, currency/MWh (default 35: ~139 /kWh pack cost,
     * BloombergNEF 2023, over 2 × 2000 equivalent full cycles; our estimate).
     */
    degradationCostPerMwh: costMwh().default(35),
  })
  .refine((b) => b.minSocFraction < b.maxSocFraction, { message: 'minSocFraction must be below maxSocFraction', path: ['minSocFraction'] });

export const evGroupSchema = z.strictObject({
  kind: z.literal('ev'),
  ...groupBaseShape,
  /** Where the cars charge: home (evening to morning) or workplace (office hours). */
  sessions: z.enum(['home', 'workplace']).default('home'),
  /** Charger power, kW: fixed, or drawn per car from options weighted by share (default: the sessions' mix). */
  chargerKw: z
    .union([
      positivePowerKw(),
      z
        .array(z.strictObject({ kw: positivePowerKw(), share: z.number().min(0).max(1e6) }))
        .min(1)
        // Every share 0 would give every car a 0 kW charger: cars that never charge, silently.
        .refine((options) => options.some((o) => o.share > 0), { message: 'at least one option needs a share above 0 (the shares weight the draw)' }),
    ])
    .optional(),
  /** Share of the cars that can discharge to the grid (V2G), 0–1 (default 0). */
  v2gShare: fraction.default(0),
  battery: evBatterySchema.prefault({}),
});
export type EvGroup = z.infer<typeof evGroupSchema>;
