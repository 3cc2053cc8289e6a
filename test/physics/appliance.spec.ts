import { expect } from 'chai';
import fc from 'fast-check';
import { MS_PER_HOUR, parseSimTime, simTime, type SimTime } from '../../core/time.ts';
import { hours, kw, kwh } from '../../core/units.ts';
import {
  WAITING,
  applianceJobProblems,
  canStart,
  energyLeftKwh,
  lateHours,
  latestStart,
  mustRunNow,
  runHours,
  slackHours,
  stepAppliance,
  type ApplianceJob,
  type ApplianceState,
} from '../../agents/physics/appliance.ts';

const at = (hhmm: string): SimTime => parseSimTime(`2026-07-01T${hhmm}:00Z`)!;
// A wash: 1.8 kWh at 1.2 kW = 1.5 h, between 18:00 and 23:00 → latest start 21:30.
const wash: ApplianceJob = { energyKwh: kwh(1.8), powerKw: kw(1.2), earliestStart: at('18:00'), deadline: at('23:00') };
const Q = hours(0.25);

describe('physics/appliance: a wash by hand', () => {
  it('runs 1.5 h and must start by 21:30', () => {
    expect(runHours(wash)).to.equal(1.5);
    expect(latestStart(wash)).to.equal(at('21:30'));
    expect(slackHours(wash, WAITING, at('20:00'))).to.equal(1.5);
  });

  it('must run at 21:30 but not at 21:15 (on a 15-minute grid, 21:30 is still a chance)', () => {
    expect(mustRunNow(wash, WAITING, at('21:15'), Q)).to.equal(false);
    expect(mustRunNow(wash, WAITING, at('21:30'), Q)).to.equal(true);
    // on an hourly grid, 21:00 is the last chance
    expect(mustRunNow(wash, WAITING, at('21:00'), hours(1))).to.equal(true);
    expect(mustRunNow(wash, WAITING, at('20:00'), hours(1))).to.equal(false);
  });

  it('cannot start before its earliest start', () => {
    expect(canStart(wash, WAITING, at('17:45'))).to.equal(false);
    expect(stepAppliance(wash, WAITING, at('17:45'), true, Q).state).to.equal(WAITING);
    expect(mustRunNow({ ...wash, deadline: at('19:00') }, WAITING, at('17:45'), Q)).to.equal(false);
  });

  it('started at 21:30 it draws 0.3 kWh per quarter hour and is done at exactly 23:00', () => {
    let s: ApplianceState = WAITING;
    let t = at('21:30');
    let energy = 0;
    for (let i = 0; i < 6; i++) {
      const step = stepAppliance(wash, s, t, true, Q);
      expect(step.energyKwh).to.be.closeTo(0.3, 1e-12);
      expect(step.averageKw).to.be.closeTo(1.2, 1e-12);
      energy += step.energyKwh;
      s = step.state;
      if (i === 1) {
        expect(energyLeftKwh(wash, s)).to.be.closeTo(1.2, 1e-12);
        expect(mustRunNow(wash, s, t, Q)).to.equal(true); // it cannot pause
        expect(slackHours(wash, s, t)).to.equal(0);
      }
      t = simTime(t + 0.25 * MS_PER_HOUR);
    }
    expect(energy).to.be.closeTo(1.8, 1e-12);
    expect(s).to.deep.equal({ phase: 'done', finishedAt: at('23:00') });
    expect(slackHours(wash, s, t)).to.equal(Infinity);
    expect(energyLeftKwh(wash, s)).to.equal(0);
  });

  it('finishing inside a step: a 1 kWh job at 1.2 kW started at 20:00 finishes at 20:50 and averages 1 kWh / 1 h = 1 kW over the step', () => {
    const job: ApplianceJob = { ...wash, energyKwh: kwh(1) };
    const step = stepAppliance(job, WAITING, at('20:00'), true, hours(1));
    expect(step.state).to.deep.equal({ phase: 'done', finishedAt: at('20:50') });
    expect(step.averageKw).to.be.closeTo(1, 1e-12);
  });

  it('reports lateness and bad jobs', () => {
    expect(lateHours(wash, at('22:00'))).to.equal(0.5);
    expect(lateHours(wash, at('21:00'))).to.equal(0);
    expect(applianceJobProblems(wash)).to.deep.equal([]);
    expect(applianceJobProblems({ ...wash, powerKw: kw(0), deadline: at('17:00') }).length).to.equal(2);
  });
});

describe('physics/appliance: deadlines are met (properties)', () => {
  const jobArb = fc.record({
    energy: fc.double({ min: 0.1, max: 5, noNaN: true }),
    power: fc.double({ min: 0.2, max: 3, noNaN: true }),
    windowExtraH: fc.double({ min: 0, max: 12, noNaN: true }),
    dtH: fc.constantFrom(1 / 12, 0.25, 0.5, 1),
  });

  function runFrom(job: ApplianceJob, start: SimTime, dtH: number): SimTime {
    let s: ApplianceState = WAITING;
    let t = start;
    for (let i = 0; i < 10_000 && s.phase !== 'done'; i++) {
      s = stepAppliance(job, s, t, true, hours(dtH)).state;
      t = simTime(t + dtH * MS_PER_HOUR);
    }
    if (s.phase !== 'done') throw new Error('did not finish');
    return s.finishedAt;
  }

  it('started at any time up to its latest start, it finishes by the deadline', () => {
    fc.assert(
      fc.property(jobArb, fc.double({ min: 0, max: 1, noNaN: true }), (p, u) => {
        const earliest = at('08:00');
        const run = p.energy / p.power;
        const job: ApplianceJob = {
          energyKwh: kwh(p.energy),
          powerKw: kw(p.power),
          earliestStart: earliest,
          deadline: simTime(earliest + (run + p.windowExtraH) * MS_PER_HOUR),
        };
        const start = simTime(earliest + u * (latestStart(job) - earliest));
        expect(runFrom(job, start, p.dtH)).to.be.at.most(job.deadline + 1e-3);
      }),
      { numRuns: 500 },
    );
  });

  it('a lazy controller that runs only when mustRunNow says so still finishes by the deadline', () => {
    fc.assert(
      fc.property(jobArb, (p) => {
        const earliest = at('08:00');
        const run = p.energy / p.power;
        const job: ApplianceJob = {
          energyKwh: kwh(p.energy),
          powerKw: kw(p.power),
          earliestStart: earliest,
          deadline: simTime(earliest + (run + p.windowExtraH) * MS_PER_HOUR),
        };
        let s: ApplianceState = WAITING;
        let t = earliest; // decision points on the interval grid from the earliest start
        for (let i = 0; i < 10_000 && s.phase !== 'done'; i++) {
          const run = mustRunNow(job, s, t, hours(p.dtH));
          if (s.phase === 'waiting' && run) expect(t).to.be.at.most(latestStart(job));
          s = stepAppliance(job, s, t, run, hours(p.dtH)).state;
          t = simTime(t + p.dtH * MS_PER_HOUR);
        }
        expect(s.phase).to.equal('done');
        if (s.phase === 'done') expect(s.finishedAt).to.be.at.most(job.deadline + 1e-3);
      }),
      { numRuns: 500 },
    );
  });
});
