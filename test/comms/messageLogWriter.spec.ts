import { expect } from 'chai';
import fc from 'fast-check';
import { APPLICATION_CLASSES } from '../../comms/applicationClasses.ts';
import { messageLogLine, MessageLogWriter } from '../../comms/messageLog.ts';
import { DELIVERY_STATUSES, MessageTable } from '../../comms/messageTable.ts';
import { MESSAGE_TYPES } from '../../comms/messages.ts';
import type { DeliveryRecord } from '../../comms/plane.ts';
import { REFERENCE_POINTS } from '../../comms/referencePoints.ts';

const row = fc.record({
  type: fc.integer({ min: 0, max: MESSAGE_TYPES.length - 1 }),
  cls: fc.integer({ min: 0, max: APPLICATION_CLASSES.length - 1 }),
  rp: fc.integer({ min: 0, max: REFERENCE_POINTS.length - 1 }),
  from: fc.constantFrom('home-1', 'market', 'meter:ev-v2g-12', 'a,"b"', 'c\nd', 'größe'),
  to: fc.constantFrom('market', 'mdms', 'x,y', 'home-base-9999'),
  sizeBytes: fc.oneof(fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 0.001, max: 1e4, noNaN: true })),
  sentAtMs: fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
  delayMs: fc.option(fc.double({ min: 0, max: 400_000, noNaN: true }), { nil: undefined }),
  attempts: fc.integer({ min: 1, max: 101 }),
  status: fc.constantFrom(...DELIVERY_STATUSES, 'rejected-replay', 'odd,status'),
  link: fc.option(fc.constantFrom('backhaul', 'gw,1', 'l"q'), { nil: undefined }),
});

describe('comms/messageLog: rows written from the message table', () => {
  it('property: the bytes are the UTF-8 of messageLogLine for the same message, row for row (quoting, times, sizes)', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), (rows) => {
        const table = new MessageTable();
        const writer = new MessageLogWriter();
        let expected = '';
        for (const r of rows) {
          const s = table.allocate();
          table.type[s] = r.type;
          table.cls[s] = r.cls;
          table.rp[s] = r.rp;
          table.from[s] = table.endpoints.id(r.from);
          table.to[s] = table.endpoints.id(r.to);
          table.sizeBytes[s] = r.sizeBytes;
          table.sentAtMs[s] = r.sentAtMs;
          table.deliveredAtMs[s] = r.delayMs === undefined ? NaN : r.sentAtMs + r.delayMs;
          table.attempts[s] = r.attempts;
          writer.row(table, s, r.status, r.link);
          const record: DeliveryRecord = {
            message: { id: String(s), type: MESSAGE_TYPES[r.type]!, class: APPLICATION_CLASSES[r.cls]!, referencePoint: REFERENCE_POINTS[r.rp]!, from: r.from, to: r.to, sizeBytes: r.sizeBytes, sentAtMs: r.sentAtMs },
            link: r.link,
            deliveredAtMs: r.delayMs === undefined ? undefined : r.sentAtMs + r.delayMs,
            attempts: r.attempts,
            status: 'delivered',
          };
          expected += messageLogLine(record, r.status);
        }
        expect(Buffer.concat(writer.take()).toString('utf8')).to.equal(expected);
        expect(writer.take()).to.deep.equal([]);
      }),
      { numRuns: 100 },
    );
  });
});
