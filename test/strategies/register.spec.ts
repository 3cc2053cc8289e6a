/**
 * `registerStrategy`, the package's way to add a strategy from a program (docs/strategies.md,
 * "From a program"): a factory object registers and a scenario names it by id; anything else
 * is refused when it is registered, saying what was expected, not later inside a run with
 * "factory.create is not a function".
 */
import { expect } from 'chai';
import { createStrategy, registerStrategy, strategyIds } from '../../strategies/registry.ts';
import type { StrategyFactory } from '../../strategies/types.ts';

describe('registerStrategy', () => {
  it('registers a factory object: its id is known and creates its strategy', () => {
    registerStrategy('test-register-flat', { params: undefined, kinds: ['ev'], create: () => ({ id: 'flat', bid: () => [{ side: 'buy', priceMwh: 50, quantityKw: 1 }] }) });
    expect(strategyIds('ev')).to.include('test-register-flat');
    expect(strategyIds('home')).not.to.include('test-register-flat');
    expect(createStrategy('test-register-flat').id).to.equal('flat');
  });

  it('refuses a bare function (the shape of a module export) with what to write instead', () => {
    const fn = (() => ({ id: 'x', bid: () => [] })) as unknown as StrategyFactory;
    expect(() => registerStrategy('test-register-fn', fn)).to.throw(
      TypeError,
      "registerStrategy('test-register-fn', …): expected a factory { params, create(params, context) } returning a Strategy, got a function; wrap it as { params: undefined, create: fn }",
    );
    expect(strategyIds()).not.to.include('test-register-fn');
  });

  it('refuses a factory without create, a params that is not a schema, and an empty id', () => {
    expect(() => registerStrategy('test-register-none', {} as StrategyFactory)).to.throw(TypeError, "registerStrategy('test-register-none', …): expected a factory { params, create(params, context) } returning a Strategy, got an object without create");
    expect(() => registerStrategy('test-register-params', { params: { quantile: 0.5 }, create: () => ({ id: 'x', bid: () => [] }) } as unknown as StrategyFactory)).to.throw(
      TypeError,
      "registerStrategy('test-register-params', …): params must be a zod schema of the strategy's params: object, or undefined for none",
    );
    expect(() => registerStrategy('', { params: undefined, create: () => ({ id: 'x', bid: () => [] }) })).to.throw(TypeError, 'registerStrategy: expected a non-empty strategy id, got ""');
    expect(strategyIds()).not.to.include.members(['test-register-none', 'test-register-params', '']);
  });

  it('refuses an id taken, built-in or registered', () => {
    expect(() => registerStrategy('truthful', { params: undefined, create: () => ({ id: 'x', bid: () => [] }) })).to.throw("strategy 'truthful' is already registered");
  });
});
