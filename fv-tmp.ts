import { planBatch } from './batch/plan.ts';
import { parseScenario } from './engine/scenario/load.ts';
import { runScenario } from './engine/run.ts';
const plan = planBatch('scenarios/sweeps/feeder-voltage-market-vs-operator.yaml');
for (const run of plan.runs) {
  const dir = '/tmp/fv-' + run.variant;
  const r: any = await runScenario(parseScenario(run.text, run.file), { outDir: dir });
  const k = r.summary.kpis;
  console.log(run.variant, JSON.stringify(k.feeder), 'cost', k.totalCost, Object.keys(k).join(' '));
}
