/**
 * Hand-computed bills, one customer per tariff type, to the cent. Each meter is small
 * enough to redo by hand; the arithmetic is in the comment above the assertion.
 * 2026-07-01 is a Wednesday, 2026-07-03 a Friday, 2026-07-04 a Saturday.
 */
import { expect } from 'chai';
import { computeBill } from '../../tariffs/bill.ts';
import { energyKwh, Money, perKwhFromPerMwh, roundToCent } from '../../core/money.ts';
import { retailPriceAt, retailPriceForecast } from '../../tariffs/signal.ts';
import { isEventAnnounced } from '../../tariffs/events.ts';
import type {
  CriticalPeakTariff,
  DemandChargeTariff,
  FlatTariff,
  RealTimeTariff,
  TimeOfUseTariff,
} from '../../tariffs/types.ts';
import { TariffError } from '../../tariffs/types.ts';
import { at, hourlyPrices, readings, times } from './helpers.ts';

const day = (iso: string) => ({ start: at(`${iso}T00:00Z`), end: at(`${iso}T00:00Z`) + 86_400_000 }) as never;

function throwsTariffError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(TariffError);
    expect((e as TariffError).code).to.equal(code);
    return;
  }
  expect.fail(`expected TariffError('${code}')`);
}

describe('tariffs: money rounding rules', () => {
  it('energy is taken to the Wh half-even, market prices to 1e-4/MWh, totals to the cent half-up', () => {
    expect(energyKwh(0.1 + 0.2).toString()).to.equal('0.3');
    expect(energyKwh(1.0005).toString()).to.equal('1'); // tie → even
    expect(energyKwh(1.0015).toString()).to.equal('1.002');
    expect(perKwhFromPerMwh(45.12345).toString()).to.equal('0.0451234'); // 45.1234|5 → tie → even: 45.1234 /MWh
    expect(perKwhFromPerMwh(45.12355).toString()).to.equal('0.0451236');
    expect(roundToCent(new Money('2.675')).toFixed(2)).to.equal('2.68');
    expect(roundToCent(new Money('-0.345')).toFixed(2)).to.equal('-0.35');
    expect(roundToCent(new Money('2.665')).toFixed(2)).to.equal('2.67');
  });
});

