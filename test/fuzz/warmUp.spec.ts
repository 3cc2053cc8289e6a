/**
 * The fuzzer's warm-up oracle (test/fuzz/warmUp.ts) on hand-written output folders: it accepts the two documented
 * exceptions exactly as they are and nothing beyond them, and its draw keeps the seed's scenario.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { generateScenario } from './generate.ts';
import { compareWarmUp, monthlyDemandShared, warmUpDraw } from './warmUp.ts';

const S = '2026-07-02T00:00:00Z';
const EVENTS = 'interval_start,issuer,target,type,requested_kw,response,delivered_kw,detail';
const AGENTS = 'interval_start,agent_id,kind,state';
const BILLS = 'day,agent_id,kind,tariff,import_kwh,export_kwh,energy_charge,demand_charge,fixed_charge,export_credit,total';

/** Two folders from file → lines (header first); returns the comparison's problems. */
function compare(warm: Record<string, string[]>, long: Record<string, string[]>, monthly?: string, start = S) {
  const dirs = [warm, long].map((files) => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-warmup-oracle-'));
    for (const [f, lines] of Object.entries(files)) writeFileSync(join(dir, f), `${lines.join('\n')}\n`);
    return dir;
  });
  try {
    return compareWarmUp(dirs[0]!, dirs[1]!, start, 24, monthly);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

describe('the fuzzer\'s warm-up oracle (test/fuzz/warmUp.ts)', () => {
  const longEvents = [EVENTS, '2026-07-01T10:00:00Z,engine,b-1,STRATEGY_FAULT,,default-strategy,,strategy: bad', '2026-07-01T11:00:00Z,dso,head,EVENT_NOTICE,1.000,announced,,overload forecast for interval 35', `${S},dso,head,EVENT_NOTICE,1.000,announced,,overload forecast for interval 25`, '2026-07-02T01:00:00Z,dso,h-1,DISPATCH_SETPOINT,1.000,opt-in,1.000,'];

  it('accepts the reported rows of the longer run, and a held day-ahead fault (dated at its gate) and a day-ahead report moved to start', () => {
    const warm = [EVENTS, '2026-07-01T10:00:00Z,engine,b-1,STRATEGY_FAULT,,default-strategy,,strategy: bad', `${S},dso,head,EVENT_NOTICE,1.000,announced,,overload forecast for interval 25`, `${S},dso,head,EVENT_NOTICE,1.000,announced,,overload forecast for interval 35`, '2026-07-02T01:00:00Z,dso,h-1,DISPATCH_SETPOINT,1.000,opt-in,1.000,'];
    const c = compare({ 'events.csv': warm }, { 'events.csv': longEvents });
    expect(c.problems).to.deep.equal([]);
    expect(c.movedRows).to.equal(2);
  });

  it('accepts interval numbers counted from start instead of from the warm-up (24 intervals less)', () => {
    const warm = [EVENTS, `${S},dso,head,EVENT_NOTICE,1.000,announced,,overload forecast for interval 1`, '2026-07-02T01:00:00Z,dso,h-1,DISPATCH_SETPOINT,1.000,opt-in,1.000,'];
    expect(compare({ 'events.csv': warm }, { 'events.csv': longEvents.filter((l) => !l.startsWith('2026-07-01')) }).problems).to.deep.equal([]);
  });

  it('refuses a warm-up row that is no held fault, a row at start the longer run never wrote, a differing row after start, a missing table', () => {
    const warm = [EVENTS, '2026-07-01T11:00:00Z,dso,head,EVENT_NOTICE,1.000,announced,,overload forecast for interval 35', `${S},dso,head,EVENT_NOTICE,1.000,announced,,overload forecast for interval 25`, `${S},dso,x,LOAD_SHED,1.000,shed,1.000,`, '2026-07-02T01:00:00Z,dso,h-1,DISPATCH_SETPOINT,1.000,opt-out,0.000,'];
    const { problems } = compare({ 'events.csv': warm }, { 'events.csv': longEvents, 'flows.csv': ['interval_start,line_id', `${S},l1`] });
    expect(problems).to.have.length(4);
    expect(problems[0]).to.match(/^flows\.csv: the longer run writes rows from 2026-07-02/);
    expect(problems[1]).to.match(/^events\.csv: a row dated before start that the longer run did not write then .*EVENT_NOTICE/);
    expect(problems[2]).to.match(/^events\.csv: a row at start the longer run does not write at start nor before: .*LOAD_SHED/);
    expect(problems[3]).to.match(/^events\.csv: row 1 after start differs:\n.*opt-out/);
  });

  it('bills: refuses a warm-up day\'s bill; a monthly demand tariff\'s bill may differ in demand_charge and total only', () => {
    const bill = (day: string, tariff: string, demand: string, total: string) => `${day},c-1,home,${tariff},10,0,1.8,${demand},0,0,${total}`;
    const long = { 'bills.csv': [BILLS, bill('2026-07-01', 'flat', '0', '2.5'), bill('2026-07-02', 'flat', '0', '2.6'), bill('2026-07-02', 'monthly', '9', '10.8')] };
    expect(compare({ 'bills.csv': [BILLS, bill('2026-07-02', 'flat', '0', '2.6'), bill('2026-07-02', 'monthly', '4.5', '6.3')] }, long, 'monthly').problems).to.deep.equal([]);
    expect(compare({ 'bills.csv': [BILLS, bill('2026-07-02', 'flat', '0', '2.6'), bill('2026-07-02', 'monthly', '4.5', '6.3')] }, long).problems).to.have.length(1);
    expect(compare({ 'bills.csv': [BILLS, bill('2026-07-01', 'flat', '0', '2.5'), bill('2026-07-02', 'flat', '0', '2.6'), bill('2026-07-02', 'monthly', '9', '10.8')] }, long, 'monthly').problems[0]).to.match(/a bill before 2026-07-02, the warm-up's/);
  });

  it('monthly demand: the runs may part where a customer of the monthly tariff differs, and must agree before', () => {
    const bills = [BILLS, '2026-07-02,c-1,home,monthly,1,0,1,1,0,0,2'];
    const long = [AGENTS, '2026-07-01T23:00:00Z,c-1,home,on', `${S},c-1,home,on`, `${S},h-1,home,on`, '2026-07-02T01:00:00Z,c-1,home,on'];
    const byCustomer = compare({ 'agents.csv': [AGENTS, `${S},c-1,home,off`, `${S},h-1,home,on`, '2026-07-02T01:00:00Z,c-1,home,off'], 'bills.csv': bills }, { 'agents.csv': long, 'bills.csv': bills }, 'monthly');
    expect(byCustomer.problems).to.deep.equal([]);
    expect(byCustomer.divergedAt).to.equal(S);
    // A start at 17:00 UTC (a UTC site): the warm-up run's first billing day is 17:00–24:00, the longer run's that whole day:
    // not compared (seed 1453, from when billing days ran 24 h from the start).
    const from = '2026-07-01T17:00:00Z';
    const agents = (state: string) => [AGENTS, `${from},d-1,home,on`, `2026-07-02T08:00:00Z,d-1,home,${state}`];
    const billsAt = (importKwh: string) => [BILLS, `2026-07-01,c-1,home,flat,${importKwh},0,1,0,0,0,2`, '2026-07-01,d-1,home,monthly,1,0,1,1,0,0,2'];
    const parted = compare({ 'agents.csv': agents('off'), 'bills.csv': billsAt('4.032') }, { 'agents.csv': agents('on'), 'bills.csv': billsAt('4.026') }, 'monthly', from);
    expect(parted.divergedAt).to.equal('2026-07-02T08:00:00Z');
    expect(parted.problems).to.deep.equal([]);
    const byOther = compare({ 'agents.csv': [AGENTS, `${S},c-1,home,on`, `${S},h-1,home,off`, '2026-07-02T01:00:00Z,c-1,home,on'], 'bills.csv': bills }, { 'agents.csv': long, 'bills.csv': bills }, 'monthly');
    expect(byOther.problems[0]).to.match(/no customer of that tariff differs there: h-1/);
  });

  it('draws 1 or 2 days from a stream of its own: the scenario is the seed\'s but for warmUpDays; the longer run starts that much earlier', () => {
    const seen = new Set<number>();
    for (let seed = 1000; seed < 1020; seed++) {
      const g = generateScenario(seed);
      const d = warmUpDraw(g.yaml, seed);
      seen.add(d.n);
      const base = parse(g.yaml) as Record<string, unknown>;
      expect(parse(d.warm)).to.deep.equal({ ...base, warmUpDays: d.n });
      expect(parse(d.long)).to.deep.equal({ ...base, start: new Date(Date.parse(String(base.start)) - d.n * 86_400_000).toISOString().replace('.000Z', 'Z'), days: Number(base.days) + d.n });
    }
    expect([...seen].sort()).to.deep.equal([1, 2]);
  });

  it('knows when a monthly demand charge\'s month to date reaches into the warm-up, in the tariff\'s clock', () => {
    const config = (hours: 'local' | undefined, utcOffsetHours: number) => ({ tariffs: [{ id: 'm', type: 'demand-charge', demandPeriod: 'month', ...(hours ? { hours } : {}) }], site: { utcOffsetHours } });
    expect(monthlyDemandShared(config(undefined, 0), Date.parse('2026-07-01T00:00:00Z'))).to.equal(undefined);
    expect(monthlyDemandShared(config(undefined, 0), Date.parse('2026-07-02T00:00:00Z'))).to.equal('m');
    expect(monthlyDemandShared(config('local', 2), Date.parse('2026-06-30T22:00:00Z'))).to.equal(undefined);
    expect(monthlyDemandShared(config(undefined, 2), Date.parse('2026-06-30T22:00:00Z'))).to.equal('m');
  });
});
