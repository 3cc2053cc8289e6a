/**
 * Every message type on the plane changes a run only through *when* it arrives: on a plane
 * where every class delivers at once (0 ms, no loss, a line rate that makes serialization
 * vanish), bids, offers, members' curves, prices, awards, commands, replies, flexibility
 * reports, day-ahead results and meter reads
 * all arrive when sent, and every example scenario's results equal those of `comms: ideal`
 * byte for byte — only messages.csv, kpis.comms, kpis.settlement (a final settlement that
 * adjusts nothing) and the report's page are added. This is the
 * converse of test/comms/messageTypes.spec.ts (hold a message back, the run changes).
 * (That `comms: ideal` itself gives the outputs it gave before the message types existed was
 * checked by `diff -r` of every scenarios/*.yaml output folder; see docs/comms.md.)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { APPLICATION_CLASSES } from '../../comms/applicationClasses.ts';
import { runScenario } from '../../engine/run.ts';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';

const SCENARIOS = join(import.meta.dirname, '../../scenarios');
/** One of each kind of traffic: plain bids, an aggregator's members, operator commands with replies, V2G and reports, day-ahead results, a feeder. */
const EXAMPLES: ReadonlyArray<readonly [string, number, readonly string[]]> = [
  ['default', 1, ['bid', 'offer', 'price', 'award', 'meter-read']],
  ['aggregator-portfolio', 1, ['member-curve', 'member-award']],
  ['heatwave-curtailment', 1, ['curtail', 'opt-in']],
  ['v2g-emergency', 2, ['curtail', 'opt-in', 'opt-out', 'report']],
  ['day-ahead-real-time', 1, ['da-result']],
  ['feeder-congestion', 1, ['bid', 'price']],
];

const instant = { latency: { distribution: 'fixed' as const, ms: 0 }, lossProbability: 0, jitterMs: 0, bandwidthBitPerS: 1e15 };

async function outputs(s: Scenario): Promise<Map<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-instant-'));
  try {
    await runScenario(s, { outDir: dir });
    return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('comms: an instant plane changes nothing but adds its log (every message type, example scenarios)', function () {
  this.timeout(300_000);
  for (const [name, days, carries] of EXAMPLES) {
    it(`${name}.yaml (${days} day${days > 1 ? 's' : ''}): the same results as comms: ideal, with ${carries.join(', ')} on the plane`, async () => {
      const file = loadScenarioFile(join(SCENARIOS, `${name}.yaml`));
      const s = { ...file, config: { ...file.config, days } };
      expect(s.config.comms).to.equal('ideal');
      const plane = { classes: Object.fromEntries(APPLICATION_CLASSES.map((c) => [c, instant])), links: [] };
      const ideal = await outputs(s);
      const onPlane = await outputs({ ...s, config: { ...s.config, comms: plane as never } });
      expect(onPlane.has('messages.csv')).to.equal(true);
      const types = new Set(onPlane.get('messages.csv')!.split('\n').slice(1, -1).map((l) => l.split(',')[6]));
      for (const t of carries) expect(types.has(t), t).to.equal(true);
      for (const [file, text] of ideal) {
        if (file === 'report.html') continue;
        if (file === 'summary.json') {
          const a = JSON.parse(text);
          const b = JSON.parse(onPlane.get(file)!);
          expect(Object.keys(b.kpis.comms.messagesByStatus)).to.deep.equal(['delivered']);
          delete b.kpis.comms;
          // Every read intact: the final settlement from the MDMS (engine/settlementRun.ts) closes and adjusts nothing.
          const fin = b.kpis.settlement;
          expect(fin).to.deep.include({ closed: true, sitesAdjusted: 0, imbalanceAdjustmentPaid: '0', reconciliation: { owner: 'market', unaccountedKwh: '0', received: '0' } });
          for (const dr of Object.values(fin.demandResponse) as Array<{ adjustment: string }>) expect(dr.adjustment).to.equal('0');
          delete b.kpis.settlement;
          expect(b).to.deep.equal(a);
          continue;
        }
        expect(onPlane.get(file), file).to.equal(text);
      }
    });
  }
});
