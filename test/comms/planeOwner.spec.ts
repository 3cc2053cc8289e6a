import { expect } from 'chai';
import { RandomService } from '../../core/rng.ts';
import { MessagePlane, type PlaneOwner } from '../../comms/plane.ts';
import { classIndex, referencePointIndex, typeIndex } from '../../comms/messageTable.ts';
import { noLoss, plane } from './helpers.ts';

/** An owner as a run's is: a class whose `finished` reads its own fields through `this`. */
class Recorder implements PlaneOwner {
  readonly finishedSlots: Array<{ slot: number; deliveredAtMs: number }> = [];
  readonly aheadSlots: number[] = [];
  constructor(private readonly p: MessagePlane) {}
  finished(slot: number): void {
    this.finishedSlots.push({ slot, deliveredAtMs: this.p.table.deliveredAtMs(slot) });
  }
  aheadOfFinish(slot: number): number {
    // Only ever a slot still in flight: its look-ahead comes before its finish.
    expect(this.finishedSlots.some((f) => f.slot === slot)).to.equal(false);
    this.aheadSlots.push(slot);
    return 0;
  }
}

describe('comms: the plane hands finished messages to its owner object (PlaneOwner)', () => {
  const config = plane({ classes: { ami: { ...noLoss, latency: { distribution: 'uniform', minMs: 1_000, maxMs: 9_000 }, bandwidthBitPerS: 8_000_000 } } });
  const send = (p: MessagePlane, k: number, atMs: number): number =>
    p.send(typeIndex['meter-read'], classIndex.ami, referencePointIndex.RP2, 0, 0, 100 + k, atMs, Number.NaN);

  it('calls finished once per message, in delivery order, by the time asked, with the owner as this', () => {
    const p = new MessagePlane(config, new RandomService(11));
    const owner = new Recorder(p);
    // A burst of 64 reads sent together: their arrivals (1–9 s later) come out of one sorted run.
    for (let k = 0; k < 64; k++) send(p, k, 0);
    p.advanceTo(5_000, owner);
    const early = owner.finishedSlots.length;
    expect(owner.finishedSlots.every((f) => f.deliveredAtMs <= 5_000)).to.equal(true);
    p.drain(owner);
    const times = owner.finishedSlots.map((f) => f.deliveredAtMs);
    expect(times).to.have.length(64);
    expect(early).to.be.within(1, 63);
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    expect(times.every((t) => t >= 1_000 && t <= 9_000 + 1)).to.equal(true);
    // The look-ahead saw the burst's arrivals, each before it finished (checked in aheadOfFinish).
    expect(owner.aheadSlots.length).to.be.greaterThan(0);
    const finished = new Set(owner.finishedSlots.map((f) => f.slot));
    expect(owner.aheadSlots.every((s) => finished.has(s))).to.equal(true);
  });

  it('gives a message lost when sent to the next advanceTo, first', () => {
    const p = new MessagePlane(config, new RandomService(11));
    const owner = new Recorder(p);
    const lost = p.sendLost(typeIndex['meter-read'], classIndex.ami, referencePointIndex.RP2, 0, 0, 100, 0, Number.NaN);
    send(p, 0, 0);
    expect(owner.finishedSlots).to.have.length(0);
    p.advanceTo(10_000, owner);
    expect(owner.finishedSlots.map((f) => f.slot)[0]).to.equal(lost);
    expect(Number.isNaN(owner.finishedSlots[0]!.deliveredAtMs)).to.equal(true);
    expect(owner.finishedSlots).to.have.length(2);
  });

  it('works with an owner that has no look-ahead', () => {
    const p = new MessagePlane(config, new RandomService(3));
    const slots: number[] = [];
    for (let k = 0; k < 20; k++) send(p, k, 0);
    p.drain({ finished: (s) => slots.push(s) });
    expect(slots).to.have.length(20);
  });
});
