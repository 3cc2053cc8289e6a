import fc from 'fast-check';
import { celsius, hours, kw } from '../../core/units.ts';
import {
  HOME_HVAC,
  HOME_RC,
  HVAC_OFF,
  comfortViolationC,
  hvacForComfort,
  hvacToReachC,
  isComfortable,
  nextIndoorC,
  residentialInternalGainsKw,
  steadyStateC,
  thermalKwToReachC,
  thermalParamsProblems,
  timeConstantHours,
  type ComfortBand,
  type HvacParams,
  type RcParams,
} from '../../agents/physics/thermal.ts';
import { expect } from 'chai';

// R = 2 °C/kW, C = 10 kWh/°C: time constant R·C = 20 h.
const rc: RcParams = { rCPerKw: 2, cKwhPerC: 10 };
const cond = (indoorC: number, outdoorC: number, gainsKw = 0) => ({
  indoorC: celsius(indoorC),
  outdoorC: celsius(outdoorC),
  gainsKw: kw(gainsKw),
});

describe('physics/thermal: RC step response', () => {
  it('has time constant R·C = 20 h', () => {
    expect(timeConstantHours(rc)).to.equal(20);
  });

  it('closes the gap to outdoors to e^−1 after one time constant (21 °C in, 1 °C out, 20 h)', () => {
    // T = 1 + (21 − 1)·e^−1 = 8.357588823…
    const t = nextIndoorC(rc, cond(21, 1), kw(0), hours(20));
    expect(t).to.be.closeTo(8.357588823, 1e-9);
    expect((t - 1) / (21 - 1)).to.be.closeTo(Math.exp(-1), 1e-12);
  });

  it('is exact, so 80 quarter-hour steps equal one 20 h step', () => {
    let t = celsius(21);
    for (let i = 0; i < 80; i++) t = nextIndoorC(rc, cond(t, 1), kw(0), hours(0.25));
    expect(t).to.be.closeTo(8.357588823, 1e-9);
  });

  it('settles at T_out + R·Q with constant HVAC power (3 kW heating, 1 °C out → 7 °C)', () => {
    expect(steadyStateC(rc, celsius(1), kw(3), kw(0))).to.equal(7);
    // after 10 time constants: 7 + 14·e^−10 = 7.000635…
    expect(nextIndoorC(rc, cond(21, 1), kw(3), hours(200))).to.be.closeTo(7 + 14 * Math.exp(-10), 1e-9);
  });

  it('matches a hand-computed quarter hour: T0 20, out 0, HVAC 5 kW, gains 0.5 kW', () => {
    // T_ss = 0 + 2·(5 + 0.5) = 11; a = exp(−0.25/20) = 0.987577800; T = 11 + 9·a = 19.888200204
    expect(nextIndoorC(rc, cond(20, 0, 0.5), kw(5), hours(0.25))).to.be.closeTo(19.888200204, 1e-9);
  });

  it('returns the start temperature for a zero or negative step', () => {
    expect(nextIndoorC(rc, cond(20, 0), kw(5), hours(0))).to.equal(20);
    expect(nextIndoorC(rc, cond(20, 0), kw(5), hours(-1))).to.equal(20);
  });
});

describe('physics/thermal: HVAC power for a target', () => {
  const hvac: HvacParams = { ratedElectricKw: kw(5.6), copHeating: 3, copCooling: 2.5 };

  it('inverts the step: the thermal power it returns lands exactly on the target', () => {
    const c = cond(19, -5, 0.4);
    const q = thermalKwToReachC(rc, c, celsius(21), hours(0.25));
    expect(nextIndoorC(rc, c, q, hours(0.25))).to.be.closeTo(21, 1e-9);
  });

  it('holds a 21 °C setpoint at 1 °C outdoors with (21 − 1)/R = 10 kW thermal = 3.333 kW electric', () => {
    const a = hvacToReachC(rc, hvac, cond(21, 1), celsius(21), hours(0.25), 'heat');
    expect(a.thermalKw).to.be.closeTo(10, 1e-9);
    expect(a.electricKw).to.be.closeTo(10 / 3, 1e-9);
  });

  it('clips to the rated electric kW (−30 °C out needs 25.5 kW thermal; 5.6 kW × COP 3 = 16.8)', () => {
    const a = hvacToReachC(rc, hvac, cond(21, -30), celsius(21), hours(0.25), 'heat');
    expect(a.electricKw).to.equal(5.6);
    expect(a.thermalKw).to.be.closeTo(16.8, 1e-12);
  });

  it('cools with a negative thermal power and a positive electric power', () => {
    // hold 24 °C at 34 °C outdoors with 1 kW gains: Q = (24 − 34)/2 − 1 = −6 kW; electric 6/2.5 = 2.4 kW
    const a = hvacToReachC(rc, hvac, cond(24, 34, 1), celsius(24), hours(0.25), 'cool');
    expect(a.thermalKw).to.be.closeTo(-6, 1e-9);
    expect(a.electricKw).to.be.closeTo(2.4, 1e-9);
  });

  it('returns 0 when no conditioning in the allowed direction is needed', () => {
    // the room would overshoot 21 °C on its own (30 °C outdoors): heating mode does nothing
    expect(hvacToReachC(rc, hvac, cond(21, 30), celsius(21), hours(0.25), 'heat')).to.equal(HVAC_OFF);
    expect(hvacToReachC(rc, hvac, cond(21, 0), celsius(21), hours(0.25), 'cool')).to.equal(HVAC_OFF);
    expect(hvacToReachC(rc, { ...hvac, copHeating: 0 }, cond(21, 0), celsius(21), hours(0.25))).to.equal(HVAC_OFF);
    expect(hvacToReachC(rc, hvac, cond(21, 0), celsius(25), hours(0))).to.equal(HVAC_OFF);
  });
});

