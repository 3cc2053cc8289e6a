/**
 * What an aggregator's strategy sees at one bus: the aggregate of its members'
 * curves there (`demand`, `supply`), nothing per member (`agents/aggregator/`).
 */
import type { AgentViewBase } from '../types.ts';

export interface AggregatorView extends AgentViewBase {
  readonly kind: 'aggregator';
  readonly bus: string;
  /** Members with a curve at this bus (of this power factor, where `kvarPerKw` is given). */
  readonly members: number;
  /**
   * On a LinDistFlow feeder that prices reactive power the aggregator bids its members at a bus per power factor:
   * this curve's tan φ (kvar drawn per kW bought), and the view is of those members only. Absent elsewhere.
   */
  readonly kvarPerKw?: number;
}
