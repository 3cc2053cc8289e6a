/**
 * A building at run time: parameters drawn once, the per-interval round (bid →
 * settle → observe). The schedule, loads and weather are the same for every
 * building of a group in an interval: `BuildingGroupContext` computes them once.
 */
import type { Rng } from '../../core/rng.ts';
import { MS_PER_HOUR, type SimTime } from '../../core/time.ts';
import { type AgentId, type BusId, type Celsius, hours, type Kw, kw } from '../../core/units.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { BidSegment } from '../../market/types.ts';
import type { BuildingNeed, BuildingView } from '../../strategies/building/view.ts';
import type { HvacView } from '../../strategies/home/view.ts';
import { strategyFor } from '../../strategies/registry.ts';
import type { MarketView, Strategy, ValueSegment } from '../../strategies/types.ts';
import { type GroupMember, groupMembers } from '../group.ts';
import { clampSetpointC, COMFORT_INSET_C, comfortMarginC, farEdgeC, type HvacUnit, nearEdgeC, Room, violationDegH } from '../physics/hvac.ts';
import { AWARD_TOLERANCE_KW } from '../flexibility/allocate.ts';
import { NeedList } from '../flexibility/needs.ts';
import {
  dayTypeOf,
  isOfficeOccupied,
  officeInternalGainsKw,
  officeLightingKw,
  officeOccupancy,
  officePlugKw,
  type OfficeLoadParams,
  SMALL_OFFICE_LOADS,
} from '../physics/loadProfile.ts';
import { localHourOfDay } from '../physics/localTime.ts';
import { type ComfortBand, SMALL_OFFICE_HVAC, SMALL_OFFICE_RC } from '../physics/thermal.ts';
import type { AgentEnv, AgentObservation, AgentRuntime, Award, CommandResponder, CommandResponse, OperatorCommand } from '../types.ts';
import { B_BASE, B_DIM, B_HVAC, B_PRECONDITION, B_RELAX, BUILDING_NEEDS, buildingCurve, type BuildingCurve, pushBuildingNeeds } from './curve.ts';
import type { BuildingGroup } from './schema.ts';
import { buildingLifecycle, buildingMachine } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';
import { buildingNeedProtected, respondBuilding } from './respond.ts';
import { needShares } from '../flexibility/shed.ts';

const NO_SUPPLY: readonly ValueSegment[] = Object.freeze([]);
const NO_BID: readonly BidSegment[] = Object.freeze([]);

/** Every building's machine: shared snapshots and steps (agents/lifecycle.ts). */
const BUILDING_MODEL = new MachineModel(buildingMachine);
const REFERENCE_AREA_M2 = SMALL_OFFICE_LOADS.floorAreaM2;
const REFERENCE_APERTURE_M2 = 8;

/** What every building of a group shares in an interval. */
export class BuildingGroupContext {
  t = NaN;
  occupancy = 0;
  /** Occupied now: comfort counts. */
  occupied = false;
  /** Occupied now or within the start-up hours: the occupied band is in force. */
  comfortMode = false;
  lightingKw = 0;
  plugKw = 0;
  outdoorC = 0;
  ghiWm2 = 0;
  readonly loads: OfficeLoadParams;
  readonly occupiedBand: ComfortBand;
  readonly unoccupiedBand: ComfortBand;

  constructor(
    readonly group: BuildingGroup,
    readonly env: AgentEnv,
  ) {
    this.loads = Object.freeze({ ...SMALL_OFFICE_LOADS, floorAreaM2: group.floorAreaM2, lightingWPerM2: group.loads.lightingWPerM2, plugWPerM2: group.loads.plugWPerM2 });
    const c = group.comfort;
    this.occupiedBand = Object.freeze({ lowC: c.occupiedBand.lowC as Celsius, highC: c.occupiedBand.highC as Celsius });
    this.unoccupiedBand = Object.freeze({ lowC: c.unoccupiedBand.lowC as Celsius, highC: c.unoccupiedBand.highC as Celsius });
  }

