/**
 * Key figures of a run, accumulated interval by interval. Money stays exact
 * (decimal strings in summary.json); physical quantities are plain numbers
 * rounded for display.
 */
import { formatSimTime, type SimTime } from '../core/time.ts';
import { formatMoney, type Money, money, ZERO } from '../core/money.ts';
import type { IntervalOutcome, AgentFault } from '../engine/simulation.ts';
import type { RejectionCode } from '../market/types.ts';

interface KindTotals {
  count: number;
  energyKwh: number;
  cost: Money;
  unservedKwh: number;
}

export class KpiAccumulator {
  private welfare = 0;
  private buyersPay: Money = ZERO;
  private sellersReceive: Money = ZERO;
  private surplus: Money = ZERO;
  private unbalancedIntervals = 0;
  private demandKwh = 0;
  private supplyKwh = 0;
  private peakKw = 0;
  private peakAt: SimTime | undefined;
  private baselinePeakKw = 0;
  private baselinePeakAt: SimTime | undefined;
  private priceSumWeighted = 0;
  private pricedKwh = 0;
  private maxPrice = -Infinity;
  private minPrice = Infinity;
  private readonly rejected = new Map<RejectionCode, number>();
  private readonly faults: AgentFault[] = [];
  private readonly kinds = new Map<string, KindTotals>();
  private readonly clearingProblems: Array<{ interval: string; status: string; message: string }> = [];
  private lineLimitViolations = 0;
  private evUnmetKwh = 0;
  private comfortDegH = 0;
  private intervals = 0;

  add(o: IntervalOutcome): void {
    this.intervals++;
    const { result, settlement, interval } = o;
    const h = interval.durationH;
    this.welfare += result.welfare;
    this.buyersPay = this.buyersPay.plus(settlement.buyersPay);
    this.sellersReceive = this.sellersReceive.plus(settlement.sellersReceive);
    this.surplus = this.surplus.plus(settlement.merchandisingSurplus);
    if (!settlement.imbalance.isZero()) this.unbalancedIntervals++;
    if (result.status !== 'cleared') this.clearingProblems.push({ interval: formatSimTime(interval.start), status: result.status, message: result.message });
    for (const f of result.flows) if (Math.abs(f.flowKw) > f.limitKw * (1 + 1e-9)) this.lineLimitViolations++;
    for (const r of o.rejections) this.rejected.set(r.code, (this.rejected.get(r.code) ?? 0) + 1);
    this.faults.push(...o.faults);

    let demand = 0;
    let supply = 0;
    let baseline = 0;
    // Per kind, this interval's payments in whole settlement units (exact integer sums).
    const unitsByKind = new Map<KindTotals, bigint>();
    let kind = '';
    let k: KindTotals | undefined;
    for (let i = 0; i < o.agents.length; i++) {
      const a = o.agents[i]!;
      const obs = o.observations[i]!;
      demand += o.buyKw[i]!;
      supply += o.sellKw[i]!;
      baseline += obs.baselineKw;
      if (a.kind !== kind || !k) {
        kind = a.kind;
        k = this.kinds.get(kind);
        if (!k) this.kinds.set(kind, (k = { count: 0, energyKwh: 0, cost: ZERO, unservedKwh: 0 }));
      }
      if (this.intervals === 1) k.count++;
      k.energyKwh += (o.buyKw[i]! - o.sellKw[i]!) * h;
      k.unservedKwh += obs.unservedKwh;
      if (obs.unmetDepartureKwh) this.evUnmetKwh += obs.unmetDepartureKwh;
      if (obs.comfortViolationDegH) this.comfortDegH += obs.comfortViolationDegH;
      const b = o.bidOf[i]!;
      if (b >= 0 && settlement.paymentUnits[b] !== 0) unitsByKind.set(k, (unitsByKind.get(k) ?? 0n) + BigInt(settlement.paymentUnits[b]!));
    }
    for (const [totals, units] of unitsByKind) totals.cost = totals.cost.plus(money(units.toString()).times(settlement.unit.unit));
    this.demandKwh += demand * h;
    this.supplyKwh += supply * h;
    if (demand > this.peakKw || this.peakAt === undefined) [this.peakKw, this.peakAt] = [demand, interval.start];
    if (baseline > this.baselinePeakKw || this.baselinePeakAt === undefined) [this.baselinePeakKw, this.baselinePeakAt] = [baseline, interval.start];
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

  summary(): Record<string, unknown> {
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    const byKind: Record<string, unknown> = {};
    for (const [kind, k] of [...this.kinds].sort(([a], [b]) => a.localeCompare(b))) {
      byKind[kind] = { count: k.count, energyKwh: r3(k.energyKwh), cost: formatMoney(k.cost), unservedKwh: r3(k.unservedKwh) };
    }
    return {
      welfare: r2(this.welfare),
      totalCost: formatMoney(this.buyersPay),
      sellersRevenue: formatMoney(this.sellersReceive),
      merchandisingSurplus: formatMoney(this.surplus),
      moneyBalancedEveryInterval: this.unbalancedIntervals === 0,
      demandKwh: r3(this.demandKwh),
      supplyKwh: r3(this.supplyKwh),
      peakKw: r3(this.peakKw),
      peakAt: this.peakAt === undefined ? null : formatSimTime(this.peakAt),
      baselinePeakKw: r3(this.baselinePeakKw),
      peakReductionKw: r3(this.baselinePeakKw - this.peakKw),
      peakReductionPct: this.baselinePeakKw > 0 ? r2((100 * (this.baselinePeakKw - this.peakKw)) / this.baselinePeakKw) : 0,
      averagePriceMwh: this.pricedKwh > 0 ? r2(this.priceSumWeighted / this.pricedKwh) : null,
      minPriceMwh: Number.isFinite(this.minPrice) ? this.minPrice : null,
      maxPriceMwh: Number.isFinite(this.maxPrice) ? this.maxPrice : null,
      byKind,
      evEnergyUnmetAtDepartureKwh: r3(this.evUnmetKwh),
      comfortViolationDegreeHours: r3(this.comfortDegH),
      lineLimitViolations: this.lineLimitViolations,
      clearingProblems: this.clearingProblems,
      rejectedBids: Object.fromEntries([...this.rejected].sort(([a], [b]) => a.localeCompare(b))),
      agentFaults: this.faults.map((f) => ({ ...f, at: formatSimTime(f.at) })),
    };
  }
}
