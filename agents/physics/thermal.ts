/**
 * First-order RC building model (one thermal node).
 *
 *   C · dT/dt = (T_out − T) / R + Q_hvac + Q_gains
 *
 * T indoor air temperature (°C), R envelope thermal resistance (°C/kW),
 * C thermal capacitance (kWh/°C), Q thermal power in kW (HVAC heating positive,
 * cooling negative; gains ≥ 0 usually). Time in hours, so R·C is the time constant
 * in hours.
 *
 * With inputs held constant over a step Δt the ODE has the exact solution
 *
 *   T(Δt) = T_ss + (T0 − T_ss) · a,   a = exp(−Δt / (R·C)),   T_ss = T_out + R·(Q_hvac + Q_gains)
 *
 * which is what every function here uses (never forward Euler, which overshoots
 * when Δt approaches R·C).
 *
 * HVAC: electric power P_el ≥ 0 (the kW the grid sees) delivers thermal power
 * COP_heat · P_el when heating and −COP_cool · P_el when cooling, up to the rated
 * electric kW. A COP of 0 means the unit cannot work in that direction.
 *
 * All functions are pure: plain numbers in, plain numbers or small frozen objects out.
 * Preconditions (checked once where parameters enter, see `thermalParamsProblems`):
 * R > 0, C > 0, rated kW ≥ 0, COPs ≥ 0. A step Δt ≤ 0 (or NaN) means "no time passes".
 */
import type { Celsius, Hours, Kw } from '../../core/units.ts';
import { celsius, kw } from '../../core/units.ts';

export interface RcParams {
  /** Envelope thermal resistance, °C per kW of heat flow (1 / UA). */
  readonly rCPerKw: number;
  /** Effective thermal capacitance of air, furniture and the inner layer of the structure, kWh per °C. */
  readonly cKwhPerC: number;
}

export interface HvacParams {
  /** Maximum electric input, kW. */
  readonly ratedElectricKw: Kw;
  /** Heating coefficient of performance (thermal kW per electric kW); 0 = cannot heat. */
  readonly copHeating: number;
  /** Cooling coefficient of performance; 0 = cannot cool. */
  readonly copCooling: number;
}

/** The indoor temperature range the occupants accept, inclusive. */
export interface ComfortBand {
  readonly lowC: Celsius;
  readonly highC: Celsius;
}

/** What acts on the building during one step, HVAC excepted. */
export interface ThermalConditions {
  /** Indoor temperature at the start of the step. */
  readonly indoorC: Celsius;
  /** Outdoor temperature, held constant over the step (use the interval mean). */
  readonly outdoorC: Celsius;
  /** Internal plus solar gains, thermal kW, held constant over the step. */
  readonly gainsKw: Kw;
}

/** An HVAC setting for one step. */
export interface HvacAction {
  /** Electric power drawn from the grid, kW, ≥ 0. */
  readonly electricKw: Kw;
  /** Thermal power delivered to the room, kW: > 0 heating, < 0 cooling. */
  readonly thermalKw: Kw;
}

export type HvacMode = 'heat' | 'cool' | 'auto';

export const HVAC_OFF: HvacAction = Object.freeze({ electricKw: kw(0), thermalKw: kw(0) });

/**
 * Typical single-family home: R = 2 °C/kW, C = 10 kWh/°C (time constant 20 h) and a
 * 14 kW-thermal unit with COP 2.5, the air-conditioner parameters of
 * D. S. Callaway, "Tapping the energy storage potential in electric loads to deliver
 * load following and regulation, with application to wind energy", Energy Conversion
 * and Management 50 (2009) 1389–1400, Table 1 (also used by Mathieu, Koch & Callaway,
 * IEEE Trans. Power Systems 28(1), 2013). Rated electric = 14 / 2.5 = 5.6 kW.
 * Heating COP 3.0 is our assumption for an air-source heat pump; PNNL's equivalent
 * thermal parameter tables list COPs of 2.6–3.5 by house vintage
 * (gridpiq.pnnl.gov, "Thermostatically Controlled Loads" virtual-battery notes).
 */
export const HOME_RC: RcParams = Object.freeze({ rCPerKw: 2, cKwhPerC: 10 });
export const HOME_HVAC: HvacParams = Object.freeze({ ratedElectricKw: kw(5.6), copHeating: 3.0, copCooling: 2.5 });

