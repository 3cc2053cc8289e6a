/**
 * What a run on a LinDistFlow feeder adds to its outputs (fed by each interval's
 * `result.feeder`, market/clearFeeder.ts):
 * - `voltages.csv`, per interval × bus: `interval_start, bus, vm_lindistflow, vm_ac`, then
 *   `net_kw, net_kvar` (withdrawal at the cleared dispatch), `price` (the DLMP) and its parts
 *   `dlmp_energy, dlmp_congestion, dlmp_voltage`, `reactive_price` (currency/Mvarh), and
 *   `inverter_kvar` (inverters' reactive injection at the bus, > 0 supplied; in net_kvar as −),
 *   `vm_metered, metered_kw` (the AC voltage of what the meters read, and the bus's metered net
 *   withdrawal: engine/interval/meteredFeeder.ts; equal to vm_ac and net_kw where nothing deviated), and
 *   with `network.feeder.losses: marginal` only (so other runs' files stay as they were) `dlmp_loss`,
 *   the DLMP's marginal-loss part, λ · ∂Loss/∂p (energy + loss + congestion + voltage = price);
 * - KPIs (`kpis.feeder`): the worst (lowest) and highest AC voltage with bus and time (no value when
 *   a sweep did not converge: then `at` is the first such interval), the
 *   losses the distribution operator bought (the losses stage, engine/interval/losses.ts: kWh
 *   settled, `lossesCost` = Σ of the stage's money, exactly; intervals it could not settle), the largest LinDistFlow-vs-AC voltage error, and the intervals where the
 *   AC voltage left a bus's band (the limits the linear model missed; counted only where the sweep converged, the
 *   others being `acSweepsNotConverged`, not assessed), inverters' kvarh
 *   supplied and absorbed; with marginal losses, the intervals whose operating point did not
 *   settle within the bound (`marginalLossUnconvergedIntervals`) and the largest fixed-point gap
 *   (`marginalLossMaxGapMwh`); the same voltage figures of the metered withdrawals
 *   (`meteredWorstVoltagePu` …: what the sites saw, commands and deviations included), and of the
 *   settled losses the part beyond the schedule's (`lossesBeyondScheduleKwh`);
 * - report charts: AC voltage per bus over time, and the DLMP's parts.
 */
import { formatMoney, type Money, type MoneyUnit, ZERO } from '../core/money.ts';
import { LOSSES_BUYER_ID, LOSSES_SELLER_ID, type LossesStage } from '../engine/interval/losses.ts';
import { EnergySum } from './energySum.ts';
import { formatSimTime, type SimTime } from '../core/time.ts';
import type { FeederOutcome } from '../market/types.ts';
import { type ReactiveSettlement, reactiveMoney } from '../market/reactiveSettlement.ts';
import type { MeteredFeeder } from '../engine/interval/meteredFeeder.ts';
import { type CsvFile, csvText, fixed } from './csvFile.ts';
import type { OpenTable } from './tableFiles.ts';
import { busLines } from './chartBounds.ts';
import type { ChartSpec } from './report.ts';

interface Extreme {
  value: number;
  bus: string;
  at: string;
}

