/**
 * `kind: storage` — stationary batteries that buy low and sell high.
 *
 * Each battery tells its strategy (default `storage-arbitrage`) its SoC and the
 * most it can charge and discharge this interval (`StorageView`). Its own
 * valuation, for `truthful`/`markup`, prices stored energy at a water value: the
 * median of the public price forecast (the last cleared price when the forecast
 * knows nothing; no valuation at all before any price is known), see `valuation.ts`.
 *
 * The award is applied through `stepBattery`: a request the battery cannot take
 * (past its power limits or SoC bounds, or while faulted) is clipped, never an
 * error, and the difference is reported as `deviationKw`. SoC stays within
 * [min, max] and the grid never receives more than the stored energy after losses.
 *
 * An operator's CHARGE_STATE_SETPOINT it opted in to (setpoint.ts) steers its bids in the
 * intervals before the event: what it must buy (sell) at any price, its strategy within the rest.
 *
 * Reported (agents.csv): state, `socKwh`, `baselineKw` 0 (without flexibility a
 * battery does nothing).
 */
import type { MarketInterval } from '../../core/clock.ts';
import { type AgentId, type BusId, hours, kw, kwh, pricePerMwh } from '../../core/units.ts';
import { strategyFor } from '../../strategies/registry.ts';
import { quantileOfSorted, sortedKnownPrices } from '../../strategies/storage/forecastQuantiles.ts';
import type { BidSegment } from '../../market/types.ts';
import type { MarketView, Strategy } from '../../strategies/types.ts';
import type { StorageView } from '../../strategies/storage/view.ts';
import { type BatteryParams, batteryFromFractions, maxChargeKw, maxDischargeKw, stepBattery } from '../physics/battery.ts';
import { type GroupMember, groupMembers } from '../group.ts';
import type { AgentEnv, AgentObservation, AgentRuntime, Award, CommandResponder, CommandResponse, DayAheadOffer, OperatorCommand } from '../types.ts';
import type { StorageGroup } from './schema.ts';
import { storageLifecycle, storageMachine } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';

/** Every battery's machine: shared snapshots and steps (agents/lifecycle.ts). */
const STORAGE_MODEL = new MachineModel(storageMachine);

import { respondStorage } from './respond.ts';
import { answerSetpoint, type ChargeStateSetpoint, setpointOf, steerBySetpoint } from './setpoint.ts';
import { storageValuePrices, valuationCurves } from './valuation.ts';


export interface StorageObservation extends AgentObservation {
  /** Net award not applied (kW): bought − sold − what the battery took. */
  readonly deviationKw: number;
}

export interface StorageRuntime extends AgentRuntime {
  readonly battery: BatteryParams;
  /** SoC now, kWh; wear cost so far, currency. */
  status(): { readonly socKwh: number; readonly degradationCost: number; readonly throughputKwh: number };
}

