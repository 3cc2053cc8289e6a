import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { parseTariff, parseTariffs } from '../../tariffs/schema.ts';
import type { InputIssue } from '../../core/errors.ts';
import type { Tariff } from '../../tariffs/types.ts';

const SECTION = `
tariffs:
  - id: flat-basic
    type: flat
    energyPricePerKwh: 0.215
    fixedChargePerDay: 0.45
  - id: tou-2026
    type: time-of-use
    defaultPeriod: off-peak
    periods:
      - { name: peak, energyPricePerKwh: 0.3125, rules: [{ days: weekdays, fromHour: 16, toHour: 21 }] }
      - name: shoulder
        energyPricePerKwh: 0.1875
        rules:
          - { days: [mon, tue, wed, thu, fri], fromHour: 7, toHour: 16 }
          - { days: weekdays, fromHour: 21, toHour: 22 }
      - { name: off-peak, energyPricePerKwh: 0.095 }
    export: { type: feed-in, exportPricePerKwh: 0.08 }
  - id: cpp
    type: critical-peak
    energy: { type: flat, energyPricePerKwh: 0.20 }
    noticeHours: 24
    eventWindow: { fromHour: 14, toHour: 18 }
    eventPricePerKwh: 0.90
    events:
      - { id: heatwave-1, date: 2026-07-01 }
      - { id: heatwave-2, date: 2026-07-02, announcedAt: "2026-07-01T09:00:00Z" }
  - { id: rtp, type: real-time, adderPerKwh: 0.03, floorPerKwh: 0, capPerKwh: 0.5 }
  - id: business
    type: demand-charge
    energy:
      type: time-of-use
      periods:
        - { name: day, energyPricePerKwh: 0.18, rules: [{ fromHour: 7, toHour: 23 }] }
        - { name: night, energyPricePerKwh: 0.09, rules: [{ fromHour: 0, toHour: 7 }, { days: all, fromHour: 23, toHour: 24 }] }
    demandChargePerKw: 12.5
    demandWindowMinutes: 15
    demandHours: [{ days: weekdays, fromHour: 8, toHour: 20 }]
    export: { type: net-metering }
`;

function issuesOf(raw: unknown): readonly InputIssue[] {
  const r = parseTariffs(raw);
  if (r.ok) throw new Error('expected the section to be rejected');
  return r.issues;
}

const flat = { id: 'f', type: 'flat', energyPricePerKwh: 0.2 };
const tou = (periods: unknown[], extra: object = {}) => ({ id: 't', type: 'time-of-use', periods, ...extra });
const demand = (extra: object) => ({
  id: 'd',
  type: 'demand-charge',
  energy: { type: 'flat', energyPricePerKwh: 0.1 },
  demandChargePerKw: 10,
  demandWindowMinutes: 15,
  ...extra,
});

