/**
 * Meter-data privacy of a demand-response operator on a communication plane: a customer that opted in to an
 * operator's commands authorises it to read its series one by one to settle them, and for nothing else
 * (metering/privacy.ts `authorisedWindows`, engine/settlementRun.ts `drReadsUntilMs`). Settling a command reads
 * its interval and the days before it (the baseline), so the operator may read from the run's start to the end of
 * the last interval it commanded that customer, and no later. Before, an operator that commanded a home once could
 * read the home's whole run, to its last interval.
 */
import { expect } from 'chai';
import { parseScenario } from '../../engine/scenario/load.ts';
import { Simulation } from '../../engine/simulation.ts';
import type { MdmsRunEnd } from '../../engine/interval/outcome.ts';
import type { OwnCustomersView } from '../../metering/privacy.ts';
import { privacyVerdict } from '../helpers/privacyVerdict.ts';

// Four air-conditioned homes behind an 8 kW feeder head over three hot days: the operator commands them when the
// head overloads, some homes to the last afternoon, one only on the first day.
const YAML = `name: dr-privacy
start: 2026-07-01T00:00:00Z
days: 3
intervalMinutes: 60
seed: 4
weather: { temperature: heatwave, sky: clear }
network:
  baseKva: 1000
  buses:
    - { id: grid, reference: true }
    - { id: b }
  branches:
    - { id: head, kind: feeder-head, from: grid, to: b, reactancePu: 0.04, limitKw: 8 }
operations:
  - { id: dso, watch: [head], baseline: counterfactual, eventPriceMwh: 300 }
agents:
  - { kind: generator, id: supply, bus: grid, offers: [{ kw: 200, priceMwh: 80 }] }
  - kind: home
    idPrefix: h
    count: 4
    bus: b
    baseLoad: { annualKwh: 4000 }
    hvac: { share: 1, band: { lowC: 20, highC: 25 }, setpointC: 22.5 }
comms:
  classes:
    demand-response: { latency: { distribution: uniform, minMs: 10, maxMs: 20 } }
    ami: { latency: { distribution: uniform, minMs: 10, maxMs: 20 }, lossProbability: 0.2 }
`;

describe("meter-data privacy of a demand-response operator (on a plane): it reads an opted-in customer to its last command's end", function () {
  this.timeout(120_000);
  const HOUR = 3_600_000;
  const T0 = Date.parse('2026-07-01T00:00:00Z');
  let end: MdmsRunEnd;
  /** Per home, the end of the last interval it opted in to a command of dso's, from the run's events. */
  const lastCommandEnd = new Map<string, number>();
  let optIns = 0;
  before(async () => {
    const sim = await Simulation.create(parseScenario(YAML, 'dr-privacy.yaml'));
    sim.run({
      interval(o) {
        for (const e of o.events) {
          if (e.type !== 'DISPATCH_SETPOINT' || e.response !== 'opt-in') continue;
          optIns++;
          lastCommandEnd.set(e.target, Math.max(lastCommandEnd.get(e.target) ?? 0, e.at + HOUR));
        }
      },
      completed: (e) => void (end = e.settlement!),
    });
  });

  it('the run commanded some homes to its last day and one only on an earlier day (the case the bound is about)', () => {
    expect([...lastCommandEnd.values()].some((t) => t > T0 + 2 * 24 * HOUR)).to.equal(true);
    expect([...lastCommandEnd.values()].some((t) => t <= T0 + 2 * 24 * HOUR)).to.equal(true);
  });

  it('the operator reads each commanded home from the start to its last command, and not an hour more; nobody else one by one', () => {
    const dso = end.access.viewFor('dso') as OwnCustomersView;
    expect([...dso.customers].sort()).to.deep.equal([...lastCommandEnd.keys()].sort());
    for (const [home, until] of lastCommandEnd) {
      expect(privacyVerdict(() => dso.customerSeries(home, T0, until)), home).to.equal('allowed');
      expect(privacyVerdict(() => dso.customerSeries(home, T0, until + HOUR)), home).to.equal('outside-authorisation');
      expect(privacyVerdict(() => dso.customerSeries(home, until, T0 + 72 * HOUR)), home).to.equal('outside-authorisation');
    }
  });

  it('the final settlement of its commands reads within those windows, and its books close', () => {
    expect(end.books).to.deep.equal([]);
    const dr = end.kpis as { demandResponse?: Record<string, { commands: number }> };
    // Every opted-in command was settled again on the operator's reads.
    expect(dr.demandResponse?.dso?.commands).to.equal(optIns);
    expect(optIns).to.be.above(0);
  });
});
