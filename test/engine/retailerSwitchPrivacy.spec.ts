/**
 * Meter-data privacy when a customer changes retailer (`tariffChoice.among: every-retailer`) on a
 * communication plane: each retailer reads the customer's series for the days it supplied it, and
 * no other (docs/comms.md "Privacy in a run": "a customer it lost ... stays readable for the days it
 * billed"). h leaves r1 for r2 at the first day's close (test/tariffs/retailerSwitching.spec.ts):
 * r1 supplied it on 07-01, r2 on 07-02 and 07-03. Before the fix r1 read h's later days (authorised
 * for the whole run) and r2 its first (its retailer for the whole run), and the final settlement read
 * the first day's meter through r2's view.
 */
import { expect } from 'chai';
import { parseScenario } from '../../engine/scenario/load.ts';
import { Simulation } from '../../engine/simulation.ts';
import type { MdmsRunEnd } from '../../engine/interval/outcome.ts';
import type { OwnCustomersView } from '../../metering/privacy.ts';
import { fastPlaneYaml, twoRetailersYaml } from '../helpers/twoRetailers.ts';
import { privacyVerdict } from '../helpers/privacyVerdict.ts';

const YAML = twoRetailersYaml('every-retailer') + fastPlaneYaml(0.3);

const reason = privacyVerdict;

describe('meter-data privacy of a customer that changed retailer (on a plane)', function () {
  this.timeout(120_000);
  const DAY = 86_400_000;
  const T0 = Date.parse('2026-07-01T00:00:00Z');
  let end: MdmsRunEnd;
  before(async () => {
    const sim = await Simulation.create(parseScenario(YAML, 'two-retailers.yaml'));
    sim.run({ interval() {}, completed: (e) => void (end = e.settlement!) });
  });

  it('r1 reads h on the day it supplied it and not after; r2 on its days and not before', () => {
    const r1 = end.access.viewFor('r1') as OwnCustomersView;
    const r2 = end.access.viewFor('r2') as OwnCustomersView;
    expect(r1.customers).to.include('h');
    expect(r2.customers).to.include.members(['h', 'h2']);
    expect(reason(() => r1.customerSeries('h', T0, T0 + DAY))).to.equal('allowed');
    expect(reason(() => r1.customerSeries('h', T0 + DAY, T0 + 2 * DAY))).to.equal('outside-supply');
    expect(reason(() => r1.customerSeries('h', T0, T0 + 3 * DAY))).to.equal('outside-supply');
    expect(reason(() => r2.customerSeries('h', T0 + DAY, T0 + 3 * DAY))).to.equal('allowed');
    expect(reason(() => r2.customerSeries('h', T0, T0 + DAY))).to.equal('outside-supply');
    expect(reason(() => r2.customerSeries('h', T0 + DAY - 3_600_000, T0 + 2 * DAY))).to.equal('outside-supply');
    // A customer that never moved is read over the whole run by its retailer, as before.
    expect(reason(() => r2.customerSeries('h2', T0, T0 + 3 * DAY))).to.equal('allowed');
  });

  it('the final settlement reads each day of h through the retailer of that day and its books close', () => {
    expect(end.books).to.deep.equal([]);
    expect(end.final.quality.actual + end.final.quality.interpolated + end.final.quality.estimated + end.final.quality.missing).to.equal(3 * 72);
  });
});
