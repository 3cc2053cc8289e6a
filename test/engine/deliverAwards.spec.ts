/**
 * engine/interval/deliver.ts hands every agent of an interval the same award object, rewritten
 * before each `settle` (`AwardScratch`, issue 16: a literal per agent and interval was 40 MB per
 * warm run). Each agent must still see exactly its own award while it settles: its position
 * plus the commanded change (a reduction off the purchase first, then onto the sale; an
 * increase the other way round), its price, whether it was accepted, and `commandedKw` only
 * when commanded — whatever the agents before it were given.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { AgentObservation, AgentRuntime, Award } from '../../agents/types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import { Money, MoneyUnit } from '../../core/money.ts';
import type { SimTime } from '../../core/time.ts';
import type { Hours } from '../../core/units.ts';
import { deliverAndObserve, deliverAwards } from '../../engine/interval/deliver.ts';
import { IntervalLedger } from '../../engine/interval/ledger.ts';
import { Crashes, type Participant } from '../../engine/interval/participants.ts';

const Q = 0.5;
const interval: MarketInterval = { index: 3, start: 900_000 as SimTime, end: 1_800_000 as SimTime, durationH: 0.25 as Hours, gateClosure: 600_000 as SimTime };

/** An agent that writes down, during `settle`, what its award says (a copy: the object is not its to keep). */
function recorder(id: string, seen: Map<string, Record<string, unknown>>): AgentRuntime {
  return {
    id,
    kind: 'home',
    bus: 'b1',
    bid: () => [],
    settle(award: Award) {
      seen.set(id, { interval: award.interval, buyKw: award.buyKw, sellKw: award.sellKw, priceMwh: award.priceMwh, bidAccepted: award.bidAccepted, has: 'commandedKw' in award, commandedKw: award.commandedKw });
    },
    observe: (): AgentObservation => ({ state: 'normal', baselineKw: 0, unservedKwh: 0 }),
  } as unknown as AgentRuntime;
}

const quanta = fc.integer({ min: 0, max: 40 });
const agentArb = fc.record({ buy: quanta, sell: quanta, change: fc.integer({ min: -60, max: 60 }), price: fc.oneof(fc.double({ min: -500, max: 3000, noNaN: true }), fc.constant(NaN)), member: fc.boolean() });

describe('deliver: one award object rewritten for every agent', () => {
  for (const via of ['deliverAndObserve', 'deliverAwards'] as const) {
    it(`${via}: each agent sees its own position, command, price and acceptance while it settles (property)`, () => {
      fc.assert(
        fc.property(fc.array(agentArb, { minLength: 1, maxLength: 12 }), (agents) => {
          const n = agents.length;
          const seen = new Map<string, Record<string, unknown>>();
          const parts: Participant[] = agents.map((_, i) => ({ role: 'agent', runtime: recorder(`a${i}`, seen), route: { type: 'market' }, latency: undefined }) as unknown as Participant);
          const ledger = new IntervalLedger(n, new MoneyUnit(new Money('0.001')), Q);
          const memberOf = new Int32Array(n).fill(-1);
          agents.forEach((a, i) => {
            ledger.buyQuanta[i] = a.buy;
            ledger.sellQuanta[i] = a.sell;
            ledger.commandedQuanta[i] = a.change;
            ledger.priceMwh[i] = a.price;
            if (a.member) memberOf[i] = 0;
          });
          const crashes = new Crashes(parts, interval.start);
          const regulating = new Uint8Array(n);
          if (via === 'deliverAndObserve') deliverAndObserve(parts, ledger, interval, crashes, regulating, 0, memberOf, undefined);
          else deliverAwards(parts, ledger, interval, crashes, regulating, 0, memberOf);
          agents.forEach((a, i) => {
            let buy = a.buy;
            let sell = a.sell;
            if (a.change < 0) {
              const off = Math.min(-a.change, buy);
              buy -= off;
              sell += -a.change - off;
            } else if (a.change > 0) {
              const off = Math.min(a.change, sell);
              sell -= off;
              buy += a.change - off;
            }
            expect(seen.get(`a${i}`)).to.deep.equal({
              interval,
              buyKw: buy * Q,
              sellKw: sell * Q,
              priceMwh: a.price,
              bidAccepted: a.buy + a.sell > 0 || a.member,
              has: a.change !== 0,
              commandedKw: a.change !== 0 ? a.change * Q : undefined,
            });
          });
        }),
      );
    });
  }
});
