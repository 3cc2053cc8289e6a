/** Parameters of the `mpc` strategy (`strategy: { id: mpc, params: { … } }`). */
import * as z from 'zod';

export const mpcParams = z.strictObject({
  /** Look-ahead window, hours (at most the forecast's `horizonHours`). */
  horizonHours: z.number().positive().max(24 * 7).default(24),
  /** δ: planned quantities are bid this far inside the forecast price, so they clear in full at it (currency/MWh). */
  marginMwh: z.number().min(0).max(1000).default(0.1),
  /** Storage: energy left at the window's end is worth η_d × this quantile of the window's prices, less wear. */
  terminalQuantile: z.number().min(0).max(1).default(0.5),
  /** Aggregator: how long its members' flexible demand may wait, hours. */
  shiftHours: z.number().positive().max(48).default(2),
  /** Aggregator: shifted demand a later interval can take, as a share of the flexible demand now. */
  shiftCapacity: z.number().min(0).max(10).default(1),
});
export type MpcParams = z.infer<typeof mpcParams>;