  at(interval: MarketInterval): void {
    if (interval.start === this.t) return;
    this.t = interval.start;
    const off = this.env.site.zone;
    const stepMs = interval.durationH * MS_PER_HOUR;
    const mid = interval.start + stepMs / 2;
    const { occupancyThreshold, startupHours } = this.group.comfort;
    const hour = localHourOfDay(mid as SimTime, off);
    const holidays = this.env.environment.holidays;
    const day = dayTypeOf(mid as SimTime, off, holidays);
    this.occupancy = officeOccupancy(hour, day);
    this.occupied = this.occupancy >= occupancyThreshold;
    let soon = this.occupied;
    const ahead = Math.ceil(startupHours / interval.durationH - 1e-9);
    for (let k = 1; k <= ahead && !soon; k++) {
      const t = (mid + k * stepMs) as SimTime;
      soon = isOfficeOccupied(localHourOfDay(t, off), dayTypeOf(t, off, holidays), occupancyThreshold);
    }
    this.comfortMode = soon;
    this.lightingKw = officeLightingKw(this.loads, hour, day);
    this.plugKw = officePlugKw(this.loads, hour, day);
    const w = this.env.environment.at(interval.start, interval.durationH);
    this.outdoorC = w.outdoorC;
    this.ghiWm2 = w.ghiWm2;
  }
}

export interface BuildingThermal {
  readonly unit: HvacUnit;
  readonly setpointC: number;
  readonly apertureM2: number;
  readonly initialC: number;
}

/** Draws a building's thermal parameters (stream 'hvac': R, C, rating, setpoint — always all four). */
export function drawBuildingThermal(group: BuildingGroup, occupiedBand: ComfortBand, rng: Rng): BuildingThermal {
  const h = group.hvac;
  const scale = group.floorAreaM2 / REFERENCE_AREA_M2;
  const r = (h.rCPerKw ?? SMALL_OFFICE_RC.rCPerKw / scale) * rng.logNormal(1, h.paramSigma);
  const c = (h.cKwhPerC ?? SMALL_OFFICE_RC.cKwhPerC * scale) * rng.logNormal(1, h.paramSigma);
  const rated = (h.ratedElectricKw ?? SMALL_OFFICE_HVAC.ratedElectricKw * scale) * rng.logNormal(1, h.paramSigma);
  const cmf = group.comfort;
  const setpoint = clampSetpointC(occupiedBand, rng.normal(cmf.setpointC ?? (occupiedBand.lowC + occupiedBand.highC) / 2, cmf.setpointSdC));
  return Object.freeze({
    unit: Object.freeze({
      rc: Object.freeze({ rCPerKw: r, cKwhPerC: c }),
      hvac: Object.freeze({ ratedElectricKw: rated as Kw, copCooling: h.copCooling, copHeating: h.copHeating }),
      mode: h.mode,
    }),
    setpointC: setpoint,
    apertureM2: h.solarApertureM2 ?? REFERENCE_APERTURE_M2 * scale,
    initialC: group.initialIndoorC ?? setpoint,
  });
}

export function createBuildings(group: BuildingGroup, env: AgentEnv): AgentRuntime[] {
  const strategy = strategyFor<BuildingView>(group.strategy, 'building-forecast', env.reportStrategyFault);
  const ctx = new BuildingGroupContext(group, env);
  return groupMembers(group, env.defaultBus).map((m) => new BuildingAgent(m, ctx, strategy));
}

export class BuildingAgent implements AgentRuntime {
  readonly id: AgentId;
  readonly kind = 'building';
  readonly bus: BusId;
  readonly lifecycle: Lifecycle<typeof buildingMachine>;
  readonly thermal: BuildingThermal;
  /** Operator commands: the building answers them itself (`respond`). */
  readonly responder: CommandResponder = this;
  private readonly room: Room;
  private readonly needs: NeedList<BuildingNeed>;
  private readonly served = new Float64Array(BUILDING_NEEDS.length);
  private curve: BuildingCurve | undefined;
  private indoorC: number;
  private baselineIndoorC: number;
  private comfortDegH = 0;
  private baselineKw = 0;
  private unservedKwh = 0;
  /** What the building drew this interval (its meter), kW. */
  private consumedKw = 0;
  /** Plug load served this interval, kW: what load shedding may take (engine/interval/shed.ts). */
  private sheddableKw = 0;
  /** Dimmable lighting and HVAC served this interval, kW: what load shedding may take once the plug load is gone. */
  private deviceSheddableKw = 0;
  /** What load shedding recomputes the room's step from: the indoor temperature at the interval's start, the lighting dimmed (kW) and the HVAC power served. */
  private startC = 0;
  private dimmedKw = 0;
  private hvacKw = 0;
  /** The market's quantity step, from the last market view (awards come in whole steps). */
  private quantumKw = AWARD_TOLERANCE_KW;

