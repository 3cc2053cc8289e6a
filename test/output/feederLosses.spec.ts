/**
 * What a feeder's losses cost (output/feederOutputs.ts, `kpis.feeder.lossesCost` and the `losses`
 * stage): the sum of the losses stage's money (engine/interval/losses.ts), exactly — each interval the
 * AC losses in whole quanta of the market's power quantum × the substation's price on its tick.
 * Before the stage, the cost was priced apart (each interval's kWh to the Wh) and settled by nobody.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MoneyUnit } from '../../core/money.ts';
import { CsvFile } from '../../output/csvFile.ts';
import { FeederRecorder } from '../../output/feederOutputs.ts';
import { settleLosses } from '../../engine/interval/losses.ts';
import type { FeederOutcome } from '../../market/types.ts';
import { parseSimTime, simTime } from '../../core/time.ts';
import { createNetwork } from '../../network/validate.ts';
import { bookOf } from '../helpers/lpNetworks.ts';
import { three, threeBusOutcome } from '../helpers/threeBusOutcome.ts';

/** One interval's outcome on a 3-bus feeder whose substation is the middle bus. */
function outcome(lossesKw: number, acConverged = true): FeederOutcome {
  return threeBusOutcome({ vmAcPu: three(0.99), acConverged, lossesKw, lossesKvar: lossesKw / 2, substationImportKw: lossesKw, substationImportKvar: lossesKw / 2 });
}

const network = createNetwork({
  buses: [{ id: 'a' }, { id: 'sub', reference: true }, { id: 'b' }],
  branches: [
    { id: 'l1', from: 'sub', to: 'a', reactancePu: 0.1 },
    { id: 'l2', from: 'sub', to: 'b', reactancePu: 0.1 },
  ],
});

describe("a feeder's losses at the substation's price (kpis.feeder.lossesCost = the losses stage's money)", () => {
  it('by hand: 10 kW for 15 min at 40.5/MWh, then 3.3333 kW (3333 quanta of 1 W) at 100/MWh: 0.10125 + 0.083325 = 0.184575; then 4 kW where nothing traded, at the cap: + 1 kWh × 3000/MWh = 3.184575', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-losses-'));
    try {
      const book = bookOf(network, [], undefined, 0.25);
      expect(book.rules.quantumKw).to.equal(0.001);
      const unit = MoneyUnit.forInterval(book.rules.quantumKw, 15, book.rules.priceTickMwh);
      const r = new FeederRecorder((table, header) => new CsvFile(join(dir, `${table}.csv`), header));
      const t0 = parseSimTime('2026-07-01T00:00:00Z')!;
      const add = (k: number, f: FeederOutcome, prices: number[]) => r.add(simTime(t0 + k * 900_000), f, prices, 0.25, 2, { stage: settleLosses(f, book, prices), unit, quantumKw: 0.001 });
      // The other buses' prices are not the substation's: they must not be used.
      add(0, outcome(10), [999, 40.5, 888]);
      add(1, outcome(3.3333), [1, 100, 1]);
      // An interval whose AC check did not converge is not settled — counted, never priced at zero silently.
      add(2, outcome(4, false), [1, 100, 1]);
      // One with losses and no market price at the substation (nothing traded; the book has no offer) settles at the cap, and is counted.
      add(3, outcome(4), [NaN, NaN, NaN]);
      r.close();
      const k = r.kpis();
      // 2.5 + 0.83325 + 1 kWh settled; 4.33325 to the Wh, half-even.
      expect(k.lossesKwh).to.equal(4.333);
      expect(k.lossesCost).to.equal('3.184575');
      expect(k.lossesUnsettledIntervals).to.equal(1);
      expect(r.lossesStage()).to.deep.equal({ buyer: 'dso-losses', seller: 'transmission', kwh: 4.333, buyersPay: '3.184575', sellersReceive: '3.184575', rent: '0', unsettledIntervals: 1, unformedPriceIntervals: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
