import { expect } from 'chai';
import fc from 'fast-check';
import { from } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { simTime } from '../../core/time.ts';
import { agentId, busId } from '../../core/units.ts';
import { gateClosure, type GateInput, type GateOutput } from '../../market/gate.ts';
import type { Bid } from '../../market/types.ts';

// Interval k's gate closes at virtual time 100·k + 95.
const gateTimeOf = (k: number) => simTime(100 * k + 95);
const bid = (agent: string, interval: number): Bid => ({
  id: `${agent}@${interval}`,
  agentId: agentId(agent),
  bus: busId('main'),
  interval,
  segments: [{ side: 'buy', priceMwh: 50, quantityKw: 1 }],
});

describe('gateClosure (marble tests in virtual time)', () => {
  const scheduler = () => new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });

  it('emits the book of an interval when its gate closes, with the bids that arrived before', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const a = bid('a', 0);
      const b = bid('b', 0);
      const input = cold<GateInput>('a-b-c|', {
        a: { type: 'bid', bid: a, submittedAt: simTime(10) },
        b: { type: 'bid', bid: b, submittedAt: simTime(20) },
        c: { type: 'close', interval: 0, at: simTime(95) },
      });
      expectObservable(input.pipe(gateClosure(gateTimeOf))).toBe('----c|', {
        c: { type: 'closed', interval: 0, at: simTime(95), bids: [a, b] } satisfies GateOutput,
      });
    });
  });

  it('takes a batch of bids submitted at one time as one bid event each, in order, late ones rejected one by one', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const a = bid('a', 0);
      const b = bid('b', 0);
      const next = bid('n', 1);
      const input = cold<GateInput>('a-c-l-d|', {
        a: { type: 'bids', bids: [a, b], submittedAt: simTime(90) },
        c: { type: 'close', interval: 0, at: simTime(95) },
        l: { type: 'bids', bids: [bid('x', 0), next], submittedAt: simTime(96) },
        d: { type: 'close', interval: 1, at: simTime(195) },
      });
      expectObservable(input.pipe(gateClosure(gateTimeOf))).toBe('--c-r-d|', {
        c: { type: 'closed', interval: 0, at: simTime(95), bids: [a, b] },
        r: {
          type: 'rejected',
          submittedAt: simTime(96),
          rejection: { bidId: 'x@0', agentId: agentId('x'), interval: 0, code: 'gate-closed', reason: 'arrived after the gate of interval 0 closed at 1970-01-01T00:00:00.095Z (stamped 1970-01-01T00:00:00.096Z)' },
        },
        d: { type: 'closed', interval: 1, at: simTime(195), bids: [next] },
      });
    });
  });

  it('rejects a bid arriving after its gate closed, with a reason, and keeps the next interval open', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const late = bid('late', 0);
      const next = bid('next', 1);
      const input = cold<GateInput>('c-l-n-d|', {
        c: { type: 'close', interval: 0, at: simTime(95) },
        l: { type: 'bid', bid: late, submittedAt: simTime(97) },
        n: { type: 'bid', bid: next, submittedAt: simTime(150) },
        d: { type: 'close', interval: 1, at: simTime(195) },
      });
      expectObservable(input.pipe(gateClosure(gateTimeOf))).toBe('c-r---d|', {
        c: { type: 'closed', interval: 0, at: simTime(95), bids: [] },
        r: {
          type: 'rejected',
          submittedAt: simTime(97),
          rejection: {
            bidId: 'late@0',
            agentId: 'late',
            interval: 0,
            code: 'gate-closed',
            reason: 'arrived after the gate of interval 0 closed at 1970-01-01T00:00:00.095Z (stamped 1970-01-01T00:00:00.097Z)',
          },
        },
        d: { type: 'closed', interval: 1, at: simTime(195), bids: [next] },
      });
    });
  });

  it('rejects a bid stamped after the gate even when it reaches the operator before the close event', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const input = cold<GateInput>('a-c|', {
        a: { type: 'bid', bid: bid('slow', 0), submittedAt: simTime(96) },
        c: { type: 'close', interval: 0, at: simTime(95) },
      });
      const out = input.pipe(gateClosure(gateTimeOf));
      expectObservable(out).toBe('r-c|', {
        r: {
          type: 'rejected',
          submittedAt: simTime(96),
          rejection: { bidId: 'slow@0', agentId: 'slow', interval: 0, code: 'gate-closed', reason: 'submitted at 1970-01-01T00:00:00.096Z, after gate closure at 1970-01-01T00:00:00.095Z' },
        },
        c: { type: 'closed', interval: 0, at: simTime(95), bids: [] },
      });
    });
  });

  it('accepts bids for a later interval while an earlier one is still open, and propagates errors', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const early = bid('early', 1);
      const input = cold<GateInput>('e-c-#', {
        e: { type: 'bid', bid: early, submittedAt: simTime(5) },
        c: { type: 'close', interval: 0, at: simTime(95) },
      });
      expectObservable(input.pipe(gateClosure(gateTimeOf))).toBe('--c-#', { c: { type: 'closed', interval: 0, at: simTime(95), bids: [] } });
    });
  });
});

