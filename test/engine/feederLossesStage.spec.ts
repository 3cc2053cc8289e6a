/**
 * The losses stage on a radial feeder (engine/interval/losses.ts): the distribution operator
 * (`dso-losses`) buys the AC losses of each interval at the substation's price from the grid behind
 * the substation (`transmission`), and the books prove that the AC energy balance closes with them
 * and that the stage's money closes (engine/interval/books.ts `checkLosses`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { money, MoneyUnit, ZERO } from '../../core/money.ts';
import { parseSimTime, simTime } from '../../core/time.ts';
import { checkLosses } from '../../engine/interval/books.ts';
import { ticksOf } from '../../engine/interval/ledger.ts';
import { type LossesStage, settleLosses, unformedPrice } from '../../engine/interval/losses.ts';
import { runScenarioFile } from '../../engine/run.ts';
import { clearOnFeeder, type FeederGrid } from '../../market/clearFeeder.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import type { ClearingResult, OrderBook } from '../../market/types.ts';
import type { Network } from '../../network/types.ts';
import { createNetwork } from '../../network/validate.ts';
import { CsvFile } from '../../output/csvFile.ts';
import { FeederRecorder } from '../../output/feederOutputs.ts';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';
import { bookOf } from '../helpers/lpNetworks.ts';

type Row = Record<string, string>;

/** The double auction on a feeder uses no LP solver. */
const NO_SOLVER = undefined as unknown as LpSolver;

/** Clears `segments` on `network` as a feeder under the double auction (one price; the AC check follows). */
function clearFeeder(network: Network, segments: ReadonlyArray<readonly [string, 'buy' | 'sell', number, number]>, kvarPerKw: (agent: string) => number = () => 0): { book: OrderBook; result: ClearingResult } {
  const book = bookOf(network, segments, undefined, 0.25);
  const grid: FeederGrid = { limits: { defaultVMinPu: 0.5, defaultVMaxPu: 1.5 }, lineLimit: 'active', polygonSides: 12, kvarPerKw };
  return { book, result: clearOnFeeder(book, 'double-auction', network, NO_SOLVER, grid) };
}

/** The checkLosses input for a clearing and a stage, as checkBooks builds it. */
function lossesInput(book: OrderBook, result: ClearingResult, losses: LossesStage | undefined) {
  const clearedAtBus = new Float64Array(book.buses.length);
  for (let s = 0; s < book.size; s++) clearedAtBus[book.busIndex[s]!]! += book.isBuy[s] ? result.awardedQuanta[s]! : -result.awardedQuanta[s]!;
  const rtTicks = Float64Array.from(result.busPriceMwh, (p) => ticksOf(p, book.rules.priceTickMwh));
  return { losses, feeder: result.feeder!, clearedAtBus, rtTicks, busPriceMwh: result.busPriceMwh, book, quantumKw: book.rules.quantumKw, unit: MoneyUnit.forInterval(book.rules.quantumKw, 15, book.rules.priceTickMwh) };
}

/** One line grid → b, 100 kVA base, r = 0.02, x = 0.04 p.u. (test/fixtures/scenarios/losses-line.yaml). */
const LINE = createNetwork({
  baseKva: 100,
  buses: [{ id: 'grid', reference: true }, { id: 'b' }],
  branches: [{ id: 'l1', from: 'grid', to: 'b', resistancePu: 0.02, reactancePu: 0.04 }],
});

