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
 * Reported (agents.csv): state, `socKwh`, `baselineKw` 0 (without flexibility a
 * battery does nothing).
 */
import { hours, kw, kwh, pricePerMwh } from '../../core/units.ts';
import { strategyFor } from '../../strategies/registry.ts';
import { quantileOfSorted, sortedKnownPrices } from '../../strategies/storage/forecastQuantiles.ts';
import type { BidSegment } from '../../market/types.ts';
import type { MarketView } from '../../strategies/types.ts';
import type { StorageView } from '../../strategies/storage/view.ts';
import { type BatteryParams, batteryFromFractions, maxChargeKw, maxDischargeKw, stepBattery } from '../physics/battery.ts';
import { groupMembers } from '../group.ts';
import type { AgentEnv, AgentObservation, AgentRuntime } from '../types.ts';
import type { StorageGroup } from './schema.ts';
import { storageLifecycle, storageMachine } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';

/** Every battery's machine: shared snapshots and steps (agents/lifecycle.ts). */
const STORAGE_MODEL = new MachineModel(storageMachine);

import { respondStorage } from './respond.ts';
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
  const battery = Object.freeze(batteryFromFractions(group));
  const capacityKwh: number = battery.capacityKwh;
  const minSocKwh: number = battery.minSocKwh;
  const maxSocKwh: number = battery.maxSocKwh;
  let pricedFor: MarketView | undefined;
  let prices = storageValuePrices(battery, NaN);
  return groupMembers(group, env.defaultBus).map((m): StorageRuntime => {
    // One strategy per battery: learning strategies keep their state in the instance.
    const strategy = strategyFor<StorageView>(group.strategy, 'storage-arbitrage', env.reportStrategyFault, { agentId: m.id, random: env.random, lpSolver: env.lpSolver });
    const lifecycle = new Lifecycle(STORAGE_MODEL);
    let soc = Math.min(maxSocKwh, Math.max(minSocKwh, capacityKwh * group.initialSocFraction));
    let wear = 0;
    let throughput = 0;
    let obs: StorageObservation = { state: 'idle', socKwh: soc, baselineKw: 0, unservedKwh: 0, deviationKw: 0, consumedKw: 0, generatedKw: 0 };
    let quantumKw = 0.001; // the market's quantity step, from the last market view
    // The state before this interval's award and the award's net kW (a spill curtailment recomputes the step from it).
    let settled = { socKwh: soc, wear: 0, throughput: 0, net: 0 };
    // What its meter sees: discharge is curtailable (the energy stays stored, `curtail`).
    const observation = (net: number, applied: number): StorageObservation => ({
      state: lifecycle.value,
      socKwh: soc,
      baselineKw: 0,
      unservedKwh: 0,
      deviationKw: net - applied,
      consumedKw: Math.max(0, applied),
      generatedKw: Math.max(0, -applied),
      ...(applied < 0 ? { curtailableKw: -applied } : {}),
    });
    // Day-ahead schedule, net kW per interval index (+ charge): real time realises it (docs/markets.md).
    const schedule = new Map<number, number>();
    /** What its strategy sees: SoC, limits now, its valuation at the market's prices. */
    const viewOf = (charge: number, discharge: number, market: MarketView): StorageView => {
      if (market !== pricedFor) {
        // Every battery of the group at a bus sees the same market view: price it once.
        pricedFor = market;
        prices = storageValuePrices(battery, waterValueMwh(market));
      }
      const values = valuationCurves(prices.buyValueMwh, prices.sellCostMwh, charge, discharge);
      // Units branded where the view is made (core/units.ts): the strategy API's types carry them.
      return Object.freeze({
        agentId: m.id,
        kind: 'storage',
        demand: values.demand,
        supply: values.supply,
        socKwh: kwh(soc),
        minSocKwh: kwh(minSocKwh),
        maxSocKwh: kwh(maxSocKwh),
        capacityKwh: kwh(capacityKwh),
        maxChargeKw: kw(charge),
        maxDischargeKw: kw(discharge),
        ratedChargeKw: kw(battery.maxChargeKw),
        ratedDischargeKw: kw(battery.maxDischargeKw),
        chargeEfficiency: battery.chargeEfficiency,
        dischargeEfficiency: battery.dischargeEfficiency,
        degradationCostPerMwh: pricePerMwh(battery.degradationCostPerMwh),
      });
    };
    return {
      id: m.id,
      kind: 'storage',
      bus: m.bus,
      lifecycle,
      battery,
      status: () => ({ socKwh: soc, degradationCost: wear, throughputKwh: throughput }),
      bid(interval, market) {
        quantumKw = market.quantumKw;
        if (lifecycle.value === 'faulted') return EMPTY;
        const dt = interval.durationH;
        const charge: number = maxChargeKw(battery, kwh(soc), hours(dt));
        const discharge: number = maxDischargeKw(battery, kwh(soc), hours(dt));
        if (!(charge > 0) && !(discharge > 0)) return EMPTY;
        const planned = schedule.get(interval.index);
        if (planned !== undefined) return followSchedule(planned, charge, discharge, market);
        return strategy.bid(viewOf(charge, discharge, market), market);
      },
      settle(award) {
        const net = award.buyKw - award.sellKw;
        let applied = 0;
        settled = { socKwh: soc, wear, throughput, net };
        if (lifecycle.value !== 'faulted') {
          const step = stepBattery(battery, kwh(soc), kw(net), hours(award.interval.durationH));
          applied = step.gridKw;
          soc = step.socKwh;
          wear += step.degradationCost;
          throughput += step.throughputKwh;
        }
        const event = storageLifecycle(lifecycle.value, applied);
        if (event) lifecycle.send(event);
        obs = observation(net, applied);
        strategy.observe?.({ interval: award.interval, buyKw: award.buyKw, sellKw: award.sellKw, priceMwh: award.priceMwh });
      },
      // Spill curtailment (engine/interval/curtail.ts): it discharged `kwOff` less, so that energy is still stored.
      curtail(kwOff, interval) {
        const applied = -(obs.generatedKw ?? 0);
        if (!(kwOff > 0) || !(applied < 0)) return;
        const step = stepBattery(battery, kwh(settled.socKwh), kw(Math.min(0, applied + kwOff)), hours(interval.durationH));
        soc = step.socKwh;
        wear = settled.wear + step.degradationCost;
        throughput = settled.throughput + step.throughputKwh;
        const event = storageLifecycle(lifecycle.value, step.gridKw);
        if (event) lifecycle.send(event);
        obs = observation(settled.net, step.gridKw);
      },
      observe: () => obs,
      dayAheadAwarded(awarded) {
        for (const [index, netKw] of awarded) schedule.set(index, netKw);
      },
      /**
       * Day-ahead: the battery as one intertemporal bid over the delivery day, from its SoC at
       * the gate. The default: it must end the day where it starts (finalSocMinKwh = SoC now,
       * met below the price cap), stored energy beyond that is worth nothing, and its wear costs
       * its degradation rate, so it arbitrages the day's prices and no more. A strategy that
       * values the day itself (`Strategy.dayAheadValuation`: `mpc`) sets the end-of-day value
       * and SoC requirement instead, from its view at the gate and the day's forecast.
       */
      dayAhead(intervals, market) {
        if (lifecycle.value === 'faulted') return {};
        const base = { kind: 'storage' as const, ...battery, initialSocKwh: soc, finalSocMinKwh: soc, terminalValueMwh: 0 };
        const own = market && strategy.dayAheadValuation && intervals.length > 0 ? strategy.dayAheadValuation(viewOf(battery.maxChargeKw, battery.maxDischargeKw, market), market) : undefined;
        if (!own) return { intertemporal: base };
        const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
        return {
          intertemporal: {
            ...base,
            terminalValueMwh: market ? clamp(own.terminalValueMwh, market.priceFloorMwh, market.priceCapMwh) : own.terminalValueMwh,
            finalSocMinKwh: clamp(own.finalSocMinKwh, minSocKwh, Math.min(maxSocKwh, Math.max(soc, minSocKwh))),
          },
        };
      },
      // Operator commands: answered from SoC and limits (respond.ts); the change arrives with the award.
      responder: {
        respond: (command, plannedNetKw, interval) =>
          respondStorage({ battery, socKwh: soc, faulted: lifecycle.value === 'faulted', quantumKw }, command, plannedNetKw, interval.durationH),
      },
    };
  });
}
