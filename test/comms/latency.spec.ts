import { expect } from 'chai';
import { RandomService } from '../../core/rng.ts';
import { defaultClassParams } from '../../comms/applicationClasses.ts';
import { ksStatistic, type LatencyDistribution, latencyCdf, normalCdf } from '../../comms/latency.ts';
import { messageLogCsv } from '../../comms/messageLog.ts';
import { deliverAll, networkPlane, serializationMs } from '../../comms/plane.ts';
import { msg, plane } from './helpers.ts';

// Kolmogorov–Smirnov at the 5 % level: D must stay below 1.358/√n.
const N = 4000;
const KS_CRITICAL = 1.358 / Math.sqrt(N);

/** Latencies of N deliveries on the class's own access path (no queue): delivery − send − serialization. */
function latencies(latency: LatencyDistribution, seed: number, cls: 'der-storage' | 'ami' = 'der-storage'): number[] {
  const config = plane({ classes: { [cls]: { latency, jitterMs: 0, lossProbability: 0, bandwidthBitPerS: 8_000_000 } } });
  const type = cls === 'ami' ? 'meter-read' : 'report';
  const log = deliverAll(networkPlane(config, new RandomService(seed)), Array.from({ length: N }, (_, i) => msg(`m${i}`, type, i * 10, 100)));
  return log.map((r) => r.deliveredAtMs! - r.message.sentAtMs - serializationMs(100, 8_000_000));
}

describe('comms: deliveries follow the configured latency distribution', () => {
  it(`log-normal (median 200 ms, σ 0.5): KS statistic below ${KS_CRITICAL.toFixed(4)} (5 % level, n = ${N}, seed 7)`, () => {
    const d: LatencyDistribution = { distribution: 'lognormal', medianMs: 200, sigma: 0.5 };
    const xs = latencies(d, 7);
    expect(ksStatistic(xs, (x) => latencyCdf(d, x))).to.be.below(KS_CRITICAL);
    // The test has power: the same draws are rejected against a median 10 % higher.
    expect(ksStatistic(xs, (x) => latencyCdf({ ...d, medianMs: 220 }, x))).to.be.above(KS_CRITICAL);
  });

  it('the AMI default (uniform between the DOE bounds, 2–15 s) passes the same test and stays within its bounds', () => {
    const d = defaultClassParams('ami').latency;
    expect(d).to.deep.equal({ distribution: 'uniform', minMs: 2000, maxMs: 15_000 });
    const xs = latencies(d, 8, 'ami');
    expect(ksStatistic(xs, (x) => latencyCdf(d, x))).to.be.below(KS_CRITICAL);
    expect(Math.min(...xs)).to.be.at.least(2000);
    expect(Math.max(...xs)).to.be.below(15_000);
  });

  it('normalCdf matches tabulated values (Φ(1) = 0.841345, Φ(−1.96) = 0.024998)', () => {
    expect(normalCdf(0)).to.be.closeTo(0.5, 1e-7);
    expect(normalCdf(1)).to.be.closeTo(0.841345, 1e-6);
    expect(normalCdf(-1.96)).to.be.closeTo(0.024998, 1e-6);
  });

  it('jitter adds a uniform [0, jitterMs] delay on top of a fixed latency', () => {
    const config = plane({ classes: { ami: { latency: { distribution: 'fixed', ms: 100 }, jitterMs: 50, lossProbability: 0, bandwidthBitPerS: 8_000_000 } } });
    const log = deliverAll(networkPlane(config, new RandomService(5)), Array.from({ length: N }, (_, i) => msg(`m${i}`, 'meter-read', i, 100)));
    const extra = log.map((r) => r.deliveredAtMs! - r.message.sentAtMs - 0.1 - 100);
    expect(ksStatistic(extra, (x) => Math.min(1, Math.max(0, x / 50)))).to.be.below(KS_CRITICAL);
  });
});

describe('comms: determinism', () => {
  const config = plane({
    classes: { ami: { latency: { distribution: 'lognormal', medianMs: 3000, sigma: 0.8 }, jitterMs: 200, lossProbability: 0.1 } },
    links: [{ id: 'backhaul', capacityBitPerS: 20_000, referencePoints: ['RP2'] }],
  });
  const traffic = () => [
    ...Array.from({ length: 200 }, (_, i) => msg(`read-${i}`, 'meter-read', Math.floor(i / 50) * 900_000, 600, { from: `meter-${i % 50}`, to: 'head-end' })),
    ...Array.from({ length: 20 }, (_, i) => msg(`bid-${i}`, 'bid', i * 45_000, 300, { from: `home-${i}`, to: 'market', deadlineMs: i * 45_000 + 5000 })),
  ];
  it('same seed and messages → byte-identical messages.csv; another seed → a different one', () => {
    const a = messageLogCsv(deliverAll(networkPlane(config, new RandomService(42)), traffic()));
    const b = messageLogCsv(deliverAll(networkPlane(config, new RandomService(42)), traffic()));
    const c = messageLogCsv(deliverAll(networkPlane(config, new RandomService(43)), traffic()));
    expect(a).to.equal(b);
    expect(c).not.to.equal(a);
    expect(a.split('\n')[0]).to.equal('sent_at,delivered_at,class,reference_point,from,to,type,bytes,status,attempts,link');
    expect(a.split('\n')).to.have.length(1 + 220 + 1);
  });
});
