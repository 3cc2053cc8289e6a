/**
 * The `network:` section of a scenario file and of a native `gridbid clear` case.
 * Strict objects (an unknown key is an error, so a typo is never ignored); units
 * in the key names. The schema checks each value's type and range; the rules that
 * span elements (ids, bus references, one reference bus, islands) are checked by
 * `createNetwork`, which `networkFromConfig` calls.
 *
 * ```yaml
 * network:
 *   baseKva: 1000
 *   buses:
 *     - { id: grid, reference: true }
 *     - { id: feeder }
 *     - { id: street-1 }
 *   branches:
 *     - { id: head, kind: feeder-head, from: grid, to: feeder, reactancePu: 0.05, limitKw: 400 }
 *     - { id: l1, from: feeder, to: street-1, reactancePu: 0.12, resistancePu: 0.08, limitKw: 150 }
 * ```
 */
import { MAX_POWER_KW, positivePowerKw, powerKw } from '../core/bounds.ts';
import * as z from 'zod';

/**
 * Bounds of network numbers (issue 14: every number one the engine can compute with):
 * voltages up to 2 p.u. and 10,000 kV; per-unit impedances up to 1e6 and reactances, when not
 * zero (refused by `createNetwork` with its reason), at least 1e-9, so that susceptances 1/x
 * and the B matrix stay finite; tap ratios within [0.01, 100]; angles within ±360°; a base of
 * 1 VA to `MAX_POWER_KW`.
 */
const voltagePu = () => z.number().positive().max(2);
const MIN_REACTANCE_PU = 1e-9;
const MAX_IMPEDANCE_PU = 1e6;
import type { Network } from './types.ts';
import { createNetwork, type NetworkOptions } from './validate.ts';

export const busSchema = z.strictObject({
  id: z.string().min(1),
  /** Exactly one bus is the reference (angle 0). */
  reference: z.boolean().optional(),
  baseKv: z.number().positive().max(1e4).optional(),
  vMinPu: voltagePu().optional(),
  vMaxPu: voltagePu().optional(),
});

export const branchSchema = z.strictObject({
  id: z.string().min(1),
  kind: z.enum(['line', 'transformer', 'feeder-head']).default('line'),
  from: z.string().min(1),
  to: z.string().min(1),
  /** Per unit on the network's baseKva; > 0 (a zero is refused by `createNetwork` with the reason). */
  reactancePu: z
    .number()
    .min(0)
    .max(MAX_IMPEDANCE_PU)
    // A negative reactance has min(0)'s message alone; 0 passes here to be refused with its reason when the network is built.
    .refine((x) => x <= 0 || x >= MIN_REACTANCE_PU, { error: `expected a number ≥ ${MIN_REACTANCE_PU} (1/x must stay finite)` }),
  resistancePu: z.number().min(0).max(MAX_IMPEDANCE_PU).default(0),
  /** Both directions; omit for no limit. */
  limitKw: powerKw().optional(),
  inService: z.boolean().default(true),
  tapRatio: z.number().min(0.01).max(100).default(1),
  phaseShiftDeg: z.number().min(-360).max(360).default(0),
  angleMinDeg: z.number().min(-360).max(360).optional(),
  angleMaxDeg: z.number().min(-360).max(360).optional(),
});