describe('physics/thermal: comfort band', () => {
  const band: ComfortBand = { lowC: celsius(20), highC: celsius(24) };

  it('measures degrees outside the band, 0 inside and at the edges', () => {
    expect(comfortViolationC(celsius(22), band)).to.equal(0);
    expect(comfortViolationC(celsius(20), band)).to.equal(0);
    expect(comfortViolationC(celsius(19), band)).to.equal(1);
    expect(comfortViolationC(celsius(25.5), band)).to.equal(1.5);
    expect(isComfortable(celsius(24.05), band)).to.equal(false);
    expect(isComfortable(celsius(24.05), band, 0.1)).to.equal(true);
  });

  it('does nothing while the free-floating room stays inside the band', () => {
    expect(hvacForComfort(rc, HOME_HVAC, cond(22, 20), band, hours(0.25))).to.equal(HVAC_OFF);
  });

  it('heats to exactly the lower edge when the room would drop below it', () => {
    const c = cond(20, -5);
    const a = hvacForComfort(rc, HOME_HVAC, c, band, hours(0.25));
    expect(a.thermalKw).to.be.above(0);
    expect(nextIndoorC(rc, c, a.thermalKw, hours(0.25))).to.be.closeTo(20, 1e-9);
  });

  it('keeps the room inside the band at every step when the HVAC can hold the edges (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          r: fc.double({ min: 0.5, max: 5, noNaN: true }),
          c: fc.double({ min: 2, max: 40, noNaN: true }),
          low: fc.double({ min: 17, max: 22, noNaN: true }),
          width: fc.double({ min: 0.5, max: 5, noNaN: true }),
          dt: fc.constantFrom(0.25, 0.5, 1),
          copH: fc.double({ min: 1, max: 5, noNaN: true }),
          copC: fc.double({ min: 1, max: 5, noNaN: true }),
          start: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        fc.array(
          fc.record({ out: fc.double({ min: -15, max: 40, noNaN: true }), gains: fc.double({ min: 0, max: 3, noNaN: true }) }),
          { minLength: 1, maxLength: 96 },
        ),
        (p, weather) => {
          const rcp: RcParams = { rCPerKw: p.r, cKwhPerC: p.c };
          const b: ComfortBand = { lowC: celsius(p.low), highC: celsius(p.low + p.width) };
          // size the unit to hold the band edges against the worst weather allowed above
          const heatKw = (b.lowC + 15) / p.r; // lowest outdoor −15 °C, no gains
          const coolKw = 3 + (40 - b.highC) / p.r; // hottest 40 °C, 3 kW gains
          const hv: HvacParams = {
            ratedElectricKw: kw(1.001 * Math.max(heatKw / p.copH, coolKw / p.copC)),
            copHeating: p.copH,
            copCooling: p.copC,
          };
          let t = celsius(b.lowC + p.start * p.width);
          for (const w of weather) {
            const c = cond(t, w.out, w.gains);
            const a = hvacForComfort(rcp, hv, c, b, hours(p.dt));
            expect(a.electricKw).to.be.at.most(hv.ratedElectricKw);
            t = nextIndoorC(rcp, c, a.thermalKw, hours(p.dt));
            expect(isComfortable(t, b, 1e-9), `T = ${t}`).to.equal(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('physics/thermal: parameters', () => {
  it('computes ASHRAE residential internal gains: 150 m², 3 people → 136 + 330 + 66 W', () => {
    expect(residentialInternalGainsKw(150, 3)).to.be.closeTo(0.532, 1e-12);
  });

  it('accepts the published defaults and names bad values', () => {
    expect(thermalParamsProblems(HOME_RC, HOME_HVAC)).to.deep.equal([]);
    const problems = thermalParamsProblems({ rCPerKw: 0, cKwhPerC: Number.NaN }, { ...HOME_HVAC, copCooling: -1 });
    expect(problems.length).to.equal(3);
  });
});
