/**
 * What an aggregator's strategy sees at one bus: the aggregate of its members'
 * curves there (`demand`, `supply`), nothing per member (`agents/aggregator/`).
 */
import type { AgentViewBase } from '../types.ts';

export interface AggregatorView extends AgentViewBase {
  readonly kind: 'aggregator';
  readonly bus: string;
  /** Members with a curve at this bus. */
  readonly members: number;
}
