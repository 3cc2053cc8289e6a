/**
 * The batch oracle's own parts (test/fuzz/batchDraw.ts, batchOracle.ts, audit A-batchfuzz): the runs' scenarios built from
 * the README's override rules (its own example: a variant that adds a tariff and moves customers onto it), the sweep
 * draws' bounds and order, and the comparisons failing on one changed byte, one missing file and one changed digit.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'yaml';
import { drawBatch, expandRun } from './batchDraw.ts';
import { batchBase, flatKpis, parquetMatchesCsv, sameTree } from './batchOracle.ts';

const BASE = {
  name: 'town',
  seed: 42,
  market: { pricing: 'uniform', priceRule: 'midpoint' },
  tariffs: [{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25 }],
  agents: [
    { kind: 'generator', id: 'plant', offers: [{ kw: 50, priceMwh: 40 }] },
    { kind: 'retailer', id: 'power-retail', tariffs: ['flat'] },
    { kind: 'home', idPrefix: 'home', count: 3, retailer: 'power-retail', tariff: 'flat' },
  ],
};

describe('fuzz --batch: the oracle itself', () => {
  it("builds a run's scenario by the README's override rules: its tou3 example, [n], [name], null, new mappings and the seed", () => {
    const doc = expandRun(
      BASE,
      [
        ['tariffs[id=tou3]', { type: 'flat', energyPricePerKwh: 0.2 }],
        ['agents[id=power-retail].tariffs[+]', 'tou3'],
        ['agents[home].tariff', 'tou3'],
        ['agents[0].offers[0].priceMwh', 85],
        ['market.priceRule', null],
        ['network.feeder.powerFactor.home', 0.95],
      ],
      7,
    );
    expect(doc).to.deep.equal({
      name: 'town',
      seed: 7,
      market: { pricing: 'uniform' },
      tariffs: [
        { id: 'flat', type: 'flat', energyPricePerKwh: 0.25 },
        // Added at the end with the id the path names.
        { id: 'tou3', type: 'flat', energyPricePerKwh: 0.2 },
      ],
      agents: [
        { kind: 'generator', id: 'plant', offers: [{ kw: 50, priceMwh: 85 }] },
        { kind: 'retailer', id: 'power-retail', tariffs: ['flat', 'tou3'] },
        { kind: 'home', idPrefix: 'home', count: 3, retailer: 'power-retail', tariff: 'tou3' },
      ],
      network: { feeder: { powerFactor: { home: 0.95 } } },
    });
    // The base is not touched; an entry nobody is named is a path that does not fit.
    expect(BASE.market.priceRule).to.equal('midpoint');
    expect(expandRun(BASE, [['agents[nobody].count', 2]], 1)).to.be.a('string');
  });

  it('draws 2–6 runs per sweep, ids unique, the seeds innermost, the same draw for the same seed (seeds 1–40)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const base = parse(batchBase(seed).g.yaml) as Record<string, unknown>;
      const d = drawBatch(seed, base);
      expect(d.runs.length, `seed ${seed}`).to.be.within(2, 6);
      expect(new Set(d.runs.map((r) => r.id)).size, `seed ${seed}`).to.equal(d.runs.length);
      expect(d.runs.map((r) => r.index)).to.deep.equal(d.runs.map((_, i) => i));
      // Within a configuration (variant and grid point) the seeds follow each other.
      const configs = d.runs.map((r) => r.id.replace(/__seed-\d+$/, ''));
      expect(configs.filter((c, i) => i === 0 || c !== configs[i - 1]).length, `seed ${seed}`).to.equal(new Set(configs).size);
      if (d.shards !== undefined) expect(d.shards).to.be.within(2, d.runs.length);
      expect(JSON.stringify(drawBatch(seed, base))).to.equal(JSON.stringify(d));
    }
  });

  it('flattens KPIs as summary.csv is documented to: dotted keys, lists as their length, null empty', () => {
    expect(flatKpis({ a: { b: 1.5, c: [1, 2, 3] }, d: null, e: '0.10', f: false })).to.deep.equal([
      ['a.b', '1.5'],
      ['a.c', '3'],
      ['d', ''],
      ['e', '0.10'],
      ['f', 'false'],
    ]);
  });

  describe('the comparisons fail where the outputs differ', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'gridbid-batch-oracle-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('two folders: one changed byte, one file missing', () => {
      for (const d of ['x', 'y']) {
        mkdirSync(join(dir, d, 'run'), { recursive: true });
        writeFileSync(join(dir, d, 'run', 'agents.csv'), 'a,b\n1,2\n');
        writeFileSync(join(dir, d, 'summary.csv'), 'run_id\nr\n');
      }
      expect(sameTree(join(dir, 'x'), join(dir, 'y'), 'same')).to.deep.equal([]);
      writeFileSync(join(dir, 'y', 'run', 'agents.csv'), 'a,b\n1,3\n');
      expect(sameTree(join(dir, 'x'), join(dir, 'y'), 'one byte')).to.deep.equal(['one byte: run/agents.csv differs']);
      rmSync(join(dir, 'y', 'summary.csv'));
      expect(sameTree(join(dir, 'x'), join(dir, 'y'), 'missing')[0]).to.contain('only in the first ["summary.csv"]');
    });

    it('Parquet against CSV: equal by value, then one digit of a 20-decimal cost changed', async function () {
      this.timeout(20_000);
      const csv = 'interval_start,cost,price,note\n2026-07-01T17:00:00Z,-0.00937041666666666667,43.00,\n';
      writeFileSync(join(dir, 't.csv'), csv);
      const instance = await DuckDBInstance.create(':memory:');
      const conn = await instance.connect();
      await conn.run(
        `copy (select interval_start::timestamptz as interval_start, cost::decimal(38,20) as cost, price::double as price, note::varchar as note from read_csv('${join(dir, 't.csv')}', all_varchar = true)) to '${join(dir, 't.parquet')}' (format parquet)`,
      );
      conn.closeSync();
      instance.closeSync();
      expect(await parquetMatchesCsv(join(dir, 't.parquet'), csv, 't')).to.deep.equal([]);
      expect(await parquetMatchesCsv(join(dir, 't.parquet'), csv.replace('67,', '66,'), 't')).to.deep.equal([
        't: row 1 cost (DECIMAL(38,20)): CSV "-0.00937041666666666666", Parquet "-0.00937041666666666667"',
      ]);
      expect((await parquetMatchesCsv(join(dir, 't.parquet'), csv.replace('43.00,', '43.00,x'), 't'))[0]).to.contain('note');
    });
  });
});
