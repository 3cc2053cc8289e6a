/**
 * A run's error text in summary.csv (and its error.txt) is the same whichever folder the run was
 * written in: a one-machine batch's, a shard's (`--shard k/n`, merged later by `gridbid batch merge`,
 * whose promise is summary.csv byte for byte the one machine's), or a queue worker's staging folder
 * (`<out>/.gridbid-staging/<run>.<uuid>`, renamed into place once complete). Before audit A-dafail the
 * books-open text named the folder the run was written in (`…/S2/<run>/summary.json`, or the staging
 * folder with its random suffix), so that run's row alone differed.
 *
 * Unit level: no run of this engine opens its books (they close by construction; the tests that open
 * them inject a tampered phase into `runAndReport`, test/engine/books.spec.ts), so the function the
 * batch worker builds the failure with (`booksOpenInBatch`, batch/worker.ts) is tested directly, through
 * `errorText` as summary.csv takes it.
 */
import { expect } from 'chai';
import type { BooksSummary } from '../../core/errors.ts';
import { booksOpenInBatch, errorText, RunTimeoutError, withFileLabels, workerDeathText } from '../../batch/runFiles.ts';

const books: BooksSummary = {
  closed: false,
  intervals: 6,
  openIntervals: 1,
  violationCount: 2,
  violations: [
    { interval: '2026-07-01T20:00:00Z', identity: 'positions', detail: 'at main the parties hold 0.001 kW more than was cleared' },
    { interval: '2026-07-01T20:00:00Z', identity: 'money:realTime', detail: 'buyers paid 0.00005 more than sellers received plus rent' },
  ],
};

const run = 'tiny__seed-1';
const folders = {
  oneMachine: `/home/ana/results/sweep/${run}`,
  shard: `/scratch/job-77/results/sweep/shard-2/${run}`,
  staging: `/shared/sweep/.gridbid-staging/${run}.3f2c9e1a-5b7d-4c1e-9a0b-1d2e3f4a5b6c`,
};

describe('batch: a run\'s error text does not depend on the folder it was written in', () => {
  it('books open: the same text in a one-machine batch, a shard folder and a queue worker\'s staging folder, naming the run folder from the batch folder (<run>/summary.json)', () => {
    // The task as the worker has it, its folder included (the old text was built from it).
    const tasks = Object.values(folders).map((outDir) => ({ id: run, outDir }));
    const texts = tasks.map((task) => errorText(booksOpenInBatch(task, books)));
    expect(new Set(texts).size).to.equal(1);
    expect(texts[0]).to.equal(
      `the books did not close in 1 of 6 intervals (2 violations; all listed in ${run}/summary.json):; ` +
        '2026-07-01T20:00:00Z positions: at main the parties hold 0.001 kW more than was cleared; ' +
        '2026-07-01T20:00:00Z money:realTime: buyers paid 0.00005 more than sellers received plus rent',
    );
    for (const outDir of Object.values(folders)) expect(texts[0]).not.to.contain(outDir.slice(0, outDir.lastIndexOf('/')));
  });

  it('files named as the batch was given them become their paths from the sweep\'s folder where the text locates something in them (file: or file:line:column), and nowhere else', () => {
    const files: Array<[string, string]> = [
      ['/home/ana/study/sweeps/rules.yaml', 'rules.yaml'],
      ['/home/ana/study/scenarios/town.yaml', '../scenarios/town.yaml'],
    ];
    expect(withFileLabels("/home/ana/study/sweeps/rules.yaml:10:27 agents[home].count: expected a number > 0, got -3 (variant 'v')", files)).to.equal("rules.yaml:10:27 agents[home].count: expected a number > 0, got -3 (variant 'v')");
    expect(withFileLabels('/home/ana/study/scenarios/town.yaml:4:3 market.priceFloorMwh: must be below priceCapMwh (-600); /home/ana/study/scenarios/town.yaml:9:5 x: y', files)).to.equal(
      '../scenarios/town.yaml:4:3 market.priceFloorMwh: must be below priceCapMwh (-600); ../scenarios/town.yaml:9:5 x: y',
    );
    expect(withFileLabels("/home/ana/study/scenarios/town.yaml: strategy module './s.ts' failed to load", files)).to.equal("../scenarios/town.yaml: strategy module './s.ts' failed to load");
    // Not inside a longer path, nor where no location follows.
    expect(withFileLabels('/srv/home/ana/study/sweeps/rules.yaml:1:1 a: b; see /home/ana/study/sweeps/rules.yaml', files)).to.equal('/srv/home/ana/study/sweeps/rules.yaml:1:1 a: b; see /home/ana/study/sweeps/rules.yaml');
    // A relative path as typed (the batch started in /home/ana/study): the same labels.
    expect(withFileLabels('sweeps/rules.yaml:2:1 b: c', [['sweeps/rules.yaml', 'rules.yaml']])).to.equal('rules.yaml:2:1 b: c');
  });

  it('a run timeout and a worker thread that exited name no folder', () => {
    expect(workerDeathText(new RunTimeoutError(90))).to.equal('it ran longer than its time limit of 90 s (--run-timeout): its worker thread was ended in the middle of it');
    expect(workerDeathText(new Error('worker exited with code: 3'))).to.equal('the worker running it crashed: its thread exited with code 3 in the middle of the run (process.exit in a worker thread ends that thread)');
  });
});
