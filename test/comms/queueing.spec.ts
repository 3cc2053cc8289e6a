import { expect } from 'chai';
import fc from 'fast-check';
import { RandomService } from '../../core/rng.ts';
import { deliverAll, idealPlane, networkPlane, serializationMs } from '../../comms/plane.ts';
import { parseCommsConfig } from '../../comms/schema.ts';
import { msg, noLoss, plane } from './helpers.ts';

describe('comms: one shared link, computed by hand', () => {
  // 8000 bit/s is one byte per ms, so a message of n bytes occupies the link n ms.
  const config = plane({
    classes: { ami: { ...noLoss, latency: { distribution: 'fixed', ms: 10 } } },
    links: [{ id: 'backhaul', capacityBitPerS: 8000, referencePoints: ['RP2'] }],
  });

  it('queues FIFO: arrival, size and capacity give the delivery times', () => {
    const p = networkPlane(config, new RandomService(1));
    const log = deliverAll(p, [msg('A', 'meter-read', 0, 100), msg('B', 'meter-read', 20, 50), msg('C', 'meter-read', 200, 30), msg('D', 'meter-read', 200, 40)]);
    // A on the wire 0–100 → +10 ms latency; B waits for A: 100–150; C and D arrive
    // together on an idle link: C 200–230, D 230–270.
    expect(log.map((r) => [r.message.id, r.deliveredAtMs, r.status, r.link])).to.deep.equal([
      ['A', 110, 'delivered', 'backhaul'],
      ['B', 160, 'delivered', 'backhaul'],
      ['C', 240, 'delivered', 'backhaul'],
      ['D', 280, 'delivered', 'backhaul'],
    ]);
    // C and D wait together for an instant at 200 ms: the link chooses among simultaneous arrivals.
    expect(p.linkStats()).to.deep.equal([{ link: 'backhaul', busyMs: 220, transmissions: 4, maxQueueLength: 2 }]);
  });

  it('releases deliveries as virtual time advances, and refuses a message sent in the past', () => {
    const p = networkPlane(config, new RandomService(1));
    p.send(msg('A', 'meter-read', 0, 100));
    p.send(msg('B', 'meter-read', 20, 50));
    expect(p.advanceTo(109).map((r) => r.message.id)).to.deep.equal([]);
    expect(p.advanceTo(110).map((r) => r.message.id)).to.deep.equal(['A']);
    expect(() => p.send(msg('late', 'meter-read', 100, 10))).to.throw(RangeError, /before the plane's time/);
    expect(p.advanceTo(1000).map((r) => r.message.id)).to.deep.equal(['B']);
  });

  it('property: a FIFO link obeys the Lindley recursion (start = max(arrival, previous finish)) and never idles with work waiting', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 400 })), { minLength: 1, maxLength: 40 }), (arrivals) => {
        const sorted = [...arrivals].sort((a, b) => a[0] - b[0]);
        const log = deliverAll(networkPlane(config, new RandomService(3)), sorted.map(([t, size], i) => msg(`m${i}`, 'meter-read', t, size)));
        let finish = -Infinity;
        sorted.forEach(([t, size], i) => {
          finish = Math.max(t, finish) + serializationMs(size, 8000);
          expect(log[i]!.message.id).to.equal(`m${i}`);
          expect(log[i]!.deliveredAtMs).to.equal(finish + 10);
        });
      }),
    );
  });
});

