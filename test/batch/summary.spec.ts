import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import type { BatchPlan, RunSpec } from '../../batch/plan.ts';
import { flattenKpis, kpiColumns, type RunRow, summaryCsv } from '../../batch/summary.ts';

const run = (index: number, over: Partial<RunSpec> = {}): RunSpec => ({
  index,
  id: `r${index}__seed-1`,
  scenario: 's',
  variant: '',
  params: {},
  seed: 1,
  file: 's.yaml',
  fileLabel: 's.yaml',
  text: '',
  fingerprint: '',
  error: undefined,
  ...over,
});

describe('batch: summary.csv', () => {
  it('flattens summary.json KPIs: nested keys dotted, lists as their length, money and numbers as their exact text', () => {
    expect(
      flattenKpis({
        welfare: 2099.31,
        totalCost: '54.96052925',
        balanced: true,
        peakAt: null,
        byKind: { home: { count: 100, cost: '-0.000001' } },
        clearingProblems: [{ a: 1 }, { a: 2 }],
        tiny: 1e-7,
      }),
    ).to.deep.equal([
      ['welfare', '2099.31'],
      ['totalCost', '54.96052925'],
      ['balanced', 'true'],
      ['peakAt', ''],
      ['byKind.home.count', '100'],
      ['byKind.home.cost', '-0.000001'],
      ['clearingProblems', '2'],
      ['tiny', '1e-7'],
    ]);
  });

  it('a KPI first seen in a later row joins its group, not the end; order does not depend on which rows are missing', () => {
    const row = (i: number, kpis: Array<[string, string]>): RunRow => ({ run: run(i), status: 'ok', error: '', kpis });
    const rows = [
      row(0, [['a', '1'], ['rejectedBids.LATE', '1'], ['z', '0']]),
      undefined,
      row(2, [['a', '1'], ['rejectedBids.CAP', '2'], ['rejectedBids.LATE', '1'], ['z', '0']]),
    ];
    expect(kpiColumns(rows)).to.deep.equal(['a', 'rejectedBids.LATE', 'rejectedBids.CAP', 'z']);
  });

  it('writes rows in run order with parameters, status and a quoted error; missing KPIs are empty', () => {
    const plan: BatchPlan = {
      name: 'p',
      description: '',
      source: 'p.yaml',
      runs: [],
      paramKeys: ['market.pricing', 'agents[home].count'],
      hasVariants: true,
      reportKpis: [],
    };
    const rows: Array<RunRow | undefined> = [
      { run: run(0, { variant: 'v', params: { 'market.pricing': 'uniform', 'agents[home].count': '5' } }), status: 'ok', error: '', kpis: [['welfare', '1.5'], ['totalCost', '2.000001']] },
      undefined,
      { run: run(2, { variant: 'w', params: { 'market.pricing': 'pay-as-bid' } }), status: 'failed', error: 'x.yaml:3:4 a.b: expected "one", got two, or three', kpis: [] },
    ];
    const text = summaryCsv(plan, rows);
    expect(text.split('\n')[0]).to.equal('run_id,scenario,variant,market.pricing,agents[home].count,seed,status,error,welfare,totalCost');
    const parsed = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(parsed).to.deep.equal([
      { run_id: 'r0__seed-1', scenario: 's', variant: 'v', 'market.pricing': 'uniform', 'agents[home].count': '5', seed: '1', status: 'ok', error: '', welfare: '1.5', totalCost: '2.000001' },
      { run_id: 'r2__seed-1', scenario: 's', variant: 'w', 'market.pricing': 'pay-as-bid', 'agents[home].count': '', seed: '1', status: 'failed', error: 'x.yaml:3:4 a.b: expected "one", got two, or three', welfare: '', totalCost: '' },
    ]);
    expect(text.endsWith('\n')).to.equal(true);
  });
});
