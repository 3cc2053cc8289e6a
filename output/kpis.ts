/**
 * Key figures of a run, accumulated interval by interval. Money stays exact
 * (decimal strings in summary.json); energies metered or traded in whole quanta are
 * summed exactly and rounded once to the Wh, half-even (output/energySum.ts); other
 * physical quantities (baselines, comfort, prices) are plain numbers rounded for display.
 *
 * Every money stage (real-time, day-ahead, imbalance) is summed the same way, from the
 * ledger's per-party units of the parties facing the market: per interval, a party that
 * pays net in the stage is a buyer, one that receives net a seller, and the stage's rent is
 * what buyers paid minus what sellers received (the books prove, every interval, that it is
 * the rent the clearing collected: engine/interval/books.ts).
 */
import type { DayAheadFailureRecord, KindFigures, RunKpis } from './runSummary.ts';
import { isOverLimit } from '../network/flows.ts';
import { formatSimTime, type SimTime } from '../core/time.ts';
import { formatMoney, type Money, money, ZERO } from '../core/money.ts';
import type { IntervalOutcome } from '../engine/interval/outcome.ts';
import type { AgentFault, Party } from '../engine/interval/participants.ts';
import type { BookViolation } from '../engine/interval/books.ts';
import type { RetailDesk } from '../engine/retail.ts';
import type { RejectionCode } from '../market/types.ts';
import { ShiftTally } from './shift.ts';
import { EnergySum, exactKw } from './energySum.ts';
import { byKey } from '../core/textOrder.ts';

interface KindTotals {
  count: number;
  /** Metered net withdrawal over the run, and this interval's in quanta (added to `energy` when the interval closes). */
  readonly energy: EnergySum;
  intervalQuanta: number;
  cost: Money;
  unservedKwh: number;
}

interface AggregatorTotals {
  marketPayment: Money;
  memberPayments: Money;
  feeIncome: Money;
  readonly ownPosition: EnergySum;
  ownPositionCost: Money;
  payAsBidSpread: Money;
}

interface RetailerTotals {
  revenueAccrued: Money;
  marketCost: Money;
  imbalanceCost: Money;
  readonly imbalance: EnergySum;
}

/** One market stage's money over the run: what the parties facing it paid, received, and the rent it collected. */
class StageTotals {
  pays: Money = ZERO;
  receives: Money = ZERO;

  /** Adds one interval's per-party payments (units, parties facing the market only). */
  add(units: Float64Array | ((i: number) => number), facing: readonly Party[], unit: Money): void {
    // Whole units summed as plain numbers while the sum is a safe integer (always, in practice), in
    // BigInt past 2^53: exact either way, without a BigInt per party and interval (~15 MB a 10k-agent day).
    let pay = 0;
    let receive = 0;
    let payBig = 0n;
    let receiveBig = 0n;
    for (let i = 0; i < facing.length; i++) {
      if (facing[i]!.via !== '') continue;
      const u = typeof units === 'function' ? units(i) : units[i]!;
      if (u > 0) {
        const sum = pay + u;
        if (Number.isSafeInteger(sum)) pay = sum;
        else payBig += BigInt(u);
      } else if (u < 0) {
        const sum = receive - u;
        if (Number.isSafeInteger(sum)) receive = sum;
        else receiveBig -= BigInt(u);
      }
    }
    const pays = BigInt(pay) + payBig;
    const receives = BigInt(receive) + receiveBig;
    if (pays !== 0n) this.pays = this.pays.plus(money(pays.toString()).times(unit));
    if (receives !== 0n) this.receives = this.receives.plus(money(receives.toString()).times(unit));
  }

  summary(): { buyersPay: string; sellersReceive: string; rent: string } {
    return { buyersPay: formatMoney(this.pays), sellersReceive: formatMoney(this.receives), rent: formatMoney(this.pays.minus(this.receives)) };
  }
}

/** `KpiAccumulator.agentsSums`' slots: the agents' metered consumption and generation, whole quanta, and their baseline, kW. */
const AGENTS_DEMAND_QUANTA = 0;
const AGENTS_SUPPLY_QUANTA = 1;
const AGENTS_BASELINE_KW = 2;

