import { expect } from 'chai';
import fc from 'fast-check';
import { meterMacKey } from '../../comms/security/keys.ts';
import { preparedMacKey, sealFields, sealRead } from '../../comms/security/meterMac.ts';
import { Mdms } from '../../metering/mdms.ts';
import { type MeterRead, meterRead } from '../../metering/meter.ts';
import type { VeeRules } from '../../metering/vee.ts';

const STEP = 900_000; // 15 min
const T0 = Date.UTC(2026, 6, 1);
const rules: VeeRules = { intervalMs: STEP, maxKwhPerInterval: 10 };
const read = (i: number, importKwh: number, extra: Partial<MeterRead> = {}): MeterRead => ({ meterId: 'm', intervalStartMs: T0 + i * STEP, intervalMs: STEP, importKwh, exportKwh: 0, ...extra });
const values = (m: Mdms, from: number, to: number) => m.series('m', T0 + from * STEP, T0 + to * STEP).map((v) => [v.quality, v.importKwh === undefined ? undefined : Number(v.importKwh.toFixed(12))]);

describe('metering: a meter read', () => {
  it('splits net power over the interval into import and export energy', () => {
    expect(meterRead('m', 0, STEP, 2)).to.deep.equal({ meterId: 'm', intervalStartMs: 0, intervalMs: STEP, importKwh: 0.5, exportKwh: 0 });
    expect(meterRead('m', 0, STEP, -4, 1.03)).to.deep.equal({ meterId: 'm', intervalStartMs: 0, intervalMs: STEP, importKwh: 0, exportKwh: 1, voltagePu: 1.03 });
    expect(() => meterRead('m', 0, STEP, Number.NaN)).to.throw(RangeError);
  });
});

