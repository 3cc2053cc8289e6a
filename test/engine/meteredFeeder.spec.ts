/**
 * The AC check of what the meters read on a LinDistFlow feeder (engine/interval/meteredFeeder.ts):
 * voltages.csv's vm_metered and metered_kw, and kpis.feeder's metered figures, beside the
 * clearing's check of the schedule (vm_ac, net_kw).
 *
 * By hand: one line (r = 0.02, x = 0.04 p.u. on 100 kVA, the substation at 1 p.u.) with a
 * withdrawal P + jQ (p.u.) at its far end has, for the far end's v² (the larger root of
 * v⁴ + (2(rP + xQ) − 1)v² + (r² + x²)(P² + Q²) = 0), and the line's losses r(P² + Q²)/v².
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { parseScenario } from '../../engine/scenario/load.ts';
import { meteredFeeder } from '../../engine/interval/meteredFeeder.ts';
import { acSweep } from '../../network/acSweep.ts';
import { radialFeeder } from '../../network/radial.ts';
import { createNetwork } from '../../network/validate.ts';
import type { FeederOutcome } from '../../market/types.ts';
import { runAndRead } from '../helpers/runOutputs.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const R = 0.02;
const X = 0.04;
/** The far end's voltage magnitude of the one-line feeder (the closed form above). */
function farEndPu(pPu: number, qPu = 0): number {
  const b = 2 * (R * pPu + X * qPu) - 1;
  const c = (R * R + X * X) * (pPu * pPu + qPu * qPu);
  return Math.sqrt((-b + Math.sqrt(b * b - 4 * c)) / 2);
}

// fixtures/scenarios/losses-line.yaml (a constant 100 kW at the far end), and a home at the far end whose bidding code
// crashed at the start: it runs on its own control, metered (engine: crashOwnControl), with no position, so the
// schedule carries 100 kW at b and the meters 100 kW plus the home's.
const scenario = (crash: boolean) =>
  parseScenario(
    `
name: metered-line
seed: 1
start: 2026-01-14T00:00:00Z
days: 0.25
intervalMinutes: 15
market: { mechanism: lp }
network:
  model: lindistflow
  baseKva: 100
  buses: [{ id: grid, reference: true }, { id: b }]
  branches:
    - { id: l1, from: grid, to: b, resistancePu: ${R}, reactancePu: ${X}, limitKw: 200 }
${crash ? 'faults:\n  - { type: agent-crash, agent: home, at: 2026-01-14T00:00:00Z }\n' : ''}agents:
  - { kind: generator, id: wholesale, bus: grid, offers: [{ kw: 200, priceMwh: 40 }], takes: [{ kw: 200, priceMwh: 0 }] }
  - { kind: generator, id: load, bus: b, offers: [{ kw: 1, priceMwh: 900 }], takes: [{ kw: 100, priceMwh: 100 }] }
  - { kind: home, id: home, bus: b }
`,
    'metered-line.yaml',
  );

type Row = Record<string, string>;