/**
 * Per kind, one interval's payments in whole settlement units (exact integer sums; decimal extras are
 * added apart). Parties of a kind are mostly neighbours: a run of them is summed in a plain number
 * while the sum is a safe integer (always, in practice), in BigInt past 2^53 and between runs.
 */
class KindPayments {
  private readonly unitsByKind = new Map<KindTotals, bigint>();
  private current: KindTotals | undefined;
  private units = 0;

  /** One party of kind `totals` paid `units`. */
  add(totals: KindTotals, units: number): void {
    if (totals !== this.current) {
      this.endRun();
      this.current = totals;
    }
    if (units === 0) return;
    const sum = this.units + units;
    if (Number.isSafeInteger(sum)) this.units = sum;
    else this.addBig(totals, units);
  }

  /** Adds the interval's sums to each kind's cost (in the order kinds first paid), and starts the next interval. */
  close(unit: Money): void {
    this.endRun();
    for (const [totals, units] of this.unitsByKind) totals.cost = totals.cost.plus(money(units.toString()).times(unit));
    this.unitsByKind.clear();
  }

  private endRun(): void {
    if (this.current) this.addBig(this.current, this.units);
    this.current = undefined;
    this.units = 0;
  }

  private addBig(totals: KindTotals, units: number): void {
    if (units !== 0) this.unitsByKind.set(totals, (this.unitsByKind.get(totals) ?? 0n) + BigInt(units));
  }
}

/** At most this many violations are listed in summary.json (all are counted). */
export const MAX_LISTED_VIOLATIONS = 100;

/**
 * summary.json lists this many faults in full (events.csv has every one, as STRATEGY_FAULT
 * and AGENT_CRASH rows); `agentFaultCount` counts them all. A strategy failing for every
 * agent in every interval is a common first draft: listed in full it made a 473 MB
 * summary.json at 20,000 homes over a day, and beyond about 23,000 more text than one
 * JavaScript string holds, so the run failed at its very end.
 */
export const LISTED_FAULTS = 1000;

/**
 * summary.json lists this many clearing problems in full (intervals.csv has every interval's
 * `status`); `clearingProblemCount` counts them all. A network no clearing can serve fails
 * every interval: listed in full, a year at 15-minute intervals wrote an 8.5 MB summary.json
 * of one identical sentence per interval (35,040 of them).
 */
export const LISTED_CLEARING_PROBLEMS = 1000;

export class KpiAccumulator {
  private welfare = 0;
  /** The real-time stage: each party's real-time award at the real-time price, less its day-ahead position at that price where it has one (summary.json totalCost, sellersRevenue, merchandisingSurplus). */
  private readonly realTimeStage = new StageTotals();
  private readonly dayAheadStage = new StageTotals();
  private readonly imbalanceStage = new StageTotals();
  private dayAheadSeen = false;
  /** Day-ahead auctions that did not clear, in order (at most one per delivery day of the run: not capped). */
  private readonly dayAheadFailures: DayAheadFailureRecord[] = [];
  private redispatchedIntervals = 0;
  /** Twice the energy deviated from positions (Σ |actual − position|, quanta): summary.json gives half. */
  private readonly deviation2 = new EnergySum();
  private readonly unserved = new EnergySum();
  private readonly spilled = new EnergySum();
  private readonly curtailed = new EnergySum();
  private readonly shed = new EnergySum();
  private drPaid: Money = ZERO;
  /** The books: intervals that did not close, and the first violations. */
  private openIntervals = 0;
  private violationCount = 0;
  private readonly violations: Array<{ interval: string; identity: string; detail: string }> = [];
  /** The sites' metered gross consumption and generation (see `summary`). */
  private readonly demand = new EnergySum();
  private readonly supply = new EnergySum();
  /** Highest metered consumption of an interval, quanta of `peakQuantumKw`. */
  private peakQuanta = 0;
  private peakQuantumKw = 0;
  private peakAt: SimTime | undefined;
  private baselinePeakKw = 0;
  private baselinePeakAt: SimTime | undefined;
  private readonly shift = new ShiftTally();
  /** The last interval's agents' consumption and no-flexibility baseline, kW (the recorder charts them). */
  lastConsumedKw = 0;
  lastBaselineKw = 0;
  private priceSumWeighted = 0;
  private pricedKwh = 0;
  private maxPrice = -Infinity;
  private minPrice = Infinity;
  private readonly rejected = new Map<RejectionCode, number>();
  /** The first `LISTED_FAULTS` faults, in order; `faultCount` counts them all. */
  private readonly faults: AgentFault[] = [];
  private faultCount = 0;
  /** Agents isolated by a fault outside their strategy (engine/interval/participants.ts `Crashes`). */
  private readonly isolated = new Set<string>();
  /** Of them, the sites on their own control (their bidding code crashed) and those left out since (their load unknown). */
  private readonly onOwnControl = new Set<string>();
  private readonly leftOut = new Set<string>();
  private readonly kinds = new Map<string, KindTotals>();
  private readonly aggregators = new Map<string, AggregatorTotals>();
  /** The real-time stage priced pay-as-bid: each aggregator's figures then show the spread it bears. */
  private payAsBid = false;
  private readonly retailers = new Map<string, RetailerTotals>();
  /** The first `LISTED_CLEARING_PROBLEMS` intervals not cleared, in order; `clearingProblemCount` counts them all. */
  private readonly clearingProblems: Array<{ interval: string; status: string; message: string }> = [];
  private clearingProblemCount = 0;
  private lineLimitViolations = 0;
  private overloadIntervals = 0;
  private evUnmetKwh = 0;
  private comfortDegH = 0;
  private intervals = 0;
  private retail: Record<string, unknown> | undefined;
  private readonly kindPayments = new KindPayments();
  /** `addParties`' sums (a Float64Array: see ShiftTally). */
  private readonly agentsSums = new Float64Array(3);