/** The water value: median of the known forecast, else the last price, else NaN. Shared per forecast array. */
export function waterValueMwh(market: MarketView): number {
  const sorted = sortedKnownPrices(market.priceForecastMwh);
  if (sorted.length > 0) return quantileOfSorted(sorted, 0.5);
  return market.lastPriceMwh !== undefined && Number.isFinite(market.lastPriceMwh) ? market.lastPriceMwh : NaN;
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * The real-time bid of a battery with a day-ahead schedule for the interval: the scheduled
 * charge bought at the price cap, or the scheduled discharge sold at the price floor, clipped
 * to what its SoC and power limits allow now — so it operates to its day-ahead plan at any
 * real-time price, and deviates only where physics (or an operator command) forces it.
 * A scheduled 0 is no bid: the battery idles as planned.
 */
export function followSchedule(plannedKw: number, maxChargeNowKw: number, maxDischargeNowKw: number, market: MarketView): readonly BidSegment[] {
  if (plannedKw > 0) {
    const q = Math.min(plannedKw, maxChargeNowKw);
    return q > 0 ? [{ side: 'buy', priceMwh: market.priceCapMwh, quantityKw: q }] : EMPTY;
  }
  if (plannedKw < 0) {
    const q = Math.min(-plannedKw, maxDischargeNowKw);
    return q > 0 ? [{ side: 'sell', priceMwh: market.priceFloorMwh, quantityKw: q }] : EMPTY;
  }
  return EMPTY;
}

export function createStorageRuntimes(group: StorageGroup, env: AgentEnv): StorageRuntime[] {
  const shared = new StorageGroupShared(group);
  return groupMembers(group, env.defaultBus).map((m): StorageRuntime => new StorageAgent(m, shared, env));
}

/** What every battery of a group shares: its parameters, and the valuation prices of the last market view priced. */
class StorageGroupShared {
  readonly battery: BatteryParams;
  private pricedFor: MarketView | undefined;
  private prices: ReturnType<typeof storageValuePrices>;

  constructor(readonly group: StorageGroup) {
    this.battery = Object.freeze(batteryFromFractions(group));
    this.prices = storageValuePrices(this.battery, NaN);
  }

  /** The valuation prices at `market` (every battery of the group at a bus sees the same market view: priced once). */
  pricesAt(market: MarketView): ReturnType<typeof storageValuePrices> {
    if (market !== this.pricedFor) {
      this.pricedFor = market;
      this.prices = storageValuePrices(this.battery, waterValueMwh(market));
    }
    return this.prices;
  }
}

/** One battery: its state in fields, its behaviour on the prototype (no closures per battery). */
class StorageAgent implements StorageRuntime {
  readonly id: AgentId;
  readonly kind = 'storage';
  readonly bus: BusId;
  readonly lifecycle: Lifecycle<typeof storageMachine>;
  readonly battery: BatteryParams;
  /** What an operator knows of it: its ratings (a `BatteryParams` is one), for pre-positioning setpoints. */
  get storageRating(): BatteryParams {
    return this.battery;
  }
  /** Operator commands: answered from SoC and limits (respond.ts); the change arrives with the award. */
  readonly responder: CommandResponder = this;
  private readonly strategy: Strategy<StorageView>;
  private soc: number;
  private wear = 0;
  private throughput = 0;
  private obs: StorageObservation;
  private quantumKw = 0.001; // the market's quantity step, from the last market view
  // The state before this interval's award and the award's net kW (a spill curtailment recomputes the step from it).
  private settledSoc: number;
  private settledWear = 0;
  private settledThroughput = 0;
  private settledNet = 0;
  /** Day-ahead schedule, net kW per interval index (+ charge): real time realises it (docs/markets.md). Undefined until a day-ahead award. */
  private schedule: Map<number, number> | undefined;
  /** The operator's CHARGE_STATE_SETPOINT it opted in to (setpoint.ts), until the event's end. */
  private setpoint: ChargeStateSetpoint | undefined;

  constructor(
    m: GroupMember,
    private readonly shared: StorageGroupShared,
    env: AgentEnv,
  ) {
    const group = shared.group;
    this.id = m.id;
    this.bus = m.bus;
    this.battery = shared.battery;
    // One strategy per battery: learning strategies keep their state in the instance.
    this.strategy = strategyFor<StorageView>(group.strategy, 'storage-arbitrage', env.reportStrategyFault, { agentId: m.id, random: env.random, lpSolver: env.lpSolver });
    this.lifecycle = new Lifecycle(STORAGE_MODEL);
    const b = this.battery;
    this.soc = this.settledSoc = Math.min(b.maxSocKwh, Math.max(b.minSocKwh, b.capacityKwh * group.initialSocFraction));
    this.obs = { state: 'idle', socKwh: this.soc, baselineKw: 0, unservedKwh: 0, deviationKw: 0, consumedKw: 0, generatedKw: 0 };
  }

  /**
   * What its meter sees: discharge is curtailable (the energy stays stored, `curtail`), charge
   * can be shed (it is not stored, `shed`); `unservedKwh`: charge it bought and was shed.
   */
  private observation(net: number, applied: number, unservedKwh = 0): StorageObservation {
    const state = this.lifecycle.value;
    const deviationKw = net - applied;
    const consumedKw = Math.max(0, applied);
    const generatedKw = Math.max(0, -applied);
    if (applied < 0) return { state, socKwh: this.soc, baselineKw: 0, unservedKwh, deviationKw, consumedKw, generatedKw, curtailableKw: -applied };
    if (applied > 0) return { state, socKwh: this.soc, baselineKw: 0, unservedKwh, deviationKw, consumedKw, generatedKw, deviceSheddableKw: applied };
    return { state, socKwh: this.soc, baselineKw: 0, unservedKwh, deviationKw, consumedKw, generatedKw };
  }

  /** What its strategy sees: SoC, limits now, its valuation at the market's prices. */
  private viewOf(charge: number, discharge: number, market: MarketView): StorageView {
    const prices = this.shared.pricesAt(market);
    const values = valuationCurves(prices.buyValueMwh, prices.sellCostMwh, charge, discharge);
    const battery = this.battery;
    // Units branded where the view is made (core/units.ts): the strategy API's types carry them.
    return Object.freeze({
      agentId: this.id,
      kind: 'storage',
      demand: values.demand,
      supply: values.supply,
      socKwh: kwh(this.soc),
      minSocKwh: kwh(battery.minSocKwh),
      maxSocKwh: kwh(battery.maxSocKwh),
      capacityKwh: kwh(battery.capacityKwh),
      maxChargeKw: kw(charge),
      maxDischargeKw: kw(discharge),
      ratedChargeKw: kw(battery.maxChargeKw),
      ratedDischargeKw: kw(battery.maxDischargeKw),
      chargeEfficiency: battery.chargeEfficiency,
      dischargeEfficiency: battery.dischargeEfficiency,
      degradationCostPerMwh: pricePerMwh(battery.degradationCostPerMwh),
    });
  }

  status(): { readonly socKwh: number; readonly degradationCost: number; readonly throughputKwh: number } {
    return { socKwh: this.soc, degradationCost: this.wear, throughputKwh: this.throughput };
  }

  bid(interval: MarketInterval, market: MarketView): readonly BidSegment[] {
    this.quantumKw = market.quantumKw;
    if (this.lifecycle.value === 'faulted') return EMPTY;
    const dt = interval.durationH;
    const battery = this.battery;
    const charge: number = maxChargeKw(battery, kwh(this.soc), hours(dt));
    const discharge: number = maxDischargeKw(battery, kwh(this.soc), hours(dt));
    if (!(charge > 0) && !(discharge > 0)) return EMPTY;
    if (this.setpoint !== undefined && interval.start >= this.setpoint.endMs) this.setpoint = undefined; // expired with its event
    const steer = this.setpoint && steerBySetpoint(this.setpoint, battery, this.soc, interval.start, dt, market.quantumKw, charge, discharge);
    const planned = this.schedule?.get(interval.index);
    if (planned !== undefined) {
      // A setpoint bends the day-ahead schedule only as far as it must: into [must − discharge left, must + charge left].
      const net = steer ? Math.min(steer.mustKw + steer.chargeKw, Math.max(steer.mustKw - steer.dischargeKw, planned)) : planned;
      return followSchedule(net, charge, discharge, market);
    }
    if (!steer) return this.strategy.bid(this.viewOf(charge, discharge, market), market);
    // Before the event of a setpoint: what it must buy (sell) at any price, and its strategy's bid within what is left.
    const own = steer.chargeKw > 0 || steer.dischargeKw > 0 ? this.strategy.bid(this.viewOf(steer.chargeKw, steer.dischargeKw, market), market) : EMPTY;
    if (!(Math.abs(steer.mustKw) > 0)) return own;
    const must: BidSegment = steer.mustKw > 0 ? { side: 'buy', priceMwh: market.priceCapMwh, quantityKw: steer.mustKw } : { side: 'sell', priceMwh: market.priceFloorMwh, quantityKw: -steer.mustKw };
    return [must, ...own];
  }

  settle(award: Award): void {
    const net = award.buyKw - award.sellKw;
    let applied = 0;
    this.settledSoc = this.soc;
    this.settledWear = this.wear;
    this.settledThroughput = this.throughput;
    this.settledNet = net;
    if (this.lifecycle.value !== 'faulted') {
      const step = stepBattery(this.battery, kwh(this.soc), kw(net), hours(award.interval.durationH));
      applied = step.gridKw;
      this.soc = step.socKwh;
      this.wear += step.degradationCost;
      this.throughput += step.throughputKwh;
    }
    const event = storageLifecycle(this.lifecycle.value, applied);
    if (event) this.lifecycle.send(event);
    this.obs = this.observation(net, applied);
    this.strategy.observe?.({ interval: award.interval, buyKw: award.buyKw, sellKw: award.sellKw, priceMwh: award.priceMwh });
  }

  /** Spill curtailment (engine/interval/curtail.ts): it discharged `kwOff` less, so that energy is still stored. */
  curtail(kwOff: number, interval: MarketInterval): void {
    const applied = -(this.obs.generatedKw ?? 0);
    if (!(kwOff > 0) || !(applied < 0)) return;
    const step = stepBattery(this.battery, kwh(this.settledSoc), kw(Math.min(0, applied + kwOff)), hours(interval.durationH));
    this.soc = step.socKwh;
    this.wear = this.settledWear + step.degradationCost;
    this.throughput = this.settledThroughput + step.throughputKwh;
    const event = storageLifecycle(this.lifecycle.value, step.gridKw);
    if (event) this.lifecycle.send(event);
    this.obs = this.observation(this.settledNet, step.gridKw);
  }

  /**
   * Load shedding (engine/interval/shed.ts): it charged `kwOff` less, so only what it was
   * delivered reaches the cells (SoC, wear recomputed from the step's start); the charge it
   * bought and did not get is unserved.
   */
  shed(kwOff: number, interval: MarketInterval): void {
    const applied = this.obs.consumedKw ?? 0;
    if (!(kwOff > 0) || !(applied > 0)) return;
    const off = Math.min(kwOff, applied);
    const step = stepBattery(this.battery, kwh(this.settledSoc), kw(applied - off), hours(interval.durationH));
    this.soc = step.socKwh;
    this.wear = this.settledWear + step.degradationCost;
    this.throughput = this.settledThroughput + step.throughputKwh;
    const event = storageLifecycle(this.lifecycle.value, step.gridKw);
    if (event) this.lifecycle.send(event);
    this.obs = this.observation(this.settledNet, step.gridKw, off * interval.durationH);
  }

  observe(): StorageObservation {
    return this.obs;
  }

  dayAheadAwarded(awarded: ReadonlyMap<number, number>): void {
    const schedule = (this.schedule ??= new Map());
    for (const [index, netKw] of awarded) schedule.set(index, netKw);
  }

  /**
   * Day-ahead: the battery as one intertemporal bid over the delivery day, from its SoC at
   * the gate. The default: it must end the day where it starts (finalSocMinKwh = SoC now,
   * met below the price cap), stored energy beyond that is worth nothing, and its wear costs
   * its degradation rate, so it arbitrages the day's prices and no more. A strategy that
   * values the day itself (`Strategy.dayAheadValuation`: `mpc`) sets the end-of-day value
   * and SoC requirement instead, from its view at the gate and the day's forecast.
   */
  dayAhead(intervals: readonly MarketInterval[], market?: MarketView): DayAheadOffer {
    if (this.lifecycle.value === 'faulted') return {};
    const battery = this.battery;
    const soc = this.soc;
    const base = { kind: 'storage' as const, ...battery, initialSocKwh: soc, finalSocMinKwh: soc, terminalValueMwh: 0 };
    const strategy = this.strategy;
    const own = market && strategy.dayAheadValuation && intervals.length > 0 ? strategy.dayAheadValuation(this.viewOf(battery.maxChargeKw, battery.maxDischargeKw, market), market) : undefined;
    if (!own) return { intertemporal: base };
    const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
    return {
      intertemporal: {
        ...base,
        terminalValueMwh: market ? clamp(own.terminalValueMwh, market.priceFloorMwh, market.priceCapMwh) : own.terminalValueMwh,
        finalSocMinKwh: clamp(own.finalSocMinKwh, battery.minSocKwh, Math.min(battery.maxSocKwh, Math.max(soc, battery.minSocKwh))),
      },
    };
  }

  respond(command: OperatorCommand, plannedNetKw: number, interval: MarketInterval): CommandResponse {
    if (command.type === 'CHARGE_STATE_SETPOINT') return answerSetpoint(this.battery, this.soc, this.lifecycle.value === 'faulted', command, interval);
    return respondStorage({ battery: this.battery, socKwh: this.soc, faulted: this.lifecycle.value === 'faulted', quantumKw: this.quantumKw }, command, plannedNetKw, interval.durationH);
  }

  /** A CHARGE_STATE_SETPOINT it opted in to: its bids steer to the SoC it committed (setpoint.ts); a newer one replaces it. */
  accept(command: OperatorCommand, response: CommandResponse): void {
    if (command.type === 'CHARGE_STATE_SETPOINT' && response.optIn && response.socKwh !== undefined) this.setpoint = setpointOf(command, response.socKwh);
  }
}