describe('tariffs: hand-computed bills', () => {
  it('flat with a fixed charge', () => {
    const tariff: FlatTariff = { id: 'flat', type: 'flat', energyPricePerKwh: 0.215, fixedChargePerDay: 0.45 };
    // Hourly on Wed 2026-07-01: 00–06 0.5 kWh (3.5), 07–16 1.2 (12.0), 17–20 1.5 (6.0), 21–22 1.0, 23 1.5 (3.5).
    const meter = readings('2026-07-01T00:00Z', 60, [...times(7, 0.5), ...times(10, 1.2), ...times(4, 1.5), 1.0, 1.0, 1.5]);
    const bill = computeBill(tariff, meter, { period: day('2026-07-01') });
    // M = 25.000 kWh; 25.000 × 0.2150 = 5.3750; fixed 1 day × 0.45 = 0.45;
    // subtotal 5.8250 → 5.83 (half-up; half-even would give 5.82).
    expect(bill.importKwh.toString()).to.equal('25');
    expect(bill.energyCharge.toString()).to.equal('5.375');
    expect(bill.fixedCharge.toString()).to.equal('0.45');
    expect(bill.subtotal.toString()).to.equal('5.825');
    expect(bill.total.toFixed(2)).to.equal('5.83');
    expect(bill.rounding.toString()).to.equal('0.005');
    expect(bill.lines.map((l) => l.label)).to.deep.equal(['energy', 'fixed charge']);
  });

  describe('time-of-use', () => {
    const tariff: TimeOfUseTariff = {
      id: 'tou',
      type: 'time-of-use',
      defaultPeriod: 'off-peak',
      periods: [
        { name: 'peak', energyPricePerKwh: 0.3125, rules: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 16, toHour: 21 }] },
        {
          name: 'shoulder',
          energyPricePerKwh: 0.1875,
          rules: [
            { days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 7, toHour: 16 },
            { days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 21, toHour: 22 },
          ],
        },
        { name: 'off-peak', energyPricePerKwh: 0.095, rules: [] },
      ],
    };
    // Each day: 1 kWh every hour, 2 kWh in each hour 16–20.
    const dayProfile = [...times(16, 1), ...times(5, 2), ...times(3, 1)];

    it('prices across period boundaries and a weekend', () => {
      const meter = readings('2026-07-03T00:00Z', 60, [...dayProfile, ...dayProfile]); // Friday, Saturday
      const bill = computeBill(tariff, meter);
      // Friday: off-peak 00–07 + 22–24 = 9 h × 1 = 9 kWh; shoulder 07–16 + 21–22 = 10 h × 1 = 10 kWh;
      //         peak 16–21 = 5 h × 2 = 10 kWh.
      // Saturday: all off-peak (weekday rules only): 19 × 1 + 5 × 2 = 29 kWh.
      // peak 10 × 0.3125 = 3.125; shoulder 10 × 0.1875 = 1.875; off-peak 38 × 0.0950 = 3.610
      // total 8.610 → 8.61
      expect(bill.lines.map((l) => [l.label, l.kind === 'energy' ? l.kwh.toString() : '', l.amount.toString()])).to.deep.equal([
        ['peak', '10', '3.125'],
        ['shoulder', '10', '1.875'],
        ['off-peak', '38', '3.61'],
      ]);
      expect(bill.total.toFixed(2)).to.equal('8.61');
    });

    it('shows the same prices as a signal', () => {
      const now = at('2026-07-03T00:00Z');
      expect(retailPriceAt(tariff, at('2026-07-03T16:00Z'), { now })).to.equal(0.3125);
      expect(retailPriceAt(tariff, at('2026-07-03T15:45Z'), { now })).to.equal(0.1875);
      expect(retailPriceAt(tariff, at('2026-07-04T16:00Z'), { now })).to.equal(0.095);
    });

    it('refuses a reading that straddles a period boundary', () => {
      throwsTariffError(() => computeBill(tariff, readings('2026-07-03T15:30Z', 60, [1])), 'reading-spans-periods');
    });
  });

  describe('critical peak', () => {
    const base = {
      id: 'cpp',
      type: 'critical-peak',
      energy: { type: 'flat', energyPricePerKwh: 0.2 },
      eventWindow: { fromHour: 14, toHour: 18 },
      eventPricePerKwh: 0.9,
    } as const;
    // Wed 2026-07-01: 1 kWh every hour, 2 kWh in each event hour 14–17: 28 kWh, 8 of them in the window.
    const meter = readings('2026-07-01T00:00Z', 60, [...times(14, 1), ...times(4, 2), ...times(6, 1)]);

    it('charges the event price in the window of an event announced a day ahead', () => {
      const tariff: CriticalPeakTariff = { ...base, noticeHours: 24, events: [{ id: 'e1', date: '2026-07-01' }] };
      const bill = computeBill(tariff, meter);
      // announced 2026-06-30T14:00Z (24 h notice): 20 × 0.20 + 8 × 0.90 = 4.00 + 7.20 = 11.20
      expect(bill.lines.map((l) => [l.label, l.amount.toString()])).to.deep.equal([
        ['energy', '4'],
        ['critical-peak', '7.2'],
      ]);
      expect(bill.total.toFixed(2)).to.equal('11.20');
      // Known as of a time before the announcement, the event does not exist: 28 × 0.20 = 5.60
      expect(computeBill(tariff, meter, { asOf: at('2026-06-30T13:59Z') }).total.toFixed(2)).to.equal('5.60');
      expect(isEventAnnounced(tariff, 'e1', at('2026-06-30T13:59Z'))).to.equal(false);
      expect(isEventAnnounced(tariff, 'e1', at('2026-06-30T14:00Z'))).to.equal(true);
      expect(isEventAnnounced(tariff, 'nope', at('2026-07-02T00:00Z'))).to.equal(false);
    });

    it('gives no event price on the same day before the announcement, and shortens a late event', () => {
      const tariff: CriticalPeakTariff = { ...base, noticeHours: 2, events: [] };
      // Called at run time on the event day itself, at 13:00, with 2 h notice: in effect 15:00–18:00.
      const cppEvents = [{ id: 'late', day: at('2026-07-01'), announcedAt: at('2026-07-01T13:00Z') }];
      // Hours 15, 16, 17: 3 × 2 = 6 kWh × 0.90 = 5.40; the other 22 kWh × 0.20 = 4.40; total 9.80.
      expect(computeBill(tariff, meter, { cppEvents }).total.toFixed(2)).to.equal('9.80');
      // As of 12:00 that day the event is not announced: 28 × 0.20 = 5.60.
      expect(computeBill(tariff, meter, { cppEvents, asOf: at('2026-07-01T12:00Z') }).total.toFixed(2)).to.equal('5.60');
      // The signal: 16:00 seen at 12:00 → base price; seen at 13:00 → event price; 14:00 is before the notice ends.
      expect(retailPriceAt(tariff, at('2026-07-01T16:00Z'), { now: at('2026-07-01T12:00Z'), cppEvents })).to.equal(0.2);
      expect(retailPriceAt(tariff, at('2026-07-01T16:00Z'), { now: at('2026-07-01T13:00Z'), cppEvents })).to.equal(0.9);
      expect(
        retailPriceForecast(tariff, [at('2026-07-01T14:00Z'), at('2026-07-01T15:00Z'), at('2026-07-01T18:00Z')], { now: at('2026-07-01T13:00Z'), cppEvents }),
      ).to.deep.equal([0.2, 0.9, 0.2]);
      expect(isEventAnnounced(tariff, 'late', at('2026-07-01T12:59Z'), cppEvents)).to.equal(false);
    });

    it('adds an event adder to the underlying price', () => {
      const { eventPricePerKwh: _, ...rest } = base;
      const tariff: CriticalPeakTariff = { ...rest, eventAdderPerKwh: 0.5, noticeHours: 24, events: [{ id: 'e1', date: '2026-07-01' }] };
      // 20 × 0.20 + 8 × (0.20 + 0.50) = 4.00 + 5.60 = 9.60
      const bill = computeBill(tariff, meter);
      expect(bill.lines.map((l) => [l.label, l.amount.toString()])).to.deep.equal([
        ['energy', '4'],
        ['energy + critical-peak', '5.6'],
      ]);
      expect(bill.total.toFixed(2)).to.equal('9.60');
    });

    it('refuses a reading that straddles the event window', () => {
      const tariff: CriticalPeakTariff = { ...base, noticeHours: 24, events: [{ id: 'e1', date: '2026-07-01' }] };
      throwsTariffError(() => computeBill(tariff, readings('2026-07-01T13:30Z', 60, [1])), 'reading-spans-periods');
    });
  });

  describe('real-time', () => {
    const tariff: RealTimeTariff = { id: 'rtp', type: 'real-time', adderPerKwh: 0.03, floorPerKwh: 0, capPerKwh: 0.5 };
    const marketPrices = hourlyPrices('2026-07-01T16:00Z', [45, 80.5, 250, 1200, 95.25, -50]);
    const meter = readings('2026-07-01T16:00Z', 60, [2.0, 1.5, 3.0, 2.5, 1.0, 4.0]);

    it('passes the market price through with an adder, a cap and a floor', () => {
      // hour  λ /MWh    λ/1000 + 0.03          p        m     m·p
      // 16     45.00    0.045  + 0.03 = 0.075  0.075    2.0   0.15
      // 17     80.50    0.0805 + 0.03          0.1105   1.5   0.16575
      // 18    250.00    0.25   + 0.03          0.28     3.0   0.84
      // 19   1200.00    1.2    + 0.03 > cap    0.50     2.5   1.25
      // 20     95.25    0.09525 + 0.03         0.12525  1.0   0.12525
      // 21    -50.00   -0.05   + 0.03 < floor  0.00     4.0   0
      // Σ = 2.531 → 2.53
      const bill = computeBill(tariff, meter, { marketPrices });
      expect(bill.energyCharge.toString()).to.equal('2.531');
      expect(bill.total.toFixed(2)).to.equal('2.53');
      const forecast = retailPriceForecast(
        tariff,
        meter.map((r) => r.start),
        { now: at('2026-07-01T00:00Z'), priceForecast: marketPrices },
      );
      expect(forecast).to.deep.equal([0.075, 0.1105, 0.28, 0.5, 0.12525, 0]);
    });

    it('needs a market price for every reading', () => {
      throwsTariffError(() => computeBill(tariff, readings('2026-07-01T22:00Z', 60, [1]), { marketPrices }), 'missing-market-price');
      throwsTariffError(() => computeBill(tariff, readings('2026-07-01T16:30Z', 60, [1]), { marketPrices }), 'reading-spans-price-intervals');
    });
  });

  describe('demand charge', () => {
    // Wed 2026-07-01 at 15-minute readings: 0.25 kWh (1 kW) throughout, except
    //   08:00–08:15  1.00 kWh (4 kW for a quarter hour; the hour 08–09 averages 1.75 kW)
    //   18:00–19:00  0.75 kWh in each quarter (3 kW all hour)
    const q = times(96, 0.25);
    q[32] = 1.0;
    for (let i = 72; i < 76; i++) q[i] = 0.75;
    const meter = readings('2026-07-01T00:00Z', 15, q);
    const tariff: DemandChargeTariff = {
      id: 'dc',
      type: 'demand-charge',
      energy: { type: 'flat', energyPricePerKwh: 0.15 },
      demandChargePerKw: 12.5,
      demandWindowMinutes: 60,
    };
    // Energy: 96 × 0.25 = 24.00 + 0.75 (08:00) + 4 × 0.50 (18:00) = 26.75 kWh × 0.15 = 4.0125

    it('takes the peak hourly average, not the peak 15-minute reading', () => {
      const bill = computeBill(tariff, meter);
      // 60-min windows: 08:00 → 1.75 kW, 18:00 → 3.00 kW, others 1.00 kW. Peak 3.000 kW at 18:00.
      // 3.000 × 12.50 = 37.50; + 4.0125 = 41.5125 → 41.51
      expect(bill.demand?.peakKw.toString()).to.equal('3');
      expect(bill.demand?.peakStart).to.equal(at('2026-07-01T18:00Z'));
      expect(bill.energyCharge.toString()).to.equal('4.0125');
      expect(bill.demandCharge.toString()).to.equal('37.5');
      expect(bill.total.toFixed(2)).to.equal('41.51');
    });

    it('with a 15-minute window the spike sets the peak', () => {
      const bill = computeBill({ ...tariff, demandWindowMinutes: 15 }, meter);
      // Peak 4.000 kW at 08:00: 4 × 12.50 = 50.00; + 4.0125 = 54.0125 → 54.01
      expect(bill.demand?.peakKw.toString()).to.equal('4');
      expect(bill.demand?.peakStart).to.equal(at('2026-07-01T08:00Z'));
      expect(bill.total.toFixed(2)).to.equal('54.01');
    });

    it('counts only windows within the stated hours', () => {
      const bill = computeBill({ ...tariff, demandHours: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], fromHour: 0, toHour: 12 }] }, meter);
      // Windows 00–12 only: peak 1.75 kW at 08:00: 1.75 × 12.50 = 21.875; + 4.0125 = 25.8875 → 25.89
      expect(bill.demand?.peakKw.toString()).to.equal('1.75');
      expect(bill.total.toFixed(2)).to.equal('25.89');
    });

    // "ties: the earliest window" (tariffs/bill.ts). (Audit of mutation testing: with the latest tied window taken instead,
    // every test still passed.)
    it('dates a tied peak at its earliest window: 3 kW in 18:00–19:00 and again in 20:00–21:00 → peak 3 kW from 18:00', () => {
      const tied = [...q];
      for (let i = 80; i < 84; i++) tied[i] = 0.75;
      const bill = computeBill(tariff, readings('2026-07-01T00:00Z', 15, tied));
      expect(bill.demand?.peakKw.toString()).to.equal('3');
      expect(bill.demand?.peakStart).to.equal(at('2026-07-01T18:00Z'));
      // Energy 26.75 + 4 × 0.50 = 28.75 kWh × 0.15 = 4.3125; + 37.50 = 41.8125 → 41.81
      expect(bill.total.toFixed(2)).to.equal('41.81');
    });

    it('refuses readings coarser than the window', () => {
      throwsTariffError(() => computeBill({ ...tariff, demandWindowMinutes: 15 }, readings('2026-07-01T00:00Z', 60, [1])), 'reading-spans-demand-windows');
    });
  });

  describe('export compensation', () => {
    // Wed 2026-07-01 hourly: 00–06 import 0.5 (3.5 kWh), 07–09 import 1.0 (3.0),
    // 10–15 export 1.5 (9.0 kWh exported, nothing imported), 16–23 import 1.25 (10.0). M = 16.5, X = 9.0.
    const imports = [...times(7, 0.5), ...times(3, 1.0), ...times(6, 0), ...times(8, 1.25)];
    const exports = [...times(10, 0), ...times(6, 1.5), ...times(8, 0)];
    const meter = readings('2026-07-01T00:00Z', 60, imports, exports);

    it('feed-in pays every exported kWh, with no netting', () => {
      const tariff: FlatTariff = { id: 'fit', type: 'flat', energyPricePerKwh: 0.25, export: { type: 'feed-in', exportPricePerKwh: 0.08 } };
      const bill = computeBill(tariff, meter);
      // 16.5 × 0.25 = 4.125; credit 9.0 × 0.08 = 0.72; 4.125 − 0.72 = 3.405 → 3.41 (half-up)
      expect(bill.energyCharge.toString()).to.equal('4.125');
      expect(bill.exportCredit.toString()).to.equal('-0.72');
      expect(bill.total.toFixed(2)).to.equal('3.41');
    });

    it('net metering offsets imports at the retail price', () => {
      const tariff: FlatTariff = { id: 'nem', type: 'flat', energyPricePerKwh: 0.25, export: { type: 'net-metering', netExportCreditPerKwh: 0.04 } };
      const bill = computeBill(tariff, meter);
      // E = 16.5 × 0.25 = 4.125; V = 9.0 × 0.25 = 2.25; offset = min(2.25, 4.125) = 2.25; no surplus (X < M)
      // 4.125 − 2.25 = 1.875 → 1.88  (= 0.25 × (16.5 − 9.0))
      expect(bill.lines.map((l) => [l.label, l.amount.toString()])).to.deep.equal([
        ['energy', '4.125'],
        ['net-metering offset', '-2.25'],
      ]);
      expect(bill.total.toFixed(2)).to.equal('1.88');
    });

    it('net metering over a net-export period credits the surplus at the stated price', () => {
      const tariff: FlatTariff = {
        id: 'nem',
        type: 'flat',
        energyPricePerKwh: 0.25,
        fixedChargePerDay: 0.3,
        export: { type: 'net-metering', netExportCreditPerKwh: 0.04 },
      };
      // A sunny day: 00–06 import 0.4 (2.8 kWh), 10–14 export 2.5 (12.5 kWh), 16–23 import 0.15 (1.2 kWh).
      const sunny = readings(
        '2026-07-01T00:00Z',
        60,
        [...times(7, 0.4), ...times(9, 0), ...times(8, 0.15)],
        [...times(10, 0), ...times(5, 2.5), ...times(9, 0)],
      );
      const bill = computeBill(tariff, sunny, { period: day('2026-07-01') });
      // M = 4.0, X = 12.5. E = 4.0 × 0.25 = 1.00; V = 12.5 × 0.25 = 3.125; offset = min(3.125, 1.00) = 1.00
      // surplus = 12.5 − 4.0 = 8.5 kWh × 0.04 = 0.34; fixed 0.30
      // 1.00 − 1.00 + 0.30 − 0.34 = −0.04
      expect(bill.lines.map((l) => [l.label, l.amount.toString()])).to.deep.equal([
        ['energy', '1'],
        ['fixed charge', '0.3'],
        ['net-metering offset', '-1'],
        ['net surplus', '-0.34'],
      ]);
      expect(bill.total.toFixed(2)).to.equal('-0.04');
      // With no surplus credit the balance is simply lost: 1.00 − 1.00 + 0.30 = 0.30
      const zero = computeBill({ ...tariff, export: { type: 'net-metering', netExportCreditPerKwh: 0 } }, sunny, { period: day('2026-07-01') });
      expect(zero.total.toFixed(2)).to.equal('0.30');
    });

    it('net metering never turns a negative energy charge into a payment by the customer (offset = min(V, max(E, 0)))', () => {
      // Real-time, no floor: 2 kWh imported at 16:00 at −100 /MWh → −0.10 + 0.03 = −0.07 /kWh, E = −0.14;
      // 1 kWh exported at 17:00 at 100 /MWh → 0.13 /kWh, V = 0.13. offset = min(0.13, max(−0.14, 0)) = 0: the
      // customer keeps the −0.14 (is paid 0.14) and the export earns nothing beyond it. (Audit of mutation testing:
      // with offset = min(V, E) — an offset of −0.14 that charges the customer 0.14 — every test still passed.)
      const tariff: RealTimeTariff = { id: 'rt-nem', type: 'real-time', adderPerKwh: 0.03, export: { type: 'net-metering', netExportCreditPerKwh: 0 } };
      const marketPrices = hourlyPrices('2026-07-01T16:00Z', [-100, 100]);
      const bill = computeBill(tariff, readings('2026-07-01T16:00Z', 60, [2, 0], [0, 1]), { marketPrices });
      expect(bill.energyCharge.toString()).to.equal('-0.14');
      expect(bill.lines.find((l) => l.label === 'net-metering offset')?.amount.toString()).to.equal('0');
      expect(bill.total.toFixed(2)).to.equal('-0.14');
    });

    it('net metering under time-of-use values exports at the price of their hour', () => {
      const tariff: TimeOfUseTariff = {
        id: 'tou-nem',
        type: 'time-of-use',
        defaultPeriod: 'off-peak',
        periods: [
          { name: 'peak', energyPricePerKwh: 0.4, rules: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 16, toHour: 21 }] },
          { name: 'off-peak', energyPricePerKwh: 0.1, rules: [] },
        ],
        export: { type: 'net-metering', netExportCreditPerKwh: 0 },
      };
      // Export 3 kWh at noon (off-peak), import 3 kWh at 17:00 (peak): M = X = 3.
      const meter2 = [...readings('2026-07-01T12:00Z', 60, [0], [3]), ...readings('2026-07-01T17:00Z', 60, [3])];
      // E = 3 × 0.40 = 1.20; V = 3 × 0.10 = 0.30; offset 0.30; 1.20 − 0.30 = 0.90 (kWh netting would say 0)
      expect(computeBill(tariff, meter2).total.toFixed(2)).to.equal('0.90');
    });
  });

  describe('meter data checks', () => {
    const tariff: FlatTariff = { id: 'flat', type: 'flat', energyPricePerKwh: 0.2 };
    it('rejects overlapping, negative and out-of-period readings', () => {
      throwsTariffError(() => computeBill(tariff, [...readings('2026-07-01T00:00Z', 60, [1]), ...readings('2026-07-01T00:30Z', 60, [1])]), 'overlapping-readings');
      throwsTariffError(() => computeBill(tariff, readings('2026-07-01T00:00Z', 60, [-1])), 'invalid-reading');
      throwsTariffError(() => computeBill(tariff, readings('2026-07-01T00:00Z', 60, [Number.NaN])), 'invalid-reading');
      throwsTariffError(() => computeBill(tariff, readings('2026-07-02T00:00Z', 60, [1]), { period: day('2026-07-01') }), 'reading-outside-period');
    });
    it('bills an empty meter as zero (plus fixed charges over the period)', () => {
      expect(computeBill(tariff, []).total.toFixed(2)).to.equal('0.00');
      expect(computeBill({ ...tariff, fixedChargePerDay: 0.45 }, [], { period: { start: at('2026-07-01'), end: at('2026-07-31') } }).total.toFixed(2)).to.equal(
        '13.50', // 30 days × 0.45
      );
    });
    it('does not mutate its inputs', () => {
      const meter = readings('2026-07-01T00:00Z', 60, [1, 2, 3]).reverse();
      const copy = JSON.stringify(meter);
      computeBill(tariff, meter);
      expect(JSON.stringify(meter)).to.equal(copy);
    });
  });
});
