/**
 * strategies/examples/peak-shaver.ts, the example strategy the README points to: its bids,
 * checked by hand, and a run that loads it from a scenario's path.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { MarketView } from 'gridbid';
import { REPO_ROOT } from '../helpers/cli.ts';
import { branded } from '../helpers/units.ts';
import peakShaver from '../../strategies/examples/peak-shaver.ts';
import { run, type RunOutput, tempRoot, variant, withStrategy } from './helpers.ts';

const MODULE = join(REPO_ROOT, 'strategies/examples/peak-shaver.ts');

const market = branded<MarketView>({
  interval: { index: 0, start: 0, durationH: 0.25 },
  priceCapMwh: 3000,
  priceFloorMwh: -500,
  quantumKw: 0.001,
  lastPriceMwh: 90,
  priceForecastMwh: [],
  conditions: { outdoorC: 30, ghiWm2: 800 },
});

describe('strategies/examples/peak-shaver.ts', function () {
  this.timeout(120_000);

  it('keeps needs at the cap, caps wants at the ceiling, offers supply at cost above the floor, and drops empty segments', () => {
    const view = {
      agentId: 'home-1',
      kind: 'home',
      demand: [
        { kw: 2, valueMwh: 3000 }, // a need: valued at the cap
        { kw: 5, valueMwh: 400 }, // a want above the ceiling
        { kw: 1, valueMwh: 80 }, // a want below it
        { kw: 0, valueMwh: 50 }, // nothing
      ],
      supply: [
        { kw: 3, valueMwh: -800 }, // below the floor
        { kw: 1, valueMwh: 40 },
      ],
    };
    expect(peakShaver({ ceilingMwh: 150 }).bid(view, market)).to.deep.equal([
      { side: 'buy', quantityKw: 2, priceMwh: 3000 },
      { side: 'buy', quantityKw: 5, priceMwh: 150 },
      { side: 'buy', quantityKw: 1, priceMwh: 80 },
      { side: 'sell', quantityKw: 3, priceMwh: -500 },
      { side: 'sell', quantityKw: 1, priceMwh: 40 },
    ]);
    // The ceiling defaults to 150.
    expect(peakShaver({}).bid(view, market)[1]).to.deep.equal({ side: 'buy', quantityKw: 5, priceMwh: 150 });
  });

  it('runs from a scenario path as the homes’ strategy: no strategy faults, books closed, and no interval dearer than with the homes bidding their valuations, the evening peak priced at the ceiling', async () => {
    const root = tempRoot('gridbid-peak-shaver-');
    try {
      const file = join(REPO_ROOT, 'scenarios/default.yaml');
      const truthful = await run(variant(file, withStrategy('home', { id: 'truthful' })), root, 'truthful');
      const shaver = await run(variant(file, withStrategy('home', { module: MODULE, params: { ceilingMwh: 100 } })), root, 'peak-shaver');
      for (const out of [truthful, shaver]) {
        expect(out.summary.kpis.agentFaults).to.deep.equal([]);
        expect(out.summary.books.closed).to.equal(true);
        expect(out.agents.filter((r) => r.agent_id === 'home-1')).to.have.length(96);
      }
      const price = (o: RunOutput): number[] => o.intervals.map((r) => Number(r.price));
      const [t, s] = [price(truthful), price(shaver)];
      // Wants bid at most 100 instead of their value (60–300): the demand curve is lower or equal
      // at every price, so no interval clears dearer. (The default scenario's homes have no HVAC,
      // appliances or EV: a want not bought in one interval is not wanted later, so intervals are independent.)
      t.forEach((p, i) => expect(s[i], `interval ${i}`).to.be.at.most(p));
      // The evening intervals the homes' dearer wants priced at 114–145 clear at the ceiling:
      // the homes' needs alone clear below it, and the capped wants set the price.
      const peak = t.flatMap((p, i) => (p > 100 ? [i] : []));
      expect(peak.length).to.be.at.least(8);
      for (const i of peak) expect(s[i], `interval ${i}`).to.equal(100);
      // In them the homes buy no more energy, and pay less for it.
      const homes = (o: RunOutput, i: number, column: string): number =>
        o.agents.filter((r) => r.kind === 'home' && r.interval_start === o.intervals[i]!.interval_start).reduce((a, r) => a + Number(r[column]), 0);
      for (const i of peak) {
        expect(homes(shaver, i, 'award_kw'), `interval ${i}`).to.be.at.most(homes(truthful, i, 'award_kw') + 1e-9);
        expect(homes(shaver, i, 'cost'), `interval ${i}`).to.be.below(homes(truthful, i, 'cost'));
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