describe('the AC check of what the meters read (engine/interval/meteredFeeder.ts)', () => {
  it('where the sites do as cleared, the metered power flow is the schedule\'s: vm_metered = vm_ac and metered_kw = net_kw at every bus and interval', async () => {
    const rows = await runAndRead(scenario(false), (f) => f.rows('voltages.csv') as Row[]);
    expect(rows.length).to.equal(2 * 24);
    for (const r of rows) {
      expect(r.metered_kw, `${r.interval_start} ${r.bus}`).to.equal(r.net_kw);
      expect(r.vm_metered, `${r.interval_start} ${r.bus}`).to.equal(r.vm_ac);
    }
  });

  it('a home on its own control (no position) draws beyond the schedule: the schedule\'s far end is at v(1 p.u.) = 0.978730, the metered one at v(1 + its kW / 100), by hand', async () => {
    const out = await runAndRead(scenario(true), (f) => ({ volts: f.rows('voltages.csv') as Row[], agents: f.rows('agents.csv') as Row[], intervals: f.rows('intervals.csv') as Row[], summary: f.summary() as { books: { closed: boolean }; kpis: { feeder: Record<string, unknown> } } }));
    const kpis = out.summary.kpis.feeder;
    expect(out.summary.books.closed).to.equal(true);
    const home = new Map(out.agents.filter((a) => a.agent_id === 'home').map((a) => [a.interval_start!, Number(a.actual_kw)]));
    const far = out.volts.filter((r) => r.bus === 'b');
    expect(far.length).to.equal(24);
    let flowedQuanta = 0;
    for (const r of far) {
      const homeKw = home.get(r.interval_start!)!;
      expect(homeKw, r.interval_start).to.be.greaterThan(0);
      // The schedule: the constant load alone (the home's bid never reached the book).
      expect(Number(r.net_kw)).to.equal(100);
      expect(Number(r.vm_ac)).to.be.closeTo(farEndPu(1), 1e-6);
      expect(farEndPu(1)).to.be.closeTo(0.97873, 1e-6);
      // The meters: the load and the home (its metered kW, 3 decimals), at unity power factor as cleared (no Q at b).
      expect(Number(r.metered_kw)).to.be.closeTo(100 + homeKw, 1e-9);
      const p = (100 + homeKw) / 100;
      expect(Number(r.vm_metered)).to.be.closeTo(farEndPu(p), 1e-6);
      expect(Number(r.vm_metered)).to.be.lessThan(Number(r.vm_ac));
      // The losses stage: the schedule's 2.088 kW at the substation's real-time price (40), and what flowed beyond it,
      // r·p²/v² in whole watts less 2.088 kW, at its imbalance price (intervals.csv), between dso-losses and transmission.
      const flowedW = Math.round(((R * p * p) / farEndPu(p) ** 2) * 100_000);
      flowedQuanta += flowedW;
      const dso = out.agents.find((a) => a.agent_id === 'dso-losses' && a.interval_start === r.interval_start)!;
      const imbalancePrice = Number(out.intervals.find((i) => i.bus === 'grid' && i.interval_start === r.interval_start)!.imbalance_price);
      expect([dso.award_kw, dso.price, dso.actual_kw, dso.imbalance_kw]).to.deep.equal(['2.088', '40.00', (flowedW / 1000).toFixed(3), ((flowedW - 2088) / 1000).toFixed(3)]);
      expect(Number(dso.imbalance_price)).to.equal(imbalancePrice);
      // kW × 0.25 h × price/MWh ÷ 1000, the two parts in whole watts and ticks, exact in 1e-9.
      expect(Number(dso.cost)).to.be.closeTo((2088 * 0.25 * 40 + (flowedW - 2088) * 0.25 * imbalancePrice) / 1e6, 1e-12);
    }
    // summary.json rounds to the watt-hour.
    expect(kpis.lossesKwh).to.be.closeTo((flowedQuanta * 0.25) / 1000, 1e-3);
    expect(kpis.lossesBeyondScheduleKwh).to.be.closeTo(((flowedQuanta - 24 * 2088) * 0.25) / 1000, 1e-3);
    expect(kpis.lossesBeyondScheduleKwh as number).to.be.greaterThan(0);
    const lowest = Math.min(...far.map((r) => Number(r.vm_metered)));
    expect(kpis.meteredWorstVoltagePu).to.deep.equal({ value: lowest, bus: 'b', at: far.find((r) => Number(r.vm_metered) === lowest)!.interval_start });
    expect(kpis.meteredVoltageViolationIntervals).to.equal(0);
    expect(kpis.meteredSweepsNotConverged).to.equal(0);
  });

  it("a distribution operator's curtailment shows in the meters' power flow, not the schedule's: scenarios/heatwave-curtailment.yaml on a radial LinDistFlow feeder (its tie left out), every bus's metered_kw = Σ agents.csv actual_kw there", async () => {
    const text = readFileSync(join(REPO_ROOT, 'scenarios', 'heatwave-curtailment.yaml'), 'utf8')
      .replace(/^ {4}- \{ id: tie,.*\n/m, '')
      .replace(/^network:\n/m, 'network:\n  model: lindistflow\n');
    const out = await runAndRead(parseScenario(text, 'heatwave-radial.yaml'), (f) => ({ volts: f.rows('voltages.csv') as Row[], agents: f.rows('agents.csv') as Row[], events: f.rows('events.csv') as Row[], kpis: f.summary().kpis.feeder as Record<string, number> }));
    expect(out.events.filter((e) => e.type === 'DISPATCH_SETPOINT').length).to.be.greaterThan(100);
    const metered = new Map<string, number>();
    for (const a of out.agents) if (a.actual_kw !== '') metered.set(`${a.interval_start} ${a.bus}`, (metered.get(`${a.interval_start} ${a.bus}`) ?? 0) + Number(a.actual_kw));
    let curtailed = 0;
    for (const r of out.volts) {
      if (r.bus === 'grid') continue;
      expect(Number(r.metered_kw), `${r.interval_start} ${r.bus}`).to.be.closeTo(metered.get(`${r.interval_start} ${r.bus}`) ?? 0, 1e-6);
      // Less drawn than scheduled (the commands), the voltage higher than the schedule's.
      if (Number(r.metered_kw) < Number(r.net_kw) - 50) {
        curtailed++;
        expect(Number(r.vm_metered), `${r.interval_start} ${r.bus}`).to.be.greaterThan(Number(r.vm_ac));
      }
    }
    expect(curtailed).to.be.greaterThan(10);
    // The commands took load off the feeder: less flowed than the schedule's losses, the difference sold back at the imbalance price.
    expect(out.kpis.lossesBeyondScheduleKwh!).to.be.lessThan(0);
  });

  it('sums each bus\'s meters, skips parties without one (NaN: intermediaries) and parties at buses off the feeder, and equals acSweep of those sums with the cleared kvar (property)', () => {
    const network = createNetwork({ baseKva: 100, buses: [{ id: 'grid', reference: true }, { id: 'a' }, { id: 'b' }], branches: [{ id: 'l1', from: 'grid', to: 'a', resistancePu: 0.01, reactancePu: 0.02 }, { id: 'l2', from: 'a', to: 'b', resistancePu: 0.01, reactancePu: 0.02 }] });
    const feeder = radialFeeder(network, { substationVoltagePu: 1, defaultVMinPu: 0.9, defaultVMaxPu: 1.1 });
    const runBuses = ['b', 'grid', 'elsewhere', 'a'];
    const at = (id: string): number => (feeder.busIds as readonly string[]).indexOf(id);
    fc.assert(
      fc.property(
        fc.array(fc.record({ bus: fc.integer({ min: 0, max: 3 }), kw: fc.oneof(fc.double({ min: -40, max: 40, noNaN: true }), fc.constant(NaN)) }), { maxLength: 12 }),
        fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true })),
        (parties, [qa, qb]) => {
          const netKvar = new Float64Array(feeder.busCount);
          netKvar[at('a')] = qa;
          netKvar[at('b')] = qb;
          const cleared = { busIds: feeder.busIds, netKvar } as unknown as FeederOutcome;
          const m = meteredFeeder(feeder, cleared, parties.map((p) => p.kw), parties.map((p) => p.bus), runBuses);
          const byBus = new Float64Array(feeder.busCount);
          for (const p of parties) if (!Number.isNaN(p.kw) && runBuses[p.bus] !== 'elsewhere') byBus[at(runBuses[p.bus]!)]! += p.kw;
          expect([...m.netKw]).to.deep.equal([...byBus]);
          const ac = acSweep(feeder, byBus, netKvar);
          expect(m.converged).to.equal(ac.converged);
          if (ac.converged) expect([...m.vmPu]).to.deep.equal([...ac.vmPu]);
        },
      ),
    );
  });
});
