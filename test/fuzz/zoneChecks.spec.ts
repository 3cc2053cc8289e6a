/**
 * The fuzzer in a site's time zone (audit A-dst): its checks read local time through core/siteZone.ts (check.ts
 * `siteClock`, `tariffClock`), its billing days from one function (`billingDays`), and it predicts what validate must
 * refuse because of the zone (zoneRefusals.ts) — each checked here on real runs and the real loader.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { InputFileError } from '../../core/errors.ts';
import { runScenario } from '../../engine/run.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { billingDays, checkBillEnergy, checkDemandCharges, checkRetailers, checkTouEnergy, readRun, siteClock } from './check.ts';
import { drawZone, generateScenario, ZONES } from './generate.ts';
import { monthlyDemandShared } from './warmUp.ts';
import { refusalsHeld, zoneRefusals } from './zoneRefusals.ts';

/** A scenario of homes on a demand charge in local hours, `minutes`-minute readings. */
const demandScenario = (site: string, start: string, days: number, minutes: number, demand: string) => `name: tz-demand
seed: 11
start: ${start}
days: ${days}
intervalMinutes: ${minutes}
site: ${site}
tariffs:
  - id: demand
    type: demand-charge
    hours: local
    energy: { type: flat, energyPricePerKwh: 0.18 }
    demandChargePerKw: 3
${demand}
agents:
  - { kind: generator, id: plant, offers: [{ kw: 500, priceMwh: 60 }] }
  - { kind: retailer, id: retail, tariffs: [demand] }
  - { kind: home, idPrefix: home, count: 4, retailer: retail, tariff: demand, flexibility: { share: 0.3, valueMwh: { min: 50, max: 600 }, blocks: 2 } }
  - { kind: ev, idPrefix: ev, count: 2, sessions: home, retailer: retail, tariff: demand }
`;

