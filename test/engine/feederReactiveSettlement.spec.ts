/**
 * Reactive energy settled end to end (engine/interval/reactive.ts) on test/fixtures/scenarios/feeder-lindistflow.yaml:
 * 40 homes at power factor 0.95 (tan φ = 0.328684) at the far end of a line whose 0.95 p.u. limit binds in the
 * evening, where absorbing reactive power costs (a reactive price > 0). Each home's agents.csv row carries its kvar
 * and its bus's reactive price, and its cost is its kW at the DLMP plus its kvar at the reactive price, exactly;
 * the books prove the stage's money with the reactive money in it every interval.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { money } from '../../core/money.ts';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const FILE = join(REPO_ROOT, 'test/fixtures/scenarios/feeder-lindistflow.yaml');

describe('reactive energy settled at the reactive prices (test/fixtures/scenarios/feeder-lindistflow.yaml)', () => {
  let dir: string;
  let agents: Row[];
  let volts: Row[];
  let feeder: Record<string, unknown>;
  let books: { closed: boolean; violations: unknown[] };
  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-qsettle-'));
    const r = await runScenarioFile(FILE, { outDir: dir });
    feeder = (r.summary as unknown as { kpis: { feeder: Record<string, unknown> } }).kpis.feeder;
    books = (r.summary as unknown as { books: typeof books }).books;
    agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Row[];
    volts = parse(readFileSync(join(dir, 'voltages.csv')), { columns: true }) as Row[];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('charges each home its kW at the DLMP plus tan φ × kW at its bus reactive price, to the last digit (19:00: 0.482 kW, 0.158425688 kvar, 140 + 47.50 → 0.018751305045)', () => {
    const h1 = agents.find((a) => a.agent_id === 'h-1' && a.interval_start === '2026-01-14T19:00:00Z')!;
    expect([h1.award_kw, h1.price, h1.kvar, h1.reactive_price, h1.cost]).to.deep.equal(['0.482', '140.00', '0.158425688', '47.50', '0.018751305045']);
    // 0.482 × 140 / 4 / 1000 = 0.01687; 0.482 × 0.328684 = 0.158425688 kvar; × 47.5 / 4 / 1000 = 0.001881305045.
    let homes = 0;
    for (const a of agents.filter((r) => r.kind === 'home')) {
      const kw = money(a.award_kw!);
      expect(money(a.kvar!).equals(kw.times('0.328684')), `${a.agent_id} ${a.interval_start} kvar`).to.equal(true);
      const cost = kw.times(a.price!).plus(money(a.kvar!).times(a.reactive_price!)).div(4).div(1000);
      expect(money(a.cost!).equals(cost), `${a.agent_id} ${a.interval_start} cost ${a.cost} vs ${cost.toFixed()}`).to.equal(true);
      homes++;
    }
    expect(homes).to.equal(40 * 96);
    // The price is the bus's, as voltages.csv gives it (rounded to the tick); the generators draw none.
    const end = volts.find((v) => v.bus === 'end' && v.interval_start === '2026-01-14T19:00:00Z')!;
    expect(Number(end.reactive_price)).to.be.closeTo(47.5, 0.005);
    expect(agents.filter((a) => a.kind === 'generator').every((a) => a.kvar === '0')).to.equal(true);
  });

  it('closes the books every interval with the reactive money in the real-time stage, and sums it in kpis.feeder: paid − received − substation = rent', () => {
    expect(books.closed, JSON.stringify(books.violations)).to.equal(true);
    expect(feeder.reactiveSettledIntervals).to.equal(96);
    let paid = money(0);
    let kvarh = money(0);
    for (const a of agents.filter((r) => r.kind === 'home')) {
      paid = paid.plus(money(a.kvar!).times(a.reactive_price!).div(4).div(1000));
      kvarh = kvarh.plus(money(a.kvar!).div(4));
    }
    expect(feeder.reactiveBuyersPay).to.equal(paid.toFixed());
    expect(feeder.reactiveSellersReceive).to.equal('0');
    expect(feeder.reactiveSubstationReceives).to.equal('0');
    expect(feeder.reactiveRent).to.equal(paid.toFixed());
    expect(feeder.reactiveKvarhBought).to.equal(Number(kvarh.toDecimalPlaces(3).toFixed()));
  });
});