export class FeederRecorder {
  private readonly csv: CsvFile;
  private readonly vm = new Map<string, Array<number | null>>();
  private readonly energy: Array<number | null> = [];
  private readonly congestion: Array<number | null> = [];
  private readonly voltage: Array<number | null> = [];
  private readonly loss: Array<number | null> = [];
  private lossUnconverged = 0;
  private lossResidualKw = 0;
  private lossGapMwh = 0;
  private readonly dlmpMax: Array<number | null> = [];
  private min: Extreme = { value: Infinity, bus: '', at: '' };
  private max: Extreme = { value: -Infinity, bus: '', at: '' };
  private error: Extreme = { value: 0, bus: '', at: '' };
  private readonly lossesKwh = new EnergySum();
  private lossesCost: Money = ZERO;
  private lossesUnsettled = 0;
  /** Intervals whose losses settled at a price the market did not form (losses.ts `unformedPrice`: the lowest offer, or the cap). */
  private lossesUnformedPrice = 0;
  /** What the upstream grid received for the losses (the stage's other side; − the cost when it closes). */
  private lossesReceived: Money = ZERO;
  private unconverged = 0;
  /** Start of the first interval whose AC sweep did not converge ('' while none). */
  private firstUnconverged = '';
  private violationIntervals = 0;
  private violationBusIntervals = 0;
  private branchViolationIntervals = 0;
  private branchViolationBranchIntervals = 0;
  /** The real-time stage's reactive energy (engine/interval/reactive.ts), exact; undefined until an interval settles some. */
  private reactive: { intervals: number; kvarhBought: Money; kvarhSold: Money; buyersPay: Money; sellersReceive: Money; substationReceives: Money; rent: Money } | undefined;
  private inverterSuppliedKvarh = 0;
  private inverterAbsorbedKvarh = 0;
  /** The metered withdrawals' sweep (engine/interval/meteredFeeder.ts): extremes, violations, non-convergence, losses (kWh). */
  private meteredMin: Extreme = { value: Infinity, bus: '', at: '' };
  private meteredMax: Extreme = { value: -Infinity, bus: '', at: '' };
  private meteredUnconverged = 0;
  private firstMeteredUnconverged = '';
  private meteredViolationIntervals = 0;
  private meteredViolationBusIntervals = 0;
  /** Of the settled losses, what flowed beyond the schedule's (signed; the losses stage's second settlement). */
  private readonly lossesBeyondKwh = new EnergySum();

  /** `open` gives the voltages table its destinations (output/tableFiles.ts). */
  /** `marginalLosses`: the run prices marginal losses (`network.feeder.losses: marginal`): the `dlmp_loss` column, chart series and KPI. */
  constructor(open: OpenTable, private readonly marginalLosses = false) {
    this.csv = open('voltages', [
      'interval_start', 'bus', 'vm_lindistflow', 'vm_ac', 'net_kw', 'net_kvar', 'price', 'dlmp_energy', 'dlmp_congestion', 'dlmp_voltage', 'reactive_price', 'inverter_kvar', 'vm_metered', 'metered_kw',
      ...(marginalLosses ? ['dlmp_loss'] : []),
    ]);
  }

