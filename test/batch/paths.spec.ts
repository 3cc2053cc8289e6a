import { expect } from 'chai';
import fc from 'fast-check';
import { applyOverride, formatConcrete, OverrideError, parseOverridePath, pathWithin } from '../../batch/paths.ts';

const scenario = (): Record<string, unknown> => ({
  name: 's',
  market: { pricing: 'uniform' },
  agents: [
    { kind: 'generator', id: 'ccgt', offers: [{ kw: 1, priceMwh: 2 }] },
    { kind: 'home', idPrefix: 'home', count: 3, flexibility: { share: 0.25 } },
  ],
});

describe('batch: override paths', () => {
  it('parses keys, positions and names', () => {
    expect(parseOverridePath('market.pricing')).to.deep.equal([{ key: 'market' }, { key: 'pricing' }]);
    expect(parseOverridePath('agents[1].flexibility.share')).to.deep.equal([{ key: 'agents' }, { index: 1 }, { key: 'flexibility' }, { key: 'share' }]);
    expect(parseOverridePath('agents[home].strategy')).to.deep.equal([{ key: 'agents' }, { select: 'home' }, { key: 'strategy' }]);
    expect(parseOverridePath('network.lines[l-1:2].limitKw')).to.deep.equal([{ key: 'network' }, { key: 'lines' }, { select: 'l-1:2' }, { key: 'limitKw' }]);
  });

  it('says why a path is not one', () => {
    expect(parseOverridePath('')).to.equal('an empty path');
    expect(parseOverridePath('market..pricing')).to.match(/expected a key at '.pricing'/);
    expect(parseOverridePath('agents[1')).to.match(/without a closing/);
    expect(parseOverridePath('agents[]')).to.match(/empty \[\]/);
    expect(parseOverridePath('agents[1]x')).to.match(/unexpected 'x'/);
  });

  it('sets a value by position or by id/idPrefix, and returns the concrete path', () => {
    const s = scenario();
    expect(applyOverride(s, parseOverridePath('agents[home].flexibility.share') as never, 0.1)).to.deep.equal(['agents', 1, 'flexibility', 'share']);
    expect(applyOverride(s, parseOverridePath('agents[0].offers[0].kw') as never, 5)).to.deep.equal(['agents', 0, 'offers', 0, 'kw']);
    expect((s.agents as Array<Record<string, any>>)[1]!.flexibility.share).to.equal(0.1);
    expect((s.agents as Array<Record<string, any>>)[0]!.offers[0].kw).to.equal(5);
  });

  it('creates missing mappings, removes a key with null, and never shares the value', () => {
    const s = scenario();
    const value = { id: 'markup', params: { markup: 0.1 } };
    applyOverride(s, parseOverridePath('forecast.noise.sd') as never, 3);
    applyOverride(s, parseOverridePath('agents[home].strategy') as never, value);
    applyOverride(s, parseOverridePath('market.pricing') as never, null);
    expect(s.forecast).to.deep.equal({ noise: { sd: 3 } });
    expect(s.market).to.deep.equal({});
    value.params.markup = 9;
    expect((s.agents as Array<Record<string, any>>)[1]!.strategy.params.markup).to.equal(0.1);
  });

  it('fails with a reason when the path does not fit the scenario', () => {
    const cases: Array<[string, RegExp]> = [
      ['agents[5].count', /agents has 2 entries; there is no \[5\]/],
      ['agents[heat-pumps].count', /agents has no entry with id, idPrefix or name 'heat-pumps' \(there are: ccgt, home\)/],
      ['name.first', /name is the value "s", not a mapping with key 'first'/],
      ['market[0]', /market is a mapping, not a list/],
      ['agents[0]', /a list entry cannot be removed/],
    ];
    for (const [path, message] of cases) {
      const value = path === 'agents[0]' ? null : 1;
      expect(() => applyOverride(scenario(), parseOverridePath(path) as never, value), path).to.throw(OverrideError, message);
    }
  });

  it('property: an override sets exactly its path and leaves every other value alone', () => {
    const key = fc.constantFrom('a', 'b', 'c');
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), fc.integer(), (keys, value) => {
        const doc: Record<string, unknown> = { a: { b: 1 }, keep: [1, 2] };
        const before = structuredClone(doc);
        // Only paths that do not pass through an existing non-mapping can be set.
        let cur: unknown = doc;
        for (const k of keys.slice(0, -1)) {
          cur = (cur as Record<string, unknown> | undefined)?.[k];
          if (cur !== undefined && (typeof cur !== 'object' || cur === null)) return;
        }
        const at = applyOverride(doc, keys.map((k) => ({ key: k })), value);
        expect(formatConcrete(at)).to.equal(keys.join('.'));
        let v: unknown = doc;
        for (const k of keys) v = (v as Record<string, unknown>)[k];
        expect(v).to.equal(value);
        expect(doc.keep).to.deep.equal(before.keep);
        if (keys[0] !== 'a') expect(doc.a).to.deep.equal(before.a);
      }),
    );
  });

  it('tells whether one path lies inside another', () => {
    expect(pathWithin('agents[1].count', 'agents[1]')).to.equal(true);
    expect(pathWithin('agents[1]', 'agents[1]')).to.equal(true);
    expect(pathWithin('agents[10].count', 'agents[1]')).to.equal(false);
    expect(pathWithin('marketing', 'market')).to.equal(false);
  });
});
