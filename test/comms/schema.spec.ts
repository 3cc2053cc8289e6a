import { expect } from 'chai';
import { APPLICATION_CLASSES, defaultClassParams, DOE_2010_REQUIREMENTS } from '../../comms/applicationClasses.ts';
import { parseCommsConfig, resolvePlane } from '../../comms/schema.ts';

const issues = (raw: unknown) => {
  const r = parseCommsConfig(raw);
  if (r.ok) throw new Error('expected validation errors');
  return r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('comms: scenario config', () => {
  it('defaults to ideal', () => {
    expect(parseCommsConfig(undefined)).to.deep.equal({ ok: true, config: 'ideal' });
    expect(parseCommsConfig('ideal')).to.deep.equal({ ok: true, config: 'ideal' });
  });

  it('fills every class from the DOE defaults and applies overrides', () => {
    const r = parseCommsConfig({ classes: { ami: { priority: 0, lossProbability: 0.05 } } });
    if (!r.ok || r.config === 'ideal') throw new Error('expected a plane');
    const p = resolvePlane(r.config);
    expect(Object.keys(p.classes)).to.have.members([...APPLICATION_CLASSES]);
    expect(p.classes.ami).to.include({ priority: 0, lossProbability: 0.05 });
    expect(p.classes['distribution-grid-management']).to.deep.equal(defaultClassParams('distribution-grid-management'));
    expect(p.classes['distribution-grid-management'].latency).to.deep.equal({ distribution: 'uniform', minMs: 100, maxMs: 2000 });
    expect(defaultClassParams('wide-area-situational-awareness').lossProbability).to.equal(0.00001);
    for (const c of APPLICATION_CLASSES) expect(defaultClassParams(c).lossProbability).to.equal(Number((1 - DOE_2010_REQUIREMENTS[c].reliability[0]).toFixed(12)));
  });

  it('a negative latency is a located error', () => {
    expect(issues({ classes: { ami: { latency: { distribution: 'fixed', ms: -5 } } } })).to.deep.equal(['comms.classes.ami.latency.ms: latency must be ≥ 0 ms (a delay cannot be negative)']);
    expect(issues({ classes: { ami: { latency: { distribution: 'uniform', minMs: -1, maxMs: 10 } } } })).to.deep.equal(['comms.classes.ami.latency.minMs: minMs must be ≥ 0 ms (a delay cannot be negative)']);
    expect(issues({ classes: { ami: { latency: { distribution: 'lognormal', medianMs: -3, sigma: 1 } } } })[0]).to.match(/^comms\.classes\.ami\.latency\.medianMs: medianMs must be > 0 ms/);
    expect(issues({ classes: { ami: { latency: { distribution: 'uniform', minMs: 20, maxMs: 10 } } } })).to.deep.equal(['comms.classes.ami.latency.maxMs: must be ≥ minMs']);
  });

  it('a loss probability outside [0, 1] is a located error', () => {
    expect(issues({ classes: { 'demand-response': { lossProbability: 1.5 } } })).to.deep.equal(['comms.classes.demand-response.lossProbability: a loss probability must lie in [0, 1]']);
    expect(issues({ classes: { 'demand-response': { lossProbability: -0.1 } } })).to.deep.equal(['comms.classes.demand-response.lossProbability: a loss probability must lie in [0, 1]']);
  });

  it('a link with zero capacity is a located error', () => {
    expect(issues({ links: [{ id: 'backhaul', capacityBitPerS: 0, referencePoints: ['RP2'] }] })[0]).to.match(/^comms\.links\[0\]\.capacityBitPerS: link capacity must be at least 1 bit\/s/);
  });

  it('an unknown reference point or class is a located error', () => {
    expect(issues({ links: [{ id: 'l', capacityBitPerS: 1000, referencePoints: ['RP2', 'RP7'] }] })).to.deep.equal(['comms.links[0].referencePoints[1]: unknown reference point; expected one of RP1, RP2, RP3, RP4, RP5']);
    expect(issues({ classes: { scada: { priority: 0 } } })[0]).to.match(/^comms\.classes\.scada: unknown application class \(known: wide-area-situational-awareness, .*\): 'scada'$/);
    expect(issues({ links: [{ id: 'l', capacityBitPerS: 1000, referencePoints: ['RP2'], classes: ['ami', 'metering'] }] })[0]).to.match(/^comms\.links\[0\]\.classes\[1\]: unknown application class/);
  });

  it('reports every problem at once, and ambiguous or duplicate links', () => {
    expect(issues({ classes: { ami: { lossProbability: 2, jitterMs: -1 } }, links: [{ id: 'l', capacityBitPerS: -1, referencePoints: ['RP2'] }] })).to.have.length(3);
    expect(issues({ links: [{ id: 'a', capacityBitPerS: 1, referencePoints: ['RP1'] }, { id: 'a', capacityBitPerS: 1, referencePoints: ['RP2'] }] })).to.deep.equal(["comms.links[1].id: duplicate link id 'a'"]);
    expect(issues({ links: [{ id: 'a', capacityBitPerS: 1, referencePoints: ['RP2'] }, { id: 'b', capacityBitPerS: 1, referencePoints: ['RP3', 'RP2'], classes: ['ami'] }] })).to.deep.equal([
      "comms.links[1]: ami traffic over RP2 is already carried by link 'a'",
    ]);
    expect(issues('perfect')).to.deep.equal(["comms: expected 'ideal' or a mapping with classes and links"]);
  });
});
