/**
 * A retailer whose customers export net (PV above their load) sells the forecast export in the market, at any price
 * from its `exportOfferMwh` up (default 0: never below zero), as it buys a forecast import at the cap
 * (agents/retailer/index.ts). Before, it offered nothing there: the export was its imbalance, and the market cleared
 * without that supply.
 */
import { expect } from 'chai';
import { parseScenario } from '../../engine/scenario/load.ts';
import { runAndRead } from '../operations/outputs.ts';

// r1 supplies one home with 5 kW of PV (exporting from early morning to evening); r2 twenty homes without (more than its export at every hour). The
// plant sells at 40/MWh. Hourly, two days, clear sky: r1's day-2 forecast is h's meter of day 1, hour by hour.
const YAML = `name: retail-export
start: 2026-07-01T00:00:00Z
days: 2
intervalMinutes: 60
seed: 2
weather: { sky: clear }
tariffs:
  - { id: flat, type: flat, energyPricePerKwh: 0.30, fixedChargePerDay: 0.2, export: { type: feed-in, exportPricePerKwh: 0.05 } }
  - { id: cheap, type: flat, energyPricePerKwh: 0.25, fixedChargePerDay: 0.2 }
agents:
  - { kind: generator, id: plant, offers: [{ kw: 50, priceMwh: 40 }] }
  - { kind: retailer, id: r1, tariffs: [flat] }
  - { kind: retailer, id: r2, tariffs: [cheap] }
  - { kind: home, id: h, retailer: r1, tariff: flat, pv: { share: 1, capacityKw: { min: 5, max: 5 } } }
  - { kind: home, idPrefix: c, count: 20, retailer: r2, tariff: cheap }
`;

describe('a retailer sells its customers’ forecast net export', function () {
  this.timeout(60_000);

  it("r1 sells h's export of yesterday, hour by hour, at the plant's 40/MWh (the market takes it all), and carries only the forecast's error as imbalance", async () => {
    const o = await runAndRead(parseScenario(YAML, 'retail-export.yaml'), 'gridbid-retail-export-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      const at = (id: string, day: number, hour: number) => o.agents.find((r) => r.agent_id === id && r.interval_start === `2026-07-0${day}T${String(hour).padStart(2, '0')}:00:00Z`)!;
      let exportHours = 0;
      for (let hour = 0; hour < 24; hour++) {
        const yesterday = Number(at('h', 1, hour).actual_kw);
        const r1 = at('r1', 2, hour);
        // The forecast (yesterday's meter), bought when positive and sold when negative, whole: the plant is marginal.
        expect(Number(r1.award_kw), `${hour}:00`).to.equal(yesterday);
        expect(Number(at('plant', 2, hour).rt_price), `${hour}:00`).to.equal(40);
        // Its imbalance: what h used today less what r1 took in the market.
        expect(Number(r1.imbalance_kw), `${hour}:00`).to.be.closeTo(Number(at('h', 2, hour).actual_kw) - yesterday, 1e-9);
        if (yesterday < 0) exportHours++;
      }
      expect(exportHours).to.be.above(10);
    } finally {
      o.cleanup();
    }
  });

  it('with exportOfferMwh: 50, above the plant’s 40, r1 sells nothing: the export hours are its imbalance, as before', async () => {
    const o = await runAndRead(parseScenario(YAML.replace('tariffs: [flat] }', 'tariffs: [flat], exportOfferMwh: 50 }'), 'retail-export.yaml'), 'gridbid-retail-export-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      const day2 = (id: string) => o.agents.filter((r) => r.agent_id === id && r.interval_start!.startsWith('2026-07-02'));
      const h = day2('h');
      const r1 = day2('r1');
      let exportHours = 0;
      for (let k = 0; k < 24; k++) {
        if (Number(r1[k]!.award_kw) > 0) continue; // an import hour: bought at the cap as ever
        exportHours++;
        expect(Number(r1[k]!.award_kw), r1[k]!.interval_start).to.equal(0);
        expect(Number(r1[k]!.imbalance_kw), r1[k]!.interval_start).to.equal(Number(h[k]!.actual_kw));
      }
      expect(exportHours).to.be.above(10);
    } finally {
      o.cleanup();
    }
  });

  it('in a thin market, where its export is more than every buyer takes, the default offer (0) prices nothing below zero: the rest is its imbalance', async () => {
    const o = await runAndRead(parseScenario(YAML.replace('count: 20,', 'count: 2,'), 'retail-export.yaml'), 'gridbid-retail-export-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      const day2 = (id: string) => o.agents.filter((r) => r.agent_id === id && r.interval_start!.startsWith('2026-07-02'));
      const plant = day2('plant');
      const r1 = day2('r1');
      let surplusHours = 0;
      for (let k = 0; k < 24; k++) {
        expect(Number(plant[k]!.rt_price), plant[k]!.interval_start).to.be.at.least(0);
        // Where its offer at 0 was cut back (the two homes of r2 took less), the plant sold nothing.
        if (Number(r1[k]!.award_kw) < 0 && Number(plant[k]!.award_kw) === 0) surplusHours++;
      }
      expect(surplusHours).to.be.above(5);
    } finally {
      o.cleanup();
    }
  });

  it('validate refuses an exportOfferMwh outside the market’s price limits, at its line and path', () => {
    expect(() => parseScenario(YAML.replace('tariffs: [flat] }', 'tariffs: [flat], exportOfferMwh: -600 }'), 'retail-export.yaml')).to.throw(
      "retail-export.yaml:12:64 agents[1].exportOfferMwh: -600 is outside the market's price limits [-500, 3000] (market.priceFloorMwh, priceCapMwh); write -500 to offer the export at the floor",
    );
  });
});