  /**
   * One interval: `priceMwh` per network bus (the cleared prices, NaN where none); `losses` the
   * interval's losses stage as settled, in `unit` (the interval's settlement unit) and quanta of `quantumKw`;
   * `metered` the AC check of what the meters read.
   */
  add(start: SimTime, f: FeederOutcome, priceMwh: ArrayLike<number>, durationH: number, priceDecimals: number, losses?: { readonly stage: LossesStage; readonly unit: MoneyUnit; readonly quantumKw: number }, metered?: MeteredFeeder): void {
    const t = formatSimTime(start);
    let eSum = 0;
    let cSum = 0;
    let vSum = 0;
    let lSum = 0;
    let count = 0;
    let top = -Infinity;
    for (let k = 0; k < f.busIds.length; k++) {
      const bus = f.busIds[k]!;
      const ac = f.vmAcPu[k]!;
      const ldf = f.vmLinDistFlowPu[k]!;
      this.csv.row([
        t, csvText(bus), fixed(ldf, 6), fixed(ac, 6), fixed(f.netKw[k]!, 3), fixed(f.netKvar[k]!, 3),
        fixed(priceMwh[k]!, priceDecimals), fixed(f.energyMwh[k]!, 4), fixed(f.congestionMwh[k]!, 4), fixed(f.voltageMwh[k]!, 4), fixed(f.reactivePriceMvarh[k]!, 4), fixed(f.inverterKvar[k]!, 3),
        fixed(metered ? metered.vmPu[k]! : NaN, 6), fixed(metered ? metered.netKw[k]! : NaN, 3),
        ...(this.marginalLosses ? [fixed(f.lossMwh[k]!, 4)] : []),
      ]);
      this.inverterSuppliedKvarh += Math.max(0, f.inverterKvar[k]!) * durationH;
      this.inverterAbsorbedKvarh += Math.max(0, -f.inverterKvar[k]!) * durationH;
      let list = this.vm.get(bus);
      if (!list) this.vm.set(bus, (list = []));
      list.push(Number.isNaN(ac) ? null : ac);
      // Extremes only from a converged sweep: one that did not converge has no voltages (only the substation's fixed 1 p.u.).
      if (f.acConverged && !Number.isNaN(ac)) {
        if (ac < this.min.value) this.min = { value: ac, bus, at: t };
        if (ac > this.max.value) this.max = { value: ac, bus, at: t };
        const e = Math.abs(ldf - ac);
        if (e > this.error.value) this.error = { value: e, bus, at: t };
      }
      if (!Number.isNaN(f.energyMwh[k]!)) {
        eSum += f.energyMwh[k]!;
        cSum += f.congestionMwh[k]!;
        vSum += f.voltageMwh[k]!;
        lSum += f.lossMwh[k]!;
        count++;
      }
      if (!Number.isNaN(priceMwh[k]!)) top = Math.max(top, priceMwh[k]!);
    }
    this.energy.push(count > 0 ? eSum / count : null);
    this.congestion.push(count > 0 ? cSum / count : null);
    this.voltage.push(count > 0 ? vSum / count : null);
    this.loss.push(count > 0 ? lSum / count : null);
    if (f.lossIterations && !f.lossIterations.converged) this.lossUnconverged++;
    if (f.lossIterations && Math.abs(f.lossIterations.residualKw) > Math.abs(this.lossResidualKw)) this.lossResidualKw = f.lossIterations.residualKw;
    // NaN (no clearing was made) or Infinity (a sweep failed) count as the worst: printed as null.
    if (f.lossIterations && !(f.lossIterations.gapMwh <= this.lossGapMwh)) this.lossGapMwh = Number.isNaN(f.lossIterations.gapMwh) ? Infinity : f.lossIterations.gapMwh;
    this.dlmpMax.push(Number.isFinite(top) ? top : null);
    // The LP's dispatch is lossless: the substation delivers the losses on top, bought by the
    // distribution operator at its price (the losses stage): the KPIs are the stage's sums, exact.
    if (losses) {
      if (losses.stage.status === 'settled') {
        this.lossesKwh.add(losses.stage.quanta + losses.stage.deviationQuanta, losses.quantumKw, durationH);
        this.lossesBeyondKwh.add(losses.stage.deviationQuanta, losses.quantumKw, durationH);
        this.lossesCost = this.lossesCost.plus(losses.unit.toMoney(losses.stage.buyerUnits));
        this.lossesReceived = this.lossesReceived.minus(losses.unit.toMoney(losses.stage.sellerUnits));
        if (losses.stage.priceBasis !== 'substation') this.lossesUnformedPrice++;
      } else this.lossesUnsettled++;
    }
    if (!f.acConverged && this.unconverged++ === 0) this.firstUnconverged = t;
    if (metered) this.addMetered(t, f.busIds, metered);
    // Violations only where the sweep converged: a non-converged interval is not assessed (acSweepsNotConverged counts it).
    if (f.acConverged) {
      if (f.acVoltageViolations > 0) this.violationIntervals++;
      this.violationBusIntervals += f.acVoltageViolations;
      if (f.acBranchViolations > 0) this.branchViolationIntervals++;
      this.branchViolationBranchIntervals += f.acBranchViolations;
    }
  }