/**
 * Small office: the U.S. DOE Commercial Reference Building "Small Office" (511 m², one
 * storey, ASHRAE 90.1-2004; Deru et al. 2011, NREL/TP-5500-46861; EnergyPlus file
 * RefBldgSmallOfficeNew2004_Chicago.idf). C = 511 m² × 165 kJ/(m²·K) (the "medium"
 * class of ISO 13790:2008 Table 12) / 3600 = 23.4 kWh/°C. R = 1.25 °C/kW (UA ≈ 0.8 kW/K)
 * is our estimate from that building's envelope plus ventilation (28 people × 10 L/s);
 * calibrate it if you have metered data. Cooling COP 3.67 is the reference file's DX
 * coil; heating COP 3.0 assumes a heat pump (the reference heats with gas). Rated
 * 10 kW electric gives 36.7 kW of cooling, enough for the reference file's 31.2 °C
 * cooling design day (envelope (31.2 − 24)/1.25 = 5.8 kW plus ~16 kW of people, lights
 * and plugs plus sun, times its 1.2 sizing factor), and 30 kW of heating, which holds
 * 21 °C down to about −16 °C outdoors without gains.
 */
export const SMALL_OFFICE_RC: RcParams = Object.freeze({ rCPerKw: 1.25, cKwhPerC: 23.4 });
export const SMALL_OFFICE_HVAC: HvacParams = Object.freeze({ ratedElectricKw: kw(10), copHeating: 3.0, copCooling: 3.67 });

/**
 * Comfort bands. Home: 20–24 °C, roughly the winter comfort zone of ASHRAE
 * Standard 55 at typical clothing and humidity. Office: 21–24 °C while occupied
 * (common heating/cooling setpoints; our choice).
 */
export const HOME_COMFORT_BAND: ComfortBand = Object.freeze({ lowC: celsius(20), highC: celsius(24) });
export const OFFICE_COMFORT_BAND: ComfortBand = Object.freeze({ lowC: celsius(21), highC: celsius(24) });

/** R·C in hours: the time for a free-floating building to close 63 % of its gap to outdoors. */
export function timeConstantHours(rc: RcParams): Hours {
  return (rc.rCPerKw * rc.cKwhPerC) as Hours;
}

/** The temperature the room tends to with these inputs held forever: T_out + R·(Q_hvac + Q_gains). */
export function steadyStateC(rc: RcParams, outdoorC: Celsius, hvacThermalKw: Kw, gainsKw: Kw): Celsius {
  return celsius(outdoorC + rc.rCPerKw * (hvacThermalKw + gainsKw));
}

/**
 * Indoor temperature at the end of a step of `dtHours` with constant HVAC thermal power
 * (exact solution, see the file header). Δt ≤ 0 returns the start temperature.
 * Example: R = 2, C = 10, T0 = 21, T_out = 1, no HVAC or gains, Δt = 20 h →
 * 1 + 20·e^−1 = 8.3576 °C.
 */
export function nextIndoorC(rc: RcParams, cond: ThermalConditions, hvacThermalKw: Kw, dtHours: Hours): Celsius {
  if (!(dtHours > 0)) return cond.indoorC;
  const a = Math.exp(-dtHours / (rc.rCPerKw * rc.cKwhPerC));
  const tSs = cond.outdoorC + rc.rCPerKw * (hvacThermalKw + cond.gainsKw);
  return celsius(tSs + (cond.indoorC - tSs) * a);
}

/**
 * The constant thermal power (kW, signed, unclipped) that brings the room exactly to
 * `targetC` at the end of the step: invert T_end = T_ss + (T0 − T_ss)·a for T_ss, then
 * Q = (T_ss − T_out)/R − Q_gains. Δt ≤ 0 returns 0 (nothing can change in no time).
 * Small Δt needs large power; callers clip (see `hvacToReachC`).
 */
export function thermalKwToReachC(rc: RcParams, cond: ThermalConditions, targetC: Celsius, dtHours: Hours): Kw {
  if (!(dtHours > 0)) return kw(0);
  const oneMinusA = -Math.expm1(-dtHours / (rc.rCPerKw * rc.cKwhPerC)); // 1 − a, accurate for small Δt
  const tSs = (targetC - (1 - oneMinusA) * cond.indoorC) / oneMinusA;
  return kw((tSs - cond.outdoorC) / rc.rCPerKw - cond.gainsKw);
}