  constructor(
    m: GroupMember,
    private readonly ctx: BuildingGroupContext,
    private readonly strategy: Strategy<BuildingView>,
  ) {
    this.id = m.id;
    this.bus = m.bus;
    this.thermal = drawBuildingThermal(ctx.group, ctx.occupiedBand, ctx.env.random.stream(m.id, 'hvac'));
    this.room = new Room(this.thermal.unit);
    // Base, HVAC, precondition, and per curtailable block at most one HVAC and one lighting part.
    this.needs = new NeedList<BuildingNeed>(BUILDING_NEEDS, 3 + 2 * (ctx.group.curtailable?.blocks ?? 1));
    this.indoorC = this.baselineIndoorC = this.thermal.initialC;
    this.band = ctx.occupiedBand;
    this.lifecycle = new Lifecycle(BUILDING_MODEL);
  }

  /** Band, setpoint, relaxation and pre-conditioning target in force this interval (set by `updateTargets`). */
  private band: ComfortBand;
  private setpointC = 0;
  private relaxC = 0;
  private preconditionTargetC = 0;

  private updateTargets(): void {
    const ctx = this.ctx;
    const mode = this.thermal.unit.mode;
    const inward = mode === 'cool' ? -COMFORT_INSET_C : COMFORT_INSET_C;
    if (ctx.comfortMode) {
      this.band = ctx.occupiedBand;
      this.setpointC = this.thermal.setpointC;
      this.relaxC = ctx.group.curtailable?.relaxC ?? 0;
      this.preconditionTargetC = farEdgeC(mode, ctx.occupiedBand) - inward;
    } else {
      // Setback: hold the near edge of the wide band; pre-condition at most to the occupied setpoint.
      this.band = ctx.unoccupiedBand;
      this.setpointC = nearEdgeC(mode, ctx.unoccupiedBand) + inward;
      this.relaxC = 0;
      this.preconditionTargetC = this.thermal.setpointC;
    }
  }

  /** Internal plus solar gains, kW, with the lighting dimmed by `dimming` (1 = full). */
  private gainsKw(dimming: number): number {
    const ctx = this.ctx;
    return officeInternalGainsKw(ctx.loads, ctx.occupancy, ctx.lightingKw * Math.max(0, dimming), ctx.plugKw) + (ctx.ghiWm2 > 0 ? (this.thermal.apertureM2 * ctx.ghiWm2) / 1000 : 0);
  }

  bid(interval: MarketInterval, market: MarketView): readonly BidSegment[] {
    return this.bidTo(interval, market, false);
  }

  /** Its bidding code crashed (`AgentRuntime.prepareOwnControl`): the interval's needs, no bid. */
  prepareOwnControl(interval: MarketInterval, market: MarketView): void {
    this.bidTo(interval, market, true);
  }