describe('the losses stage on a radial feeder', () => {
  describe('by hand: 100 kW over one line (test/fixtures/scenarios/losses-line.yaml), a real run', () => {
    let dir: string;
    let agents: Row[];
    let summary: { books: { closed: boolean; violations: unknown[] }; kpis: { feeder: Record<string, unknown>; losses: Record<string, unknown> } };
    before(async function () {
      this.timeout(60_000);
      dir = mkdtempSync(join(tmpdir(), 'gridbid-losses-line-'));
      const r = await runScenarioFile(join(REPO_ROOT, 'test/fixtures/scenarios/losses-line.yaml'), { outDir: dir });
      summary = r.summary as unknown as typeof summary;
      agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Row[];
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('the distribution operator buys r·P²/v² = 0.02 / 0.957912 p.u. = 2.088 kW (in quanta) at 40: 0.02088 a quarter-hour, from the grid behind the substation', () => {
      // v² = (0.96 + √(0.96² − 4 × (0.02² + 0.04²) × 1²)) / 2 = (0.96 + √0.9136) / 2 = 0.957912;
      // losses = 0.02 × 1² / 0.957912 = 0.0208787 p.u. = 2.08787 kW → 2088 quanta of 0.001 kW;
      // 2.088 kW × 0.25 h = 0.522 kWh × 40/MWh = 0.02088.
      const dso = agents.filter((a) => a.agent_id === 'dso-losses');
      const up = agents.filter((a) => a.agent_id === 'transmission');
      expect(dso).to.have.length(96);
      expect(up).to.have.length(96);
      for (const a of dso) expect([a.kind, a.bus, a.state, a.award_kw, a.actual_kw, a.price, a.cost]).to.deep.equal(['dso', 'grid', 'settled', '2.088', '2.088', '40.00', '0.02088']);
      for (const a of up) expect([a.kind, a.bus, a.state, a.award_kw, a.price, a.cost]).to.deep.equal(['upstream', 'grid', 'settled', '-2.088', '40.00', '-0.02088']);
      // The market's own parties are as without the stage: the load buys its 100 kW, the supply sells 100 kW.
      const first = agents.filter((a) => a.interval_start === '2026-01-14T00:00:00Z');
      expect(first.map((a) => `${a.agent_id} ${a.award_kw} ${a.cost}`)).to.deep.equal(['wholesale -100.000 -1', 'load 100.000 1', 'dso-losses 2.088 0.02088', 'transmission -2.088 -0.02088']);
    });

    it('kpis.feeder.lossesCost and the losses stage are the sum of the stage’s money, exactly: 96 × 0.02088 = 2.00448 for 50.112 kWh; the books close', () => {
      const sum = agents.filter((a) => a.agent_id === 'dso-losses').reduce((s, a) => s.plus(money(a.cost!)), ZERO);
      expect(sum.toFixed()).to.equal('2.00448');
      expect(summary.kpis.feeder.lossesCost).to.equal(sum.toFixed());
      expect(summary.kpis.feeder.lossesKwh).to.equal(50.112);
      expect(summary.kpis.losses).to.deep.equal({ buyer: 'dso-losses', seller: 'transmission', kwh: 50.112, buyersPay: '2.00448', sellersReceive: '2.00448', rent: '0', unsettledIntervals: 0, unformedPriceIntervals: 0 });
      expect(summary.books.violations).to.deep.equal([]);
      expect(summary.books.closed).to.equal(true);
    });
  });

  describe('the books’ check of the stage (checkLosses, the pure function checkBooks calls)', () => {
    const { book, result } = clearFeeder(LINE, [['grid', 'sell', 40, 200], ['b', 'buy', 100, 100]]);
    const stage = settleLosses(result.feeder!, book, result.busPriceMwh);

    it('closes for the stage as settled: 2088 quanta × 40/MWh, the AC import 102.08787 kW = 100 kW + 2.08787 kW', () => {
      expect(stage.status).to.equal('settled');
      expect(stage.quanta).to.equal(2088);
      expect(result.feeder!.substationImportKw).to.be.closeTo(100 + 2 / ((0.96 + Math.sqrt(0.9136)) / 2), 1e-7);
      // 2088 quanta × 4,000 ticks of 0.01/MWh (the test books' tick).
      expect(book.rules.priceTickMwh).to.equal(0.01);
      expect(stage.buyerUnits).to.equal(2088 * 4_000);
      expect(checkLosses(lossesInput(book, result, stage))).to.deep.equal([]);
    });

    it('fails loudly on a wrong losses amount, a payment nobody receives, a wrong energy, or no stage at all', () => {
      const identities = (s: LossesStage | undefined) => checkLosses(lossesInput(book, result, s)).map((v) => `${v.identity}: ${v.detail}`);
      expect(identities({ ...stage, buyerUnits: stage.buyerUnits + 1, sellerUnits: -(stage.buyerUnits + 1) })).to.deep.equal([
        "money:losses: the distribution operator pays 0.0208800025 for the losses; 2.088 kW at the price of grid comes to 0.02088",
      ]);
      expect(identities({ ...stage, sellerUnits: 0 })).to.deep.equal(['money:losses: the distribution operator pays 0.02088 for the losses, the upstream grid receives 0']);
      expect(identities({ ...stage, quanta: 2000 })[0]).to.equal("losses: settled losses 2 kW, the AC check's are 2.087874 kW (2.088 kW in quanta)");
      expect(identities(undefined)).to.deep.equal(["losses: the feeder's losses were not settled: no losses stage this interval"]);
    });

    it('fails when the AC import does not match the awards plus the losses (an AC check of another dispatch)', () => {
      const other = { ...result, feeder: { ...result.feeder!, substationImportKw: result.feeder!.substationImportKw + 1 } };
      expect(checkLosses(lossesInput(book, other, stage)).map((v) => v.identity)).to.deep.equal(['losses']);
    });
  });

  describe('losses where the market formed no price at the substation (nothing traded)', () => {
    /** The clearing of `segments` with the AC check's losses set to `lossesKw` (what volt-var's reactive power makes with nothing flowing). */
    const noTrade = (segments: ReadonlyArray<readonly [string, 'buy' | 'sell', number, number]>, lossesKw: number) => {
      const { book, result } = clearFeeder(LINE, segments);
      expect(result.awardedQuanta.every((a) => a === 0), 'nothing trades').to.equal(true);
      expect(Number.isNaN(result.busPriceMwh[0]!), 'no price at the substation').to.equal(true);
      const feeder = { ...result.feeder!, lossesKw, substationImportKw: lossesKw };
      return { book, result: { ...result, feeder } };
    };

    it('unformedPrice is the lowest offer in the book (the seller the next kW would come from), or the cap with no offer at all', () => {
      const crossing = clearFeeder(LINE, [['grid', 'sell', 60, 10], ['grid', 'sell', 45, 10], ['b', 'buy', 30, 5]]).book;
      expect(unformedPrice(crossing)).to.deep.equal({ priceMwh: 45, basis: 'lowest-offer' });
      const buysOnly = clearFeeder(LINE, [['b', 'buy', 30, 5]]).book;
      expect(unformedPrice(buysOnly)).to.deep.equal({ priceMwh: buysOnly.rules.priceCapMwh, basis: 'price-cap' });
      expect(buysOnly.rules.priceCapMwh).to.equal(3000);
    });

    it('bids that do not cross (offer 45, bid 30): 1.2 W of losses settle as 1 quantum at the lowest offer, 0.001 kW × 0.25 h × 45/MWh = 0.00001125; the books close', () => {
      const { book, result } = noTrade([['grid', 'sell', 45, 10], ['b', 'buy', 30, 5]], 0.0012);
      const stage = settleLosses(result.feeder, book, result.busPriceMwh);
      expect([stage.status, stage.priceBasis, stage.quanta, stage.priceMwh]).to.deep.equal(['settled', 'lowest-offer', 1, 45]);
      const unit = MoneyUnit.forInterval(book.rules.quantumKw, 15, book.rules.priceTickMwh);
      expect(unit.toMoney(stage.buyerUnits).toFixed()).to.equal('0.00001125');
      expect(stage.sellerUnits).to.equal(-stage.buyerUnits);
      expect(checkLosses(lossesInput(book, result, stage))).to.deep.equal([]);
    });

    it('nobody offers (the only plant down, PV after dark): the losses settle at the cap, 1 quantum × 3000/MWh × 0.25 h = 0.00075; a stage at another price fails the books', () => {
      const { book, result } = noTrade([['b', 'buy', 100, 5]], 0.0012);
      const stage = settleLosses(result.feeder, book, result.busPriceMwh);
      expect([stage.status, stage.priceBasis, stage.quanta, stage.priceMwh]).to.deep.equal(['settled', 'price-cap', 1, 3000]);
      const unit = MoneyUnit.forInterval(book.rules.quantumKw, 15, book.rules.priceTickMwh);
      expect(unit.toMoney(stage.buyerUnits).toFixed()).to.equal('0.00075');
      expect(checkLosses(lossesInput(book, result, stage))).to.deep.equal([]);
      // Settled at the last bid's 100 instead: the books recompute the cap and say so.
      const at100 = { ...stage, priceMwh: 100, buyerUnits: 10_000, sellerUnits: -10_000 };
      expect(checkLosses(lossesInput(book, result, at100)).map((v) => v.identity)).to.deep.equal(['money:losses']);
    });

    it('with no losses to settle, no price is made up: nothing traded and 0 kW of losses leave the price empty (NaN) and the stage at 0', () => {
      const { book, result } = noTrade([['b', 'buy', 100, 5]], 0.0004);
      const stage = settleLosses(result.feeder, book, result.busPriceMwh);
      expect([stage.status, stage.priceBasis, stage.quanta, stage.buyerUnits]).to.deep.equal(['settled', 'substation', 0, 0]);
      expect(Number.isNaN(stage.priceMwh)).to.equal(true);
      expect(checkLosses(lossesInput(book, result, stage))).to.deep.equal([]);
    });

    it('a real run (test/fixtures/scenarios/feeder-losses-no-trade.yaml, fuzz --feeder seed 10338): the 1 W of 01:00 and 01:15 settle at the cap, the books close and the run exits 0 (it exited 4 for them)', function () {
      this.timeout(60_000);
      const dir = mkdtempSync(join(tmpdir(), 'gridbid-losses-no-trade-'));
      try {
        const r = gridbid(['run', 'test/fixtures/scenarios/feeder-losses-no-trade.yaml', '--out', dir]);
        expect(r.status, r.stderr).to.equal(0);
        const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { books: { closed: boolean }; kpis: { losses: Record<string, unknown> } };
        expect(s.books.closed).to.equal(true);
        expect(s.kpis.losses.unsettledIntervals).to.equal(0);
        expect(s.kpis.losses.unformedPriceIntervals).to.equal(2);
        const agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Row[];
        const standIn = agents.filter((a) => a.agent_id === 'dso-losses' && a.state !== 'settled');
        expect(standIn.map((a) => [a.interval_start, a.state, a.award_kw, a.price, a.cost])).to.deep.equal([
          ['2026-10-19T01:00:00Z', 'settled-at-price-cap', '0.001', '3000.00', '0.00075'],
          ['2026-10-19T01:15:00Z', 'settled-at-price-cap', '0.001', '3000.00', '0.00075'],
        ]);
        // Nothing traded there: the substation's market price is empty in voltages.csv.
        const voltages = parse(readFileSync(join(dir, 'voltages.csv')), { columns: true }) as Row[];
        expect(voltages.filter((v) => v.bus === 'grid' && v.interval_start!.startsWith('2026-10-19T01:')).map((v) => v.price).slice(0, 2)).to.deep.equal(['', '']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('an AC check that does not converge (test/fixtures/scenarios/losses-collapse.yaml)', () => {
    it('leaves the stage open and says so: the run exits 4 with a losses violation per interval, nothing settled at zero', function () {
      this.timeout(60_000);
      const dir = mkdtempSync(join(tmpdir(), 'gridbid-losses-collapse-'));
      try {
        const r = gridbid(['run', 'test/fixtures/scenarios/losses-collapse.yaml', '--out', dir]);
        expect(r.status, r.stderr).to.equal(4);
        expect(r.stderr).to.contain("losses: the AC check did not converge: the feeder's losses are unknown");
        expect(r.stdout).to.contain('feeder losses 0 kWh: the distribution operator paid 0, the upstream grid received 0 (6 intervals not settled: see the books)');
        const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { books: { violations: Array<{ identity: string }> }; kpis: { feeder: Record<string, unknown> } };
        expect(s.books.violations.map((v) => v.identity)).to.deep.equal(Array(6).fill('losses'));
        expect(s.kpis.feeder.acSweepsNotConverged).to.equal(6);
        expect(s.kpis.feeder.lossesUnsettledIntervals).to.equal(6);
        // The DSO's rows carry the reason and no amounts (unknown, not zero).
        const dso = (parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Row[]).filter((a) => a.agent_id === 'dso-losses');
        expect(dso.map((a) => [a.state, a.award_kw, a.cost])).to.deep.equal(Array(6).fill(['ac-not-converged', '', '']));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('buses an outage cut off carry no losses: grid–a–b with a–b open has the losses of grid–a alone', () => {
    const whole = createNetwork({
      baseKva: 100,
      buses: [{ id: 'grid', reference: true }, { id: 'a' }, { id: 'b' }],
      branches: [
        { id: 'ga', from: 'grid', to: 'a', resistancePu: 0.02, reactancePu: 0.04 },
        { id: 'ab', from: 'a', to: 'b', resistancePu: 0.03, reactancePu: 0.01 },
      ],
    });
    // As an outage leaves it (a switch opened in a run; validation refuses an islanded bus in a file).
    const open: Network = { ...whole, branches: whole.branches.map((b) => (b.id === 'ab' ? { ...b, inService: false } : b)) };
    const segments = [['grid', 'sell', 40, 500], ['a', 'buy', 100, 100], ['b', 'buy', 100, 50]] as const;
    const cut = clearFeeder(open, segments);
    const closed = clearFeeder(whole, segments);
    const alone = clearFeeder(LINE, [['grid', 'sell', 40, 500], ['b', 'buy', 100, 100]]);
    expect(cut.result.awardedQuanta[2], 'the dark bus takes nothing').to.equal(0);
    // The line grid–a with 100 kW at a: the same r, x, load as the hand line above.
    expect(cut.result.feeder!.lossesKw).to.be.closeTo(alone.result.feeder!.lossesKw, 1e-9);
    expect(closed.result.feeder!.lossesKw).to.be.greaterThan(cut.result.feeder!.lossesKw);
    const stage = settleLosses(cut.result.feeder!, cut.book, cut.result.busPriceMwh);
    expect(stage.quanta).to.equal(2088);
    expect(checkLosses(lossesInput(cut.book, cut.result, stage))).to.deep.equal([]);
  });

  it('property: on random small radial feeders and loads the AC energy balance closes with the losses, and Σ of the stage’s money is kpis.feeder.lossesCost', () => {
    const feederArb = fc.integer({ min: 2, max: 6 }).chain((n) =>
      fc.record({
        parents: fc.tuple(...Array.from({ length: n - 1 }, (_, i) => fc.integer({ min: 0, max: i }))),
        r: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: n - 1, maxLength: n - 1 }),
        x: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: n - 1, maxLength: n - 1 }),
        intervals: fc.array(
          fc.record({
            loadsKw: fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: n - 1, maxLength: n - 1 }),
            priceCents: fc.integer({ min: -2000, max: 30_000 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        tanPhi: fc.integer({ min: 0, max: 50 }),
      }),
    );
    fc.assert(
      fc.property(feederArb, (c) => {
        const ids = ['sub', ...c.parents.map((_, i) => `n${i + 1}`)];
        const network = createNetwork({
          baseKva: 100,
          buses: ids.map((id, i) => ({ id, ...(i === 0 ? { reference: true } : {}) })),
          branches: c.parents.map((p, i) => ({ id: `l${i + 1}`, from: ids[p]!, to: ids[i + 1]!, resistancePu: c.r[i]! / 1000, reactancePu: c.x[i]! / 1000 })),
        });
        const dir = mkdtempSync(join(tmpdir(), 'gridbid-losses-prop-'));
        try {
          const recorder = new FeederRecorder((table, header) => new CsvFile(join(dir, `${table}.csv`), header));
          const t0 = parseSimTime('2026-07-01T00:00:00Z')!;
          let expectedCost = new Decimal(0);
          c.intervals.forEach((iv, k) => {
            const priceMwh = iv.priceCents / 100;
            // The substation's supply sets the one price; every load is bought at the cap (kW in whole watts).
            const segments: Array<readonly [string, 'buy' | 'sell', number, number]> = [['sub', 'sell', priceMwh, 1e6]];
            iv.loadsKw.forEach((w, i) => w > 0 && segments.push([ids[i + 1]!, 'buy', 3000, w / 1000]));
            const { book, result } = clearFeeder(network, segments, () => c.tanPhi / 100);
            const f = result.feeder!;
            expect(f.acConverged).to.equal(true);
            const stage = settleLosses(f, book, result.busPriceMwh);
            expect(stage.status).to.equal('settled');
            // Physical: the AC import is the loads plus the losses, within a quantum.
            const loadKw = iv.loadsKw.reduce((s, w) => s + w / 1000, 0);
            expect(Math.abs(f.substationImportKw - (loadKw + f.lossesKw))).to.be.at.most(book.rules.quantumKw);
            expect(checkLosses(lossesInput(book, result, stage))).to.deep.equal([]);
            recorder.add(simTime(t0 + k * 900_000), f, result.busPriceMwh, 0.25, 2, { stage, unit: MoneyUnit.forInterval(book.rules.quantumKw, 15, book.rules.priceTickMwh), quantumKw: book.rules.quantumKw });
            // Independently, in decimals: the losses to the watt × ¼ h × the price per kWh.
            expectedCost = expectedCost.plus(money(Math.round(f.lossesKw * 1000)).div(1000).times('0.25').times(money(result.busPriceMwh[0]!)).div(1000));
          });
          recorder.close();
          const k = recorder.kpis();
          expect(k.lossesCost).to.equal(expectedCost.toFixed());
          expect(recorder.lossesStage().buyersPay).to.equal(k.lossesCost);
          expect(recorder.lossesStage().rent).to.equal('0');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60, seed: 20261207 },
    );
  });
});
