/**
 * The plug-in example of docs/strategies.md is this repository's
 * test/strategies/fixtures/peak-avoider.ts, verbatim: it type-checks against
 * 'gridbid' (tsc covers the fixture), runs from a scenario path as an aggregator's
 * strategy with the run's context, and its observe hook sees its own awards.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { RandomService } from '../../core/rng.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { branded } from '../helpers/units.ts';
import type { MarketView } from 'gridbid';
import peakAvoider from './fixtures/peak-avoider.ts';
import { run, tempRoot, variant, withStrategy } from './helpers.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/peak-avoider.ts');

describe('docs/strategies.md: the plug-in example', function () {
  this.timeout(60_000);

  it('is the tested fixture, verbatim', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/strategies.md'), 'utf8');
    expect(doc).to.contain(readFileSync(FIXTURE, 'utf8'));
  });

  it('keeps flexible demand out of the dear intervals and learns its own average price from observe', () => {
    const s = peakAvoider({ quantile: 0.5 }, { agentId: 'agg', random: new RandomService(1) });
    const market = (now: number): MarketView => branded<MarketView>({
      interval: { index: 0, start: 0, durationH: 1 },
      priceCapMwh: 3000,
      priceFloorMwh: -500,
      quantumKw: 0.001,
      lastPriceMwh: now,
      priceForecastMwh: [now, 20, 20, 20, 190],
      conditions: { outdoorC: 20, ghiWm2: 0 },
    });
    const view = { agentId: 'agg', kind: 'aggregator', demand: [{ kw: 2, valueMwh: 3000 }, { kw: 5, valueMwh: 100 }], supply: [] };
    expect(s.bid(view, market(190))).to.deep.equal([{ side: 'buy', priceMwh: 3000, quantityKw: 2 }]);
    expect(s.bid(view, market(10))).to.have.length(2);
    s.observe!({ interval: branded<MarketView['interval']>({ index: 0, start: 0, durationH: 1 }), buyKw: 7, sellKw: 0, priceMwh: 20 });
    s.observe!({ interval: branded<MarketView['interval']>({ index: 1, start: 3_600_000, durationH: 1 }), buyKw: 2, sellKw: 0, priceMwh: 190 });
    expect(s.averagePaidMwh()).to.be.closeTo((7 * 20 + 2 * 190) / 9, 1e-9);
  });

  it('runs from a scenario path as an aggregator strategy, without faults', async () => {
    const root = tempRoot('gridbid-plugin-doc-');
    try {
      const scenario = variant(join(REPO_ROOT, 'scenarios/aggregator-portfolio.yaml'), (c) => withStrategy('aggregator', { module: FIXTURE, params: { quantile: 0.5 } })({ ...c, days: 1 }));
      const out = await run(scenario, root, 'peak-avoider');
      expect(out.summary.kpis.agentFaults).to.deep.equal([]);
      expect(out.agents.filter((r) => r.agent_id === 'flexco')).to.have.length(96);
      expect(out.summary.books.closed).to.equal(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