const issuesOf = (text: string): { path: string | undefined; message: string }[] => {
  try {
    parseScenario(text, 'tz.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    return e.issues.map((i) => ({ path: i.path, message: i.message }));
  }
};

describe('the fuzzer in a time zone (audit A-dst)', () => {
  it('checks a demand charge across Amsterdam\'s spring change on the wall clock: demandHours 08:00–20:00 local and the local month (April from 22:00 UTC on 31 March)', async function () {
    this.timeout(60_000);
    // Sunday 29 March 00:00 local (23:00 UTC on the 28th) to Thursday 2 April 00:00 local (4 local days, 95 h): the change on the
    // first day, the local month's end inside the run (31 March 22:00 UTC, not 1 April 00:00 UTC).
    const text = demandScenario('{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }', '2026-03-28T23:00:00Z', 4, 15, '    demandWindowMinutes: 60\n    demandPeriod: month\n    demandHours: [{ days: [mon, tue, wed, thu, fri, sat, sun], fromHour: 8, toHour: 20 }]');
    const s = parseScenario(text, 'tz.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-fuzz-tz-'));
    try {
      await runScenario(s, { outDir: dir });
      const run = readRun(dir);
      // 4 calendar days from local midnight before the spring change end at local midnight on 2 April (engine/scenario/runSpan.ts):
      // 4 billing days (29 March of 23 h) for each of the 6 customers, no 1-hour fifth.
      expect(run.bills.length).to.equal(4 * 6);
      expect(checkDemandCharges(run, s.config)).to.deep.equal([]);
      expect(checkBillEnergy(run, s.config)).to.deep.equal([]);
      expect(checkRetailers(run, s.config)).to.deep.equal([]);
      // The same run read on a fixed UTC+1 (what the checks did with `utcOffsetHours ?? 0`-style reading of one offset): wrong.
      const fixed = { ...s.config, site: { ...s.config.site, timeZone: undefined, utcOffsetHours: 1 } };
      expect(checkDemandCharges(run, fixed as typeof s.config)).to.not.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks time-of-use bills on the wall clock across Amsterdam\'s autumn change: peak 17:00–21:00 local, a holiday on the 25-hour day', async function () {
    this.timeout(60_000);
    const text = `name: tz-tou
seed: 4
start: 2026-10-24T22:00:00Z
days: 2
intervalMinutes: 15
site: { latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam, holidays: [2026-10-25] }
tariffs:
  - id: tou
    type: time-of-use
    hours: local
    defaultPeriod: off
    holidayPeriod: holiday
    periods:
      - { name: peak, energyPricePerKwh: 0.4, rules: [{ fromHour: 17, toHour: 21 }] }
      - { name: off, energyPricePerKwh: 0.2 }
      - { name: holiday, energyPricePerKwh: 0.1 }
agents:
  - { kind: generator, id: plant, offers: [{ kw: 500, priceMwh: 60 }] }
  - { kind: retailer, id: retail, tariffs: [tou] }
  - { kind: home, idPrefix: home, count: 3, retailer: retail, tariff: tou }
`;
    const s = parseScenario(text, 'tz.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-fuzz-tz-'));
    try {
      await runScenario(s, { outDir: dir });
      const run = readRun(dir);
      expect(run.bills.length).to.equal(2 * 3);
      expect(checkTouEnergy(run, s.config)).to.deep.equal([]);
      // Read on a fixed UTC+1, or without the holiday, the same bills are wrong: the check can fail.
      expect(checkTouEnergy(run, { ...s.config, site: { ...s.config.site, timeZone: undefined, utcOffsetHours: 1 } } as typeof s.config)).to.have.length.greaterThan(0);
      expect(checkTouEnergy(run, { ...s.config, site: { ...s.config.site, holidays: [] } } as typeof s.config)).to.have.length.greaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('billing days: the site\'s local days (23 h on 29 March, 25 h on 25 October in Amsterdam), named by their local date (the one place the checks take them from)', () => {
    const days = billingDays({ start: '2026-03-28T23:00:00Z', days: 220, site: { timeZone: 'Europe/Amsterdam' } });
    // Local midnight of 29 March is 23:00 UTC the day before (CET); that day's clocks jump at 01:00 UTC to CEST.
    expect(days.dayOf(Date.parse('2026-03-28T23:00:00Z'))).to.equal('2026-03-29');
    expect(days.dayOf(Date.parse('2026-03-29T21:45:00Z'))).to.equal('2026-03-29');
    expect(days.dayOf(Date.parse('2026-03-29T22:00:00Z'))).to.equal('2026-03-30');
    expect(days.span('2026-03-29')).to.deep.equal({ fromMs: Date.parse('2026-03-28T23:00:00Z'), toMs: Date.parse('2026-03-29T22:00:00Z') });
    expect(days.span('2026-10-25')).to.deep.equal({ fromMs: Date.parse('2026-10-24T22:00:00Z'), toMs: Date.parse('2026-10-25T23:00:00Z') });
    // A fixed offset: 24-hour days from local midnight.
    expect(billingDays({ start: '2026-07-01T00:00:00Z', days: 1, site: { utcOffsetHours: 2 } }).span('2026-07-01')).to.deep.equal({ fromMs: Date.parse('2026-06-30T22:00:00Z'), toMs: Date.parse('2026-07-01T22:00:00Z') });
  });

  it('a monthly demand charge\'s month to date, on the zone\'s wall: 31 March 22:30 UTC is April in Amsterdam', () => {
    const config = { start: '2026-03-31T22:30:00Z', days: 1, tariffs: [{ id: 'm', type: 'demand-charge', demandPeriod: 'month', hours: 'local' }], site: { timeZone: 'Europe/Amsterdam' } };
    expect(monthlyDemandShared(config, Date.parse('2026-03-31T22:00:00Z'))).to.equal(undefined);
    expect(monthlyDemandShared(config, Date.parse('2026-03-31T22:30:00Z'))).to.equal('m');
    expect(monthlyDemandShared({ ...config, site: { utcOffsetHours: 1 } }, Date.parse('2026-03-31T22:30:00Z'))).to.equal('m');
    expect(monthlyDemandShared({ ...config, site: { utcOffsetHours: 1 } }, Date.parse('2026-03-31T23:00:00Z'))).to.equal(undefined);
  });

  it('predicts validate\'s refusals for a zone, and validate refuses each at the tariff: hourly windows across Lord Howe\'s 30-minute change; hourly readings in Adelaide (+10:30 / +9:30)', () => {
    const lordHowe = demandScenario('{ latitude: -31.5, longitude: 159, timeZone: Australia/Lord_Howe }', '2026-04-04T00:00:00Z', 1, 30, '    demandWindowMinutes: 60');
    const predicted = zoneRefusals(parse(lordHowe));
    expect(predicted.map((p) => p.path)).to.deep.equal(['tariffs[0]']);
    const issues = issuesOf(lordHowe);
    expect(refusalsHeld(predicted, issues.map((i) => i.path))).to.deep.equal([]);
    expect(issues[0]!.path).to.equal('tariffs[0].hours');
    expect(issues[0]!.message).to.match(/Australia\/Lord_Howe changes from UTC\+11:00 to UTC\+10:30 at 2026-04-04T15:00:00Z/);
    // The same tariff a day earlier (no change in the run): neither predicted nor refused.
    const before = demandScenario('{ latitude: -31.5, longitude: 159, timeZone: Australia/Lord_Howe }', '2026-04-03T00:00:00Z', 1, 30, '    demandWindowMinutes: 60');
    expect(zoneRefusals(parse(before))).to.deep.equal([]);
    expect(issuesOf(before)).to.deep.equal([]);
    // A warm-up day that reaches back across the change calls for the refusal, too.
    const warm = demandScenario('{ latitude: -31.5, longitude: 159, timeZone: Australia/Lord_Howe }', '2026-04-05T00:00:00Z', 1, 30, '    demandWindowMinutes: 60').replace('days: 1\n', 'days: 1\nwarmUpDays: 1\n');
    expect(zoneRefusals(parse(warm)).map((p) => p.path)).to.deep.equal(['tariffs[0]']);
    expect(issuesOf(warm).map((i) => i.path)).to.include('tariffs[0].hours');
    // Adelaide with hourly readings and a peak from 17:00 local: 06:30 UTC in summer, 07:30 in winter, inside a reading either way.
    const adelaide = `name: tz
start: 2026-04-04T00:00:00Z
days: 1
intervalMinutes: 60
site: { latitude: -34.9, longitude: 138.6, timeZone: Australia/Adelaide }
tariffs:
  - { id: tou, type: time-of-use, hours: local, defaultPeriod: off, periods: [{ name: peak, energyPricePerKwh: 0.4, rules: [{ fromHour: 17, toHour: 21 }] }, { name: off, energyPricePerKwh: 0.2 }] }
agents:
  - { kind: generator, id: plant, offers: [{ kw: 500, priceMwh: 60 }] }
  - { kind: retailer, id: retail, tariffs: [tou] }
  - { kind: home, idPrefix: home, count: 2, retailer: retail, tariff: tou }
`;
    const p2 = zoneRefusals(parse(adelaide));
    expect(p2.map((p) => p.path)).to.deep.equal(['tariffs[0]', 'tariffs[0]']);
    const i2 = issuesOf(adelaide);
    expect(refusalsHeld(p2, i2.map((i) => i.path))).to.deep.equal([]);
    expect(i2.map((i) => i.message).join('\n')).to.match(/Australia\/Adelaide at UTC\+10:30/).and.to.match(/Australia\/Adelaide at UTC\+09:30/);
    // With quarter-hour readings it is neither predicted nor refused.
    const quarter = adelaide.replace('intervalMinutes: 60', 'intervalMinutes: 15');
    expect(zoneRefusals(parse(quarter))).to.deep.equal([]);
    expect(issuesOf(quarter)).to.deep.equal([]);
  });

  it('the generator draws every zone of its list, some runs holding a change (spring and autumn)', () => {
    const zones = new Set<string>();
    let near = 0;
    const months = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) {
      const g = generateScenario(seed);
      if (g.features.timeZone !== undefined) zones.add(g.features.timeZone);
      if (g.features.nearChange) {
        near++;
        months.add(new Date(String(parse(g.yaml).start)).getUTCMonth());
      }
      const z = drawZone(seed, 1, 15);
      expect(parse(g.yaml).site.timeZone).to.equal(z.timeZone);
    }
    expect([...zones].sort()).to.deep.equal([...ZONES].sort());
    expect(near).to.be.greaterThan(20);
    // Both directions: March/April and September/October/November changes.
    expect([...months].some((m) => m <= 3)).to.equal(true);
    expect([...months].some((m) => m >= 8)).to.equal(true);
    // The site's clock the checks read holds the change where the generator said so.
    const seed = [...Array(200).keys()].map((k) => k + 1).find((k) => generateScenario(k).features.nearChange)!;
    const doc = parse(generateScenario(seed).yaml);
    const clock = siteClock({ start: doc.start, days: doc.days, site: doc.site });
    expect(clock.transitionsIn(Date.parse(doc.start) - 2 * 86_400_000, Date.parse(doc.start) + doc.days * 86_400_000)).to.have.length.greaterThan(0);
  });
});
