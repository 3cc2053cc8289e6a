/**
 * Spill curtailment (engine/interval/curtail.ts): when re-dispatch cannot place an injection
 * surplus, the injecting sites' export is curtailed pro rata, so the meters read what the
 * network delivered and the books close; the curtailed energy is reported, not hidden.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { curtailSpill, proRataQuanta } from '../../engine/interval/curtail.ts';
import { IntervalLedger } from '../../engine/interval/ledger.ts';
import { Money, MoneyUnit } from '../../core/money.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';
import { KpiAccumulator } from '../../output/kpis.ts';

describe('spill curtailment (engine/interval/curtail.ts)', function () {
  this.timeout(60_000);

  it('splits by hand: 5 quanta over exports 6, 3, 1 → 3, 2, 0 (shares 3, 1.5, 0.5; the tie goes to the earlier site); never beyond the total', () => {
    expect(proRataQuanta(5, [6, 3, 1])).to.deep.equal([3, 2, 0]);
    expect(proRataQuanta(4, [6, 3, 1])).to.deep.equal([3, 1, 0]); // 2.4, 1.2, 0.4 → 2, 1, 0 and the largest remainder (0.4 twice: the earlier) → 3
    expect(proRataQuanta(20, [6, 3, 1])).to.deep.equal([6, 3, 1]);
    expect(proRataQuanta(3, [0, 0])).to.deep.equal([0, 0]);
  });

  it('pro rata: in whole quanta, each within its export, summing to min(spill, Σ exports) (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 12 }), (spill, exports) => {
        const cut = proRataQuanta(spill, exports);
        const total = exports.reduce((s, e) => s + e, 0);
        expect(cut.reduce((s, c) => s + c, 0)).to.equal(Math.min(spill, total));
        cut.forEach((c, i) => {
          expect(Number.isInteger(c) && c >= 0 && c <= exports[i]!).to.equal(true);
          // Within one quantum of the exact share.
          if (total > 0) expect(Math.abs(c - (Math.min(spill, total) * exports[i]!) / total)).to.be.below(1);
        });
      }),
    );
  });

  it('corrects the ledger by hand: a 7-quantum spill at bus 0 off exports 8 (PV 10) and 2 (PV 1: curtailable 1), a customer passes it to its retailer', () => {
    const ledger = new IntervalLedger(4, new MoneyUnit(new Money('0.001')), 1);
    // parties: 0 home (bus 0, net −8, PV 10), 1 home (bus 0, net −2, PV 1), 2 home at bus 1 (net −5), 3 its retailer … here a retailer of party 1.
    ledger.actualQuanta.set([-8, -2, -5, NaN]);
    ledger.generatedQuanta.set([10, 3, 5, 0]);
    const pos = ledger.busPosition(3, 'main' as never, 0);
    pos.actualQuanta = -2;
    const done = curtailSpill(ledger, Float64Array.of(7, 0), { busOf: Int32Array.of(0, 0, 1, -1), viaOf: Int32Array.of(-1, 3, -1, -1) }, Float64Array.of(10, 1, 5, 0));
    // Curtailable exports: min(10, 8) = 8 and min(1, 2) = 1; 7 of 9: 6.22 and 0.78 → 6 and 1.
    expect([...done]).to.deep.equal([7, 0]);
    expect([...ledger.curtailedQuanta]).to.deep.equal([6, 1, 0, 0]);
    expect([...ledger.actualQuanta.subarray(0, 3)]).to.deep.equal([-2, -1, -5]);
    expect([...ledger.generatedQuanta]).to.deep.equal([4, 2, 5, 0]);
    expect(pos.actualQuanta).to.equal(-1);
  });

  /** One bus, a generator that cannot take exports (or takes `takesKw`), a retailer's PV homes at noon in July and one home without PV. */
  const scenario = (takesKw: number) =>
    parseScenario(
      stringify({
        name: 'spill',
        seed: 1,
        start: '2026-07-01T10:00:00Z',
        days: 0.125,
        intervalMinutes: 60,
        market: { mechanism: 'double-auction' },
        tariffs: [{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25, export: { type: 'net-billing', exportPricePerKwh: 0.07 } }],
        agents: [
          { kind: 'generator', id: 'grid', offers: [{ kw: 200, priceMwh: 60 }], ...(takesKw > 0 ? { takes: [{ kw: takesKw, priceMwh: 20 }] } : {}) },
          { kind: 'retailer', id: 'retail', tariffs: ['flat'] },
          { kind: 'home', idPrefix: 'big', count: 2, retailer: 'retail', tariff: 'flat', baseLoad: { annualKwh: 2000, homeScaleSigma: 0, noiseSd: 0 }, flexibility: { share: 0 }, pv: { capacityKw: { min: 8, max: 8 } } },
          { kind: 'home', idPrefix: 'small', count: 1, retailer: 'retail', tariff: 'flat', baseLoad: { annualKwh: 2000, homeScaleSigma: 0, noiseSd: 0 }, flexibility: { share: 0 }, pv: { capacityKw: { min: 3, max: 3 } } },
          { kind: 'home', idPrefix: 'plain', count: 1, retailer: 'retail', tariff: 'flat', baseLoad: { annualKwh: 3000, homeScaleSigma: 0, noiseSd: 0 }, flexibility: { share: 0 } },
        ],
      }),
      'spill.yaml',
    );
  async function run(takesKw: number): Promise<{ outcomes: IntervalOutcome[]; kpis: { imbalance: { curtailedKwh: number; spilledKwh: number } } }> {
    const sim = await Simulation.create(scenario(takesKw));
    const outcomes: IntervalOutcome[] = [];
    const kpis = new KpiAccumulator();
    sim.run({ interval: (o) => (outcomes.push(o), kpis.add(o)) });
    return { outcomes, kpis: kpis.summary() as unknown as { imbalance: { curtailedKwh: number; spilledKwh: number } } };
  }

  for (const takesKw of [0, 5]) {
    it(`excess PV with ${takesKw === 0 ? 'no generator that takes exports' : 'a grid that takes 5 kW'}: the surplus ${takesKw === 0 ? '' : 'beyond 5 kW '}is curtailed pro rata to export, Σ actual = 0, the books close, the KPI and events say how much`, async () => {
      const { outcomes, kpis } = await run(takesKw);
      let curtailedKwh = 0;
      for (const o of outcomes) {
        const q = o.ledger.quantumKw;
        const ids: string[] = o.parties.map((p) => p.id);
        const at = (id: string) => ids.indexOf(id);
        // Before curtailment, from the sites' own reports: each exports gen − cons; the surplus is Σ (gen − cons) over the homes.
        const homes = ['big-1', 'big-2', 'small-1', 'plain-1'].map(at);
        const before = homes.map((i) => Math.round((o.observations[i]!.generatedKw ?? 0) / q) - Math.round((o.observations[i]!.consumedKw ?? 0) / q));
        const surplus = before.reduce((s, x) => s + x, 0);
        expect(surplus, 'noon in July: the PV makes more than the homes use').to.be.above(takesKw / q);
        const expected = surplus - takesKw / q; // the generator is down to 0 and takes what it can
        expect(o.imbalance.curtailedQuanta[0]).to.equal(expected);
        expect(o.imbalance.spilledQuanta[0]).to.equal(0);
        // Pro rata to each site's export (the plain home exports nothing and is not touched).
        const exports = before.map((x) => Math.max(0, x));
        expect(homes.map((i) => o.ledger.curtailedQuanta[i])).to.deep.equal(proRataQuanta(expected, exports));
        homes.forEach((i, j) => expect(o.ledger.actualQuanta[i]).to.equal(-before[j]! + o.ledger.curtailedQuanta[i]!));
        expect(o.ledger.curtailedQuanta[at('plain-1')]).to.equal(0);
        // Physical: Σ actual = 0 (the generator takes −takesKw); the books close.
        let physical = 0;
        o.parties.forEach((p, i) => p.role === 'agent' && (physical += o.ledger.actualQuanta[i]!));
        expect(physical).to.equal(0);
        expect(o.ledger.actualQuanta[at('grid')]! * q).to.be.closeTo(takesKw, 1e-9);
        expect(o.books).to.deep.equal([]);
        expect(o.events.filter((e) => e.type === 'SPILL_CURTAILED').map((e) => e.target).sort()).to.deep.equal(['big-1', 'big-2', 'small-1'].filter((id) => o.ledger.curtailedQuanta[at(id)]! > 0));
        curtailedKwh += expected * q * o.interval.durationH;
      }
      expect(kpis.imbalance.curtailedKwh).to.be.closeTo(curtailedKwh, 1e-9);
      expect(kpis.imbalance.spilledKwh).to.equal(0);
    });
  }
});
