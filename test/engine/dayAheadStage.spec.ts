/**
 * The day-ahead stage in a run, with the grid (engine/interval/dayAhead.ts): the
 * day-ahead-real-time scenario cleared by LP on its two buses with a 5 kW feeder head, tight
 * enough to bind. The books check both stages every interval; here we also see the
 * day-ahead congestion rent appear and add up by hand from the ledger.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { parseScenario } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

describe('engine: the day-ahead stage in a run, with the grid', function () {
  this.timeout(60_000);
  let outcomes: IntervalOutcome[];
  before(async () => {
    const doc = parse(readFileSync(join(REPO_ROOT, 'scenarios/day-ahead-real-time.yaml'), 'utf8'));
    doc.market.mechanism = 'auto';
    doc.network.branches[0].limitKw = 5; // the town imports more than this in the evening
    doc.operations = [];
    const sim = await Simulation.create(parseScenario(stringify(doc), 'day-ahead-grid.yaml'));
    outcomes = [];
    sim.run({ interval: (o) => void outcomes.push(o) });
  });

  it('closes the books of every interval, both stages', () => {
    expect(outcomes).to.have.length(96);
    for (const o of outcomes) expect(o.books, `interval ${o.interval.index}`).to.deep.equal([]);
  });

  it('separates the day-ahead prices where the feeder head binds, and the parties pay the rent', () => {
    const congested = outcomes.filter((o) => o.dayAhead && o.dayAhead.busPriceMwh[0] !== o.dayAhead.busPriceMwh[1]);
    expect(congested.length).to.be.greaterThan(0);
    for (const o of congested) {
      const l = o.ledger;
      const tick = o.book.rules.priceTickMwh;
      let paid = 0;
      for (let i = 0; i < o.parties.length; i++) if (o.parties[i]!.via === '') paid += l.daUnits[i]!;
      // Rent = Σ over buses of scheduled net withdrawal × price: what the grid's constraint is worth.
      let rent = 0;
      for (let k = 0; k < 2; k++) rent += o.dayAhead!.busNetQuanta[k]! * Math.round(o.dayAhead!.busPriceMwh[k]! / tick);
      expect(paid).to.equal(rent);
      expect(rent).to.not.equal(0);
      // Each party's day-ahead money is its position at its bus's day-ahead price.
      for (let i = 0; i < o.parties.length; i++) if (l.daQuanta[i] !== 0) expect(l.daUnits[i]).to.equal(l.daQuanta[i]! * Math.round(l.daPriceMwh[i]! / tick));
    }
  });
});
