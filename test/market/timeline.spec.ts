import { expect } from 'chai';
import { SiteZone } from '../../core/siteZone.ts';
import { TestScheduler } from 'rxjs/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSimTime, simTime } from '../../core/time.ts';
import { InputFileError } from '../../core/errors.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { dayAheadAuctions, stageTimeline, type DayAheadAuction, type StageEvent, type TimedInterval } from '../../market/timeline.ts';

// Interval k's gate closes at virtual time 100·k + 95.
const iv = (k: number): TimedInterval => ({ index: k, gateClosure: simTime(100 * k + 95) });

describe('stageTimeline (marble tests in virtual time)', () => {
  const scheduler = () =>
    new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });

  it('[realTime] alone: one event per interval, at its gate', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const clock = cold('a-b-c|', { a: iv(0), b: iv(1), c: iv(2) });
      expectObservable(clock.pipe(stageTimeline([]))).toBe('a-b-c|', {
        a: { stage: 'realTime', at: simTime(95), interval: iv(0) },
        b: { stage: 'realTime', at: simTime(195), interval: iv(1) },
        c: { stage: 'realTime', at: simTime(295), interval: iv(2) },
      } satisfies Record<string, StageEvent>);
    });
  });

  it('a day-ahead auction comes before the first real-time gate at or after its own; one closed before the run clears first', () => {
    const early: DayAheadAuction = { at: simTime(-1000), firstInterval: 0, intervalCount: 2 };
    const next: DayAheadAuction = { at: simTime(150), firstInterval: 2, intervalCount: 2 };
    scheduler().run(({ cold, expectObservable }) => {
      // Frames are virtual time; the auctions' and intervals' own times are in the values. Gates: 95, 195, 295;
      // the auction at 150 closes between the first two, so it comes out with the second interval, just before it.
      const clock = cold('a----b----c|', { a: iv(0), b: iv(1), c: iv(2) });
      expectObservable(clock.pipe(stageTimeline([next, early]))).toBe('(xa)-(yb)-c|', {
        x: { stage: 'dayAhead', at: simTime(-1000), auction: early },
        a: { stage: 'realTime', at: simTime(95), interval: iv(0) },
        y: { stage: 'dayAhead', at: simTime(150), auction: next },
        b: { stage: 'realTime', at: simTime(195), interval: iv(1) },
        c: { stage: 'realTime', at: simTime(295), interval: iv(2) },
      } satisfies Record<string, StageEvent>);
    });
  });

  it('passes errors on', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const failure = new Error('clock');
      expectObservable(cold('a-#', { a: iv(0) }, failure).pipe(stageTimeline([]))).toBe('a-#', { a: { stage: 'realTime', at: simTime(95), interval: iv(0) } }, failure);
    });
  });
});

