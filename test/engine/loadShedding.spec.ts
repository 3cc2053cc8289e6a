/**
 * Load shedding (engine/interval/shed.ts): when re-dispatch cannot cover a withdrawal, the
 * consuming sites' base load is shed pro rata, so the meters read what the network delivered
 * and the books close; the shed energy is priced at the cap, reported, and counted by the homes
 * as unserved. Before it, a retailer's customers using more than the plant could give ended the
 * run with its books open (exit 4).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { curtailSpill, proRataQuanta } from '../../engine/interval/curtail.ts';
import { IntervalLedger } from '../../engine/interval/ledger.ts';
import { deadBusMask, grossAtDeadBuses, shedLoad } from '../../engine/interval/shed.ts';
import { Money, MoneyUnit } from '../../core/money.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';
import { KpiAccumulator } from '../../output/kpis.ts';
import { gridbidInProcess, REPO_ROOT } from '../helpers/cli.ts';

describe('load shedding (engine/interval/shed.ts)', function () {
  this.timeout(120_000);

  it('corrects the ledger by hand: 5 quanta unserved at bus 0 off withdrawals 6, 3 (sheddable 3) and an exporter; a customer passes it to its retailer', () => {
    const ledger = new IntervalLedger(5, new MoneyUnit(new Money('0.001')), 1);
    // parties: 0 home (bus 0, net 6, all sheddable), 1 customer of 4 (bus 0, net 3, sheddable 3), 2 home at bus 0 exporting (net −2),
    // 3 home at bus 1 (net 5, sheddable 5), 4 the retailer of party 1.
    ledger.actualQuanta.set([6, 3, -2, 5, NaN]);
    ledger.consumedQuanta.set([6, 4, 1, 5, 0]);
    const pos = ledger.busPosition(4, 'main' as never, 0);
    pos.actualQuanta = 3;
    const done = shedLoad(ledger, Float64Array.of(5, 0), { busOf: Int32Array.of(0, 0, 0, 1, -1), viaOf: Int32Array.of(-1, 4, -1, -1, -1) }, Float64Array.of(6, 3, 1, 5, 0));
    // Sheddable withdrawals: min(6, 6) = 6, min(3, 3) = 3, the exporter min(1, 0) = 0; 5 of 9: 3.33 and 1.67 → 3 and 2.
    expect([...done]).to.deep.equal([5, 0]);
    expect([...ledger.shedQuanta]).to.deep.equal([3, 2, 0, 0, 0]);
    expect([...ledger.actualQuanta.subarray(0, 4)]).to.deep.equal([3, 1, -2, 5]);
    expect([...ledger.consumedQuanta]).to.deep.equal([3, 2, 1, 5, 0]);
    expect(pos.actualQuanta).to.equal(1);
    // Never beyond what a site withdraws or reported: 20 unserved over the same sites sheds 6 and 3, no more.
    const again = new IntervalLedger(5, new MoneyUnit(new Money('0.001')), 1);
    again.actualQuanta.set([6, 3, -2, 5, NaN]);
    expect([...shedLoad(again, Float64Array.of(20, 0), { busOf: Int32Array.of(0, 0, 0, 1, -1), viaOf: Int32Array.of(-1, -1, -1, -1, -1) }, Float64Array.of(10, 3, 1, 5, 0))]).to.deep.equal([9, 0]);
    expect([...again.shedQuanta]).to.deep.equal([6, 3, 0, 0, 0]);
  });

  /** One bus, one plant of `plantKw`, a retailer's homes whose load is all base load (no flexibility, no PV): all of it can be shed. */
  const scenario = (plantKw: number, homes: ReadonlyArray<number>, seed = 1) =>
    parseScenario(
      stringify({
        name: 'shortage',
        seed,
        start: '2026-07-01T15:00:00Z',
        days: 0.25,
        intervalMinutes: 30,
        market: { mechanism: 'double-auction' },
        tariffs: [{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25 }],
        agents: [
          { kind: 'generator', id: 'plant', offers: [{ kw: plantKw, priceMwh: 60 }] },
          { kind: 'retailer', id: 'retail', tariffs: ['flat'] },
          ...homes.map((annualKwh, j) => ({ kind: 'home', idPrefix: `h${j}`, count: 1, retailer: 'retail', tariff: 'flat', baseLoad: { annualKwh, homeScaleSigma: 0, noiseSd: 0.2 }, flexibility: { share: 0 } })),
        ],
      }),
      'shortage.yaml',
    );
  type Kpis = { imbalance: { shedKwh: number; unservedKwh: number }; byKind: Record<string, { unservedKwh: number }> };
  async function run(plantKw: number, homes: ReadonlyArray<number>, seed?: number): Promise<{ outcomes: IntervalOutcome[]; kpis: Kpis }> {
    const sim = await Simulation.create(scenario(plantKw, homes, seed));
    const outcomes: IntervalOutcome[] = [];
    const kpis = new KpiAccumulator();
    sim.run({ interval: (o) => (outcomes.push(o), kpis.add(o)) });
    return { outcomes, kpis: kpis.summary() as unknown as Kpis };
  }

  /** Per interval: what the homes would have drawn (their own consumption plus what was shed), and the checks every shed interval must pass. */
  function checkInterval(o: IntervalOutcome, plantKw: number): { shortQuanta: number } {
    const q = o.ledger.quantumKw;
    const homes = o.parties.flatMap((p, i) => (p.role === 'agent' && p.id.startsWith('h') ? [i] : []));
    const plant = o.parties.findIndex((p) => p.id === 'plant');
    const wanted = homes.map((i) => o.ledger.actualQuanta[i]! + o.ledger.shedQuanta[i]!);
    const short = Math.max(0, wanted.reduce((s, w) => s + w, 0) - plantKw / q);
    // All of the shortfall is shed, pro rata to what each home withdrew; the plant runs flat out when anything is shed.
    expect(o.imbalance.shedQuanta[0]).to.equal(short);
    expect(o.imbalance.unservedQuanta[0]).to.equal(0);
    expect(homes.map((i) => o.ledger.shedQuanta[i])).to.deep.equal(proRataQuanta(short, wanted));
    if (short > 0) {
      expect(-o.ledger.actualQuanta[plant]! * q).to.be.closeTo(plantKw, 1e-9);
      // Scarcity is priced where load is shed: the imbalance price is the cap.
      expect(o.imbalance.busPriceMwh[0]).to.equal(o.book.rules.priceCapMwh);
    }
    // Physical: Σ actual = 0; the books close; one LOAD_SHED row per shed home, with its kW.
    let physical = 0;
    o.parties.forEach((p, i) => p.role === 'agent' && (physical += o.ledger.actualQuanta[i]!));
    expect(physical).to.equal(0);
    expect(o.books).to.deep.equal([]);
    const rows = o.events.filter((e) => e.type === 'LOAD_SHED');
    expect(rows.map((e) => [e.target, e.deliveredKw])).to.deep.equal(homes.filter((i) => o.ledger.shedQuanta[i]! > 0).map((i) => [o.parties[i]!.id, o.ledger.shedQuanta[i]! * q]));
    // The homes report it: consumed is what they were left, and the shed energy is theirs unserved.
    for (const i of homes) {
      expect(Math.round(o.observations[i]!.consumedKw! / q)).to.equal(o.ledger.consumedQuanta[i]);
      expect(o.observations[i]!.unservedKwh).to.be.closeTo(o.ledger.shedQuanta[i]! * q * o.interval.durationH, 1e-9);
    }
    return { shortQuanta: short };
  }

  it('by hand: a 3 kW plant and four homes drawing more in the evening: the shortfall is shed pro rata, priced at the cap, the books close, the KPI and the homes agree', async () => {
    const { outcomes, kpis } = await run(3, [9000, 6000, 4000, 2000]);
    let shedKwh = 0;
    let shedIntervals = 0;
    for (const o of outcomes) {
      const { shortQuanta } = checkInterval(o, 3);
      if (shortQuanta > 0) shedIntervals++;
      shedKwh += shortQuanta * o.ledger.quantumKw * o.interval.durationH;
    }
    expect(shedIntervals, 'the homes draw more than 3 kW in most of the evening').to.be.above(6);
    expect(kpis.imbalance.shedKwh).to.be.closeTo(shedKwh, 1e-9);
    expect(kpis.imbalance.unservedKwh).to.equal(0);
    expect(kpis.byKind.home!.unservedKwh).to.be.closeTo(shedKwh, 1e-9);
  });

  it('buildings: their plug load is shed pro rata the same way; where the shortfall is larger than all of it, their HVAC and lighting are shed too and the books close (7 intervals stayed open before: loadSheddingDevices.spec.ts)', async () => {
    const sim = await Simulation.create(
      parseScenario(
        stringify({
          name: 'offices-short',
          seed: 3,
          start: '2026-07-01T06:00:00Z',
          days: 0.5,
          intervalMinutes: 30,
          market: { mechanism: 'double-auction' },
          tariffs: [{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25 }],
          agents: [
            { kind: 'generator', id: 'plant', offers: [{ kw: 8, priceMwh: 60 }] },
            { kind: 'retailer', id: 'retail', tariffs: ['flat'] },
            { kind: 'building', idPrefix: 'office', count: 2, floorAreaM2: 450, retailer: 'retail', tariff: 'flat' },
          ],
        }),
        'offices-short.yaml',
      ),
    );
    const outcomes: IntervalOutcome[] = [];
    sim.run({ interval: (o) => void outcomes.push(o) });
    let shedRows = 0;
    for (const o of outcomes) {
      const q = o.ledger.quantumKw;
      const offices = o.parties.flatMap((p, i) => (p.id.startsWith('office') ? [i] : []));
      const rows = o.events.filter((e) => e.type === 'LOAD_SHED');
      shedRows += rows.length;
      expect(rows.map((e) => [e.target, e.deliveredKw])).to.deep.equal(offices.filter((i) => o.ledger.shedQuanta[i]! > 0).map((i) => [o.parties[i]!.id, o.ledger.shedQuanta[i]! * q]));
      for (const i of offices) expect(o.observations[i]!.unservedKwh! + 1e-9).to.be.at.least(o.ledger.shedQuanta[i]! * q * o.interval.durationH);
      // Nothing stays unserved: what the plug load could not cover came off the offices' HVAC and lighting.
      expect(o.imbalance.unservedQuanta[0]).to.equal(0);
      expect(o.books).to.deep.equal([]);
    }
    expect(shedRows, 'office hours draw more than 8 kW').to.be.above(0);
  });

  it('any plant from 0.5 to 8 kW and one to six homes: every interval sheds exactly the shortfall, pro rata, and closes its books (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 16 }), fc.array(fc.integer({ min: 500, max: 12_000 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 1000 }), async (halfKw, homes, seed) => {
        const { outcomes } = await run(halfKw / 2, homes, seed);
        for (const o of outcomes) checkInterval(o, halfKw / 2);
      }),
      { numRuns: 25 },
    );
  });
});