/** Options of the LinDistFlow model (`model: lindistflow`); see network/radial.ts and market/clearFeeder.ts. */
export const feederSchema = z.strictObject({
  /** Voltage held at the substation (reference) bus, p.u. */
  substationVoltagePu: voltagePu().default(1),
  /** Band for buses without vMinPu / vMaxPu of their own, p.u. (default ANSI C84.1 range A). */
  voltageLimitsPu: z.strictObject({ min: voltagePu(), max: voltagePu() }).default({ min: 0.95, max: 1.05 }),
  /** Branch limits on |P| (active), or on |S| by an inscribed polygon of `polygonSides` sides (apparent). */
  lineLimit: z.enum(['active', 'apparent']).default('active'),
  polygonSides: z.int().min(4).max(64).multipleOf(2).default(12),
  /**
   * How the feeder's losses are priced. `settled` (the default): the clearing is lossless and the
   * distribution operator buys the AC losses at the substation's price (the `losses` stage).
   * `marginal`: the DLMPs also carry marginal losses, λ · ∂Loss/∂p (market/lp/marginalLossDispatch.ts),
   * the market collecting the loss surplus in its rent; the `losses` stage still settles the AC losses.
   * Optional, not defaulted, so a scenario without it parses to the object it always did.
   */
  losses: z.enum(['settled', 'marginal']).optional(),
  /** Power factor of consumption per agent kind (e.g. { home: 0.95 }), lagging; kinds not named draw no reactive power. */
  powerFactor: z.record(z.string(), z.number().gt(0).max(1)).default({}),
  /**
   * Reactive power of inverters (market/inverters.ts): `none` (unity power factor), `clearing` (Q a
   * decision of the LP within √(S² − P²), priced per bus) or `volt-var` (each inverter follows the
   * curve at its bus's AC voltage of the previous interval). `inverterKva`: rating per agent kind.
   */
  reactive: z
    .strictObject({
      mode: z.enum(['none', 'clearing', 'volt-var']).default('none'),
      inverterKva: z.partialRecord(z.enum(['home', 'storage', 'ev']), positivePowerKw()).default({}),
      /** Volt-var points, vPu strictly increasing; default IEEE 1547-2018 category B. */
      voltVar: z
        .array(z.strictObject({ vPu: voltagePu(), qPerKva: z.number().min(-1).max(1) }))
        .min(2)
        .refine((pts) => pts.every((p, i) => i === 0 || p.vPu > pts[i - 1]!.vPu), 'volt-var points must have strictly increasing vPu')
        .default([
          { vPu: 0.92, qPerKva: 0.44 },
          { vPu: 0.98, qPerKva: 0 },
          { vPu: 1.02, qPerKva: 0 },
          { vPu: 1.08, qPerKva: -0.44 },
        ]),
    })
    .prefault({}),
});

export const networkSchema = z.strictObject({
  name: z.string().optional(),
  /** dc: lossless DC power flow, meshed networks (default). lindistflow: a radial feeder with voltages, reactive power and DLMPs. */
  model: z.enum(['dc', 'lindistflow']).default('dc'),
  /** LinDistFlow options (model lindistflow only). */
  feeder: feederSchema.optional(),
  baseKva: z.number().min(1e-3).max(MAX_POWER_KW).default(1000),
  buses: z.array(busSchema).min(1),
  branches: z.array(branchSchema).default([]),
});

export type NetworkConfig = z.infer<typeof networkSchema>;
export type FeederConfig = z.infer<typeof feederSchema>;

/** The feeder options of a `network:` section, defaults filled in. */
export function feederConfigOf(config: NetworkConfig): FeederConfig {
  return config.feeder ?? feederSchema.parse({});
}

/**
 * A validated `Network` from a parsed `network:` section; throws `NetworkError`
 * (a `UserError` whose issues carry the path inside the section) on cross-element problems.
 */
export function networkFromConfig(config: Pick<NetworkConfig, 'name' | 'baseKva' | 'buses' | 'branches'>, opts: NetworkOptions = {}): Network {
  return createNetwork(
    {
      ...(config.name !== undefined ? { name: config.name } : {}),
      baseKva: config.baseKva,
      buses: config.buses,
      branches: config.branches.map((b) => ({
        ...b,
        limitKw: b.limitKw ?? Infinity,
        angleMinDeg: b.angleMinDeg ?? -Infinity,
        angleMaxDeg: b.angleMaxDeg ?? Infinity,
      })),
    },
    opts,
  );
}
