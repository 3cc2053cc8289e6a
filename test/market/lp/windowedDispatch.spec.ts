/**
 * The windowed dispatch of large books (market/lp/windowedDispatch.ts) against the whole
 * LP: the same status, the same welfare, and a solution that satisfies complementary
 * slackness over every column of the whole book (so it is optimal for it).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { dispatch, type DispatchProblem } from '../../../market/lp/dispatch.ts';
import { dispatchWindowed, windowable, WINDOWED_ABOVE_COLUMNS, WINDOWED_COLUMNS_PER_BUS, WINDOWED_DENSE_MIN_COLUMNS } from '../../../market/lp/windowedDispatch.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../../market/lp/solver.ts';
import { loadScenarioFile } from '../../../engine/scenario/load.ts';
import { networkFromConfig } from '../../../network/schema.ts';
import { complementarityViolations } from '../../helpers/complementarity.ts';
import { offersFromList, randomMarket } from '../../helpers/lpNetworks.ts';
import { RandomService } from '../../../core/rng.ts';

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});


describe('windowed dispatch of large books (market/lp/windowedDispatch.ts)', () => {
  it('equals the whole LP on random meshed networks with limits: status, welfare, and optimality over every column', function () {
    this.timeout(60_000);
    const markets = randomMarket({ maxBuses: 7, maxSegments: 0, limits: true }).chain(({ network }) =>
      fc.record({
        network: fc.constant(network),
        // Integer prices in a narrow range: many ties, several columns at each price.
        offers: fc.array(fc.record({ bus: fc.nat({ max: network.buses.length - 1 }), buy: fc.boolean(), price: fc.integer({ min: 1, max: 60 }), kw: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 300 }),
        halfWidth: fc.integer({ min: 1, max: 3 }),
        buckets: fc.integer({ min: 1, max: 4 }),
        // Half the runs start from a guess of the prices that may be far off: the rounds must recentre and widen.
        guess: fc.option(fc.array(fc.integer({ min: -20, max: 80 }), { minLength: network.buses.length, maxLength: network.buses.length }), { nil: undefined }),
      }),
    );
    let windowedRounds = 0;
    fc.assert(
      fc.property(markets, ({ network, offers, halfWidth, buckets, guess }) => {
        const problem: DispatchProblem = { network, offers: offersFromList(offers) };
        const whole = dispatch(problem, highs);
        const windowed = dispatchWindowed(problem, highs, {}, { aboveColumns: 0, halfWidth, buckets, ...(guess ? { guessMwh: Float64Array.from(guess) } : {}), trace: () => windowedRounds++ });
        expect(windowed.status).to.equal(whole.status);
        if (whole.status !== 'optimal') return;
        expect(windowed.welfarePerH).to.be.closeTo(whole.welfarePerH, 1e-9 + 1e-9 * Math.abs(whole.welfarePerH));
        expect(complementarityViolations(problem, windowed, { price: 1e-5 })).to.deep.equal([]);
      }),
      { numRuns: 80, seed: 16 },
    );
    expect(windowedRounds).to.be.greaterThan(90); // the small LPs ran, and a wrong guess took more than one round at times
  });

  it('clears a 20,000-column book on the evening-peak feeder from a few thousand columns, to the whole LP’s welfare and prices', function () {
    this.timeout(60_000);
    const network = networkFromConfig(loadScenarioFile('scenarios/evening-peak.yaml').config.network!);
    const r = new RandomService(2026).stream('test', 'book');
    const rng = (): number => r.next();
    const N = network.buses.length;
    const list = Array.from({ length: 20_000 }, (_, j) => {
      const buy = j % 3 !== 0;
      // Buys worth 20–200 /MWh at the lateral and trunk buses, sells 0–150 everywhere, 0.01 ticks.
      return { bus: buy ? 2 + Math.floor(rng() * (N - 2)) : Math.floor(rng() * N), buy, price: Math.round((buy ? 20 + 180 * rng() : 150 * rng()) * 100) / 100, kw: 0.5 + Math.round(rng() * 70) / 10 };
    });
    const problem: DispatchProblem = { network, offers: offersFromList(list) };
    const rounds: Array<{ columns: number; proved: boolean }> = [];
    const windowed = dispatchWindowed(problem, highs, {}, { aboveColumns: 0, halfWidth: 32, trace: (r) => rounds.push(r) });
    const whole = dispatch(problem, highs);
    expect(whole.status).to.equal('optimal');
    expect(whole.flowShadowMwh.some((s) => s > 0), 'a limit binds').to.equal(true);
    expect(rounds.at(-1)!.proved).to.equal(true);
    expect(rounds.at(-1)!.columns).to.be.lessThan(list.length / 4);
    expect(windowed.welfarePerH).to.be.closeTo(whole.welfarePerH, 1e-9 * Math.abs(whole.welfarePerH));
    for (let k = 0; k < N; k++) expect(windowed.priceMwh[k]).to.be.closeTo(whole.priceMwh[k]!, 1e-6);
    expect(complementarityViolations(problem, windowed, { price: 1e-5 })).to.deep.equal([]);
  });
  it('is taken by default above 32,768 columns or from 200 columns a bus (4,096 columns at least), and then matches the whole LP', function () {
    this.timeout(60_000);
    const network = networkFromConfig(loadScenarioFile('scenarios/evening-peak.yaml').config.network!);
    const N = network.buses.length;
    const r = new RandomService(7).stream('test', 'density');
    const book = (columns: number, buses: number): DispatchProblem => ({
      network,
      offers: offersFromList(Array.from({ length: columns }, (_, j) => ({ bus: j % buses, buy: j % 2 === 0, price: Math.round((j % 2 === 0 ? 20 + 180 * r.next() : 150 * r.next()) * 100) / 100, kw: 1 + Math.round(r.next() * 50) / 10 }))),
    });
    // The same network either way: what counts is the columns per bus of the network.
    expect(windowable(book(WINDOWED_COLUMNS_PER_BUS * N - 1, N))).to.equal(false);
    expect(windowable(book(WINDOWED_COLUMNS_PER_BUS * N, 3))).to.equal(true);
    expect(windowable(book(WINDOWED_COLUMNS_PER_BUS * N, N))).to.equal(true);
    expect(windowable(book(WINDOWED_ABOVE_COLUMNS + 1, N))).to.equal(true);
    // A small book stays whole however dense (`windowable` reads only the network's bus count).
    const twoBuses = { ...network, buses: network.buses.slice(0, 2) };
    expect(windowable({ ...book(WINDOWED_DENSE_MIN_COLUMNS - 1, 2), network: twoBuses })).to.equal(false);
    expect(windowable({ ...book(WINDOWED_DENSE_MIN_COLUMNS, 2), network: twoBuses })).to.equal(true);
    // A tuned threshold overrides both (the tests above force narrow windows with 0).
    expect(windowable(book(WINDOWED_COLUMNS_PER_BUS * N, N), 1e9)).to.equal(false);
    // A dense book (every bidder at 3 of the buses) clears through small LPs by default, to the whole LP's optimum.
    const dense = book(WINDOWED_COLUMNS_PER_BUS * N, 3);
    const rounds: Array<{ columns: number; proved: boolean }> = [];
    const windowed = dispatchWindowed(dense, highs, {}, { trace: (x) => rounds.push(x) });
    const whole = dispatch(dense, highs);
    expect(rounds.length).to.be.greaterThan(0);
    expect(rounds.at(-1)!.proved).to.equal(true);
    expect(windowed.welfarePerH).to.be.closeTo(whole.welfarePerH, 1e-9 * Math.abs(whole.welfarePerH));
    for (let k = 0; k < N; k++) expect(windowed.priceMwh[k]).to.be.closeTo(whole.priceMwh[k]!, 1e-6);
    expect(complementarityViolations(dense, windowed, { price: 1e-5 })).to.deep.equal([]);
  });
});
