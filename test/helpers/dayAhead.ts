/** The hand-computed two-bus, two-interval day-ahead case (test/market/dayAhead/handCase.spec.ts derives its answer). */
import { agentId, busId } from '../../core/units.ts';
import type { DayAheadBook, EvBid, StorageBid } from '../../market/dayAhead/types.ts';
import { DEFAULT_RULES, type Bid } from '../../market/types.ts';
import { createNetwork } from '../../network/validate.ts';

export const twoBusNetwork = createNetwork({
  name: 'two-bus',
  buses: [{ id: 'A', reference: true }, { id: 'B' }],
  branches: [{ id: 'AB', from: 'A', to: 'B', reactancePu: 0.1, limitKw: 50 }],
});
const bid = (id: string, bus: string, interval: number, side: 'buy' | 'sell', priceMwh: number, quantityKw: number): Bid => ({
  id,
  agentId: agentId(id.split('@')[0]!),
  bus: busId(bus),
  interval,
  segments: [{ side, priceMwh, quantityKw }],
});
export const battery: StorageBid = {
  kind: 'storage',
  id: 'bat',
  agentId: agentId('bat'),
  bus: busId('B'),
  capacityKwh: 100,
  minSocKwh: 0,
  maxSocKwh: 100,
  maxChargeKw: 40,
  maxDischargeKw: 40,
  chargeEfficiency: 0.9,
  dischargeEfficiency: 0.9,
  initialSocKwh: 0,
  terminalValueMwh: 0,
};
export const twoBusBook: DayAheadBook = {
  horizon: { firstInterval: 0, intervalCount: 2, durationH: 1 },
  rules: DEFAULT_RULES,
  bids: [bid('gen@0', 'A', 0, 'sell', 20, 100), bid('load@0', 'B', 0, 'buy', 100, 30), bid('gen@1', 'A', 1, 'sell', 20, 100), bid('load@1', 'B', 1, 'buy', 100, 80)],
  intertemporalBids: [battery],
};

/** A car at B over both intervals of the two-bus book: 10 kWh needed, 11 kW × 0.9 can deliver 19.8. */
export const car: EvBid = {
  kind: 'ev',
  id: 'car',
  agentId: agentId('car'),
  bus: busId('B'),
  firstInterval: 0,
  lastInterval: 1,
  capacityKwh: 60,
  minSocKwh: 6,
  maxSocKwh: 54,
  maxChargeKw: 11,
  maxDischargeKw: 0,
  chargeEfficiency: 0.9,
  dischargeEfficiency: 0.9,
  initialSocKwh: 20,
  energyNeededKwh: 10,
};
