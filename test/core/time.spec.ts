import { expect } from 'chai';
import { formatSimTime, parseSimTime, simTime } from '../../core/time.ts';

describe('virtual time', () => {
  it('parses ISO-8601 UTC times and dates', () => {
    expect(parseSimTime('2026-07-01T00:00:00Z')).to.equal(Date.UTC(2026, 6, 1));
    expect(parseSimTime('2026-07-01')).to.equal(Date.UTC(2026, 6, 1));
    expect(parseSimTime('2026-07-01T02:00:00+02:00')).to.equal(Date.UTC(2026, 6, 1));
  });
  it('refuses times without a zone, impossible dates and hour 24', () => {
    for (const s of ['2026-07-01T00:00:00', '2026-02-30', '2026-13-01T00:00Z', '2026-07-01T24:00:00Z', 'July 1st', '']) expect(parseSimTime(s), s).to.equal(undefined);
  });
  it('formats without seconds when they are zero', () => {
    expect(formatSimTime(simTime(Date.UTC(2026, 6, 1, 17, 15)))).to.equal('2026-07-01T17:15:00Z');
    expect(formatSimTime(simTime(Date.UTC(2026, 6, 1, 17, 15, 0, 97)))).to.equal('2026-07-01T17:15:00.097Z');
  });
});