describe('load shedding through the CLI: a retailer short after gate closure', () => {
  it('gridbid run ends 0 with its books closed; every LOAD_SHED row of events.csv adds up to imbalance.shedKwh and to the homes’ unserved energy, and the CLI says so', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-shed-'));
    try {
      const r = await gridbidInProcess(['run', join(REPO_ROOT, 'test/fixtures/scenarios/shortage-retail.yaml'), '--out', dir]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('books     closed in all 24 intervals');
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      const events = parse(readFileSync(join(dir, 'events.csv')), { columns: true }) as Array<Record<string, string>>;
      const shed = events.filter((e) => e.type === 'LOAD_SHED');
      expect(shed.length).to.be.above(0);
      expect(shed.every((e) => e.target!.startsWith('home-') && e.response === 'shed')).to.equal(true);
      // Hourly intervals: kW shed = kWh shed; the rows are written to 3 decimals, as the KPI is.
      const rowsKwh = +shed.reduce((s, e) => s + Number(e.delivered_kw), 0).toFixed(3);
      expect(summary.kpis.imbalance.shedKwh).to.equal(rowsKwh);
      expect(summary.kpis.imbalance.unservedKwh).to.equal(0);
      expect(summary.kpis.byKind.home.unservedKwh).to.equal(rowsKwh);
      expect(r.stdout).to.contain(`${rowsKwh} kWh unserved, of it ${rowsKwh} kWh shed by the operator where nothing could supply it`);
      // Scarcity is priced where load is shed: the imbalance price is the cap.
      const shedAt = new Set(shed.map((e) => e.interval_start));
      const intervals = parse(readFileSync(join(dir, 'intervals.csv')), { columns: true }) as Array<Record<string, string>>;
      for (const row of intervals.filter((x) => shedAt.has(x.interval_start!))) expect(row.imbalance_price).to.equal('3000.00');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on a 3-bus feeder with congestion (LP dispatch, nodal prices): load is shed on the streets that are short, each shed interval priced at the cap there, and every book closes', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-shed-net-'));
    try {
      const r = await gridbidInProcess(['run', join(REPO_ROOT, 'test/fixtures/scenarios/shortage-network.yaml'), '--out', dir]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('books     closed in all 96 intervals');
      const events = parse(readFileSync(join(dir, 'events.csv')), { columns: true }) as Array<Record<string, string>>;
      const shed = events.filter((e) => e.type === 'LOAD_SHED');
      expect(new Set(shed.map((e) => e.target!.split('-')[0]))).to.deep.equal(new Set(['a', 'b']));
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.kpis.imbalance.unservedKwh).to.equal(0);
      // Quarter hours: kWh = kW ÷ 4.
      expect(summary.kpis.imbalance.shedKwh).to.equal(+(shed.reduce((s, e) => s + Number(e.delivered_kw), 0) / 4).toFixed(3));
      const intervals = parse(readFileSync(join(dir, 'intervals.csv')), { columns: true }) as Array<Record<string, string>>;
      const busOf = (id: string) => (id.startsWith('a-') ? 'street-a' : 'street-b');
      for (const e of shed) expect(intervals.find((x) => x.interval_start === e.interval_start && x.bus === busOf(e.target!))!.imbalance_price).to.equal('3000.00');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('grossAtDeadBuses: what 7b curtails at a bus an outage cut off', () => {
  it('by hand: the whole metered injection at a dead bus, not the net (a car taking +5 beside a PV home exporting 3 → 3 to curtail, then the car shed by 7c); live buses keep their net surplus', () => {
    const buses = ['grid', 'b1', 'b2'];
    // Parties: a generator at grid (−7), a PV home at b1 (−2, live), a car at b2 (+5), a PV home at b2 (−3), an intermediary (NaN).
    const actual = [-7, -2, 5, -3, NaN];
    const busOf = [0, 1, 2, 2, -1];
    const spilled = Float64Array.of(0, 1, 0);
    const dead = deadBusMask(['b2'], buses);
    expect([...dead!]).to.deep.equal([0, 0, 1]);
    expect([...grossAtDeadBuses(spilled, actual, busOf, dead)]).to.deep.equal([0, 1, 3]);
    // The re-dispatch's own surplus at a dead bus, if larger, stands; with nothing cut off the array itself comes back.
    expect([...grossAtDeadBuses(Float64Array.of(0, 0, 4), actual, busOf, dead)]).to.deep.equal([0, 0, 4]);
    expect(deadBusMask([], buses)).to.equal(undefined);
    expect(grossAtDeadBuses(spilled, actual, busOf, undefined)).to.equal(spilled);
  });

  it('by hand: at a dead bus at least every site\'s curtailable generation, whether it exports or not (anti-islanding: a PV home importing +2 with 4 of PV behind its meter → 4 to curtail; its 6 of load then shed by 7c)', () => {
    const buses = ['grid', 'b1', 'b2'];
    // Parties: a PV home at b1 (−2, live, 3 of PV), a PV home at b2 (+2: 6 of load, 4 of PV), a car at b2 (+5, none).
    const actual = [-2, 2, 5];
    const busOf = [1, 2, 2];
    const curtailable = [3, 4, 0];
    expect([...grossAtDeadBuses(Float64Array.of(0, 0, 0), actual, busOf, deadBusMask(['b2'], buses), curtailable)]).to.deep.equal([0, 0, 4]);
  });
});

describe('curtailSpill at a dead bus: the whole generation, not only the export', () => {
  it('by hand: a site importing +2 with 4 of PV loses all 4 at a dead bus (its actual +6), but at a live bus nothing beyond its export (0 here)', () => {
    const ledgerOf = () => {
      const l = new IntervalLedger(2, new MoneyUnit(new Money('0.001')), 1);
      l.actualQuanta.set([2, 2]);
      l.generatedQuanta.set([4, 4]);
      return l;
    };
    const sites = { busOf: Int32Array.of(0, 1), viaOf: Int32Array.of(-1, -1) };
    const ledger = ledgerOf();
    const done = curtailSpill(ledger, Float64Array.of(4, 4), sites, Float64Array.of(4, 4), Uint8Array.of(0, 1));
    expect([...done]).to.deep.equal([0, 4]);
    expect([...ledger.actualQuanta]).to.deep.equal([2, 6]);
    expect([...ledger.generatedQuanta]).to.deep.equal([4, 0]);
    expect([...ledger.curtailedQuanta]).to.deep.equal([0, 4]);
  });
});
