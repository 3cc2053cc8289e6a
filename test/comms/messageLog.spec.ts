import { expect } from 'chai';
import fc from 'fast-check';
import { isoMs } from '../../comms/messageLog.ts';
import { formatSimTime, simTime } from '../../core/time.ts';

describe('comms/messageLog: the fast time text of delivered_at', () => {
  it('is formatSimTime’s text for any whole ms (2000–2100), in any order of calls (its day cache)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), { minLength: 1, maxLength: 20 }), (times) => {
        for (const t of times) expect(isoMs(t)).to.equal(formatSimTime(simTime(t)));
      }),
    );
    expect(isoMs(Date.UTC(2026, 6, 1, 17, 0, 0, 0))).to.equal('2026-07-01T17:00:00Z');
    expect(isoMs(Date.UTC(2026, 6, 1, 17, 0, 2, 7))).to.equal('2026-07-01T17:00:02.007Z');
    expect(isoMs(Date.UTC(2026, 6, 1, 17, 0, 2, 0))).to.equal('2026-07-01T17:00:02.000Z');
  });
});
