import { expect } from 'chai';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { isoMs, messageLogLine, messageLogRow } from '../../comms/messageLog.ts';
import { formatSimTime, simTime } from '../../core/time.ts';

describe('comms/messageLog: the fast time text of delivered_at', () => {
  it('is formatSimTime’s text for any whole ms (2000–2100; any year the Date range holds), in any order of calls (its day cache)', () => {
    const ms = fc.oneof(fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), fc.integer({ min: -8.64e15, max: 8.64e15 }));
    fc.assert(
      fc.property(fc.array(ms, { minLength: 1, maxLength: 20 }), (times) => {
        for (const t of times) expect(isoMs(t)).to.equal(formatSimTime(simTime(t)));
      }),
    );
    expect(isoMs(Date.UTC(2026, 6, 1, 17, 0, 0, 0))).to.equal('2026-07-01T17:00:00Z');
    expect(isoMs(Date.UTC(2026, 6, 1, 17, 0, 2, 7))).to.equal('2026-07-01T17:00:02.007Z');
    expect(isoMs(Date.UTC(2026, 6, 1, 17, 0, 2, 0))).to.equal('2026-07-01T17:00:02.000Z');
  });
});

describe('comms/messageLog: a row as one CSV line', () => {
  it('is the csv-stringify text of messageLogRow, quoting included', () => {
    const base = { id: '1', type: 'curtail' as const, class: 'distribution-grid-management' as const, referencePoint: 'RP1' as const, from: 'dso', to: 'home-b-1', sizeBytes: 250, sentAtMs: Date.UTC(2026, 6, 1, 17), deadlineMs: Date.UTC(2026, 6, 1, 17, 0, 2) };
    const records = [
      { message: base, link: undefined, deliveredAtMs: Date.UTC(2026, 6, 1, 17) + 1234.6, attempts: 1, status: 'delivered' as const },
      { message: { ...base, from: 'a,"b"', to: 'c\nd' }, link: 'back,haul', deliveredAtMs: undefined, attempts: 4, status: 'lost' as const },
    ];
    for (const r of records) for (const st of [undefined, 'rejected-replay']) expect(messageLogLine(r, st)).to.equal(stringify([messageLogRow(r, st)]));
  });
});
