/**
 * A strategy written as an `async` function answers with a Promise. The guard reports it as
 * the strategy's fault (the agent bids its default), and a rejected one does not end the
 * process: unhandled, its rejection ended `gridbid run` with exit 1 and the module's stack.
 */
import { expect } from 'chai';
import { guardStrategy } from '../../strategies/guard.ts';
import { branded } from '../helpers/units.ts';
import type { AgentViewBase, MarketView, Strategy, StrategyOutcome } from '../../strategies/types.ts';

const MARKET = branded<MarketView>({ interval: { index: 0, start: 0, durationH: 1 }, priceCapMwh: 3000, priceFloorMwh: -500, quantumKw: 0.001, lastPriceMwh: undefined, priceForecastMwh: [], conditions: { outdoorC: 20, ghiWm2: 0 } });
const VIEW: AgentViewBase = { agentId: 'b1', kind: 'storage', demand: [], supply: [] };
const FALLBACK: Strategy = { id: 'default', bid: () => [{ side: 'buy', priceMwh: 1, quantityKw: 1 }] };
const OUTCOME = branded<StrategyOutcome>({ interval: { index: 0, start: 0, durationH: 1 }, buyKw: 0, sellKw: 0, priceMwh: 1 });

/** Unhandled rejections while `body` runs and two turns of the event loop after it. */
async function unhandledDuring(body: () => void): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  const mochas = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', listener);
  try {
    body();
    await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('unhandledRejection', listener);
    for (const l of mochas) process.on('unhandledRejection', l);
  }
  return seen;
}

describe('a strategy that answers with a Promise', () => {
  it('an async bid, rejected or not, is reported and the agent bids its default; the rejection is handled', async () => {
    const reports: string[] = [];
    const report = (a: string, id: string, msg: string): void => void reports.push(`${a} ${id} ${msg}`);
    const rejecting = guardStrategy({ id: 'async-boom', bid: (async () => { throw new Error('boom'); }) as unknown as Strategy['bid'] }, FALLBACK, report);
    const resolving = guardStrategy({ id: 'async-ok', bid: (async () => [{ side: 'buy', priceMwh: 50, quantityKw: 2 }]) as unknown as Strategy['bid'] }, FALLBACK, report);
    const answers: unknown[] = [];
    const unhandled = await unhandledDuring(() => answers.push(rejecting.bid(VIEW, MARKET), resolving.bid(VIEW, MARKET)));
    expect(unhandled).to.deep.equal([]);
    expect(answers).to.deep.equal([FALLBACK.bid(VIEW, MARKET), FALLBACK.bid(VIEW, MARKET)]);
    const why = 'returned a Promise: it must answer synchronously (an async function always returns a Promise)';
    expect(reports).to.deep.equal([`b1 async-boom ${why}`, `b1 async-ok ${why}`]);
  });

  it('an async observe or dayAheadValuation is reported, and its rejection handled', async () => {
    const reports: string[] = [];
    const s = guardStrategy(
      {
        id: 'async-rest',
        bid: () => [],
        observe: (async () => { throw new Error('late'); }) as unknown as NonNullable<Strategy['observe']>,
        dayAheadValuation: (async () => { throw new Error('late'); }) as unknown as NonNullable<Strategy['dayAheadValuation']>,
      },
      FALLBACK,
      (a, id, msg) => void reports.push(`${a} ${id} ${msg}`),
      'b1',
    );
    let valuation: unknown = 'not called';
    const unhandled = await unhandledDuring(() => {
      s.observe!(OUTCOME);
      valuation = s.dayAheadValuation!(VIEW, MARKET);
    });
    expect(unhandled).to.deep.equal([]);
    expect(valuation).to.equal(undefined); // the agent's default
    expect(reports).to.deep.equal([
      'b1 async-rest in observe returned a Promise: it must answer synchronously (an async function always returns a Promise)',
      'b1 async-rest in dayAheadValuation returned a Promise: it must answer synchronously (an async function always returns a Promise)',
    ]);
  });
});
