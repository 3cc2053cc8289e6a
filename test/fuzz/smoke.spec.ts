/**
 * A few seeds of the fuzzer (test/fuzz/run.ts, `npm run fuzz`), so that the generator and its checks
 * keep working with the engine they test: each scenario either is refused by validation with located
 * issues, or runs with every invariant of test/fuzz/check.ts kept (the first also run twice, byte for byte) and its
 * warm-up oracle (test/fuzz/warmUp.ts) holding; three of mix mode (test/fuzz/mixDraw.ts); and two seeds of batch mode (test/fuzz/batchOracle.ts).
 */
import { expect } from 'chai';
import { fuzzOne } from './run.ts';
import { fuzzBatchOne } from './batchOracle.ts';

describe('fuzz smoke (npm run fuzz, a few seeds)', () => {
  it('seeds 1–6: every scenario is refused with located issues or runs with its invariants kept, and at least one runs', async function () {
    this.timeout(60_000);
    let ran = 0;
    let warmUps = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const o = await fuzzOne(seed, seed === 1);
      expect(o.problems, `seed ${seed}:\n${o.yaml}`).to.deep.equal([]);
      expect(o.status, `seed ${seed}`).to.not.equal('failed');
      if (o.status === 'ok') ran++;
      // The warm-up oracle (test/fuzz/warmUp.ts) compared the run with warm-up days and the longer run.
      if (o.exercised?.some((e) => /^warm-up:(same|moved|monthly)/.test(e))) warmUps++;
    }
    expect(ran).to.be.greaterThan(0);
    expect(warmUps).to.be.greaterThan(0);
  });

  it("feeder mode (--feeder, test/fuzz/feederDraw.ts), seeds 10003–10005: each runs with marginal losses, and the oracle's own AC power flow (test/fuzz/feederChecks.ts) checks its voltages, its losses for the schedule and for what flowed, and its marginal-loss DLMPs", async function () {
    this.timeout(60_000);
    for (let seed = 10003; seed <= 10005; seed++) {
      const o = await fuzzOne(seed, false, false, { feeder: true });
      expect(o.problems, `seed ${seed}:\n${o.yaml}`).to.deep.equal([]);
      expect(o.status, `seed ${seed}`).to.equal('ok');
      expect(o.features.feeder?.feederLosses, `seed ${seed}`).to.equal('marginal');
      for (const check of ['oracle:schedule-voltages', 'oracle:schedule-losses', 'oracle:metered-losses', 'oracle:marginal-dlmp']) expect(o.exercised, `seed ${seed}`).to.include(check);
    }
  });

  it("tariff mode (--tariffs, test/fuzz/tariffDraw.ts), seeds 21085, 21092, 21104: each runs across a daylight-saving change, and the bill oracles (test/fuzz/billChecks.ts) check its fixed charges, export credits, net metering, real-time and critical-peak energy charges", async function () {
    this.timeout(60_000);
    const exercised = new Set<string>();
    for (const seed of [21085, 21092, 21104]) {
      const o = await fuzzOne(seed, false, false, { tariffs: true });
      expect(o.problems, `seed ${seed}:\n${o.yaml}`).to.deep.equal([]);
      expect(o.status, `seed ${seed}`).to.equal('ok');
      expect(o.features.nearChange, `seed ${seed}`).to.equal(true);
      for (const e of o.exercised ?? []) exercised.add(e);
    }
    for (const check of ['oracle:fixed-charge', 'oracle:export-credit', 'oracle:net-metering', 'oracle:rtp-energy', 'oracle:cpp-event-energy']) expect([...exercised]).to.include(check);
  });

  it("mix mode (--mix, test/fuzz/mixDraw.ts), seeds 50052 and 50106 and --mix --feeder 12602: coarse market grids (quantum 0.5 and 0.1 kW, ticks 1, 5 and 0.1), a second aggregator under pay-as-bid, batteries behind a retailer's meter, a day-ahead stage written out; each runs with every invariant kept, its SoC and voltage oracles at the quantum's resolution", async function () {
    this.timeout(120_000);
    for (const [seed, feeder] of [[50052, false], [50106, false], [12602, true]] as const) {
      const o = await fuzzOne(seed, false, false, { mix: true, feeder });
      expect(o.problems, `seed ${seed}:\n${o.yaml}`).to.deep.equal([]);
      expect(o.status, `seed ${seed}`).to.equal('ok');
      expect(o.features.mix?.quantumKw, `seed ${seed}`).to.be.oneOf([0.5, 0.1]);
    }
  });

  it("batch mode (--batch, test/fuzz/batchOracle.ts), seeds 26 and 36: each 2-run sweep's run folders are the runs alone byte for byte, summary.csv their summary.json, 1 and 2 workers and 2 shards merged the same folder, gridbid query summary.csv's figures", async function () {
    this.timeout(120_000);
    const drawn = new Set<string>();
    for (const seed of [26, 36]) {
      const o = await fuzzBatchOne(seed);
      expect(o.problems, `seed ${seed}:\n${o.sweepYaml}`).to.deep.equal([]);
      expect(o.status, `seed ${seed}`).to.equal('ok');
      expect(o.runs, `seed ${seed}`).to.equal(2);
      for (const f of o.features) drawn.add(f);
    }
    // Seed 26 shards its sweep in two and merges them; seed 36 runs its scenario alone with --seed.
    expect([...drawn]).to.include.members(['shards:2', 'alone:--seed', 'workers:1', 'workers:2']);
  });
});
