/**
 * `markup` shades an agent's own curve: supply dearer, demand cheaper, by m of each value's
 * magnitude. Multiplying by (1 + m) offered a negative cost below itself.
 */
import { expect } from 'chai';
import { markupStrategy } from '../../strategies/markup.ts';
import { branded } from '../helpers/units.ts';
import type { AgentViewBase, MarketView } from '../../strategies/types.ts';

const MARKET = branded<MarketView>({ interval: { index: 0, start: 0, durationH: 1 }, priceCapMwh: 3000, priceFloorMwh: -500, quantumKw: 0.001, lastPriceMwh: undefined, priceForecastMwh: [], conditions: { outdoorC: 20, ghiWm2: 0 } });

describe('markup', () => {
  const view: AgentViewBase = {
    agentId: 'a',
    kind: 'generator',
    demand: [{ kw: 1, valueMwh: 100 }, { kw: 2, valueMwh: -20 }],
    supply: [{ kw: 3, valueMwh: -10 }, { kw: 4, valueMwh: 50 }, { kw: 5, valueMwh: 2900 }],
  };

  it('10 %: costs 50 → 55 and −10 → −9 (not −11, below cost), values 100 → 90 and −20 → −22; clipped at the cap', () => {
    const bids = markupStrategy({ markup: 0.1 }).bid(view, MARKET);
    expect(bids.map((b) => [b.side, Number(b.priceMwh.toFixed(9)), b.quantityKw])).to.deep.equal([
      ['buy', 90, 1],
      ['buy', -22, 2],
      ['sell', -9, 3],
      ['sell', 55, 4],
      ['sell', 3000, 5],
    ]);
  });

  it('a negative markup moves every value the other way: −10 % offers −10 at −11 and 50 at 45', () => {
    const bids = markupStrategy({ markup: -0.1 }).bid(view, MARKET);
    expect(bids.filter((b) => b.side === 'sell').map((b) => Number(b.priceMwh.toFixed(9)))).to.deep.equal([-11, 45, 2610]);
  });
});