  /** The interval's round of bidding: the needs, then (unless `needsOnly`: its own control after a crash) the bid. */
  private bidTo(interval: MarketInterval, market: MarketView, needsOnly: boolean): readonly BidSegment[] {
    const ctx = this.ctx;
    ctx.at(interval);
    this.quantumKw = market.quantumKw;
    const th = this.thermal;
    const contract = ctx.group.curtailable;
    this.updateTargets();
    const maxDimming = contract?.maxDimming ?? 0;
    // Whether lighting will be dimmed is known only after the award: the curve takes, for each target, the
    // gains that make it hardest to respect the band — full lighting against the near edge when cooling
    // (dimmed when heating), the other way round for the far edge that pre-conditioning must not pass.
    const full = this.gainsKw(1);
    const dimmed = maxDimming > 0 ? this.gainsKw(1 - maxDimming) : full;
    const cool = th.unit.mode === 'cool';
    const c = buildingCurve({
      room: this.room.step(interval.durationH),
      band: this.band,
      setpointC: this.setpointC,
      relaxC: this.relaxC,
      preconditionTargetC: this.preconditionTargetC,
      indoorC: this.indoorC,
      outdoorC: ctx.outdoorC,
      gainsKw: cool ? full : dimmed,
      farGainsKw: cool ? dimmed : full,
      lightingKw: ctx.lightingKw,
      plugKw: ctx.plugKw,
      maxDimming,
      contractKw: contract?.contractKw ?? 0,
    });
    this.curve = c;
    const needs = this.needs;
    needs.reset();
    pushBuildingNeeds(needs, c, market.priceCapMwh, contract?.blocks ?? 1, contract?.valueMwh.min ?? 0, contract?.valueMwh.max ?? 0);
    needs.sortByValue();
    if (needsOnly || this.lifecycle.value === 'faulted') return NO_BID;
    const { demand, needs: kinds } = needs.demandView();
    const hvac: HvacView = Object.freeze({
      mode: th.unit.mode,
      indoorC: this.indoorC,
      outdoorC: ctx.outdoorC,
      band: this.band,
      setpointC: this.setpointC,
      marginC: comfortMarginC(th.unit.mode, this.band, this.indoorC),
      timeConstantH: hours(this.room.tauH),
      ratedKw: kw(this.room.ratedKw),
    });
    const view: BuildingView = Object.freeze({
      agentId: this.id,
      kind: 'building',
      demand,
      supply: NO_SUPPLY,
      needs: kinds,
      occupied: ctx.comfortMode,
      hvac,
      contractKw: kw(contract?.contractKw ?? 0),
      curtailableKw: kw(c.hvacCurtailableKw + c.dimmableKw),
      desiredKw: kw(c.baseKw + c.dimmableKw + c.setpointKw),
      inelasticKw: kw(c.baseKw + c.hvacMustKw),
    });
    const segments = this.strategy.bid(view, market);
    needs.takeBidPrices(segments);
    return segments;
  }

  settle(award: Award): void {
    const ctx = this.ctx;
    const dtH = award.interval.durationH;
    const needs = this.needs;
    const c = this.curve!;
    const faulted = this.lifecycle.value === 'faulted';
    // No position (its bid never reached the book): its own control — plug load, full lighting, the
    // thermostat holding the setpoint in force, no preconditioning; a command still changes that by
    // the building's own priorities (docs/markets.md, "No position").
    const own = !faulted && award.ownControl === true;
    if (own && award.commandedKw === undefined) this.consumedKw = needs.serveWanted();
    else {
      const bought = faulted ? 0 : own ? Math.max(0, needs.wantedKw() + award.commandedKw!) : award.buyKw;
      // What it could not use it does not draw.
      this.consumedKw = Math.max(0, bought - needs.allocate(bought, this.quantumKw));
    }
    const served = this.served;
    needs.sumServed(served);
    const baseShort = c.baseKw - served[B_BASE]!;
    const dimmedKw = c.dimmableKw - served[B_DIM]!;
    const lighting = ctx.lightingKw;
    const dimming = lighting > 0 ? Math.max(0, (lighting - dimmedKw) / lighting) : 1;
    const hvacKw = served[B_HVAC]! + served[B_RELAX]! + served[B_PRECONDITION]!;
    const room = this.room.step(dtH);
    const start = this.indoorC;
    this.startC = start;
    this.dimmedKw = dimmedKw;
    this.hvacKw = hvacKw;
    this.indoorC = room.endC(start, ctx.outdoorC, this.gainsKw(dimming), hvacKw);
    this.comfortDegH = ctx.occupied ? violationDegH(ctx.occupiedBand, start, this.indoorC, dtH) : 0;
    // The no-price-response counterfactual: full lighting, the thermostat holding the setpoint in force.
    const fullGains = this.gainsKw(1);
    const b0 = this.baselineIndoorC;
    const baseHvac = room.electricToReach(b0, ctx.outdoorC, fullGains, this.setpointC);
    this.baselineIndoorC = room.endC(b0, ctx.outdoorC, fullGains, baseHvac);
    this.baselineKw = ctx.plugKw + lighting + baseHvac;
    this.unservedKwh = baseShort > AWARD_TOLERANCE_KW ? baseShort * dtH : 0;
    // Its plug load can be shed: the room's gains follow the plug profile whether it is served or not, as above.
    this.sheddableKw = Math.min(served[B_BASE]!, this.consumedKw);
    this.deviceSheddableKw = Math.max(0, this.consumedKw - this.sheddableKw);
    const event = buildingLifecycle(this.lifecycle.value, ctx.occupied, needs.shortKw(), award.commandedKw);
    if (event) this.lifecycle.send(event);
  }

