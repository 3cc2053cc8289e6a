import { SiteZone } from '../../core/siteZone.ts';
import { join } from 'node:path';
import { expect } from 'chai';
import { businessDayOf, tenOfTenBaseline } from '../../agents/operations/baseline.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { expectEventsReconcile, expectWithinLimitOrShortfall, type Row, runAndRead, type RunOutputs, withoutOperators } from './outputs.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/scenarios');
const DAY2 = '2026-07-02T';
const inWindow = (t: string, from: string, until: string): boolean => t >= from && t < until;

describe('operations acceptance: faults on a small feeder (fixtures/scenarios/ops-faults.yaml)', function () {
  this.timeout(60_000);
  let o: RunOutputs;
  let bare: RunOutputs;
  const file = join(FIXTURES, 'ops-faults.yaml');
  before(async () => {
    o = await runAndRead(file);
    bare = await runAndRead(withoutOperators(file), 'gridbid-ops-bare-');
  });
  after(() => {
    o?.cleanup();
    bare?.cleanup();
  });
  const dispatches = (): Row[] => o.events.filter((e) => e.type === 'DISPATCH_SETPOINT' && e.issuer === 'dso');

  it('the run completes despite every fault; without the operator the head overloads, with it only where flexibility ran out, each such interval recorded as a shortfall', () => {
    expect(o.summary.intervals).to.equal(192);
    expect(o.summary.kpis.operations.overloadIntervalsWithoutOperator).to.be.greaterThan(20);
    const over = expectWithinLimitOrShortfall(o, ['head']);
    // The head derated to 10 kW for an hour: more than the homes can shed.
    expect(over).to.be.within(1, 4);
    for (const e of o.events.filter((x) => x.type === 'OVERLOAD_SHORTFALL')) expect(inWindow(e.interval_start!, `${DAY2}18:00`, `${DAY2}19:00`), e.interval_start).to.equal(true);
    expect(o.summary.kpis.overloadIntervals).to.equal(over);
  });

  it('commands reconcile with their reports; declined ones say why', () => {
    expect(expectEventsReconcile(o)).to.be.greaterThan(100);
    expect(dispatches().some((e) => e.response === 'opt-out')).to.equal(true);
  });

  it('comms loss: bids and commands of street-b homes are lost inside the window only, and the operator then asks others', () => {
    const lostBids = o.events.filter((e) => e.type === 'COMMS_LOSS');
    const lostCommands = dispatches().filter((e) => e.response === 'lost');
    expect(lostBids.length).to.be.greaterThan(10);
    expect(lostCommands.length).to.be.greaterThan(10);
    // A bid is sent 6 minutes before its interval starts (a minute before the 5-minute gate); a command as it starts.
    const sentAt = (t: string, minutes: number): string => new Date(Date.parse(t) - minutes * 60_000).toISOString();
    for (const e of [...lostBids.map((x) => ({ t: sentAt(x.interval_start!, 6), who: x.issuer! })), ...lostCommands.map((x) => ({ t: x.interval_start!, who: x.target! }))]) {
      expect(e.who, e.t).to.match(/^home-b-/);
      expect(inWindow(e.t, `${DAY2}15:00`, `${DAY2}19:00`), `${e.who} at ${e.t}`).to.equal(true);
    }
    for (const e of lostCommands) expect(e.detail).to.match(/communication lost/);
    // The follow-up: after a lost command, in the same interval, the operator commands someone else who opts in.
    const followed = lostCommands.filter((l) => {
      const after = dispatches().slice(dispatches().indexOf(l) + 1);
      return after.some((x) => x.interval_start === l.interval_start && x.target !== l.target && x.response === 'opt-in');
    });
    expect(followed.length).to.be.greaterThan(0);
    expect(o.events.some((e) => e.type!.startsWith('REPORT:') && e.response === 'lost')).to.equal(true);
    // Commands and reports draw their losses from their own seeded streams: the same bids are lost as without the operator.
    const bids = (r: RunOutputs): string[] => r.events.filter((e) => e.type === 'COMMS_LOSS').map((e) => `${e.interval_start} ${e.issuer}`);
    expect(bids(o)).to.deep.equal(bids(bare));
  });

  it('a crashing agent is isolated from the market and the operator and reported, while its home keeps consuming on its own control', () => {
    const crash = o.events.filter((e) => e.type === 'AGENT_CRASH');
    expect(crash.map((e) => [e.interval_start, e.target, e.response])).to.deep.equal([[`${DAY2}10:00:00Z`, 'home-c-3', 'own-control']]);
    const after = o.agents.filter((r) => r.interval_start! >= `${DAY2}10:00`);
    // Its energy manager crashed, not its devices: the home is 'own-control', never 'crashed' (left out), and its meter reads what they draw
    // (an air-conditioned home on a heatwave day: every interval above zero), with no position (award 0).
    const own = after.filter((x) => x.agent_id === 'home-c-3');
    expect(own.length).to.equal(56);
    for (const r of own) {
      expect(r.state, r.interval_start).to.equal('own-control');
      expect(Number(r.award_kw), r.interval_start).to.equal(0);
      expect(Number(r.actual_kw), r.interval_start).to.be.greaterThan(0);
    }
    expect(dispatches().filter((e) => e.target === 'home-c-3' && e.interval_start! >= `${DAY2}10:00`)).to.deep.equal([]);
    expect(after.filter((r) => r.state === 'crashed')).to.deep.equal([]);
    expect(dispatches().some((e) => e.interval_start! >= `${DAY2}10:00` && e.response === 'opt-in')).to.equal(true);
    // The summary counts one isolated agent, on its own control (none left out), apart from strategy faults.
    for (const r of [o, bare]) {
      expect(r.summary.kpis.isolatedAgents).to.equal(1);
      expect(r.summary.kpis.isolation).to.deep.equal({ ownControlSites: 1, leftOutSites: 0 });
    }
  });

  it('an equipment fault: the battery is faulted in its window and declines what it is asked there', () => {
    const rows = o.agents.filter((r) => r.agent_id === 'battery-1' && inWindow(r.interval_start!, `${DAY2}14:00`, `${DAY2}20:00`));
    expect(rows.length).to.equal(24);
    for (const r of rows) expect(r.state).to.equal('faulted');
    for (const e of dispatches().filter((x) => x.target === 'battery-1' && inWindow(x.interval_start!, `${DAY2}14:00`, `${DAY2}20:00`))) {
      expect([e.response, e.detail!.includes('faulted')]).to.deep.equal(['opt-out', true]);
    }
  });

  it('forged commands are rejected and logged: a stranger, and one naming the operator without its signature', () => {
    const forged = o.events.filter((e) => e.type === 'DISPATCH_SETPOINT' && e.response === 'rejected');
    expect(forged.map((e) => [e.interval_start, e.issuer, e.target, e.requested_kw, e.delivered_kw])).to.deep.equal([
      [`${DAY2}17:00:00Z`, 'mallory', 'ev-1', '-5.000', '0.000'],
      [`${DAY2}17:30:00Z`, 'dso', 'home-c-1', '-3.000', '0.000'],
    ]);
    expect(forged[0]!.detail).to.equal("forged or foreign command: 'mallory' is not the operator of this agent's feeder (that is 'dso')");
    expect(forged[1]!.detail).to.equal("forged command: it names 'dso' but does not carry its signature");
  });

  it('the counterfactual baseline is the run without the event: every report names what the agent consumed in the same run with `operations: []`', () => {
    let n = 0;
    for (const e of o.events.filter((x) => x.type === 'REPORT:BASELINE')) {
      const cf = /; counterfactual (\S+) kW/.exec(e.detail!)![1]!;
      // What it consumed (actual_kw): its award, but for a home whose bid the comms-loss fault lost, its own control (noPosition.ts).
      const bareKw = bare.actual.get(`${e.interval_start}|${e.issuer}`)!;
      expect(Number(cf), `${e.interval_start} ${e.issuer}`).to.be.closeTo(bareKw, 6e-4);
      n++;
    }
    expect(n).to.be.greaterThan(100);
    // And the run without the operator is the counterfactual run of the summary.
    expect(bare.summary.kpis.overloadIntervals).to.equal(o.summary.kpis.operations.overloadIntervalsWithoutOperator);
  });

  it('the 10-of-10 baseline in the reports is the method applied to the metered history in agents.csv', () => {
    const perDay = 96;
    // The scenario's calendar: 2026-07-01 (a Wednesday) at UTC+2, 15-minute intervals.
    const { config } = loadScenarioFile(file);
    const calendar = businessDayOf(Date.parse(config.start), config.intervalMinutes, SiteZone.fixed(config.site.utcOffsetHours ?? 0));
    const index = new Map([...new Set(o.agents.map((r) => r.interval_start!))].sort().map((t, k) => [t, k]));
    const history = new Map<string, Float64Array>();
    for (const r of o.agents) {
      let h = history.get(r.agent_id!);
      if (!h) history.set(r.agent_id!, (h = new Float64Array(192).fill(NaN)));
      h[index.get(r.interval_start!)!] = Number(r.actual_kw); // the meter's history
    }
    // Event intervals per agent: every interval in which it opted in to a reduction.
    const commanded = new Map<string, Set<number>>();
    for (const e of dispatches()) {
      if (e.response !== 'opt-in' || !(Number(e.delivered_kw) < 0)) continue;
      (commanded.get(e.target!) ?? commanded.set(e.target!, new Set()).get(e.target!)!).add(index.get(e.interval_start!)!);
    }
    let checked = 0;
    for (const e of o.events.filter((x) => x.type === 'REPORT:BASELINE')) {
      const m = /10-of-10 (\S+) kW \((\d+) days/.exec(e.detail!)!;
      if (Number(m[2]) === 0) continue;
      const k = index.get(e.interval_start!)!;
      const events = commanded.get(e.issuer!)!;
      let start = k;
      while (events.has(start - 1)) start--;
      const days = new Set([...events].map((x) => Math.floor(x / perDay)));
      const b = tenOfTenBaseline(history.get(e.issuer!)!, days, perDay, k, start, calendar);
      expect(Number(m[1]), `${e.interval_start} ${e.issuer}`).to.be.closeTo(b.baselineKw, 6e-4);
      expect(b.daysUsed).to.equal(Number(m[2]));
      checked++;
    }
    expect(checked).to.be.greaterThan(5);
  });
});

describe('operations acceptance: a line outage under LP dispatch (fixtures/scenarios/ops-outage.yaml)', function () {
  this.timeout(60_000);
  let o: RunOutputs;
  before(async () => {
    o = await runAndRead(join(FIXTURES, 'ops-outage.yaml'));
  });
  after(() => o?.cleanup());

  it('the outage and the restoration are in events.csv', () => {
    const rows = o.events.filter((e) => e.issuer === 'fault').map((e) => [e.interval_start, e.target, e.type, e.response]);
    expect(rows).to.deep.equal([
      ['2026-07-01T16:00:00Z', 'a-c', 'LINE_OUTAGE', 'topology-recomputed'],
      ['2026-07-01T18:00:00Z', 'a-c', 'LINE_RESTORED', 'topology-recomputed'],
    ]);
  });

  it('after re-clearing no remaining branch is over its limit; the line out of service carries nothing', () => {
    const outage = (t: string): boolean => inWindow(t, '2026-07-01T16:00', '2026-07-01T18:00');
    let binding = 0;
    for (const f of o.flows) {
      const flow = Math.abs(Number(f.flow_kw));
      if (f.line_id === 'a-c' && outage(f.interval_start!)) {
        expect(flow, f.interval_start).to.equal(0);
        continue;
      }
      expect(flow, `${f.line_id} at ${f.interval_start}`).to.be.at.most(Number(f.limit_kw) + 1e-3);
      if (outage(f.interval_start!) && f.line_id === 'a-b' && flow >= Number(f.limit_kw) * 0.95) binding++;
    }
    // Everything the feeder takes now comes through a-b (70 kW): it binds during the outage.
    expect(binding).to.be.greaterThan(4);
    expect(o.summary.kpis.overloadIntervals).to.equal(0);
    expect(o.events.filter((e) => e.type === 'OVERLOAD_SHORTFALL')).to.deep.equal([]);
    expect(expectWithinLimitOrShortfall(o, ['head', 'a-b', 'a-c', 'b-c'])).to.equal(0);
  });
});

describe('operations: deratings in force together', function () {
  this.timeout(60_000);
  it('the tightest holds whatever their order in the list; each start says the limit then in force', async () => {
    // The head: 75 kW. 10 kW from 17:00 to 20:00, then a 20 kW derating inside it (18:00–19:00), listed later.
    const file = loadScenarioFile(join(FIXTURES, 'ops-faults.yaml'));
    const scenario = {
      ...file,
      config: {
        ...file.config,
        days: 1,
        operations: [],
        faults: [
          { type: 'derating' as const, branch: 'head', limitKw: 10, at: '2026-07-01T17:00:00Z', until: '2026-07-01T20:00:00Z' },
          { type: 'derating' as const, branch: 'head', limitKw: 20, at: '2026-07-01T18:00:00Z', until: '2026-07-01T19:00:00Z' },
        ],
      },
    };
    const o = await runAndRead(scenario, 'gridbid-deratings-');
    try {
      const limit = (t: string): number => Number(o.flows.find((f) => f.line_id === 'head' && f.interval_start === `2026-07-01T${t}:00Z`)!.limit_kw);
      expect([limit('16:45'), limit('17:00'), limit('18:00'), limit('18:45'), limit('19:00'), limit('20:00')]).to.deep.equal([75, 10, 10, 10, 10, 75]);
      expect(o.events.filter((e) => e.type === 'DERATING').map((e) => `${e.interval_start} ${e.detail}`)).to.deep.equal([
        '2026-07-01T17:00:00Z limit now 10 kW',
        '2026-07-01T18:00:00Z limit now 10 kW',
      ]);
    } finally {
      o.cleanup();
    }
  });
});