describe('metering: MDMS validation, estimation and editing', () => {
  it('interpolates a short gap linearly between the bounding reads (energy and voltage)', () => {
    const m = new Mdms({ rules });
    m.ingest(read(0, 1.0, { exportKwh: 0.3, voltagePu: 1.0 }));
    m.ingest(read(3, 2.5, { exportKwh: 0, voltagePu: 1.03 }));
    const s = m.series('m', T0, T0 + 4 * STEP);
    expect(s.map((v) => v.quality)).to.deep.equal(['actual', 'interpolated', 'interpolated', 'actual']);
    expect(s[1]!.importKwh).to.be.closeTo(1.5, 1e-12);
    expect(s[2]!.importKwh).to.be.closeTo(2.0, 1e-12);
    expect(s[1]!.exportKwh).to.be.closeTo(0.2, 1e-12);
    expect(s[2]!.voltagePu).to.be.closeTo(1.02, 1e-12);
  });

  it('interpolates a gap of exactly one hour, but not one of 75 minutes', () => {
    const m = new Mdms({ rules });
    [read(0, 1), read(5, 2), read(20, 1), read(26, 4)].forEach((r) => m.ingest(r));
    // 4 missing intervals (60 min) between 0 and 5: 1.2, 1.4, 1.6, 1.8.
    expect(values(m, 0, 6)).to.deep.equal([['actual', 1], ['interpolated', 1.2], ['interpolated', 1.4], ['interpolated', 1.6], ['interpolated', 1.8], ['actual', 2]]);
    // 5 missing intervals (75 min) between 20 and 26, with no earlier day: missing, never invented.
    expect(values(m, 21, 26).map(([q]) => q)).to.deep.equal(['missing', 'missing', 'missing', 'missing', 'missing']);
  });

  it('fills a long gap from the same interval on the nearest earlier day, flagged estimated', () => {
    const m = new Mdms({ rules });
    [read(0, 1), read(9, 0.4), read(4 - 96, 0.7), read(5 - 2 * 96, 0.8)].forEach((r) => m.ingest(r));
    // Intervals 1–8 (2 h) are a long gap: 4 from the day before, 5 from two days before; 1–3 and 6–8 have no like day.
    expect(values(m, 1, 9)).to.deep.equal([
      ['missing', undefined],
      ['missing', undefined],
      ['missing', undefined],
      ['estimated', 0.7],
      ['estimated', 0.8],
      ['missing', undefined],
      ['missing', undefined],
      ['missing', undefined],
    ]);
  });

  it('looks back exactly likeDayLookbackDays days for a like day (7 by default), not one more', () => {
    // Interval 2 has no read before it; its only like days are 7 days back (0.9) for interval 2 and 8 days back (0.5) for interval 1.
    // (Audit of mutation testing: with the lookback one day short, `d < lookback`, every test still passed.)
    const m = new Mdms({ rules });
    [read(3, 1), read(2 - 7 * 96, 0.9), read(1 - 8 * 96, 0.5)].forEach((r) => m.ingest(r));
    expect(values(m, 1, 4)).to.deep.equal([['missing', undefined], ['estimated', 0.9], ['actual', 1]]);
    const three = new Mdms({ rules: { ...rules, likeDayLookbackDays: 3 } });
    [read(3, 1), read(2 - 3 * 96, 0.9), read(1 - 4 * 96, 0.5)].forEach((r) => three.ingest(r));
    expect(values(three, 1, 4)).to.deep.equal([['missing', undefined], ['estimated', 0.9], ['actual', 1]]);
  });

  it('a gap at the start of the data (no read before it) is estimated from a like day or left missing', () => {
    const m = new Mdms({ rules });
    [read(2, 1), read(0 - 96, 0.6)].forEach((r) => m.ingest(r));
    expect(values(m, 0, 3)).to.deep.equal([['estimated', 0.6], ['missing', undefined], ['actual', 1]]);
  });

  it('rejects duplicates (the first read stays), out-of-range and misaligned reads, with reasons', () => {
    const m = new Mdms({ rules: { ...rules, voltagePuRange: [0.8, 1.2] } });
    expect(m.ingest(read(0, 1))).to.equal(undefined);
    expect(m.ingest(read(0, 3))).to.equal('duplicate');
    expect(m.ingest(read(0, 1))).to.equal('duplicate');
    expect(m.ingest(read(1, -0.1))).to.equal('out-of-range');
    expect(m.ingest(read(1, Number.NaN))).to.equal('out-of-range');
    expect(m.ingest(read(1, 10.5))).to.equal('out-of-range');
    expect(m.ingest(read(1, 1, { exportKwh: Number.POSITIVE_INFINITY }))).to.equal('out-of-range');
    expect(m.ingest(read(1, 1, { voltagePu: 1.3 }))).to.equal('out-of-range');
    expect(m.ingest({ ...read(1, 1), intervalStartMs: T0 + STEP + 60_000 })).to.equal('misaligned');
    expect(m.ingest({ ...read(1, 1), intervalMs: 300_000 })).to.equal('misaligned');
    expect(m.ingest(read(1, 10))).to.equal(undefined);
    expect(m.rejected.map((r) => r.reason)).to.deep.equal(['duplicate', 'duplicate', 'out-of-range', 'out-of-range', 'out-of-range', 'out-of-range', 'out-of-range', 'misaligned', 'misaligned']);
    expect(values(m, 0, 2)).to.deep.equal([['actual', 1], ['actual', 10]]);
  });

  it('with meter keys, rejects tampered, unsealed and unknown meters\' reads', () => {
    const key = meterMacKey(7, 'm');
    const m = new Mdms({ rules, macKey: (id) => (id === 'm' ? key : undefined) });
    const sealed = sealRead(read(0, 1), key);
    expect(m.ingest({ ...sealed, importKwh: 0.2 })).to.equal('tampered');
    expect(m.ingest(read(0, 1))).to.equal('unsealed');
    expect(m.ingest(sealRead({ ...read(0, 1), meterId: 'x' }, key))).to.equal('unknown-meter');
    expect(m.ingest(sealed)).to.equal(undefined);
    expect(m.series('m', T0, T0 + STEP)[0]).to.deep.include({ quality: 'actual', importKwh: 1 });
  });
});