describe('gateClosure: the gate instant itself', () => {
  /** Everything the gate emits for `events`, synchronously. */
  const outputs = (events: readonly GateInput[]): GateOutput[] => {
    const out: GateOutput[] = [];
    from(events).pipe(gateClosure(gateTimeOf)).subscribe((o) => out.push(o));
    return out;
  };
  const close0: GateInput = { type: 'close', interval: 0, at: simTime(95) };
  // "A bid stamped later [than the gate] is late": one stamped at the gate is on time, one a millisecond later is not.
  // (Audit of mutation testing: with `>` turned into `>=`, or the batch path's `<=` into `<`, every test still passed.)
  it('takes a bid stamped exactly at the gate time (95), alone or in a batch, and refuses one stamped at 96', () => {
    const onTime = bid('on-time', 0);
    for (const events of [
      [{ type: 'bid', bid: onTime, submittedAt: simTime(95) }, close0],
      [{ type: 'bids', bids: [onTime], submittedAt: simTime(95) }, close0],
    ] satisfies GateInput[][]) {
      expect(outputs(events)).to.deep.equal([{ type: 'closed', interval: 0, at: simTime(95), bids: [onTime] }]);
    }
    for (const events of [
      [{ type: 'bid', bid: onTime, submittedAt: simTime(96) }, close0],
      [{ type: 'bids', bids: [onTime], submittedAt: simTime(96) }, close0],
    ] satisfies GateInput[][]) {
      const out = outputs(events);
      expect(out.map((o) => o.type)).to.deep.equal(['rejected', 'closed']);
      expect(out[1]).to.deep.equal({ type: 'closed', interval: 0, at: simTime(95), bids: [] });
    }
  });
});

describe('gateClosure: a batch is the same as its bids one by one (property)', () => {
  /** Everything the gate emits for `events`, synchronously. */
  const outputs = (events: readonly GateInput[]): GateOutput[] => {
    const out: GateOutput[] = [];
    from(events).pipe(gateClosure(gateTimeOf)).subscribe((o) => out.push(o));
    return out;
  };
  it('for batches mixing intervals, open, closed and past their gate, at any time', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('bids' as const), at: fc.integer({ min: 0, max: 500 }), intervals: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 8 }) }),
      fc.record({ kind: fc.constant('close' as const), interval: fc.integer({ min: 0, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        let n = 0;
        const batched: GateInput[] = [];
        const single: GateInput[] = [];
        for (const s of steps) {
          if (s.kind === 'close') {
            const close: GateInput = { type: 'close', interval: s.interval, at: gateTimeOf(s.interval) };
            batched.push(close);
            single.push(close);
            continue;
          }
          const bids = s.intervals.map((k) => bid(`p${n++}`, k));
          batched.push({ type: 'bids', bids, submittedAt: simTime(s.at) });
          for (const b of bids) single.push({ type: 'bid', bid: b, submittedAt: simTime(s.at) });
        }
        expect(outputs(batched)).to.deep.equal(outputs(single));
      }),
      { numRuns: 400 },
    );
  });
});
