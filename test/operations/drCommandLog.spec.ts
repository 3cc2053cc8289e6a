/**
 * The grid room keeps the opted-in commands for the final settlement as columns of numbers
 * (agents/operations/drCommandLog.ts) and makes each `DrCommand` again when it is read: the
 * command read back is the one recorded, and its initial settlement is the meter phase's,
 * decimal for decimal.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { DrCommandLog, type DrCommandEntry } from '../../agents/operations/drCommandLog.ts';
import { type DrTerms, settleDrCommand } from '../../agents/operations/drSettlement.ts';

const BASELINE: DrTerms = { eventPriceMwh: 300, shortfallPenaltyMwh: 100, penalty: 'baseline' };
const COMMITMENT: DrTerms = { eventPriceMwh: 250.5, shortfallPenaltyMwh: 80, penalty: 'commitment' };
const OPERATORS = [
  { id: 'dso', terms: BASELINE },
  { id: 'dso-2', terms: COMMITMENT },
];

const money = (s: ReturnType<typeof settleDrCommand>) => [s.measured, s.deliveredKwh, s.creditedKwh, s.pay.toFixed(), s.penalty.toFixed(), s.net.toFixed()];

/** A calendar of business days only (the log passes on the grid room's calendar as it is). */
const WEEKDAYS_ONLY = (): boolean => true;

describe('DrCommandLog: the opted-in commands as columns', () => {
  it('by hand: a reduction of 1.5 kWh over ½ h against a 3 kW baseline, 1 kW actual → paid 0.3, penalty 0.05, net −0.25', () => {
    const days = new Map([[4, new Set([0, 2])]]);
    const log = new DrCommandLog(OPERATORS, (party) => days.get(party), WEEKDAYS_ONLY);
    log.add({ interval: 7, durationH: 0.5, party: 4, operator: 0, counterfactualKw: undefined, eventStart: 6, committedKwh: 1.5, committedLevelKw: 0.5, sense: 1, baselineKw: 3, actualKw: 1 });
    const [c] = [...log];
    expect(log.length).to.equal(1);
    expect({ ...c!, initial: money(c!.initial) }).to.deep.equal({
      interval: 7,
      durationH: 0.5,
      party: 4,
      operator: 'dso',
      terms: BASELINE,
      counterfactualKw: undefined,
      eventStart: 6,
      eventDays: new Set([0, 2]),
      businessDay: WEEKDAYS_ONLY,
      committedKwh: 1.5,
      committedLevelKw: 0.5,
      sense: 1,
      initial: [true, 1, 1, '0.3', '0.05', '-0.25'],
    });
    expect(log.partyAt(0)).to.deep.equal({ party: 4, operator: 'dso', interval: 7, durationH: 0.5 });
  });

  it('a counterfactual baseline of NaN stays NaN, and no counterfactual stays undefined; a party without events has none', () => {
    const log = new DrCommandLog(OPERATORS, () => undefined, WEEKDAYS_ONLY);
    const entry: DrCommandEntry = { interval: 0, durationH: 1, party: 0, operator: 1, counterfactualKw: Number.NaN, eventStart: 0, committedKwh: 1, committedLevelKw: 2, sense: -1, baselineKw: Number.NaN, actualKw: 2 };
    log.add(entry);
    log.add({ ...entry, counterfactualKw: undefined });
    const [a, b] = [...log];
    expect(Number.isNaN(a!.counterfactualKw)).to.equal(true);
    expect(b!.counterfactualKw).to.equal(undefined);
    expect(a!.eventDays.size).to.equal(0);
    expect(a!.initial.measured).to.equal(false);
  });

  it('property: every command read back is the one recorded, with the initial settlement the meter phase made', () => {
    const entry = fc.record({
      interval: fc.integer({ min: 0, max: 35_039 }),
      durationH: fc.constantFrom(1 / 12, 0.25, 0.5, 1),
      party: fc.integer({ min: 0, max: 100_000 }),
      operator: fc.integer({ min: 0, max: 1 }),
      counterfactualKw: fc.option(fc.double({ min: -50, max: 50, noNaN: true }), { nil: undefined }),
      eventStart: fc.integer({ min: 0, max: 35_039 }),
      committedKwh: fc.double({ min: 0, max: 20, noNaN: true }),
      committedLevelKw: fc.double({ min: -50, max: 50, noNaN: true }),
      sense: fc.constantFrom(1 as const, -1 as const),
      baselineKw: fc.oneof(fc.constant(Number.NaN), fc.double({ min: -50, max: 50, noNaN: true })),
      actualKw: fc.double({ min: -50, max: 50, noNaN: true }),
      // A device's delivery split among several operators' commands (agents/operations/conflicts.ts).
      split: fc.option(fc.record({ beforeKwh: fc.double({ min: 0, max: 20, noNaN: true }), totalKwh: fc.double({ min: 0.001, max: 40, noNaN: true }) }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 2100 }), (entries) => {
        const log = new DrCommandLog(OPERATORS, () => undefined, WEEKDAYS_ONLY);
        for (const e of entries) log.add(e);
        expect(log.length).to.equal(entries.length);
        entries.forEach((e, k) => {
          const c = log.at(k);
          const terms = OPERATORS[e.operator]!.terms;
          // The call gridRoom.ts `measure` makes.
          const initial = settleDrCommand(e.sense * e.baselineKw, e.sense * e.actualKw, e.committedKwh, e.durationH, terms, e.sense * e.committedLevelKw, e.split);
          expect(c.split).to.deep.equal(e.split);
          expect([c.interval, c.durationH, c.party, c.operator, c.terms, c.counterfactualKw, c.eventStart, c.committedKwh, c.committedLevelKw, c.sense]).to.deep.equal([e.interval, e.durationH, e.party, OPERATORS[e.operator]!.id, terms, e.counterfactualKw, e.eventStart, e.committedKwh, e.committedLevelKw, e.sense]);
          expect(money(c.initial)).to.deep.equal(money(initial));
        });
      }),
      { numRuns: 30 },
    );
  });

  it("holds numbers, not an object per command: 10,000 commands in fourteen typed arrays (the 13th and 14th: a command's part of a device's delivery split among operators, agents/operations/conflicts.ts)", () => {
    const log = new DrCommandLog(OPERATORS, () => undefined, WEEKDAYS_ONLY);
    for (let k = 0; k < 10_000; k++) log.add({ interval: k % 96, durationH: 0.25, party: k, operator: 0, counterfactualKw: 1, eventStart: 0, committedKwh: 0.5, committedLevelKw: 1, sense: 1, baselineKw: 2, actualKw: 1 });
    const fields = Object.values(log);
    expect(fields.filter((v) => ArrayBuffer.isView(v))).to.have.length(14);
    expect(fields.some((v) => Array.isArray(v) && v.length >= 10_000)).to.equal(false);
    expect(() => log.at(10_000)).to.throw(RangeError);
  });
});
