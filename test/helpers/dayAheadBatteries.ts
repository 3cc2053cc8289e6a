/**
 * Random storage and EV bids for day-ahead property tests: a fast-check record of small
 * integers and the bid it stands for (SoC bounds, efficiencies, an EV need the window can reach).
 */
import fc from 'fast-check';
import { agentId, busId } from '../../core/units.ts';
import type { EvBid, IntertemporalBid, StorageBid } from '../../market/dayAhead/types.ts';

/** A battery or EV over `intervals` intervals; `maxTerminalMwh` bounds the storage's terminal value. */
export function batteryArbitrary(intervals: number, maxTerminalMwh: number) {
  return fc.record({
    bus: fc.nat(),
    ev: fc.boolean(),
    capacity: fc.integer({ min: 5, max: 80 }),
    charge: fc.integer({ min: 1, max: 30 }),
    discharge: fc.integer({ min: 0, max: 30 }),
    etaC: fc.integer({ min: 70, max: 100 }),
    etaD: fc.integer({ min: 70, max: 100 }),
    initialShare: fc.integer({ min: 0, max: 100 }),
    terminal: fc.integer({ min: 0, max: maxTerminalMwh }),
    window: fc.tuple(fc.nat({ max: intervals - 1 }), fc.nat({ max: intervals - 1 })),
    needShare: fc.integer({ min: 0, max: 100 }),
  });
}

export type BatteryGen = ReturnType<typeof batteryArbitrary> extends fc.Arbitrary<infer A> ? A : never;

/** The bid of battery `i` on one of `buses` buses, intervals of `durationH`; an EV values its need at `needValueMwh` when given. */
export function batteryBid(b: BatteryGen, i: number, buses: number, durationH: number, needValueMwh?: number): IntertemporalBid {
  const minSoc = b.capacity * 0.1;
  const initial = minSoc + ((b.capacity - minSoc) * b.initialShare) / 100;
  const base = {
    id: `bat${i}`,
    agentId: agentId(`bat${i}`),
    bus: busId(`n${b.bus % buses}`),
    capacityKwh: b.capacity,
    minSocKwh: minSoc,
    maxSocKwh: b.capacity,
    maxChargeKw: b.charge,
    maxDischargeKw: b.discharge,
    chargeEfficiency: b.etaC / 100,
    dischargeEfficiency: b.etaD / 100,
    initialSocKwh: initial,
    degradationCostPerMwh: 5,
  };
  if (!b.ev) return { ...base, kind: 'storage', terminalValueMwh: b.terminal, finalSocMinKwh: minSoc + ((initial - minSoc) * b.needShare) / 100 } satisfies StorageBid;
  const [a, z] = b.window[0] <= b.window[1] ? b.window : [b.window[1], b.window[0]];
  // The need is a share of what the window can deliver, so it is always feasible on its own.
  const reachable = Math.min(b.capacity - initial, (b.etaC / 100) * b.charge * durationH * (z - a + 1));
  const ev = { ...base, kind: 'ev' as const, firstInterval: a, lastInterval: z, energyNeededKwh: (reachable * b.needShare) / 100 };
  return (needValueMwh === undefined ? ev : { ...ev, needValueMwh }) satisfies EvBid;
}