  /** Its own control (`settle` with `Award.ownControl`): every need wanted now. */
  ownControlKw(): { consumedKw: number; generatedKw: number } {
    return { consumedKw: this.lifecycle.value === 'faulted' ? 0 : this.needs.wantedKw(), generatedKw: 0 };
  }

  observe(): AgentObservation {
    return {
      state: this.lifecycle.value,
      indoorTempC: this.indoorC,
      comfortViolationDegH: this.comfortDegH,
      baselineKw: this.baselineKw,
      unservedKwh: this.unservedKwh,
      consumedKw: this.consumedKw,
      generatedKw: 0,
      sheddableKw: this.sheddableKw,
      deviceSheddableKw: this.deviceSheddableKw,
    };
  }

  /**
   * Load shedding took `kw` of what it consumed (engine/interval/shed.ts): its plug load first
   * (the room's gains follow the plug profile whether it is served or not, as in `settle`); the
   * rest off its dimmable lighting and HVAC alike, each keeping the same share of what it drew:
   * the room's step is recomputed with the lighting dimmed further (less gain) and the HVAC
   * power delivered, so its indoor temperature and comfort violation follow them. All of it is
   * energy the building went without (`unservedKwh`). Its lifecycle state stays what the award made it.
   */
  shed(kw: number, interval: MarketInterval): void {
    const fromPlug = Math.min(kw, this.sheddableKw);
    this.sheddableKw -= fromPlug;
    const devices = this.deviceSheddableKw;
    const fromDevices = Math.min(kw - fromPlug, devices);
    if (fromDevices > 0) {
      const ctx = this.ctx;
      const dtH = interval.durationH;
      const keep = 1 - fromDevices / devices;
      this.deviceSheddableKw = devices - fromDevices;
      const lighting = ctx.lightingKw;
      // Of the devices: the dimmable lighting still lit (what `settle` did not dim) and the HVAC.
      const litKw = Math.max(0, devices - this.hvacKw);
      this.dimmedKw += litKw * (1 - keep);
      this.hvacKw *= keep;
      const dimming = lighting > 0 ? Math.max(0, (lighting - this.dimmedKw) / lighting) : 1;
      const start = this.startC;
      this.indoorC = this.room.step(dtH).endC(start, ctx.outdoorC, this.gainsKw(dimming), this.hvacKw);
      this.comfortDegH = ctx.occupied ? violationDegH(ctx.occupiedBand, start, this.indoorC, dtH) : 0;
    }
    this.consumedKw = Math.max(0, this.consumedKw - kw);
    this.unservedKwh += kw * interval.durationH;
  }

  /** An operator's command, answered from this interval's needs, contract and room (rules in respond.ts); changes nothing. */
  respond(command: OperatorCommand, plannedNetKw: number): CommandResponse {
    const needs = needShares(this.needs, buildingNeedProtected);
    const room = { mode: this.thermal.unit.mode, indoorC: this.indoorC, band: this.band };
    const state = { faulted: this.lifecycle.value === 'faulted', contractKw: this.ctx.group.curtailable?.contractKw, comfortMode: this.ctx.comfortMode, needs, quantumKw: this.quantumKw, room };
    return respondBuilding(state, command, plannedNetKw);
  }

  /** Physical state for tests (plain data). */
  inspect(): { indoorC: number; baselineIndoorC: number; curve: BuildingCurve | undefined } {
    return { indoorC: this.indoorC, baselineIndoorC: this.baselineIndoorC, curve: this.curve };
  }
}