  /** A crash of `f.agentId` (`Crashes.crash`): a site's bid crash puts it on its own control; any later throw, or a site's other throw, leaves it out. */
  private isolate(f: AgentFault, parties: IntervalOutcome['parties']): void {
    this.isolated.add(f.agentId);
    const site = parties.some((p) => p.id === f.agentId && p.role === 'agent');
    if (!site) return;
    if (f.phase === 'bid') this.onOwnControl.add(f.agentId);
    else {
      this.onOwnControl.delete(f.agentId);
      this.leftOut.add(f.agentId);
    }
  }

  /** Warm-up intervals seen (engine/warmUp.ts), and their agent faults. */
  private warmUpIntervals = 0;
  private warmUpFaultCount = 0;
  /** The warm-up's first `LISTED_FAULTS` faults, in order: events.csv has no rows before `start`, so this is where they are told. */
  private readonly warmUpFaults: AgentFault[] = [];

  /**
   * A warm-up interval (before the reported `start`, engine/warmUp.ts): it adds nothing to the figures but what
   * must not be lost: its books' violations (they open the run's books: a warm-up whose books do not close fails
   * the run) and its agent faults (counted in `warmUp()`; an agent isolated there stays isolated, so it counts in
   * `isolatedAgents`, which describe the reported period's agents).
   */
  addWarmUp(o: IntervalOutcome): void {
    this.warmUpIntervals++;
    this.addBooks(o.books, o.interval.start);
    for (const f of o.faults) {
      this.warmUpFaultCount++;
      if (this.warmUpFaults.length < LISTED_FAULTS) this.warmUpFaults.push(f);
      if (f.phase !== 'strategy') this.isolate(f, o.parties);
    }
  }

  /**
   * summary.json `warmUp`: the intervals simulated before `start`, their agent faults counted and the first
   * `LISTED_FAULTS` listed as `agentFaults` lists the reported period's (an agent isolated there is `crashed` in
   * agents.csv from `start` with no AGENT_CRASH row: this says who, when and why); books: in `books()`.
   */
  warmUp(): { intervals: number; agentFaultCount: number; agentFaults: Array<Omit<AgentFault, 'at'> & { at: string }> } {
    return { intervals: this.warmUpIntervals, agentFaultCount: this.warmUpFaultCount, agentFaults: this.warmUpFaults.map((f) => ({ ...f, at: formatSimTime(f.at) })) };
  }

