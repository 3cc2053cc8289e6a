import { expect } from 'chai';
import { parseScenario } from '../../engine/scenario/load.ts';
import { Simulation } from '../../engine/simulation.ts';
import type { BidSegment } from '../../market/types.ts';
import { registerStrategy, strategyIds } from '../../strategies/registry.ts';
import type { AgentViewBase, MarketView, Strategy } from '../../strategies/types.ts';

/** A strategy that keeps what it was shown, to check what strategies can see. */
const seen: Array<{ view: AgentViewBase; market: MarketView }> = [];
if (!strategyIds().includes('test-spy')) {
  registerStrategy('test-spy', {
    params: undefined,
    create: () => ({
      id: 'test-spy',
      bid(view, market) {
        seen.push({ view, market });
        return view.supply.map((s): BidSegment => ({ side: 'sell', priceMwh: s.valueMwh, quantityKw: s.kw }));
      },
    }),
  });
}

// Compile-time privacy: these lines must not type-check (tsc --noEmit fails if they do).
export const typeChecks: Strategy = {
  id: 'type-checks',
  bid(view, market) {
    // @ts-expect-error the market view carries no bids of other agents
    void market.bids;
    // @ts-expect-error nor anyone's meter data
    void market.meters;
    // @ts-expect-error the agent's own view is read-only
    view.demand = [];
    // @ts-expect-error so is the public forecast
    market.priceForecastMwh[0] = 0;
    return [];
  },
};

describe('privacy and immutability at run time', () => {
  before(async () => {
    const scenario = parseScenario(
      `name: spy
start: 2026-07-01T00:00:00Z
days: 0.25
agents:
  - { kind: generator, id: spied, offers: [{ kw: 10, priceMwh: 20 }], strategy: test-spy }
  - { kind: generator, id: other, offers: [{ kw: 10, priceMwh: 25 }] }
  - { kind: generator, id: buyer-plant, offers: [{ kw: 1, priceMwh: 99 }] }
`,
      'spy.yaml',
    );
    (await Simulation.create(scenario)).run({ interval: () => {} });
  });

  it('hands strategies frozen views, whose mutation throws', () => {
    expect(seen.length).to.equal(24);
    for (const { view, market } of seen) {
      for (const o of [view, market, market.priceForecastMwh, market.interval, market.conditions, view.supply]) expect(Object.isFrozen(o)).to.equal(true);
      expect(() => ((market as { lastPriceMwh: number }).lastPriceMwh = 1)).to.throw(TypeError);
      expect(() => (view.supply as unknown as unknown[]).push(1)).to.throw(TypeError);
    }
  });

  it('shows only public market information and the agent’s own data', () => {
    const { view, market } = seen[3]!;
    expect(Object.keys(market).sort()).to.deep.equal(['conditions', 'interval', 'lastPriceMwh', 'priceCapMwh', 'priceFloorMwh', 'priceForecastMwh', 'quantumKw']);
    expect(view.agentId).to.equal('spied');
    expect(JSON.stringify(view)).not.to.contain('other');
    expect(JSON.stringify(market)).not.to.contain('other');
  });
});