describe('metering: MDMS queries', () => {
  it('bills import and export over a period with the quality mix behind the totals', () => {
    const m = new Mdms({ rules });
    [read(0, 1, { exportKwh: 0.5 }), read(2, 2), read(3, 0, { exportKwh: 1 })].forEach((r) => m.ingest(r));
    const bill = m.energy('m', T0, T0 + 5 * STEP);
    expect(bill.importKwh).to.be.closeTo(1 + 1.5 + 2 + 0, 1e-12);
    expect(bill.exportKwh).to.be.closeTo(0.5 + 0.25 + 0 + 1, 1e-12);
    expect(bill.intervals).to.deep.equal({ actual: 3, interpolated: 1, estimated: 0, missing: 1 });
  });

  it('settles one interval on net energy, and averages the same interval of the previous days for a baseline', () => {
    const m = new Mdms({ rules });
    // Ten previous days at 17:00 with net 0.5, 1.0, …, 5.0 kWh per 15 min (2 … 20 kW); day 3 missing.
    const i17 = 68;
    for (let d = 1; d <= 10; d++) if (d !== 3) m.ingest(read(i17 - d * 96, d * 0.5));
    m.ingest(read(i17, 1.2, { exportKwh: 0.2 }));
    expect(m.netKwh('m', T0 + i17 * STEP)).to.be.closeTo(1.0, 1e-12);
    expect(m.netKwh('m', T0 + (i17 + 1) * STEP)).to.equal(undefined);
    // Day 3 has no read: VEE estimates it from the day before it (day 4: 8 kW), so the
    // baseline is the mean of 2, 4, 8, 8, 10, …, 20 kW = (110 − 6 + 8) / 10.
    expect(m.baselineKw('m', T0 + i17 * STEP)).to.be.closeTo(11.2, 1e-9);
    expect(m.baselineKw('m', T0 + (i17 + 1) * STEP)).to.equal(undefined);
  });
});

describe('metering: VEE invariants (property)', () => {
  it('keeps actual reads, interpolates only short gaps between reads and within their range, and never invents a value without a source', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined, freq: 3 }), { minLength: 1, maxLength: 60 }), (slots) => {
        const m = new Mdms({ rules });
        slots.forEach((v, i) => v !== undefined && m.ingest(read(i, v / 100)));
        const s = m.series('m', T0, T0 + slots.length * STEP);
        const present = slots.flatMap((v, i) => (v === undefined ? [] : [i]));
        s.forEach((x, i) => {
          const before = present.filter((j) => j < i).at(-1);
          const after = present.find((j) => j > i);
          if (slots[i] !== undefined) expect(x).to.include({ quality: 'actual', importKwh: slots[i]! / 100 });
          else if (before !== undefined && after !== undefined && after - before - 1 <= 4) {
            expect(x.quality).to.equal('interpolated');
            const [a, b] = [slots[before]! / 100, slots[after]! / 100];
            expect(x.importKwh).to.be.within(Math.min(a, b) - 1e-12, Math.max(a, b) + 1e-12);
          } else expect(x.quality).to.equal('missing'); // one day of data: no like day to estimate from
        });
      }),
    );
  });
});