/**
 * The HVAC setting that reaches `targetC` by the end of the step, or gets as close as the
 * rated power allows. `mode` restricts the direction: with 'heat', a target that needs
 * cooling returns `HVAC_OFF` (the room would reach or pass the target on its own), and
 * likewise for 'cool'; 'auto' may do either. Holding a setpoint is the case
 * targetC = setpoint. Electric kW is |thermal| / COP, clipped to the rated electric kW;
 * a direction whose COP is 0 returns `HVAC_OFF`.
 */
export function hvacToReachC(
  rc: RcParams,
  hvac: HvacParams,
  cond: ThermalConditions,
  targetC: Celsius,
  dtHours: Hours,
  mode: HvacMode = 'auto',
): HvacAction {
  const q = thermalKwToReachC(rc, cond, targetC, dtHours);
  if (q > 0 && mode !== 'cool' && hvac.copHeating > 0) {
    const electric = Math.min(hvac.ratedElectricKw, q / hvac.copHeating);
    return { electricKw: kw(electric), thermalKw: kw(electric * hvac.copHeating) };
  }
  if (q < 0 && mode !== 'heat' && hvac.copCooling > 0) {
    const electric = Math.min(hvac.ratedElectricKw, -q / hvac.copCooling);
    return { electricKw: kw(electric), thermalKw: kw(-electric * hvac.copCooling) };
  }
  return HVAC_OFF;
}

/**
 * Minimum-energy comfort control for one step: if the free-floating room would end the
 * step inside `band`, returns `HVAC_OFF`; if it would end below, heats just enough to end
 * at `band.lowC`; above, cools just enough to end at `band.highC` (each clipped to the
 * rated power, so an undersized unit leaves the room outside the band).
 * If the unit can hold the band edges against the step's outdoor temperature and gains,
 * a room that starts inside the band stays inside it (tested).
 */
export function hvacForComfort(
  rc: RcParams,
  hvac: HvacParams,
  cond: ThermalConditions,
  band: ComfortBand,
  dtHours: Hours,
): HvacAction {
  const free = nextIndoorC(rc, cond, kw(0), dtHours);
  if (free < band.lowC) return hvacToReachC(rc, hvac, cond, band.lowC, dtHours, 'heat');
  if (free > band.highC) return hvacToReachC(rc, hvac, cond, band.highC, dtHours, 'cool');
  return HVAC_OFF;
}

/** Degrees outside the band (0 inside, including the edges). Multiply by hours for degree-hours. */
export function comfortViolationC(indoorC: Celsius, band: ComfortBand): number {
  return Math.max(0, band.lowC - indoorC, indoorC - band.highC);
}

/** True when the temperature is inside the band, widened by `toleranceC` on both sides. */
export function isComfortable(indoorC: Celsius, band: ComfortBand, toleranceC = 0): boolean {
  return indoorC >= band.lowC - toleranceC && indoorC <= band.highC + toleranceC;
}

/**
 * Sensible internal gains of a home, kW, with the residential formula of the ASHRAE
 * Handbook—Fundamentals (2009, ch. 17): Q = 136 + 2.2·A + 22·N watts, A conditioned floor
 * area in m², N occupants. Example: 150 m², 3 people → 0.532 kW.
 */
export function residentialInternalGainsKw(floorAreaM2: number, occupants: number): Kw {
  return kw((136 + 2.2 * floorAreaM2 + 22 * occupants) / 1000);
}

/** Problems with RC and HVAC parameters, as messages (empty when valid). For scenario validation. */
export function thermalParamsProblems(rc: RcParams, hvac?: HvacParams): string[] {
  const out: string[] = [];
  if (!(rc.rCPerKw > 0 && Number.isFinite(rc.rCPerKw))) out.push(`rCPerKw must be a positive number, got ${rc.rCPerKw}`);
  if (!(rc.cKwhPerC > 0 && Number.isFinite(rc.cKwhPerC))) out.push(`cKwhPerC must be a positive number, got ${rc.cKwhPerC}`);
  if (hvac !== undefined) {
    if (!(hvac.ratedElectricKw >= 0 && Number.isFinite(hvac.ratedElectricKw))) out.push(`ratedElectricKw must be ≥ 0, got ${hvac.ratedElectricKw}`);
    if (!(hvac.copHeating >= 0 && Number.isFinite(hvac.copHeating))) out.push(`copHeating must be ≥ 0, got ${hvac.copHeating}`);
    if (!(hvac.copCooling >= 0 && Number.isFinite(hvac.copCooling))) out.push(`copCooling must be ≥ 0, got ${hvac.copCooling}`);
  }
  return out;
}