describe('comms: priority on a saturated link', () => {
  // 80 kbit/s: a 1000-byte read takes 100 ms, so 100 reads at the quarter-hour are a 10 s backlog.
  const reads = Array.from({ length: 100 }, (_, i) => msg(`read-${i}`, 'meter-read', 0, 1000));
  const drEvent = msg('dr-1', 'dr-event', 50, 100, { deadlineMs: 2000 });
  const setup = (drPriority?: number) =>
    plane({
      classes: {
        ami: { ...noLoss, latency: { distribution: 'fixed', ms: 1000 } },
        'demand-response': { ...noLoss, latency: { distribution: 'fixed', ms: 500 }, ...(drPriority === undefined ? {} : { priority: drPriority }) },
      },
      links: [{ id: 'feeder-backhaul', capacityBitPerS: 80_000, referencePoints: ['RP2', 'RP3'] }],
    });

  it('with the default priorities the DR event passes the metering backlog and is on time', () => {
    const log = deliverAll(networkPlane(setup(), new RandomService(1)), [...reads, drEvent]);
    const dr = log.find((r) => r.message.id === 'dr-1')!;
    // Waits only for the read already on the wire (0–100 ms), then 10 ms on the wire and 500 ms latency.
    expect(dr.deliveredAtMs).to.equal(610);
    expect(dr.status).to.equal('delivered');
    // The read that had to wait for it: read-1 starts at 110 ms instead of 100 ms.
    expect(log.find((r) => r.message.id === 'read-1')!.deliveredAtMs).to.equal(110 + 100 + 1000);
  });

  it('property: whenever the link starts a message, none more urgent is waiting; FIFO within a class; the link never idles with work waiting', () => {
    const config = plane({
      classes: { ami: { ...noLoss, latency: { distribution: 'fixed', ms: 0 } }, 'distribution-grid-management': { ...noLoss, latency: { distribution: 'fixed', ms: 0 } } },
      links: [{ id: 'l', capacityBitPerS: 8000, referencePoints: ['RP1', 'RP2'] }],
    });
    const arrival = fc.record({ t: fc.integer({ min: 0, max: 3000 }), size: fc.integer({ min: 1, max: 300 }), control: fc.boolean() });
    fc.assert(
      fc.property(fc.array(arrival, { minLength: 1, maxLength: 40 }), (arrivals) => {
        const sent = arrivals.map((a, i) => msg(`m${i}`, a.control ? 'curtail' : 'meter-read', a.t, a.size));
        const log = deliverAll(networkPlane(config, new RandomService(5)), sent);
        // With zero latency, delivery is the end of transmission: start = delivered − size ms.
        const tx = log.map((r) => ({ m: r.message, start: r.deliveredAtMs! - r.message.sizeBytes, end: r.deliveredAtMs! })).sort((a, b) => a.start - b.start);
        const rank = (m: (typeof sent)[number]) => config.classes[m.class].priority;
        const order = new Map(sent.map((m, i) => [m.id, i]));
        let freeAt = -Infinity;
        tx.forEach((x, k) => {
          expect(x.start).to.be.at.least(freeAt); // one at a time
          const waiting = tx.slice(k).filter((y) => y.m.sentAtMs <= x.start);
          // work conserving: the link starts as soon as it is free and something has arrived
          expect(x.start).to.equal(Math.max(freeAt, Math.min(...tx.slice(k).map((y) => y.m.sentAtMs))));
          for (const y of waiting) {
            expect(rank(y.m)).to.be.at.least(rank(x.m));
            if (rank(y.m) === rank(x.m) && y !== x) expect([y.m.sentAtMs, order.get(y.m.id)!]).to.satisfy(([t, i]: [number, number]) => t > x.m.sentAtMs || (t === x.m.sentAtMs && i > order.get(x.m.id)!));
          }
          freeAt = x.end;
        });
      }),
    );
  });

  it('without priority (same class rank as metering) the same event queues behind every read and is late', () => {
    const log = deliverAll(networkPlane(setup(5), new RandomService(1)), [...reads, drEvent]);
    const dr = log.find((r) => r.message.id === 'dr-1')!;
    // 100 reads × 100 ms = 10 000 ms of backlog, then 10 ms on the wire and 500 ms latency.
    expect(dr.deliveredAtMs).to.equal(10_510);
    expect(dr.status).to.equal('late');
  });
});

describe('comms: loss and retries', () => {
  it('retries with exponential backoff in virtual time, then gives up: lost', () => {
    const config = plane({ classes: { ami: { lossProbability: 1, jitterMs: 0, retry: { maxRetries: 2, backoffMs: 1000 }, latency: { distribution: 'fixed', ms: 0 } } }, links: [{ id: 'l', capacityBitPerS: 8000, referencePoints: ['RP2'] }] });
    const p = networkPlane(config, new RandomService(1));
    p.send(msg('r', 'meter-read', 0, 10));
    // Attempt 1: 0–10 ms, lost; retry 1 at 10 + 1000; attempt 2: 1010–1020, lost; retry 2 at 1020 + 2000; attempt 3: 3020–3030, lost.
    expect(p.advanceTo(3029)).to.deep.equal([]);
    const [r] = p.advanceTo(3030);
    expect(r).to.include({ status: 'lost', attempts: 3, deliveredAtMs: undefined });
    expect(p.linkStats()[0]).to.include({ busyMs: 30, transmissions: 3 });
  });

  it('loses about the configured share of first attempts (binomial, 4 standard deviations)', () => {
    const config = plane({ classes: { ami: { lossProbability: 0.2, jitterMs: 0, retry: { maxRetries: 0, backoffMs: 0 } } } });
    const n = 5000;
    const log = deliverAll(networkPlane(config, new RandomService(11)), Array.from({ length: n }, (_, i) => msg(`r${i}`, 'meter-read', i, 100)));
    const lost = log.filter((r) => r.status === 'lost').length / n;
    expect(lost).to.be.closeTo(0.2, 4 * Math.sqrt((0.2 * 0.8) / n));
  });

  it('a message lost for good as it is sent (an access path, no retries) is handed over by the next advance, before what finishes in it', () => {
    const config = plane({ classes: { ami: { lossProbability: 1, jitterMs: 0, retry: { maxRetries: 0, backoffMs: 0 } }, 'der-storage': { ...noLoss, latency: { distribution: 'fixed', ms: 0 } } } });
    const p = networkPlane(config, new RandomService(1));
    p.send(msg('report', 'report', 0, 100));
    p.send(msg('read', 'meter-read', 0, 100));
    // The read is lost when handed over (at 0 ms); the report arrives after its serialization time.
    expect(p.advanceTo(1000).map((r) => [r.message.id, r.status, r.attempts])).to.deep.equal([
      ['read', 'lost', 1],
      ['report', 'delivered', 1],
    ]);
    expect(p.drain()).to.deep.equal([]);
  });

  it('an ideal plane delivers every message when sent', () => {
    const log = deliverAll(idealPlane(), [msg('a', 'bid', 5, 200), msg('b', 'curtail', 7, 80, { deadlineMs: 6 })]);
    expect(log.map((r) => [r.message.id, r.deliveredAtMs, r.status])).to.deep.equal([
      ['a', 5, 'delivered'],
      ['b', 7, 'late'],
    ]);
  });
});