  add(o: IntervalOutcome): void {
    this.intervals++;
    const { result, settlement, interval } = o;
    const h = interval.durationH;
    // A clearing that failed (infeasible, solver error) traded nothing in the market and says so in clearingProblems;
    // its welfare is NaN by contract (market/types.ts), which summed here made the run's welfare NaN (null in summary.json).
    if (result.status === 'cleared') this.welfare += result.welfare;
    this.addStages(o);
    this.addBooks(o.books, interval.start);
    if (o.dayAheadFailures) {
      for (const f of o.dayAheadFailures) this.dayAheadFailures.push({ day: f.day, firstInterval: formatSimTime(f.firstIntervalStart), intervals: f.intervalCount, status: f.status, message: f.message });
    }
    if (result.status !== 'cleared') {
      this.clearingProblemCount++;
      if (this.clearingProblems.length < LISTED_CLEARING_PROBLEMS) this.clearingProblems.push({ interval: formatSimTime(interval.start), status: result.status, message: result.message });
    }
    let overloaded = false;
    for (const f of result.flows) {
      if (isOverLimit(f.flowKw, f.limitKw)) {
        this.lineLimitViolations++;
        overloaded = true;
      }
    }
    if (overloaded) this.overloadIntervals++;
    for (const r of o.rejections) this.rejected.set(r.code, (this.rejected.get(r.code) ?? 0) + 1);
    for (const f of o.faults) {
      this.faultCount++;
      if (this.faults.length < LISTED_FAULTS) this.faults.push(f);
      if (f.phase !== 'strategy') this.isolate(f, o.parties);
    }
    const sums = this.addParties(o, this.agentsSums.fill(0));
    const q = o.book.rules.quantumKw;
    const demandQuanta = sums[AGENTS_DEMAND_QUANTA]!;
    const demand = demandQuanta * q;
    const baseline = sums[AGENTS_BASELINE_KW]!;
    this.kindPayments.close(settlement.unit.unit);
    this.closeKinds(q, h);
    this.addIntermediaries(o);
    this.demand.add(demandQuanta, q, h);
    this.supply.add(sums[AGENTS_SUPPLY_QUANTA]!, q, h);
    if (demandQuanta * q > this.peakQuanta * this.peakQuantumKw || this.peakAt === undefined) [this.peakQuanta, this.peakQuantumKw, this.peakAt] = [demandQuanta, q, interval.start];
    if (baseline > this.baselinePeakKw || this.baselinePeakAt === undefined) [this.baselinePeakKw, this.baselinePeakAt] = [baseline, interval.start];
    this.shift.add(baseline, demand, h);
    this.lastConsumedKw = demand;
    this.lastBaselineKw = baseline;
    for (const p of result.busPriceMwh) {
      if (Number.isNaN(p)) continue;
      this.maxPrice = Math.max(this.maxPrice, p);
      this.minPrice = Math.min(this.minPrice, p);
    }
    const p0 = result.busPriceMwh[0]!;
    if (!Number.isNaN(p0) && demand > 0) {
      this.priceSumWeighted += p0 * demand * h;
      this.pricedKwh += demand * h;
    }
  }

  /**
   * Per party: payments per kind, metered energy and what the observations report; adds the agents'
   * metered consumption and generation, quanta, and their baseline, kW, to `sums` (`AGENTS_DEMAND_QUANTA`…) and returns it. A method of its own, not a loop inside `add`:
   * V8 charges a loop's iterations to the function holding it, and `add`, called once per interval,
   * was compiled whole by TurboFan and recompiled after deopts (node --trace-opt --trace-deopt, issue 16).
   * Nothing after its loop needs type feedback (the caller closes `kindPayments` and the kinds' energy; the sums go straight
   * into `sums`): TurboFan compiles the loop on the stack during the first call, before code after
   * the loop has run, and such code (a closing call, a returned object) deopted.
   */
  private addParties(o: IntervalOutcome, sums: Float64Array): Float64Array {
    const payments = this.kindPayments;
    let kind = '';
    let k: KindTotals | undefined;
    for (let i = 0; i < o.parties.length; i++) {
      const party = o.parties[i]!;
      const obs = o.observations[i]!;
      if (party.kind !== kind || !k) {
        kind = party.kind;
        k = this.kinds.get(kind);
        if (!k) this.kinds.set(kind, (k = { count: 0, energy: new EnergySum(), intervalQuanta: 0, cost: ZERO, unservedKwh: 0 }));
      }
      if (this.intervals === 1) k.count++;
      payments.add(k, o.costUnits[i]!);
      const extra = o.costExtra[i];
      if (extra) k.cost = k.cost.plus(extra);
      if (party.role !== 'agent') continue; // intermediaries hold positions, not consumption
      // What the sites' meters measured: gross consumption and generation, whole quanta (exact sums).
      sums[AGENTS_DEMAND_QUANTA]! += o.ledger.consumedQuanta[i]!;
      sums[AGENTS_SUPPLY_QUANTA]! += o.ledger.generatedQuanta[i]!;
      sums[AGENTS_BASELINE_KW]! += obs.baselineKw;
      k.intervalQuanta += o.ledger.actualQuanta[i]!;
      k.unservedKwh += obs.unservedKwh;
      if (obs.unmetDepartureKwh) this.evUnmetKwh += obs.unmetDepartureKwh;
      if (obs.comfortViolationDegH) this.comfortDegH += obs.comfortViolationDegH;
    }
    return sums;
  }

