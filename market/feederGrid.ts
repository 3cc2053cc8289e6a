/**
 * The `FeederGrid` of a scenario's `network:` section under `model: lindistflow`:
 * voltage band and set point, the line-limit form, and reactive power of consumption
 * by agent kind (tan φ = tan(acos(power factor))).
 */
import { feederConfigOf, type NetworkConfig } from '../network/schema.ts';
import type { FeederGrid } from './clearFeeder.ts';
import { VoltageMemory } from './inverters.ts';

/** `kindOf` maps agent ids to kinds; it may be filled after this is built (the agents come later). */
export function feederGrid(config: NetworkConfig, kindOf: ReadonlyMap<string, string>): FeederGrid {
  const f = feederConfigOf(config);
  const tan = new Map(Object.entries(f.powerFactor).map(([kind, pf]) => [kind, Math.tan(Math.acos(pf))]));
  const r = f.reactive;
  return {
    ...(r.mode !== 'none'
      ? {
          inverters: { mode: r.mode, kvaByKind: new Map(Object.entries(r.inverterKva).filter((e): e is [string, number] => e[1] !== undefined)), voltVar: r.voltVar },
          kindOf: (agentId: string) => kindOf.get(agentId) ?? '',
          voltages: new VoltageMemory(),
        }
      : {}),
    limits: { substationVoltagePu: f.substationVoltagePu, defaultVMinPu: f.voltageLimitsPu.min, defaultVMaxPu: f.voltageLimitsPu.max },
    lineLimit: f.lineLimit,
    polygonSides: f.polygonSides,
    ...(f.losses === 'marginal' ? { marginalLosses: true } : {}),
    kvarPerKw: (agentId) => tan.get(kindOf.get(agentId) ?? '') ?? 0,
  };
}