describe('comms: a link that goes down (availability)', () => {
  const T = Date.UTC(2026, 6, 1, 17);
  const iso = (ms: number) => new Date(T + ms).toISOString();
  const setup = (maxRetries: number) =>
    plane({
      classes: { ami: { ...noLoss, latency: { distribution: 'fixed', ms: 10 }, retry: { maxRetries, backoffMs: 500 } } },
      links: [{ id: 'l', capacityBitPerS: 8000, referencePoints: ['RP2'], outages: [{ from: iso(1000), until: iso(3000) }] }],
    });

  it('holds messages while the link is down and sends them when it is back', () => {
    const log = deliverAll(networkPlane(setup(0), new RandomService(1)), [msg('a', 'meter-read', T + 1500, 100), msg('b', 'meter-read', T + 2000, 50)]);
    // Down 1000–3000 ms: a on the wire 3000–3100, b 3100–3150, each +10 ms latency.
    expect(log.map((r) => [r.message.id, r.deliveredAtMs! - T, r.attempts])).to.deep.equal([
      ['a', 3110, 1],
      ['b', 3160, 1],
    ]);
  });

  it('a frame on the wire when the link goes down is a lost attempt: retried after the outage, or lost', () => {
    // 100 bytes from 950 ms would end at 1050; the outage at 1000 cuts it.
    const retried = deliverAll(networkPlane(setup(1), new RandomService(1)), [msg('a', 'meter-read', T + 950, 100)]);
    // Retry joins the queue at 1000 + 500 ms, waits for 3000 ms, on the wire 3000–3100, +10 ms.
    expect(retried.map((r) => [r.status, r.deliveredAtMs! - T, r.attempts])).to.deep.equal([['delivered', 3110, 2]]);
    const p = networkPlane(setup(0), new RandomService(1));
    const lost = deliverAll(p, [msg('a', 'meter-read', T + 950, 100)]);
    expect(lost.map((r) => [r.status, r.attempts])).to.deep.equal([['lost', 1]]);
    expect(p.linkStats()[0]!.busyMs).to.equal(50);
  });

  it('an outage that ends before it starts is a located error', () => {
    const r = parseCommsConfig({ links: [{ id: 'l', capacityBitPerS: 1, referencePoints: ['RP2'], outages: [{ from: iso(5000), until: iso(1000) }, { from: 'soon', until: iso(1) }] }] });
    expect(r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)).to.deep.equal([
      'comms.links[0].outages[0].until: must be after from',
      'comms.links[0].outages[1].from: expected an ISO-8601 time in UTC or with its offset, such as 2026-07-01T17:00:00Z',
    ]);
  });
});

describe('comms: an arrival past the last instant a date can hold', () => {
  // 8.64e15 ms after 1970 is the last instant of JavaScript's Date, so of any output file: beyond it a message never arrives.
  it('is lost (no delivery time), one at a time and in a burst (a sorted run whose arrivals the plane takes as a stretch), the rest delivered as sent', () => {
    const farMs = 8.64e15 - 5_000;
    const config = plane({ classes: { ami: { ...noLoss, latency: { distribution: 'fixed', ms: 10_000 } }, 'demand-response': { ...noLoss, latency: { distribution: 'fixed', ms: 1_000 } } }, links: [] });
    for (const burst of [1, 200]) {
      const p = networkPlane(config, new RandomService(1));
      // Meter reads (150 B at 10 kbit/s: 120 ms on the access path) arriving 10.12 s after farMs: past the last instant.
      const reads = Array.from({ length: burst }, (_, k) => msg(`r${k}`, 'meter-read', farMs, 150));
      // Bids arriving 1 s after farMs (+ serialization): within it.
      const bids = Array.from({ length: burst }, (_, k) => msg(`b${k}`, 'bid', farMs, 100));
      const log = deliverAll(p, [...reads, ...bids]);
      expect(log).to.have.length(2 * burst);
      for (const r of log) {
        if (r.message.type === 'meter-read') expect([r.status, r.deliveredAtMs]).to.deep.equal(['lost', undefined]);
        else expect([r.status, r.deliveredAtMs]).to.deep.equal(['delivered', farMs + 1_000 + serializationMs(100, 14_000)]);
      }
    }
  });
});