  /** Adds each kind's metered net withdrawal of the interval to its run total, exactly. */
  private closeKinds(quantumKw: number, durationH: number): void {
    for (const k of this.kinds.values()) {
      k.energy.add(k.intervalQuanta, quantumKw, durationH);
      k.intervalQuanta = 0;
    }
  }

  /** The interval's aggregators' and retailers' figures. */
  private addIntermediaries(o: IntervalOutcome): void {
    const q = o.book.rules.quantumKw;
    const h = o.interval.durationH;
    if (o.book.rules.pricing === 'pay-as-bid') this.payAsBid = true;
    for (const a of o.aggregators) {
      const t = this.aggregators.get(a.id) ?? { marketPayment: ZERO, memberPayments: ZERO, feeIncome: ZERO, ownPosition: new EnergySum(), ownPositionCost: ZERO, payAsBidSpread: ZERO };
      t.marketPayment = t.marketPayment.plus(a.marketPayment);
      t.memberPayments = t.memberPayments.plus(a.memberPayments);
      t.feeIncome = t.feeIncome.plus(a.feeIncome);
      t.ownPosition.add(a.ownPositionQuanta, q, h);
      t.ownPositionCost = t.ownPositionCost.plus(a.ownPositionCost);
      t.payAsBidSpread = t.payAsBidSpread.plus(a.payAsBidSpread);
      this.aggregators.set(a.id, t);
    }
    for (const r of o.retailers) {
      const t = this.retailers.get(r.id) ?? { revenueAccrued: ZERO, marketCost: ZERO, imbalanceCost: ZERO, imbalance: new EnergySum() };
      t.revenueAccrued = t.revenueAccrued.plus(r.revenue);
      t.marketCost = t.marketCost.plus(r.marketCost);
      t.imbalanceCost = t.imbalanceCost.plus(r.imbalanceCost);
      t.imbalance.add(r.imbalanceQuanta, q, h);
      this.retailers.set(r.id, t);
    }
  }


  /**
   * The money stages, and what re-dispatch did. Real time: `rtUnits`, a party's real-time award
   * at the price, already less its day-ahead position at that price where it has one
   * (engine/interval/dayAhead.ts `applyDayAhead`): what the real-time stage settles, not the
   * whole award (the clearing's settlement values the whole award; with a day-ahead stage that
   * counts the day-ahead energy twice, and without one it adds a party's buy and sell segments
   * of the interval apart, where the party pays or receives only their difference).
   */
  private addStages(o: IntervalOutcome): void {
    const unit = o.settlement.unit.unit;
    const l = o.ledger;
    this.realTimeStage.add(l.rtUnits, o.parties, unit);
    if (o.dayAhead) {
      this.dayAheadSeen = true;
      this.dayAheadStage.add(l.daUnits, o.parties, unit);
    }
    this.imbalanceStage.add(l.imbalanceUnits, o.parties, unit);
    const q = l.quantumKw;
    const h = o.interval.durationH;
    if (o.imbalance.redispatched) this.redispatchedIntervals++;
    this.deviation2.add(o.imbalance.grossDeviationQuanta * 2, q, h);
    let unserved = 0;
    let spilled = 0;
    let curtailed = 0;
    let shed = 0;
    for (let k = 0; k < o.imbalance.busDeviationQuanta.length; k++) {
      unserved += o.imbalance.unservedQuanta[k]!;
      spilled += o.imbalance.spilledQuanta[k]!;
      curtailed += o.imbalance.curtailedQuanta[k]!;
      shed += o.imbalance.shedQuanta[k]!;
    }
    this.unserved.add(unserved, q, h);
    this.spilled.add(spilled, q, h);
    this.curtailed.add(curtailed, q, h);
    this.shed.add(shed, q, h);
    this.drPaid = this.drPaid.plus(o.drPaid);
  }