describe('tariffs: schema', () => {
  it('parses a YAML tariffs section with every tariff type, normalising days and filling defaults', () => {
    const r = parseTariffs(parseYaml(SECTION).tariffs);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.map((t) => t.type)).to.deep.equal(['flat', 'time-of-use', 'critical-peak', 'real-time', 'demand-charge']);
    const touT = r.value[1] as Extract<Tariff, { type: 'time-of-use' }>;
    expect(touT.periods[0]!.rules[0]!.days).to.deep.equal(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(touT.periods[2]!.rules).to.deep.equal([]);
    const business = r.value[4] as Extract<Tariff, { type: 'demand-charge' }>;
    expect(business.export).to.deep.equal({ type: 'net-metering', netExportCreditPerKwh: 0 });
    const energy = business.energy as Extract<typeof business.energy, { type: 'time-of-use' }>;
    expect(energy.periods[0]!.rules[0]!.days).to.have.length(7); // days default to all
  });

  it('accepts a tariff built in code, and its own output (parsing is idempotent)', () => {
    const r = parseTariffs(parseYaml(SECTION).tariffs);
    if (!r.ok) throw new Error('unexpected');
    for (const t of r.value) expect(parseTariff(t)).to.deep.equal({ ok: true, value: t });
  });

  it('names a missing price with its path', () => {
    expect(issuesOf([{ id: 'f', type: 'flat' }])).to.deep.equal([{ path: 'tariffs[0].energyPricePerKwh', message: 'required: a finite number (energyPricePerKwh)' }]);
    expect(issuesOf([{ ...flat, energyPricePerKwh: -0.1 }])).to.deep.equal([{ path: 'tariffs[0].energyPricePerKwh', message: 'energyPricePerKwh must be ≥ 0' }]);
    const [periodIssue] = issuesOf([tou([{ name: 'all', rules: [{ fromHour: 0, toHour: 24 }] }])]);
    expect(periodIssue?.path).to.equal('tariffs[0].periods[0].energyPricePerKwh');
  });

  it('rejects overlapping time-of-use periods, saying where', () => {
    const issues = issuesOf([
      tou(
        [
          { name: 'peak', energyPricePerKwh: 0.3, rules: [{ days: 'weekdays', fromHour: 16, toHour: 21 }] },
          { name: 'evening', energyPricePerKwh: 0.2, rules: [{ days: ['fri'], fromHour: 20, toHour: 22 }] },
        ],
        { defaultPeriod: 'peak' },
      ),
    ]);
    expect(issues).to.deep.equal([
      {
        path: 'tariffs[0].periods[1].rules[0]',
        message: "overlaps period 'peak' (periods[0].rules[0]) on fri 20:00–21:00; every hour must belong to exactly one period",
      },
    ]);
  });

  it('rejects incomplete time-of-use periods without a default, listing the gaps', () => {
    const issues = issuesOf([
      tou([
        { name: 'peak', energyPricePerKwh: 0.3, rules: [{ days: 'weekdays', fromHour: 7, toHour: 23 }] },
        { name: 'night', energyPricePerKwh: 0.1, rules: [{ days: 'weekdays', fromHour: 0, toHour: 7 }, { days: 'weekdays', fromHour: 23, toHour: 24 }] },
      ]),
    ]);
    expect(issues).to.deep.equal([
      { path: 'tariffs[0].periods', message: 'no period covers sun 00:00–24:00, sat 00:00–24:00; cover every hour of the week or name a defaultPeriod' },
    ]);
  });

  it('rejects a negative or impossible demand window', () => {
    expect(issuesOf([demand({ demandWindowMinutes: -15 })])).to.deep.equal([{ path: 'tariffs[0].demandWindowMinutes', message: 'demandWindowMinutes must be > 0' }]);
    expect(issuesOf([demand({ demandWindowMinutes: 7 })])[0]?.message).to.match(/must divide a day/);
    expect(issuesOf([demand({ demandWindowMinutes: 60, demandHours: [{ fromHour: 8.5, toHour: 20 }] })])).to.deep.equal([
      { path: 'tariffs[0].demandHours[0].fromHour', message: 'must be a multiple of the 60-minute demand window, so that a window never straddles it' },
    ]);
  });

  it('rejects unknown keys, at any depth', () => {
    expect(issuesOf([{ ...flat, colour: 'red' }])).to.deep.equal([{ path: 'tariffs[0].colour', message: "unknown key 'colour'" }]);
    expect(issuesOf([tou([{ name: 'all', energyPricePerKwh: 0.2, rules: [{ fromHour: 0, toHour: 24, weekdays: 'all' }] }])])).to.deep.equal([
      { path: 'tariffs[0].periods[0].rules[0].weekdays', message: "unknown key 'weekdays'" },
    ]);
    // A per-MWh key where retail prices are per kWh is a typo the schema catches.
    expect(issuesOf([{ id: 'f', type: 'flat', energyPricePerMwh: 200 }]).map((i) => i.path)).to.deep.equal([
      'tariffs[0].energyPricePerKwh',
      'tariffs[0].energyPricePerMwh',
    ]);
  });

  it('checks the other rules a market designer relies on', () => {
    const cpp = {
      id: 'c',
      type: 'critical-peak',
      energy: { type: 'flat', energyPricePerKwh: 0.2 },
      noticeHours: 24,
      eventWindow: { fromHour: 14, toHour: 18 },
      eventPricePerKwh: 0.9,
    };
    const cases: [unknown, string, RegExp][] = [
      [{ ...cpp, eventAdderPerKwh: 0.5 }, 'tariffs[0].eventPricePerKwh', /exactly one of eventPricePerKwh/],
      [{ ...cpp, eventPricePerKwh: undefined }, 'tariffs[0].eventPricePerKwh', /exactly one of eventPricePerKwh/],
      [{ ...cpp, eventWindow: { fromHour: 18, toHour: 14 } }, 'tariffs[0].eventWindow.toHour', /do not wrap past midnight/],
      [{ ...cpp, events: [{ id: 'e', date: '2026-02-30' }] }, 'tariffs[0].events[0].date', /not a calendar date/],
      [{ ...cpp, events: [{ id: 'e', date: '2026-07-01', announcedAt: 'yesterday' }] }, 'tariffs[0].events[0].announcedAt', /ISO-8601/],
      [{ ...cpp, events: [{ id: 'e', date: '2026-07-01', announcedAt: '2026-06-31T12:00:00Z' }] }, 'tariffs[0].events[0].announcedAt', /ISO-8601/],
      [{ ...cpp, events: [{ id: 'e', date: '2026-07-01', announcedAt: '2026-06-30T24:00:00Z' }] }, 'tariffs[0].events[0].announcedAt', /ISO-8601/],
      [{ ...cpp, events: [{ id: 'e', date: '2026-07-01' }, { id: 'e', date: '2026-07-02' }] }, 'tariffs[0].events[1].id', /used twice/],
      [{ ...cpp, noticeHours: -1 }, 'tariffs[0].noticeHours', /≥ 0/],
      [{ id: 'r', type: 'real-time', adderPerKwh: 0, floorPerKwh: 1, capPerKwh: 0.5 }, 'tariffs[0].capPerKwh', /below floorPerKwh/],
      [{ id: 'r', type: 'real-time' }, 'tariffs[0].adderPerKwh', /required/],
      // Retail prices below zero come from the market, never from a tariff's own numbers.
      [{ id: 'r', type: 'real-time', adderPerKwh: 0, capPerKwh: -0.1 }, 'tariffs[0].capPerKwh', /capPerKwh must be ≥ 0/],
      [{ ...cpp, eventPricePerKwh: undefined, eventAdderPerKwh: -0.3 }, 'tariffs[0].eventAdderPerKwh', /eventAdderPerKwh must be ≥ 0/],
      [tou([{ name: 'a', energyPricePerKwh: 0.2, rules: [{ fromHour: 0, toHour: 24 }] }], { defaultPeriod: 'b' }), 'tariffs[0].defaultPeriod', /not one of the periods/],
      [tou([{ name: 'a', energyPricePerKwh: 0.2, rules: [{ fromHour: 0, toHour: 24 }] }, { name: 'a', energyPricePerKwh: 0.1 }]), 'tariffs[0].periods[1].name', /already used/],
      [tou([{ name: 'a', energyPricePerKwh: 0.2, rules: [{ fromHour: 0, toHour: 24.1 }] }]), 'tariffs[0].periods[0].rules[0].toHour', /≤ 24/],
      [tou([{ name: 'a', energyPricePerKwh: 0.2, rules: [{ fromHour: 0.1, toHour: 24 }] }]), 'tariffs[0].periods[0].rules[0].fromHour', /quarter hours/],
      [tou([{ name: 'a', energyPricePerKwh: 0.2, rules: [{ days: ['mon', 'fun'], fromHour: 0, toHour: 24 }] }]), 'tariffs[0].periods[0].rules[0].days', /expected all, weekdays, weekend/],
      [{ ...flat, export: { type: 'feed-in' } }, 'tariffs[0].export.exportPricePerKwh', /required/],
      [{ ...flat, export: { type: 'feed-in-premium', price: 1 } }, 'tariffs[0].export.type', /'net-metering', 'net-billing' \(or its older name 'feed-in'\) or 'buy-all-sell-all'/],
      [{ id: 'x', type: 'tiered' }, 'tariffs[0].type', /expected a tariff type/],
      [{ ...flat, energyPricePerKwh: '0.2' }, 'tariffs[0].energyPricePerKwh', /expected a finite number \(energyPricePerKwh\), got "0.2"/],
    ];
    for (const [raw, path, message] of cases) {
      const issues = issuesOf([raw]);
      const hit = issues.find((i) => i.path === path);
      expect(hit, `${JSON.stringify(raw)} → ${JSON.stringify(issues)}`).to.not.equal(undefined);
      expect(hit!.message).to.match(message);
    }
  });

  it('rejects duplicate tariff ids across the section', () => {
    expect(issuesOf([flat, { ...flat, energyPricePerKwh: 0.3 }])).to.deep.equal([{ path: 'tariffs[1].id', message: "tariff id 'f' is already used by tariffs[0]" }]);
  });
});
