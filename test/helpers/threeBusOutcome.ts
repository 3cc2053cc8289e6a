/**
 * One interval's `FeederOutcome` on a 3-bus feeder whose substation is the middle bus ('a', 'sub', 'b'), for the
 * feeder recorder's tests (test/output/feederLosses.spec.ts, feederVoltageCollapse.spec.ts): flat voltages, no
 * losses, no prices, unless `over` says otherwise.
 */
import type { FeederOutcome } from '../../market/types.ts';
import { busId } from '../../core/units.ts';

export const three = (x: number): Float64Array => Float64Array.of(x, x, x);

export function threeBusOutcome(over: Partial<FeederOutcome> = {}): FeederOutcome {
  return {
    busIds: ['a', 'sub', 'b'].map(busId),
    rootIndex: 1,
    vmLinDistFlowPu: three(1),
    vmAcPu: three(1),
    acConverged: true,
    acVoltageViolations: 0,
    acBranchViolations: 0,
    lossesKw: 0,
    lossesKvar: 0,
    substationImportKw: 0,
    substationImportKvar: 0,
    netKw: three(0),
    netKvar: three(0),
    energyMwh: three(NaN),
    congestionMwh: three(NaN),
    voltageMwh: three(NaN),
    lossMwh: three(NaN),
    reactivePriceMvarh: three(NaN),
    inverterKvar: three(0),
    ...over,
  };
}