describe('dayAheadAuctions', () => {
  it('one per local delivery day of the run, its gate at D−1 12:00 local, delivering the run’s intervals of that day', () => {
    // Two days from 2026-07-01T00:00Z, hourly, local = UTC+2: local days start 22:00Z.
    const start = parseSimTime('2026-07-01T00:00:00Z')!;
    const auctions = dayAheadAuctions({ start, intervalMinutes: 60, intervals: 48 }, SiteZone.fixed(2), -720);
    expect(auctions.map((a) => [new Date(a.at).toISOString(), a.firstInterval, a.intervalCount])).to.deep.equal([
      ['2026-06-30T10:00:00.000Z', 0, 22], // delivery 2026-06-30T22:00Z–07-01T22:00Z (07-01 local); the run has its last 22 hours
      ['2026-07-01T10:00:00.000Z', 22, 24],
      ['2026-07-02T10:00:00.000Z', 46, 2],
    ]);
  });

  it('across a daylight-saving change (Europe/Amsterdam): delivery days of 96, 92 and 100 quarter hours, each gate at 12:00 on the wall the day before', () => {
    const ams = SiteZone.iana('Europe/Amsterdam', Date.parse('2026-01-01T00:00:00Z'), Date.parse('2027-01-01T00:00:00Z'));
    const row = (a: { at: number; firstInterval: number; intervalCount: number }) => [new Date(a.at).toISOString().slice(0, 16), a.firstInterval, a.intervalCount];
    // From local midnight of Saturday 28 March, three days of quarter hours: 96 + 92 + 96 = 284, the run's last 4 on the 31st.
    const spring = dayAheadAuctions({ start: Date.parse('2026-03-27T23:00:00Z'), intervalMinutes: 15, intervals: 288 }, ams, -720);
    expect(spring.map(row)).to.deep.equal([
      ['2026-03-27T11:00', 0, 96], // gate 12:00 CET on the 27th
      ['2026-03-28T11:00', 96, 92], // 29 March: 23 hours; gate 12:00 CET on the 28th
      ['2026-03-29T10:00', 188, 96], // gate 12:00 CEST on the 29th
      ['2026-03-30T10:00', 284, 4],
    ]);
    const autumn = dayAheadAuctions({ start: Date.parse('2026-10-23T22:00:00Z'), intervalMinutes: 15, intervals: 292 }, ams, -720);
    expect(autumn.map(row)).to.deep.equal([
      ['2026-10-23T10:00', 0, 96],
      ['2026-10-24T10:00', 96, 100], // 25 October: 25 hours; gate 12:00 CEST on the 24th
      ['2026-10-25T11:00', 196, 96], // gate 12:00 CET on the 25th
    ]);
  });

  it('a gate before the run\'s start across a change is on the wall clock too: D−2 12:00 for 30 March in Amsterdam is 12:00 CET on the 28th, 11:00 UTC (audit A-dst)', () => {
    // The run (from local midnight of 30 March, one day) is all in summer time, its zone one offset over the run;
    // its first gate, 12:00 local two days before, is on 28 March, in winter time: 11:00 UTC, not 10:00 UTC.
    const start = Date.parse('2026-03-29T22:00:00Z');
    const ams = SiteZone.iana('Europe/Amsterdam', start - 40 * 86_400_000, start + 41 * 86_400_000, start, start + 86_400_000);
    expect(ams.fixedOffsetHours).to.equal(2);
    const auctions = dayAheadAuctions({ start, intervalMinutes: 15, intervals: 96 }, ams, -2 * 1440 + 720);
    expect(auctions.map((a) => [new Date(a.at).toISOString().slice(0, 16), a.firstInterval, a.intervalCount])).to.deep.equal([['2026-03-28T11:00', 0, 96]]);
    // D−1 12:00 (after the change): 10:00 UTC on the 29th, as before.
    expect(dayAheadAuctions({ start, intervalMinutes: 15, intervals: 96 }, ams, -720).map((a) => new Date(a.at).toISOString().slice(0, 16))).to.deep.equal(['2026-03-29T10:00']);
  });
});

describe('market.timeline validation (located errors)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'gridbid-timeline-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const problems = (timeline: string): string => {
    const file = join(dir, 'timeline.yaml');
    writeFileSync(
      file,
      ['name: t', 'start: 2026-07-01T00:00:00Z', 'market:', '  gateClosureMinutes: 5', `  timeline: ${timeline}`, 'agents:', '  - { kind: generator, id: g, offers: [{ kw: 1, priceMwh: 1 }] }', ''].join('\n'),
    );
    try {
      loadScenarioFile(file);
      return 'valid';
    } catch (err) {
      expect(err).to.be.instanceOf(InputFileError);
      return (err as InputFileError).message;
    }
  };

  it('[realTime] and the default are valid', () => {
    expect(problems('[realTime]')).to.equal('valid');
    expect(problems('[{ stage: realTime, gateClosureMinutes: 10 }]')).to.equal('valid');
  });

  it('out of order: dayAhead listed after realTime, with file, line and path', () => {
    const m = problems('[realTime, dayAhead]');
    expect(m).to.match(/timeline\.yaml:5:\d+ market\.timeline\[1\]: out of order: the dayAhead gate closes before the realTime gates it feeds/);
  });

  it('overlapping gates: a day-ahead gate after the first real-time gate of its delivery day', () => {
    const m = problems('[{ stage: dayAhead, gateClosureLocal: "23:58" }, realTime]');
    expect(m).to.match(/timeline\.yaml:5:\d+ market\.timeline\[0\]\.gateClosureLocal: overlapping gates: the dayAhead gate closes at D−1 23:58 local, not before the realTime gate of the delivery day's first interval \(at D−1 23:55 local\)/);
    expect(problems('[{ stage: dayAhead, daysBefore: 0, gateClosureLocal: "09:00" }, realTime]')).to.match(/market\.timeline\[0\]\.daysBefore: overlapping gates: the dayAhead gate closes at D 09:00 local/);
  });

  it('each stage once, realTime required, a day-ahead interval that fits the scenario’s', () => {
    expect(problems('[realTime, realTime]')).to.match(/market\.timeline\[1\]: the realTime stage is already timeline\[0\]/);
    expect(problems('[{ stage: dayAhead }]')).to.match(/market\.timeline: the timeline needs a realTime stage/);
    expect(problems('[{ stage: dayAhead, intervalMinutes: 20 }, realTime]')).to.match(/market\.timeline\[0\]\.intervalMinutes: must be a multiple of the scenario's intervalMinutes \(15\)/);
  });
});