describe('metering: the MDMS taking sealed reads as numbers', () => {
  it('takes a sealed read as numbers (ingestSealed) with the same verdicts, kept reads and rejections as ingest', () => {
    const key = meterMacKey(7, 'm');
    const keyOf = (id: string) => (id === 'm' ? key : undefined);
    const byObject = new Mdms({ rules: { ...rules, voltagePuRange: [0.8, 1.2] }, macKey: keyOf });
    const byFields = new Mdms({ rules: { ...rules, voltagePuRange: [0.8, 1.2] }, macKey: keyOf });
    const mac = new Int32Array(8);
    // As sealed by the meter; then what arrives (a tampering changes the import after sealing).
    const cases: Array<{ sent: MeterRead; arrives?: Partial<MeterRead> }> = [
      { sent: read(0, 1) },
      { sent: read(0, 3) }, // duplicate
      { sent: read(1, 1), arrives: { importKwh: 0.2 } }, // tampered
      { sent: { ...read(1, 1), meterId: 'x' } }, // unknown meter
      { sent: read(1, 11) }, // out of range
      { sent: read(1, 1, { voltagePu: 1.3 }) }, // out of range
      { sent: { ...read(1, 1), intervalMs: 300_000 } }, // misaligned
      { sent: read(1, 2, { voltagePu: 1.1 }) },
      { sent: read(2, 4) },
    ];
    const verdicts = cases.map(({ sent, arrives }) => {
      const got = { ...sent, ...arrives };
      sealFields(preparedMacKey(meterMacKey(7, sent.meterId)), sent.meterId, sent.intervalStartMs, sent.intervalMs, sent.importKwh, sent.exportKwh, sent.voltagePu ?? Number.NaN, mac, 0);
      const fields = byFields.ingestSealed(byFields.meterHandle(got.meterId), got.intervalStartMs, got.intervalMs, got.importKwh, got.exportKwh, got.voltagePu ?? Number.NaN, mac, 0);
      expect(byObject.ingest({ ...sealRead(sent, meterMacKey(7, sent.meterId)), ...arrives })).to.equal(fields);
      return fields;
    });
    expect(verdicts).to.deep.equal([undefined, 'duplicate', 'tampered', 'unknown-meter', 'out-of-range', 'out-of-range', 'misaligned', undefined, undefined]);
    expect(byFields.rejected).to.deep.equal(byObject.rejected);
    expect(byFields.series('m', T0, T0 + 3 * STEP)).to.deep.equal(byObject.series('m', T0, T0 + 3 * STEP));
    expect(byFields.series('m', T0, T0 + 3 * STEP).map((v) => [v.quality, v.importKwh, v.voltagePu])).to.deep.equal([['actual', 1, undefined], ['actual', 2, 1.1], ['actual', 4, undefined]]);
  });
});

