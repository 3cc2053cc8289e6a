/**
 * Gate closure as an RxJS operator. Bids (one by one, or a batch submitted at
 * one time) and gate-closing events arrive on one stream in virtual-time order;
 * when the gate of an interval closes, its book of bids is emitted. A bid that arrives for an interval whose gate has closed, or
 * stamped after that gate, is emitted as a rejection: never silently dropped.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { formatSimTime, type SimTime } from '../core/time.ts';
import type { Bid, Rejection } from './types.ts';

export type GateInput =
  | { readonly type: 'bid'; readonly bid: Bid; readonly submittedAt: SimTime }
  /** Bids submitted at the same time, in order: the same as one `bid` event each, in one message (thousands of agents bid at once). */
  | { readonly type: 'bids'; readonly bids: readonly Bid[]; readonly submittedAt: SimTime }
  | { readonly type: 'close'; readonly interval: number; readonly at: SimTime };

export type GateOutput =
  | { readonly type: 'closed'; readonly interval: number; readonly at: SimTime; readonly bids: readonly Bid[] }
  | { readonly type: 'rejected'; readonly rejection: Rejection; readonly submittedAt: SimTime };

/**
 * @param gateTimeOf the gate-closure time of an interval: a bid stamped later is late
 *   even if it reaches the operator before the close event.
 */
export function gateClosure(gateTimeOf: (interval: number) => SimTime): OperatorFunction<GateInput, GateOutput> {
  return (source) =>
    new Observable<GateOutput>((subscriber) => {
      const open = new Map<number, Bid[]>();
      const closed = new Set<number>();
      const reject = (bid: Bid, submittedAt: SimTime, reason: string): void =>
        subscriber.next({
          type: 'rejected',
          submittedAt,
          rejection: { bidId: bid.id, agentId: bid.agentId, interval: bid.interval, code: 'gate-closed', reason },
        });
      const receive = (bid: Bid, submittedAt: SimTime): void => {
        const gate = gateTimeOf(bid.interval);
        if (closed.has(bid.interval)) {
          // The book is closed: whatever its stamp says, the bid came after the gate's close event.
          reject(bid, submittedAt, `arrived after the gate of interval ${bid.interval} closed at ${formatSimTime(gate)} (stamped ${formatSimTime(submittedAt)})`);
        } else if (submittedAt > gate) {
          reject(bid, submittedAt, `submitted at ${formatSimTime(submittedAt)}, after gate closure at ${formatSimTime(gate)}`);
        } else {
          const book = open.get(bid.interval);
          if (book) book.push(bid);
          else open.set(bid.interval, [bid]);
        }
      };
      return source.subscribe({
        next(event) {
          if (event.type === 'bid') receive(event.bid, event.submittedAt);
          else if (event.type === 'bids') {
            // Thousands of bids at once, nearly always for one interval: its gate and book are looked up
            // once per run of bids for the same interval, and a bid the gate refuses goes through `receive`.
            // A new book is a copy of the run (`slice`): one array of its final size, where pushing
            // thousands of bids into [] allocated ~3 copies of it as it grew (9.5 MB a run of 4000
            // homes, V8's sampling heap profiler); and never an empty array of small integers, at whose first
            // push optimised code had bailed out ("not a Smi").
            const bids = event.bids;
            let j = 0;
            while (j < bids.length) {
              const interval = bids[j]!.interval;
              let end = j + 1;
              while (end < bids.length && bids[end]!.interval === interval) end++;
              if (!closed.has(interval) && event.submittedAt <= gateTimeOf(interval)) {
                const book = open.get(interval);
                if (book) for (let k = j; k < end; k++) book.push(bids[k]!);
                else open.set(interval, bids.slice(j, end));
              } else for (let k = j; k < end; k++) receive(bids[k]!, event.submittedAt);
              j = end;
            }
          } else {
            const bids = open.get(event.interval) ?? [];
            open.delete(event.interval);
            closed.add(event.interval);
            subscriber.next({ type: 'closed', interval: event.interval, at: event.at, bids });
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