  private addBooks(violations: readonly BookViolation[], start: SimTime): void {
    if (violations.length === 0) return;
    this.openIntervals++;
    this.violationCount += violations.length;
    for (const v of violations) if (this.violations.length < MAX_LISTED_VIOLATIONS) this.violations.push({ interval: formatSimTime(start), identity: v.identity, detail: v.detail });
  }

  /**
   * The final settlement's books (on a communication plane, engine/settlementRun.ts): its
   * violations count like an interval's, so a final settlement that does not close opens the
   * run's books. `at` names the interval of a violation (`interval` −1: the whole run).
   */
  addFinalSettlementBooks(violations: readonly BookViolation[], at: (interval: number) => string): void {
    const open = new Set<number>();
    for (const v of violations) {
      open.add(v.interval);
      this.violationCount++;
      if (this.violations.length < MAX_LISTED_VIOLATIONS) this.violations.push({ interval: at(v.interval), identity: v.identity, detail: v.detail });
    }
    this.openIntervals += open.size;
  }

  /** The books over the run: closed when every interval's identities held (summary.json `books`). */
  books(): { closed: boolean; intervals: number; openIntervals: number; violationCount: number; violations: Array<{ interval: string; identity: string; detail: string }> } {
    // `intervals` is the reported period's; a warm-up's intervals were checked too (`warmUpIntervals`, with their violations here).
    return { closed: this.violationCount === 0, intervals: this.intervals, ...(this.warmUpIntervals > 0 ? { warmUpIntervals: this.warmUpIntervals } : {}), openIntervals: this.openIntervals, violationCount: this.violationCount, violations: [...this.violations] };
  }

  /** Adds the retail figures once the run is over: bills per tariff and kind, margins, switches. */
  addRetail(desk: RetailDesk | undefined, parties: readonly Party[]): void {
    if (!desk) return;
    const byTariff = new Map<string, { customers: Set<number>; total: Money; byKind: Map<string, { customers: Set<number>; total: Money }> }>();
    const billsByRetailer = new Map<string, Money>();
    // Per kind whatever the tariff, so a sweep that moves customers between tariffs has one column per kind.
    const byKind = new Map<string, { customers: Set<number>; total: Money }>();
    for (const { party, bill } of desk.bills) {
      const t = byTariff.get(bill.tariffId) ?? { customers: new Set<number>(), total: ZERO, byKind: new Map() };
      t.customers.add(party);
      t.total = t.total.plus(bill.total.toString());
      const kind = parties[party]!.kind;
      const kk = t.byKind.get(kind) ?? { customers: new Set<number>(), total: ZERO };
      kk.customers.add(party);
      kk.total = kk.total.plus(bill.total.toString());
      t.byKind.set(kind, kk);
      byTariff.set(bill.tariffId, t);
      const all = byKind.get(kind) ?? { customers: new Set<number>(), total: ZERO };
      all.customers.add(party);
      all.total = all.total.plus(bill.total.toString());
      byKind.set(kind, all);
      const retailer = parties[desk.retailerIndexOfTariff(bill.tariffId)]!.id;
      billsByRetailer.set(retailer, (billsByRetailer.get(retailer) ?? ZERO).plus(bill.total.toString()));
    }
    const avg = (total: Money, n: number): string => formatMoney(total.div(Math.max(1, n)).toDecimalPlaces(2));
    this.retail = {
      bills: Object.fromEntries(
        [...byTariff].sort(byKey).map(([id, t]) => [
          id,
          {
            customers: t.customers.size,
            total: formatMoney(t.total),
            averagePerCustomer: avg(t.total, t.customers.size),
            byKind: Object.fromEntries([...t.byKind].sort(byKey).map(([kind, kk]) => [kind, { customers: kk.customers.size, averagePerCustomer: avg(kk.total, kk.customers.size) }])),
          },
        ]),
      ),
      // Σ of the kind's bills over the run (every day, every tariff) ÷ its customers, to the cent (half-even, as Money rounds).
      averageBillByKind: Object.fromEntries([...byKind].sort(byKey).map(([kind, kk]) => [kind, avg(kk.total, kk.customers.size)])),
      tariffSwitches: desk.switches.length,
      // Only where a switch takes notice (`tariffChoice.noticeDays`): those chosen but not yet in force when the run ended.
      ...(desk.switchNotice ? { switchesUnderNoticeAtEnd: desk.switchesUnderNotice() } : {}),
      // Only where customers may change retailer (`tariffChoice.among: every-retailer`): the tariff switches that did, and
      // each retailer's customers on each billing day (its market share over the run).
      ...(desk.retailCompetition ? competitionKpis(desk, parties) : {}),
      billsByRetailer: Object.fromEntries([...billsByRetailer].map(([id, m]) => [id, formatMoney(m)])),
    };
    this.billsByRetailer = billsByRetailer;
  }

