/**
 * The report's "demand-response delivery against command latency" table is made from counts
 * and sums per latency bin, filled as each interval's command deliveries arrive: the recorder
 * keeps one bin per row of the table, not one object per command.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CommsRecorder, DeliveryBins } from '../../output/commsRecorder.ts';
import { CsvFile } from '../../output/csvFile.ts';
import type { CommandDelivery } from '../../engine/interval/outcome.ts';

const delivery = (latencyMs: number | undefined, committedKw: number, inForce: number): CommandDelivery => ({
  party: 1,
  target: 'home-1',
  issuer: 'dso',
  latencyMs,
  inForce,
  committedKw,
  effectiveKw: committedKw * inForce,
  duringOutage: false,
});

describe('CommsRecorder: DR deliveries binned as they arrive', () => {
  it('counts and sums per latency bin by hand: 0.5 s and 1 s in ≤ 1 s, 20 s in 5–30 s, two never in force', () => {
    const bins = new DeliveryBins();
    bins.add(delivery(500, -2, 1));
    bins.add(delivery(1000, -1.5, 1));
    bins.add(delivery(20_000, -4, 0.5));
    bins.add(delivery(undefined, -3, 0));
    bins.add(delivery(undefined, -1, 0));
    expect(bins.bins.map((b) => [b.n, b.committedKw, b.effectiveKw])).to.deep.equal([
      [2, 3.5, 3.5], // ≤ 1 s
      [0, 0, 0], // 1–5 s
      [1, 4, 2], // 5–30 s: in force half the interval
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0], // 600 s–∞
      [2, 4, 0], // never in force
    ]);
  });

  it('keeps one bin per table row however many commands: 10,000 deliveries over 10 intervals, 8 bins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-bins-'));
    try {
      const recorder = new CommsRecorder((table, header) => new CsvFile(join(dir, `${table}.csv`), header));
      for (let t = 0; t < 10; t++) recorder.interval({ rows: [], commands: Array.from({ length: 1000 }, (_, k) => delivery(k % 2 === 0 ? 2000 : undefined, -1, 1)) });
      recorder.close();
      expect(recorder.deliveryBins.bins).to.have.length(8);
      expect(recorder.deliveryBins.bins[1]).to.deep.equal({ n: 5000, committedKw: 5000, effectiveKw: 5000 });
      expect(recorder.deliveryBins.bins[7]).to.deep.equal({ n: 5000, committedKw: 5000, effectiveKw: 0 });
      // Nothing per delivery is held by the recorder: its own fields are the table file, the bins and the run's end.
      expect(Object.values(recorder).some((v) => Array.isArray(v) && v.length >= 1000)).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
