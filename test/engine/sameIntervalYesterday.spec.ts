/**
 * A retailer buys its customers' load of the same interval yesterday (agents/retailer/forecast.ts): across a
 * daylight-saving change that is the same wall-clock time on the local day before (core/sameWallClock.ts), read here
 * independently of gridbid's zone table, off Intl: its award in real time (it bids at the cap) is Σ its homes' metered kW
 * then. Where yesterday's wall time does not exist (the spring gap, Santiago's skipped midnight) the neighbour is the
 * time as many minutes past the jump; where it occurs twice, its first occurrence.
 */
import { expect } from 'chai';
import { parseScenario } from '../../engine/scenario/load.ts';
import { runAndRead, type Row } from '../helpers/runOutputs.ts';

const scenario = (site: string, start: string) => `name: yesterday
seed: 4
start: ${start}
days: 3
intervalMinutes: 15
site: ${site}
tariffs:
  - { id: flat, type: flat, energyPricePerKwh: 0.2 }
agents:
  - { kind: generator, id: plant, offers: [{ kw: 200, priceMwh: 60 }] }
  - { kind: retailer, id: r, tariffs: [flat] }
  - { kind: home, idPrefix: home, count: 3, retailer: r, tariff: flat }
`;

/** The wall clock of `timeZone` per Intl: local date and minutes of day. */
const wallOf = (timeZone: string) => {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return (iso: string): { date: string; minute: number } => {
    const p = Object.fromEntries(f.formatToParts(Date.parse(iso)).map((x) => [x.type, x.value]));
    return { date: `${p.year}-${p.month}-${p.day}`, minute: Number(p.hour) * 60 + Number(p.minute) };
  };
};
const dayBefore = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** For each interval from the second local day on: the retailer's award and Σ the homes' kW at yesterday's same wall time. */
function pairs(agents: Row[], timeZone: string): Array<{ at: string; award: number; yesterdayKw: number; hoursBack: number }> {
  const wall = wallOf(timeZone);
  const homes = new Map<string, number>();
  const times: string[] = [];
  for (const r of agents) {
    if (r.kind === 'home') homes.set(r.interval_start!, (homes.get(r.interval_start!) ?? 0) + Number(r.actual_kw));
    if (r.agent_id === 'r') times.push(r.interval_start!);
  }
  const award = new Map(agents.filter((r) => r.agent_id === 'r').map((r) => [r.interval_start!, Number(r.award_kw)]));
  const firstDate = wall(times[0]!).date;
  const out = [];
  for (const t of times) {
    const { date, minute } = wall(t);
    if (date === firstDate) continue;
    // The earliest instant of the day before showing this wall time; where that day skipped it (an hour's jump), the
    // time as many minutes past the jump: an hour later on the wall.
    const before = times.filter((u) => wall(u).date === dayBefore(date));
    const y = before.find((u) => wall(u).minute === minute) ?? before.find((u) => wall(u).minute === minute + 60)!;
    out.push({ at: t, award: award.get(t)!, yesterdayKw: homes.get(y)!, hoursBack: (Date.parse(t) - Date.parse(y)) / 3_600_000 });
  }
  return out;
}

describe('a retailer’s forecast reads the same wall-clock interval yesterday', function () {
  this.timeout(120_000);
  const cases = [
    { what: 'Amsterdam, spring (from Saturday 28 March 00:00 CET)', zone: 'Europe/Amsterdam', site: '{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }', start: '2026-03-27T23:00:00Z', back: [23, 24] },
    { what: 'Amsterdam, autumn (from Saturday 24 October 00:00 CEST)', zone: 'Europe/Amsterdam', site: '{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }', start: '2026-10-23T22:00:00Z', back: [24, 25] },
    { what: 'Santiago, September (from Saturday 5 September 00:00 −04)', zone: 'America/Santiago', site: '{ latitude: -33.45, longitude: -70.67, timeZone: America/Santiago }', start: '2026-09-05T04:00:00Z', back: [23, 24] },
  ];
  for (const c of cases)
    it(`${c.what}: every award from the second local day on is Σ the homes’ kW at yesterday’s wall time (${c.back.join(' or ')} hours back)`, async () => {
      const agents = await runAndRead(parseScenario(scenario(c.site, c.start), 'y.yaml'), (f) => f.rows('agents.csv'));
      const checked = pairs(agents, c.zone);
      expect(checked.length).to.be.greaterThan(150);
      // agents.csv rounds each kW to the watt: three homes, 1.5 W at most.
      for (const p of checked) expect(p.award, p.at).to.be.closeTo(p.yesterdayKw, 0.0016);
      expect([...new Set(checked.map((p) => p.hoursBack))].sort((a, b) => a - b)).to.deep.equal(c.back);
    });

  it('at a fixed offset it reads 24 hours back, as before', async () => {
    const agents = await runAndRead(parseScenario(scenario('{ latitude: 52.37, longitude: 4.9, utcOffsetHours: 1 }', '2026-03-27T23:00:00Z'), 'y.yaml'), (f) => f.rows('agents.csv'));
    const checked = pairs(agents, 'Etc/GMT-1');
    expect(checked.length).to.equal(2 * 96);
    for (const p of checked) expect(p.award, p.at).to.be.closeTo(p.yesterdayKw, 0.0016);
    expect([...new Set(checked.map((p) => p.hoursBack))]).to.deep.equal([24]);
  });
});