describe('metering: the MDMS computing MACs ahead for reads in flight (expectSealed)', () => {
  it('property: the same verdicts, rejections and series as checking every read from scratch, whatever was told ahead (the same fields, other fields, twice, nothing) and whatever arrives (tampered fields, a flipped MAC word, -0, NaN)', () => {
    const ids = ['m0', 'm1', 'm2', 'x'];
    const keyOf = (id: string) => (id === 'x' ? undefined : meterMacKey(9, id));
    const imports = [0, -0, 1, 2.5, 11, Number.NaN];
    const readArb = fc.record({
      meter: fc.nat(ids.length - 1),
      interval: fc.nat(5),
      imp: fc.nat(imports.length - 1),
      arrives: fc.constantFrom('as-sent', 'import-changed', 'sign-of-zero', 'mac-flipped'),
      told: fc.constantFrom('as-arrives', 'as-sent', 'other', 'twice', 'not'),
      order: fc.nat(),
    });
    let usedAhead = 0;
    fc.assert(
      fc.property(fc.array(fc.array(readArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }), (bursts) => {
        const scratch = new Mdms({ rules, macKey: keyOf });
        const ahead = new Mdms({ rules, macKey: keyOf });
        const macs = new Int32Array(8 * 40);
        for (const burst of bursts) {
          // Sealed and sent, then (in another order) delivered.
          const sent = burst.map((r, k) => {
            const id = ids[r.meter]!;
            const start = T0 + r.interval * STEP;
            const imp = imports[r.imp]!;
            sealFields(preparedMacKey(meterMacKey(9, id)), id, start, STEP, imp, 0, Number.NaN, macs, 8 * k);
            let got = imp;
            if (r.arrives === 'import-changed') got = imp + 1;
            if (r.arrives === 'sign-of-zero' && imp === 0) got = Object.is(imp, 0) ? -0 : 0;
            if (r.arrives === 'mac-flipped') macs[8 * k + (r.order % 8)] = macs[8 * k + (r.order % 8)]! ^ 4;
            const h = ahead.meterHandle(id);
            if (r.told === 'as-arrives' || r.told === 'twice') ahead.expectSealed(h, start, STEP, got, 0, Number.NaN);
            if (r.told === 'as-sent') ahead.expectSealed(h, start, STEP, imp, 0, Number.NaN);
            if (r.told === 'other' || r.told === 'twice') ahead.expectSealed(h, start + (r.told === 'other' ? STEP : 0), STEP, got, 0, Number.NaN);
            return { id, start, got, k, order: r.order };
          });
          for (const d of [...sent].sort((a, b) => a.order - b.order || a.k - b.k)) {
            const want = scratch.ingestSealed(scratch.meterHandle(d.id), d.start, STEP, d.got, 0, Number.NaN, macs, 8 * d.k);
            expect(ahead.ingestSealed(ahead.meterHandle(d.id), d.start, STEP, d.got, 0, Number.NaN, macs, 8 * d.k)).to.equal(want);
          }
        }
        expect(ahead.rejected).to.deep.equal(scratch.rejected);
        for (const id of ids) expect(ahead.series(id, T0, T0 + 6 * STEP)).to.deep.equal(scratch.series(id, T0, T0 + 6 * STEP));
        usedAhead += ahead.checkedWithMacAhead;
      }),
      { numRuns: 300 },
    );
    // The MACs computed ahead were used (not every read fell back to a check from scratch).
    expect(usedAhead).to.be.greaterThan(100);
  });

  it('a tampered read told ahead with its tampered fields is still rejected on delivery, and its genuine twin accepted', () => {
    const m = new Mdms({ rules, macKey: (id) => meterMacKey(3, id) });
    const h = m.meterHandle('m');
    const mac = new Int32Array(16);
    // The meter's key is asked at the first delivery; from then on reads can be told ahead.
    sealFields(preparedMacKey(meterMacKey(3, 'm')), 'm', T0, STEP, 1, 0, Number.NaN, mac, 0);
    expect(m.ingestSealed(h, T0, STEP, 1, 0, Number.NaN, mac, 0)).to.equal(undefined);
    sealFields(preparedMacKey(meterMacKey(3, 'm')), 'm', T0 + STEP, STEP, 1, 0, Number.NaN, mac, 8);
    m.expectSealed(h, T0 + STEP, STEP, 2, 0, Number.NaN);
    expect(m.ingestSealed(h, T0 + STEP, STEP, 2, 0, Number.NaN, mac, 8)).to.equal('tampered');
    m.expectSealed(h, T0 + STEP, STEP, 1, 0, Number.NaN);
    expect(m.ingestSealed(h, T0 + STEP, STEP, 1, 0, Number.NaN, mac, 8)).to.equal(undefined);
    expect(m.checkedWithMacAhead).to.equal(2);
  });
});

describe('metering: the MDMS sharing series at run end', () => {
  it('answers the same question with the same series inside sharingSeries, and a read ingested meanwhile changes the answer', () => {
    const m = new Mdms({ rules, readsPerMeter: 2 });
    m.ingest(read(0, 1));
    m.ingest(read(2, 3));
    const outside = m.series('m', T0, T0 + 3 * STEP);
    expect(m.series('m', T0, T0 + 3 * STEP)).not.to.equal(outside);
    m.sharingSeries(() => {
      const first = m.series('m', T0, T0 + 3 * STEP);
      expect(first).to.deep.equal(outside);
      expect(m.series('m', T0, T0 + 3 * STEP)).to.equal(first);
      // Another window is its own question.
      expect(m.series('m', T0, T0 + 2 * STEP)).to.have.length(2);
      expect(m.ingest(read(1, 5))).to.equal(undefined);
      // Beyond the two reads it was sized for: the columns grow.
      expect(m.series('m', T0, T0 + 3 * STEP).map((v) => [v.quality, v.importKwh])).to.deep.equal([['actual', 1], ['actual', 5], ['actual', 3]]);
    });
    expect(values(m, 0, 3)).to.deep.equal([['actual', 1], ['actual', 5], ['actual', 3]]);
  });
});
