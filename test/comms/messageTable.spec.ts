import { expect } from 'chai';
import fc from 'fast-check';
import { MessageTable } from '../../comms/messageTable.ts';

describe('comms: the message table hands out slots', () => {
  it('property: a slot is never handed out twice while in use, and a free slot is reused before the table grows', () => {
    // true: allocate; a number: release the live slot at that position (mod the live count).
    const op = fc.oneof(fc.constant(true), fc.nat());
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000, size: 'max' }), (ops) => {
        const t = new MessageTable();
        const live: number[] = [];
        const inUse = new Set<number>();
        let highest = -1;
        for (const o of ops) {
          if (o === true) {
            const s = t.allocate();
            expect(inUse.has(s), `slot ${s} handed out twice`).to.equal(false);
            // Fresh slots only when none below the highest is free.
            if (s > highest) {
              expect(s).to.equal(highest + 1);
              expect(inUse.size).to.equal(highest + 1);
              highest = s;
            }
            inUse.add(s);
            live.push(s);
          } else if (live.length > 0) {
            const [s] = live.splice(o % live.length, 1);
            inUse.delete(s!);
            t.release(s!);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a burst after the table has emptied takes consecutive slots, from where the last burst ended', () => {
    const t = new MessageTable();
    const first = Array.from({ length: 100 }, () => t.allocate());
    first.reverse().forEach((s) => t.release(s));
    // All 100 are free; the next burst sweeps on from slot 0 (the cursor wrapped at the end of the used slots), in order.
    expect(Array.from({ length: 5 }, () => t.allocate())).to.deep.equal([0, 1, 2, 3, 4]);
  });
});
