/**
 * What a feeder's losses cost (output/feederOutputs.ts, `kpis.feeder.lossesCost`): the AC losses
 * each interval at the substation's price, priced as settlement prices energy (the interval's kWh
 * to the Wh, half-even; the price to its 1e-4/MWh tick; the product exact). Before, a run reported
 * the losses in kWh and nothing said what they cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CsvFile } from '../../output/csvFile.ts';
import { FeederRecorder } from '../../output/feederOutputs.ts';
import type { FeederOutcome } from '../../market/types.ts';
import { parseSimTime, simTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';

/** One interval's outcome on a 3-bus feeder whose substation is the middle bus. */
function outcome(lossesKw: number): FeederOutcome {
  const three = (x: number) => Float64Array.of(x, x, x);
  return {
    busIds: ['a', 'sub', 'b'].map(busId),
    rootIndex: 1,
    vmLinDistFlowPu: three(1),
    vmAcPu: three(0.99),
    acConverged: true,
    acVoltageViolations: 0,
    acBranchViolations: 0,
    lossesKw,
    lossesKvar: lossesKw / 2,
    netKw: three(0),
    netKvar: three(0),
    energyMwh: three(NaN),
    congestionMwh: three(NaN),
    voltageMwh: three(NaN),
    reactivePriceMvarh: three(NaN),
    inverterKvar: three(0),
  };
}

describe("a feeder's losses at the substation's price (kpis.feeder.lossesCost)", () => {
  it('by hand: 10 kW for 15 min at 40.5/MWh, then 3.3333 kW (0.833325 → 0.833 kWh) at 100/MWh: 0.10125 + 0.0833 = 0.18455', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-losses-'));
    try {
      const r = new FeederRecorder((table, header) => new CsvFile(join(dir, `${table}.csv`), header));
      const t0 = parseSimTime('2026-07-01T00:00:00Z')!;
      // The other buses' prices are not the substation's: they must not be used.
      r.add(t0, outcome(10), [999, 40.5, 888], 0.25, 2);
      r.add(simTime(t0 + 900_000), outcome(3.3333), [1, 100, 1], 0.25, 2);
      // An interval without a price at the substation (nothing cleared) costs nothing, its losses still count in kWh.
      r.add(simTime(t0 + 1_800_000), outcome(4), [NaN, NaN, NaN], 0.25, 2);
      r.close();
      const k = r.kpis();
      // 2.5 + 0.833325 + 1, to the Wh.
      expect(k.lossesKwh).to.equal(4.333);
      expect(k.lossesCost).to.equal('0.18455');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
