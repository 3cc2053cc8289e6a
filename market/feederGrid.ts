/**
 * The `FeederGrid` of a scenario's `network:` section under `model: lindistflow`:
 * voltage band and set point, the line-limit form, and reactive power of consumption
 * by agent kind (tan φ = tan(acos(power factor)), to 6 decimals).
 */
import { feederConfigOf, type NetworkConfig } from '../network/schema.ts';
import type { FeederGrid } from './clearFeeder.ts';
import { VoltageMemory } from './inverters.ts';

/** `kindOf` maps agent ids to kinds; it may be filled after this is built (the agents come later). */
export function feederGrid(config: NetworkConfig, kindOf: ReadonlyMap<string, string>): FeederGrid {
  const f = feederConfigOf(config);
  // tan φ on the micro-kvar per kW, once, here: the LP draws it and settlement charges it (market/reactiveSettlement.ts),
  // so a party's kvar is a finite decimal (kW on the watt × 6 decimals) and its money fits the files' 18 decimals.
  const tan = new Map(Object.entries(f.powerFactor).map(([kind, pf]) => [kind, tanPhi(pf)]));
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

/** tan(acos(pf)), kvar per kW, rounded to 6 decimals (0.95 → 0.328684, 0.99 → 0.142492). */
export function tanPhi(powerFactor: number): number {
  return Math.round(Math.tan(Math.acos(powerFactor)) * 1e6) / 1e6;
}
