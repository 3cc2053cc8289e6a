/** `kind: storage`: the scenario keys of a group (units in the names, defaults in the schema). Behaviour: runtime.ts. */
import { costMwh, positiveEnergyKwh, powerKw } from '../../core/bounds.ts';
import * as z from 'zod';
import { groupBaseShape } from '../group.ts';
import { HOME_BATTERY } from '../physics/battery.ts';

const fraction = z.number().min(0).max(1);
const efficiency = z.number().gt(0).max(1);

/** Defaults: a home battery like the Tesla Powerwall 2 (`HOME_BATTERY` in physics/battery.ts). */
export const storageGroupSchema = z
  .strictObject({
    kind: z.literal('storage'),
    ...groupBaseShape,
    /** Usable capacity, kWh (default 13.5). */
    capacityKwh: positiveEnergyKwh().default(HOME_BATTERY.capacityKwh),
    /** Grid-side charge and discharge limits, kW (default 5 each). */
    maxChargeKw: powerKw().default(HOME_BATTERY.maxChargeKw),
    maxDischargeKw: powerKw().default(HOME_BATTERY.maxDischargeKw),
    /** η_c, η_d (default √0.9 each: 90 % round trip). */
    chargeEfficiency: efficiency.default(HOME_BATTERY.chargeEfficiency),
    dischargeEfficiency: efficiency.default(HOME_BATTERY.dischargeEfficiency),
    /** SoC bounds as fractions of capacity (default 0.1 and 1). */
    minSocFraction: fraction.default(0.1),
    maxSocFraction: z.number().gt(0).max(1).default(1),
    /** SoC at the start of the run, fraction of capacity, within [min, max] (default 0.5). */
    initialSocFraction: fraction.default(0.5),
    /** Wear per MWh of cell throughput, currency/MWh (default 20; see HOME_BATTERY). */
    degradationCostPerMwh: costMwh().default(HOME_BATTERY.degradationCostPerMwh),
  })
  .refine((g) => g.minSocFraction <= g.maxSocFraction, { message: 'minSocFraction must not exceed maxSocFraction', path: ['minSocFraction'] })
  .refine((g) => g.initialSocFraction >= g.minSocFraction && g.initialSocFraction <= g.maxSocFraction, {
    message: 'initialSocFraction must lie within [minSocFraction, maxSocFraction]',
    path: ['initialSocFraction'],
  });
export type StorageGroup = z.infer<typeof storageGroupSchema>;