  /** The metered sweep's figures of one interval (the same rules as the cleared dispatch's: extremes only from a converged sweep). */
  private addMetered(t: string, busIds: readonly string[], m: MeteredFeeder): void {
    if (!m.converged) {
      if (this.meteredUnconverged++ === 0) this.firstMeteredUnconverged = t;
      return;
    }
    for (let k = 0; k < busIds.length; k++) {
      const v = m.vmPu[k]!;
      if (Number.isNaN(v)) continue;
      if (v < this.meteredMin.value) this.meteredMin = { value: v, bus: busIds[k]!, at: t };
      if (v > this.meteredMax.value) this.meteredMax = { value: v, bus: busIds[k]!, at: t };
    }
    if (m.voltageViolations > 0) this.meteredViolationIntervals++;
    this.meteredViolationBusIntervals += m.voltageViolations;
  }

  close(): void {
    this.csv.close();
  }

  abandon(): void {
    this.csv.abandon();
  }

  /** One interval's reactive settlement (market/reactiveSettlement.ts): its kvarh and money, added exactly. */
  addReactive(stage: ReactiveSettlement): void {
    const r = (this.reactive ??= { intervals: 0, kvarhBought: ZERO, kvarhSold: ZERO, buyersPay: ZERO, sellersReceive: ZERO, substationReceives: ZERO, rent: ZERO });
    const d = stage.divisor;
    r.intervals++;
    r.kvarhBought = r.kvarhBought.plus(stage.kvarhBought);
    r.kvarhSold = r.kvarhSold.plus(stage.kvarhSold);
    r.buyersPay = r.buyersPay.plus(reactiveMoney(stage.buyersPayScaled, d));
    r.sellersReceive = r.sellersReceive.plus(reactiveMoney(stage.sellersReceiveScaled, d));
    r.substationReceives = r.substationReceives.plus(reactiveMoney(stage.substationReceivesScaled, d));
    r.rent = r.rent.plus(reactiveMoney(stage.rentScaled, d));
  }