  private billsByRetailer = new Map<string, Money>();
  private operations: Record<string, unknown> | undefined;

  /** The operators' figures (overloads, demand response), from the grid room. */
  addOperations(operations: Record<string, unknown>): void {
    this.operations = operations;
  }

  /**
   * The day-ahead stage's money and, only where an auction did not clear, how many and which: a run whose auctions all
   * cleared keeps its summary as it was (no key of zero added), and a run whose every auction failed still has the stage,
   * its money 0, rather than looking like a real-time-only run.
   */
  private dayAheadSummary(): NonNullable<RunKpis['dayAhead']> {
    const money = this.dayAheadStage.summary();
    if (this.dayAheadFailures.length === 0) return money;
    return { ...money, failedDayCount: this.dayAheadFailures.length, failedDays: this.dayAheadFailures };
  }

  summary(): RunKpis {
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    const byKind: Record<string, KindFigures> = {};
    for (const [kind, k] of [...this.kinds].sort(byKey)) {
      byKind[kind] = { count: k.count, energyKwh: k.energy.roundedKwh(), cost: formatMoney(k.cost), unservedKwh: r3(k.unservedKwh) };
    }
    const aggregators = Object.fromEntries(
      [...this.aggregators].map(([id, a]) => [
        id,
        {
          marketPayment: formatMoney(a.marketPayment),
          memberPayments: formatMoney(a.memberPayments),
          feeIncome: formatMoney(a.feeIncome),
          ownPositionKwh: a.ownPosition.roundedKwh(),
          ownPositionCost: formatMoney(a.ownPositionCost),
          // Only where the rule makes one: under uniform pricing it is 0 by construction.
          ...(this.payAsBid ? { payAsBidSpread: formatMoney(a.payAsBidSpread) } : {}),
        },
      ]),
    );
    const retailers = Object.fromEntries(
      [...this.retailers].map(([id, r]) => {
        const bills = this.billsByRetailer.get(id) ?? ZERO;
        return [
          id,
          {
            revenue: formatMoney(bills),
            revenueAccruedEnergy: formatMoney(r.revenueAccrued),
            marketCost: formatMoney(r.marketCost),
            imbalanceCost: formatMoney(r.imbalanceCost),
            margin: formatMoney(bills.minus(r.marketCost).minus(r.imbalanceCost)),
            imbalanceKwh: r.imbalance.roundedKwh(),
          },
        ];
      }),
    );
    const realTime = this.realTimeStage.summary();
    const peakKw = exactKw(this.peakQuanta, this.peakQuantumKw);
    return {
      welfare: r2(this.welfare),
      // The real-time stage's money (what `addStages` says); the other stages have objects of their own.
      totalCost: realTime.buyersPay,
      sellersRevenue: realTime.sellersReceive,
      merchandisingSurplus: realTime.rent,
      ...(this.dayAheadSeen || this.dayAheadFailures.length > 0 ? { dayAhead: this.dayAheadSummary() } : {}),
      imbalance: {
        ...this.imbalanceStage.summary(),
        redispatchedIntervals: this.redispatchedIntervals,
        deviationKwh: this.deviation2.roundedKwh(2),
        unservedKwh: this.unserved.roundedKwh(),
        spilledKwh: this.spilled.roundedKwh(),
        curtailedKwh: this.curtailed.roundedKwh(),
        shedKwh: this.shed.roundedKwh(),
      },
      demandResponsePaid: formatMoney(this.drPaid),
      // The sites' meters (engine/interval/meter.ts), agents only (intermediaries hold positions, not consumption):
      // gross consumption and gross generation, so a home's load its own PV covers counts in both;
      // not the cleared demand (a retailer's or aggregator's position, before anyone's deviation).
      demandKwh: this.demand.roundedKwh(),
      supplyKwh: this.supply.roundedKwh(),
      peakKw,
      peakAt: this.peakAt === undefined ? null : formatSimTime(this.peakAt),
      baselinePeakKw: r3(this.baselinePeakKw),
      peakReductionKw: r3(this.baselinePeakKw - peakKw),
      peakReductionPct: this.baselinePeakKw > 0 ? r2((100 * (this.baselinePeakKw - peakKw)) / this.baselinePeakKw) : 0,
      // Energy against the no-flexibility baseline (definitions in output/shift.ts).
      baselineKwh: r3(this.shift.baselineKwh),
      shiftedKwh: r3(this.shift.shiftedKwh),
      reboundKwh: r3(this.shift.reboundKwh),
      averagePriceMwh: this.pricedKwh > 0 ? r2(this.priceSumWeighted / this.pricedKwh) : null,
      minPriceMwh: Number.isFinite(this.minPrice) ? this.minPrice : null,
      maxPriceMwh: Number.isFinite(this.maxPrice) ? this.maxPrice : null,
      byKind,
      evEnergyUnmetAtDepartureKwh: r3(this.evUnmetKwh),
      comfortViolationDegreeHours: r3(this.comfortDegH),
      lineLimitViolations: this.lineLimitViolations,
      overloadIntervals: this.overloadIntervals,
      ...(this.aggregators.size > 0 ? { aggregators } : {}),
      ...(this.retailers.size > 0 ? { retailers } : {}),
      ...(this.retail ? { retail: this.retail } : {}),
      ...(this.operations ? { operations: this.operations } : {}),
      clearingProblems: this.clearingProblems,
      clearingProblemCount: this.clearingProblemCount,
      rejectedBids: Object.fromEntries([...this.rejected].sort(byKey)),
      agentFaults: this.faults.map((f) => ({ ...f, at: formatSimTime(f.at) })),
      agentFaultCount: this.faultCount,
      // Agents isolated (a throw anywhere but in their strategy): they trade and are commanded no more.
      isolatedAgents: this.isolated.size,
      // Only when there are any (a run without a crash keeps its summary): how many of those sites run on their own
      // control, metered, and how many the engine left out, their load unknown and in no figure after it.
      ...(this.isolated.size > 0 ? { isolation: { ownControlSites: this.onOwnControl.size, leftOutSites: this.leftOut.size } } : {}),
    };
  }
}

