/**
 * gridbid's public entry point: `import { runScenario } from 'gridbid'`,
 * `import type { Strategy } from 'gridbid'`.
 */
export type { AgentViewBase, MarketView, Strategy, StrategyContext, StrategyOutcome, ValueSegment } from './strategies/types.ts';
export type { Bid, BidSegment, BranchFlow, ClearingResult, MarketRules, OrderBook, PriceRule, Pricing, Rejection, Side } from './market/types.ts';
export type { Award, AgentObservation, AgentRuntime } from './agents/types.ts';
export type { Scenario } from './engine/scenario/load.ts';
export type { ScenarioConfig, ScenarioInput } from './engine/scenario/schema.ts';
export type { IntervalOutcome, SimulationSink } from './engine/simulation.ts';
export type { Tariff } from './tariffs/types.ts';

export { runScenario, runScenarioFile } from './engine/run.ts';
export { loadScenarioFile, parseScenario } from './engine/scenario/load.ts';
export { Simulation } from './engine/simulation.ts';
export { doubleAuction } from './market/auction.ts';
export { clearNetwork } from './market/clearNetwork.ts';
export { buildOrderBook, OrderBookBuilder } from './market/orderBook.ts';
export { settle } from './market/settlement.ts';
export { DEFAULT_RULES } from './market/types.ts';
export { computeBill } from './tariffs/bill.ts';
export { UserError, InputFileError } from './core/errors.ts';