  kpis(): Record<string, unknown> {
    const r6 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null);
    // Where a sweep did not converge (a voltage collapse, say) the run's extremes are unknown: no value and no bus, rather
    // than the converged intervals' (or the substation's 1 p.u.) as if they were the worst; `at` says where to look.
    const extreme = (e: Extreme) => (this.unconverged > 0 ? { value: null, bus: '', at: this.firstUnconverged } : { value: r6(e.value), bus: e.bus, at: e.at });
    const meteredExtreme = (e: Extreme) => (this.meteredUnconverged > 0 ? { value: null, bus: '', at: this.firstMeteredUnconverged } : { value: r6(e.value), bus: e.bus, at: e.at });
    return {
      worstVoltagePu: extreme(this.min),
      highestVoltagePu: extreme(this.max),
      // The losses stage: what the distribution operator bought (kWh) and paid, and the intervals it could not settle (the books say why).
      lossesKwh: this.lossesKwh.roundedKwh(),
      // Of lossesKwh, what flowed beyond the schedule's losses (− below them), settled at the substation's imbalance price.
      lossesBeyondScheduleKwh: this.lossesBeyondKwh.roundedKwh(),
      lossesCost: formatMoney(this.lossesCost),
      lossesUnsettledIntervals: this.lossesUnsettled,
      maxLinDistFlowErrorPu: extreme(this.error),
      // Limits the linear model missed: buses × intervals whose AC voltage left its band.
      acVoltageViolationIntervals: this.violationIntervals,
      acVoltageViolationBusIntervals: this.violationBusIntervals,
      // And branches × intervals whose AC flow (losses included) went above their limit.
      acBranchViolationIntervals: this.branchViolationIntervals,
      acBranchViolationBranchIntervals: this.branchViolationBranchIntervals,
      acSweepsNotConverged: this.unconverged,
      // Inverters' reactive energy (network.feeder.reactive): supplied (raising voltage) and absorbed.
      inverterSuppliedKvarh: Math.round(this.inverterSuppliedKvarh * 1000) / 1000,
      inverterAbsorbedKvarh: Math.round(this.inverterAbsorbedKvarh * 1000) / 1000,
      // Reactive energy settled at the reactive prices in real time (only where a clearing priced it): kvarh the parties
      // absorbed or consumed and injected, what they paid and received, what the substation received for the net kvar it
      // supplied (at its bus's reactive price, 0 in this model), and the rent; buyersPay − sellersReceive − substation = rent.
      ...(this.reactive
        ? {
            reactiveSettledIntervals: this.reactive.intervals,
            reactiveKvarhBought: Number(this.reactive.kvarhBought.toDecimalPlaces(3).toFixed()),
            reactiveKvarhSold: Number(this.reactive.kvarhSold.toDecimalPlaces(3).toFixed()),
            reactiveBuyersPay: formatMoney(this.reactive.buyersPay),
            reactiveSellersReceive: formatMoney(this.reactive.sellersReceive),
            reactiveSubstationReceives: formatMoney(this.reactive.substationReceives),
            reactiveRent: formatMoney(this.reactive.rent),
          }
        : {}),
      // What the sites saw: the AC check of the metered withdrawals (commands and deviations included).
      meteredWorstVoltagePu: meteredExtreme(this.meteredMin),
      meteredHighestVoltagePu: meteredExtreme(this.meteredMax),
      meteredVoltageViolationIntervals: this.meteredViolationIntervals,
      meteredVoltageViolationBusIntervals: this.meteredViolationBusIntervals,
      meteredSweepsNotConverged: this.meteredUnconverged,
      // Marginal losses: intervals whose clearing did not reach its fixed point within the bound, the largest fixed-point gap
      // (currency/MWh: how far a DLMP is from the linearisation at its own dispatch, or a held block from its price; ≤ 0.001 converged),
      // and the largest residual Σ LF (p − p0) the clearing carried (kW; what the market's offers sold beyond its bids before rounding).
      ...(this.marginalLosses
        ? {
            marginalLossUnconvergedIntervals: this.lossUnconverged,
            marginalLossMaxGapMwh: Number.isFinite(this.lossGapMwh) ? Math.round(this.lossGapMwh * 10000) / 10000 : null,
            marginalLossMaxResidualKw: Math.round(this.lossResidualKw * 1000) / 1000,
          }
        : {}),
    };
  }

  /**
   * The losses stage as summary.json lists stages (beside `imbalance`, `dayAhead`): who paid whom,
   * buyers paid = sellers received + rent (0: one buyer, one seller, one price).
   */
  lossesStage(): Record<string, unknown> {
    return {
      buyer: LOSSES_BUYER_ID,
      seller: LOSSES_SELLER_ID,
      kwh: this.lossesKwh.roundedKwh(),
      buyersPay: formatMoney(this.lossesCost),
      sellersReceive: formatMoney(this.lossesReceived),
      rent: formatMoney(this.lossesCost.minus(this.lossesReceived)),
      unsettledIntervals: this.lossesUnsettled,
      unformedPriceIntervals: this.lossesUnformedPrice,
    };
  }

  charts(x: readonly number[]): ChartSpec[] {
    return [
      (() => {
        const lines = busLines(this.vm, (bus) => bus, 'voltages', 'voltages.csv');
        return { id: 'voltages', title: 'Voltage by bus (AC power flow at the cleared dispatch)', ...(lines.caption ? { caption: lines.caption } : {}), yLabel: 'p.u.', x, series: lines.series };
      })(),
      {
        id: 'dlmp-components',
        title: 'DLMP and its parts (mean over buses; energy is the substation price)',
        yLabel: 'currency/MWh',
        x,
        series: [
          { label: 'energy', values: this.energy },
          { label: 'congestion (mean)', values: this.congestion },
          { label: 'voltage (mean)', values: this.voltage },
          ...(this.marginalLosses ? [{ label: 'marginal losses (mean)', values: this.loss }] : []),
          { label: 'highest DLMP', values: this.dlmpMax, dash: true },
        ],
      },
    ];
  }
}