/**
 * Retail competition's figures: the moves between retailers, each retailer's customers on each billing day, and on the last
 * one as a figure of its own (a batch's summary.csv writes a list as its length, so a sweep compares market shares there).
 */
function competitionKpis(desk: RetailDesk, parties: readonly Party[]): Record<string, unknown> {
  const byDay = customersByRetailerDay(desk, parties);
  return {
    retailerSwitches: desk.retailerSwitches.length,
    customersByRetailer: byDay,
    customersOnLastDay: Object.fromEntries(Object.entries(byDay).map(([id, perDay]) => [id, perDay.at(-1) ?? 0])),
  };
}

/** Per retailer (every one, sorted by id), the customers it billed on each billing day of the run, in day order. */
function customersByRetailerDay(desk: RetailDesk, parties: readonly Party[]): Record<string, number[]> {
  // Loops, not Math.min(...days): a year of 100,000 customers' bills is more arguments than a call takes.
  let first = Infinity;
  let last = -Infinity;
  for (const b of desk.bills) {
    first = Math.min(first, b.day);
    last = Math.max(last, b.day);
  }
  const count = desk.bills.length === 0 ? 0 : last - first + 1;
  const out = new Map<string, number[]>();
  for (const r of desk.retailers()) out.set(parties[r]!.id, new Array<number>(count).fill(0));
  for (const { day, bill } of desk.bills) out.get(parties[desk.retailerIndexOfTariff(bill.tariffId)]!.id)![day - first]! += 1;
  return Object.fromEntries([...out].sort(byKey));
}
