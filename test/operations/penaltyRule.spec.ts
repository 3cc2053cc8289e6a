/**
 * The DR penalty rule (`penalty` of an operator: agents/operations/drSettlement.ts) on whole
 * scenarios. An agent commits a change from its schedule; under the default `baseline` rule a
 * shortfall is measured against the baseline, so where a schedule sits above it (a rebound after
 * an earlier event) a compliant agent pays. In v2g-emergency every one of the 1934 opted-in
 * commands is met exactly (actual ≤ award + commitment, from agents.csv and events.csv), yet the
 * baseline rule charges 79.828175; the `commitment` rule charges nothing and pays the same.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { runAndRead, type RunOutputs } from './outputs.ts';

const SCENARIOS = join(import.meta.dirname, '../../scenarios');

function withPenaltyRule(file: string, penalty: 'baseline' | 'commitment'): Scenario {
  const s = loadScenarioFile(join(SCENARIOS, file));
  return { ...s, config: { ...s.config, operations: s.config.operations.map((o) => ({ ...o, penalty })) } };
}

/** Σ over opted-in commands of (actual − (award + commitment))⁺ × Δt, kWh: consumption beyond what was committed, from the files. */
function beyondCommitmentKwh(o: RunOutputs, durationH: number): { commands: number; kwh: number } {
  let commands = 0;
  let kwh = 0;
  for (const e of o.events) {
    if (e.type !== 'DISPATCH_SETPOINT' || e.response !== 'opt-in') continue;
    const key = `${e.interval_start}|${e.target}`;
    const level = o.award.get(key)! + Number(e.delivered_kw);
    kwh += Math.max(0, o.actual.get(key)! - level) * durationH;
    commands++;
  }
  return { commands, kwh };
}

describe('DR penalty rule: baseline against commitment (scenarios/v2g-emergency.yaml)', function () {
  this.timeout(120_000);
  let baseline: RunOutputs;
  let commitment: RunOutputs;
  before(async () => {
    baseline = await runAndRead(withPenaltyRule('v2g-emergency.yaml', 'baseline'), 'gridbid-penalty-b-');
    commitment = await runAndRead(withPenaltyRule('v2g-emergency.yaml', 'commitment'), 'gridbid-penalty-c-');
  });
  after(() => {
    baseline?.cleanup();
    commitment?.cleanup();
  });
  const dso = (o: RunOutputs) => o.summary.kpis.operations.demandResponse.dso;

  it('every opted-in command was met exactly, so the commitment rule charges nothing; the baseline rule charges 79.828175', () => {
    const met = beyondCommitmentKwh(baseline, 0.25);
    expect(met.commands).to.equal(1934);
    expect(met.kwh).to.be.below(1e-9);
    expect(dso(baseline).penalties).to.equal('79.828175');
    expect(dso(commitment).penalties).to.equal('0');
  });

  it('the rule changes penalties only: the same dispatch, deliveries and payments, and both books close', () => {
    expect(dso(commitment).payments).to.equal(dso(baseline).payments);
    expect(dso(commitment).payments).to.equal('346.6664');
    for (const k of ['committedKwh', 'deliveredKwh', 'creditedKwh'] as const) expect(dso(commitment)[k], k).to.equal(dso(baseline)[k]);
    expect(commitment.agents.map((r) => r.actual_kw)).to.deep.equal(baseline.agents.map((r) => r.actual_kw));
    expect(baseline.summary.books.closed).to.equal(true);
    expect(commitment.summary.books.closed).to.equal(true);
  });

  it('agents.csv dr_cost: each agent keeps its payments and loses its penalties', () => {
    const net = (o: RunOutputs) => o.agents.reduce((s, r) => s + (r.dr_cost === '' ? 0 : Number(r.dr_cost)), 0);
    // dr_cost is + penalty − paid: the totals move by exactly the penalties the baseline rule charged.
    expect(net(baseline) - net(commitment)).to.be.closeTo(79.828175, 1e-6);
    expect(net(commitment)).to.be.closeTo(-346.6664, 1e-6);
  });
});

describe('DR penalty rule on a plane, with the final settlement from the MDMS (scenarios/cyber-replay.yaml)', function () {
  this.timeout(120_000);
  it('the initial and the final settlement both apply the commitment rule, and the books close', async () => {
    const o = await runAndRead(withPenaltyRule('cyber-replay.yaml', 'commitment'), 'gridbid-penalty-plane-');
    try {
      expect(o.summary.books.closed).to.equal(true);
      const d = o.summary.kpis.operations.demandResponse.dso;
      // The baseline rule charges 9.4061456 here and pays the same 25.991418.
      expect([d.payments, d.penalties]).to.deep.equal(['25.991418', '0.0004933']);
      const fromFiles = beyondCommitmentKwh(o, 0.25);
      expect(fromFiles.commands).to.equal(156);
      // Penalty = Σ min(committed, beyond) × 100/MWh: no more than what the files show beyond the commitments.
      expect(Number(d.penalties)).to.be.at.most(fromFiles.kwh * 0.1 + 1e-6);
      // The final settlement from the MDMS settles every command again: with the same rule, nothing to adjust
      // (paid net = 25.991418 − 0.0004933); under the baseline rule's final settlement it would be 16.5852724.
      const final = o.summary.kpis.settlement.demandResponse.dso;
      expect([final.initialPaid, final.finalPaid, final.adjustment]).to.deep.equal(['25.9909247', '25.9909247', '0']);
    } finally {
      o.cleanup();
    }
  });
});
