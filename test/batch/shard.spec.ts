import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { runBatch } from '../../batch/runBatch.ts';
import { inShard, parseShard } from '../../batch/shard.ts';
import { gridbidInProcess, hasStackTrace } from '../helpers/cli.ts';
import { checkOutputTree, databaseContents, expectSameTree } from './outputTree.ts';

const FIX = 'test/fixtures/sweeps';

describe('batch --shard k/n', () => {
  it('parses k/n with 1 ≤ k ≤ n and rejects anything else with the reason', () => {
    expect(parseShard('1/1')).to.deep.equal({ k: 1, n: 1 });
    expect(parseShard('3/4')).to.deep.equal({ k: 3, n: 4 });
    expect(parseShard('0/2')).to.equal("the shard number k must be from 1 to 2 (got '0/2'; shards are numbered from 1)");
    expect(parseShard('3/2')).to.equal("the shard number k must be from 1 to 2 (got '3/2'; shards are numbered from 1)");
    expect(parseShard('a/b')).to.equal("expected k/n with whole numbers, such as 1/4 (got 'a/b')");
    expect(parseShard('1/0')).to.equal("the number of shards n must be at least 1 (got '1/0')");
    for (const bad of ['', '1', '1/2/3', '-1/2', '1.5/2', '1/ 2x']) expect(parseShard(bad)).to.be.a('string');
    expect(parseShard('1/999999999999999999999')).to.equal("k and n must be whole numbers below 2^53 (got '1/999999999999999999999')");
  });

  it('the n shards partition the runs: each run in exactly one shard, shard sizes differ by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 200 }), (n, runs) => {
        const sizes = Array.from({ length: n }, () => 0);
        for (let index = 0; index < runs; index++) {
          const owners = sizes.map((_, i) => i).filter((i) => inShard({ index }, { k: i + 1, n }));
          expect(owners).to.have.length(1);
          sizes[owners[0]!]!++;
        }
        expect(Math.max(...sizes) - Math.min(...sizes)).to.be.at.most(1);
      }),
    );
  });

  describe('run as shards, then merged', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'gridbid-shard-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('3 shards + merge give the folder one machine writes: summary.csv, batch-report.html and every run file byte for byte', async function () {
      this.timeout(90_000);
      const whole = await runBatch({ target: `${FIX}/grid.yaml`, outDir: join(dir, 'whole'), workers: 2 });
      expect(whole.ok).to.equal(8);
      const counts: number[] = [];
      for (const k of [1, 2, 3]) {
        // Through the CLI, as an array job would call it.
        const r = await gridbidInProcess(['batch', `${FIX}/grid.yaml`, '--shard', `${k}/3`, '--out', join(dir, `s${k}`), '--workers', '1']);
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.match(new RegExp(`^batch     grid \\(shard ${k}/3\\): \\d runs, \\d ok, 0 failed`));
        expect(r.stdout).to.contain('(summary.csv, batch-report.html, results.duckdb, one folder per run)');
        counts.push(readdirSync(join(dir, `s${k}`)).filter((f) => f.includes('__seed-')).length);
      }
      // Runs 0,3,6 | 1,4,7 | 2,5: 8 runs, each once.
      expect(counts).to.deep.equal([3, 3, 2]);
      const m = await gridbidInProcess(['batch', 'merge', join(dir, 's2'), join(dir, 's3'), join(dir, 's1'), '--out', join(dir, 'merged')]);
      expect(m.status, m.stderr).to.equal(0);
      expect(m.stdout).to.contain('merged    grid: 3 shards, 8 runs, 8 ok, 0 failed');
      // The database merge writes is named with the folder's other files.
      expect(m.stdout).to.contain(`(summary.csv, batch-report.html, results.duckdb, one folder per run)`);
      expect(readFileSync(join(dir, 'merged', 'summary.csv')).equals(readFileSync(join(dir, 'whole', 'summary.csv')))).to.equal(true);
      expectSameTree(join(dir, 'whole'), join(dir, 'merged'));
      checkOutputTree(join(dir, 'merged'));
      // The merged results.duckdb holds what one machine's does: summary and every run's tables, keyed by run.
      const db = await databaseContents(join(dir, 'merged'));
      expect(db).to.deep.equal(await databaseContents(join(dir, 'whole')));
      expect(Object.keys(db)).to.include.members(['summary', 'agents', 'intervals', 'flows', 'events']);
      expect(new Set(db.intervals!.rows.map((r) => r[0])).size).to.equal(8);
      // The shards are read, not changed.
      expect(existsSync(join(dir, 's1', 'shard.json'))).to.equal(true);
    });

    it('a failed run is merged as failed (exit 3), identical to one machine; a single shard 1/1 merges too', async function () {
      this.timeout(60_000);
      const whole = await gridbidInProcess(['batch', `${FIX}/broken-variant.yaml`, '--out', join(dir, 'bw')]);
      expect(whole.status).to.equal(3);
      for (const k of [1, 2]) expect((await gridbidInProcess(['batch', `${FIX}/broken-variant.yaml`, '--shard', `${k}/2`, '--out', join(dir, `b${k}`)])).status).to.be.oneOf([0, 3]);
      const m = await gridbidInProcess(['batch', 'merge', join(dir, 'b1'), join(dir, 'b2'), '--out', join(dir, 'bm')]);
      expect(m.status).to.equal(3);
      expect(m.stderr).to.contain('1 of 3 runs failed in the shards');
      expectSameTree(join(dir, 'bw'), join(dir, 'bm'));

      expect((await gridbidInProcess(['batch', `${FIX}/grid.yaml`, '--shard', '1/1', '--out', join(dir, 'one')])).status).to.equal(0);
      expect((await gridbidInProcess(['batch', 'merge', join(dir, 'one'), '--out', join(dir, 'one-merged')])).status).to.equal(0);
      expect(readFileSync(join(dir, 'one-merged', 'summary.csv')).equals(readFileSync(join(dir, 'whole', 'summary.csv')))).to.equal(true);
    });

    it('bad input exits 1 with the reason and no stack: malformed --shard, other sweeps, a shard twice or missing, unfinished, not a shard', async function () {
      this.timeout(60_000);
      const fail = async (args: string[], reason: string): Promise<void> => {
        const r = await gridbidInProcess(args);
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).to.equal(1);
        expect(r.stderr).to.contain(reason);
        expect(hasStackTrace(r.stderr)).to.equal(false);
      };
      for (const [arg, reason] of [
        ['0/2', 'the shard number k must be from 1 to 2'],
        ['3/2', 'the shard number k must be from 1 to 2'],
        ['a/b', 'expected k/n with whole numbers'],
        ['1/0', 'the number of shards n must be at least 1'],
      ] as const) {
        await fail(['batch', `${FIX}/grid.yaml`, '--shard', arg, '--out', join(dir, 'never')], `argument '${arg}' is invalid. ${reason}`);
      }
      expect(existsSync(join(dir, 'never'))).to.equal(false);

      const s = (k: number): string => join(dir, `s${k}`);
      // Shards of another sweep: the same base, other seeds.
      const other = join(dir, 'other.yaml');
      writeFileSync(other, `name: grid\nbase: ${join(process.cwd(), FIX, 'tiny.yaml')}\ngrid:\n  market.pricing: [uniform, pay-as-bid]\n  market.priceRule: [partial-block, midpoint]\nseeds: [1, 2]\n`);
      expect((await gridbidInProcess(['batch', other, '--shard', '3/3', '--out', join(dir, 'o3')])).status).to.equal(0);
      await fail(['batch', 'merge', s(1), s(2), join(dir, 'o3'), '--out', join(dir, 'never')], 'are shards of different sweeps');
      await fail(['batch', 'merge', s(1), s(2), join(dir, 'o3'), '--out', join(dir, 'never')], 'the same name, but other runs, scenarios or seeds');
      await fail(['batch', 'merge', s(1), s(2), join(dir, 'b1'), '--out', join(dir, 'never')], `'broken-variant'`);
      await fail(['batch', 'merge', s(1), join(dir, 'b2'), '--out', join(dir, 'never')], 'shards of different sweeps');
      await fail(['batch', 'merge', s(1), s(2), s(2), s(3), '--out', join(dir, 'never')], `shard 2/3 is given twice (${s(2)} and ${s(2)})`);
      await fail(['batch', 'merge', s(1), s(3), '--out', join(dir, 'never')], `shard 2/3 of 'grid' is missing (given: 1/3 in ${s(1)}, 3/3 in ${s(3)})`);
      await fail(['batch', 'merge', s(1), s(2), s(3), join(dir, 'one'), '--out', join(dir, 'never')], 'shards of different splits');
      await fail(['batch', 'merge', s(1), join(dir, 'whole'), '--out', join(dir, 'never')], `${join(dir, 'whole')} is not a shard folder (no shard.json`);
      await fail(['batch', 'merge', s(1), join(dir, 'nowhere')], `${join(dir, 'nowhere')}: no such folder`);
      await fail(['batch', 'merge', s(1), s(2), s(3), '--out', s(2)], `is the shard folder ${s(2)} or inside it`);
      // An unfinished shard (a run without DONE or error.txt): named, with the command that finishes it.
      const unfinished = join(dir, 's2-unfinished');
      cpSync(s(2), unfinished, { recursive: true });
      const run = readdirSync(unfinished).find((f) => f.includes('__seed-'))!;
      rmSync(join(unfinished, run, 'DONE'));
      await fail(['batch', 'merge', s(1), unfinished, s(3), '--out', join(dir, 'never')], `shard 2/3 in ${unfinished}: 1 run not finished (${run}); finish it with: gridbid batch ${FIX}/grid.yaml --shard 2/3 --out ${unfinished}`);
      expect(existsSync(join(dir, 'never'))).to.equal(false);
      // Two shards in one folder would overwrite each other's summary.
      await fail(['batch', `${FIX}/grid.yaml`, '--shard', '2/3', '--out', s(1)], `${s(1)} already holds shard 1/3 of the sweep 'grid'`);
    });

    it('shards that wrote other --formats are refused (one machine writes one); an unfinished Parquet shard is told to finish with --format parquet', async function () {
      this.timeout(90_000);
      const a = join(dir, 'fmt-csv-1');
      const b = join(dir, 'fmt-parquet-2');
      const c = join(dir, 'fmt-parquet-1');
      expect((await gridbidInProcess(['batch', `${FIX}/grid.yaml`, '--shard', '1/2', '--out', a])).status).to.equal(0);
      expect((await gridbidInProcess(['batch', `${FIX}/grid.yaml`, '--shard', '2/2', '--format', 'parquet', '--out', b])).status).to.equal(0);
      const mixed = await gridbidInProcess(['batch', 'merge', a, b, '--out', join(dir, 'fmt-never')]);
      // It merged them: CSV run folders beside Parquet ones, which no one-machine batch writes.
      expect(mixed.status, mixed.stderr).to.equal(1);
      expect(mixed.stderr).to.contain(`the shards wrote their tables in different formats (csv in ${a}, parquet in ${b})`);
      expect(existsSync(join(dir, 'fmt-never'))).to.equal(false);

      expect((await gridbidInProcess(['batch', `${FIX}/grid.yaml`, '--shard', '1/2', '--format', 'parquet', '--out', c])).status).to.equal(0);
      const run = readdirSync(c).find((f) => f.includes('__seed-'))!;
      rmSync(join(c, run, 'DONE'));
      const unfinished = await gridbidInProcess(['batch', 'merge', c, b, '--out', join(dir, 'fmt-never')]);
      expect(unfinished.status).to.equal(1);
      expect(unfinished.stderr).to.contain(`finish it with: gridbid batch ${FIX}/grid.yaml --shard 1/2 --format parquet --out ${c}`);
    });

    it('an --out that cannot be the merged folder exits 1 with the reason (it was an internal error with a stack trace)', async function () {
      this.timeout(60_000);
      const only = join(dir, 'out-check-1-of-1');
      expect((await gridbidInProcess(['batch', `${FIX}/grid.yaml`, '--shard', '1/1', '--out', only])).status).to.equal(0);
      const file = join(dir, 'a-file');
      writeFileSync(file, 'not a folder\n');
      for (const [out, reason] of [
        [file, `--out ${file}: ${file} is a file, not a folder`],
        [join(file, 'sub'), `${file} is a file, not a folder`],
        ['', '--out is empty'],
      ] as const) {
        const r = await gridbidInProcess(['batch', 'merge', only, '--out', out]);
        expect(r.status, r.stderr).to.equal(1);
        expect(r.stderr).to.contain(reason);
        expect(hasStackTrace(r.stderr)).to.equal(false);
      }
      expect(readFileSync(file, 'utf8')).to.equal('not a folder\n');
    });
  });
});
