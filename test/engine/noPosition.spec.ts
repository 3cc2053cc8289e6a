/**
 * Sites without a position (engine/interval/noPosition.ts, docs/markets.md "No position"): a
 * site whose bid never reached the book keeps running on its own control, its meter's
 * deviation from its zero position settles at the imbalance price, and nothing is unserved
 * unless shed. Until this change such a home consumed nothing and its base load was reported
 * unserved (imbalance 0, money 0): every test below fails with `Award.ownControl` ignored
 * (checked by setting it false in engine/interval/deliver.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { annualKwhToMeanKw, residentialShapeFactor } from '../../agents/physics/loadProfile.ts';
import type { AgentId, BusId } from '../../core/units.ts';
import type { PartyBid } from '../../engine/interval/collectBids.ts';
import { partiesWithoutPosition } from '../../engine/interval/noPosition.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';
import { buildOrderBook } from '../../market/orderBook.ts';
import { DEFAULT_RULES } from '../../market/types.ts';
import { gridbidInProcess, REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;

describe('sites without a position run on their own control and settle as imbalance (noPosition.ts)', function () {
  this.timeout(180_000);

  it('by hand: which parties have no position — late or rejected, a refused or missed member, an aggregator absent at the bus, a late day-ahead holder; not a customer, one that sent nothing', () => {
    const buses = ['a', 'b'] as BusId[];
    // parties: 0 home a (on time), 1 home a (late: not in the book), 2 home a (a price above the cap: rejected),
    // 3 member of 6 at a (curve accepted), 4 member of 6 at b (curve accepted, but 6 bid only at a), 5 member of 6 at a (curve refused),
    // 6 aggregator, 7 customer at a, 8 home a late (it holds a day-ahead position: financial, no real-time one), 9 home b that sent nothing.
    const bid = (party: number, bus: string, priceMwh: number): PartyBid => ({ id: `p${party}@0`, agentId: `p${party}` as AgentId, bus: bus as BusId, interval: 0, segments: [{ side: 'buy', priceMwh, quantityKw: 1 }], party });
    const { book, rejections } = buildOrderBook([bid(0, 'a', 50), bid(2, 'a', 1e9), bid(6, 'a', 50)], { interval: 0, durationH: 0.25, rules: DEFAULT_RULES, buses, isKnownAgent: () => true });
    expect(rejections.map((r) => [r.agentId, r.code])).to.deep.equal([['p2', 'price-above-cap']]);
    const curve = (member: number, bus: string) => ({ member, memberId: `p${member}`, bus: bus as BusId, segments: [] });
    const out = partiesWithoutPosition(
      {
        placed: Uint8Array.of(1, 1, 1, 1, 1, 1, 0, 0, 1, 0),
        book,
        memberCurves: new Map([[6, [curve(3, 'a'), curve(4, 'b')]]]),
        routeOf: Uint8Array.of(0, 0, 0, 1, 1, 1, 0, 2, 0, 0),
        viaOf: Int32Array.of(-1, -1, -1, 6, 6, 6, -1, 7, -1, -1),
        busOf: Int32Array.of(0, 0, 0, 0, 1, 0, -1, 0, 0, 1),
        buses,
      },
      new Uint8Array(10).fill(7),
    );
    expect([...out]).to.deep.equal([0, 1, 1, 0, 1, 1, 0, 0, 1, 0]);
  });

  /** One home trading itself, all base load (no flexibility, noise or scale spread), its bids 5 min late; a 20 kW plant at 60/MWh. */
  const oneLateHome = (annualKwh: number) => ({
    name: 'one-late-home',
    seed: 1,
    start: '2026-07-01T15:00:00Z',
    days: 0.0625,
    intervalMinutes: 15,
    site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 },
    market: { mechanism: 'double-auction' },
    agents: [
      { kind: 'generator', id: 'plant', offers: [{ kw: 20, priceMwh: 60 }] },
      { kind: 'home', id: 'late', baseLoad: { annualKwh, homeScaleSigma: 0, noiseSd: 0 }, flexibility: { share: 0 }, commsLatencyMinutes: { min: 5, max: 5 } },
    ],
  });

  it('by hand: one home, one late bid, 0.5 kW of base load for 15 min: it consumes 0.125 kWh, imbalance_kw 0.5, and pays 0.125 kWh × 70/MWh = 0.00875 (agents.csv, real CLI)', async () => {
    // Wednesday 15:00–15:15 UTC (offset 0), evaluated at 15:07.5: H25 workday 0.937 × 0.375 + 0.958 × 0.625 = 0.950125.
    const shape = residentialShapeFactor(15.125, 'workday');
    expect(shape).to.be.closeTo(0.950125, 1e-12);
    const annualKwh = 0.5 / (annualKwhToMeanKw(1) * shape); // 0.5 × 8760 / 0.950125 ≈ 4609.92 kWh/a: 0.5 kW now
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-noposition-'));
    try {
      const file = join(dir, 'late.yaml');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, stringify(oneLateHome(annualKwh)));
      const r = await gridbidInProcess(['run', file, '--out', join(dir, 'out')]);
      expect(r.status, r.stderr).to.equal(0);
      const rows = parse(readFileSync(join(dir, 'out', 'agents.csv'), 'utf8'), { columns: true }) as Row[];
      const home = rows.find((x) => x.agent_id === 'late' && x.interval_start === '2026-07-01T15:00:00Z')!;
      const plant = rows.find((x) => x.agent_id === 'plant' && x.interval_start === home.interval_start)!;
      // Its bid missed the gate: no award, no real-time price (nothing traded), yet it used its base load.
      expect(home.award_kw).to.equal('0.000');
      expect(home.actual_kw).to.equal('0.500');
      expect(home.imbalance_kw).to.equal('0.500');
      // Re-dispatch moved the plant up its regulation offer: 60 + the spread 10 = 70/MWh.
      expect(home.imbalance_price).to.equal('70.00');
      // 0.5 kW × 0.25 h = 0.125 kWh × 70/MWh = 0.00875, paid by the home and received by the plant.
      expect(home.cost).to.equal('0.00875');
      expect(plant.cost).to.equal('-0.00875');
      expect(plant.actual_kw).to.equal('-0.500');
      expect(home.unserved_kwh).to.equal('0.000');
      const rejected = readFileSync(join(dir, 'out', 'rejections.csv'), 'utf8');
      expect(rejected).to.contain('late@0').and.contain('gate-closed');
      const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as { kpis: { byKind: { home: { unservedKwh: number } } } };
      expect(summary.kpis.byKind.home.unservedKwh).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on a plane with the default demand-response latency (fixtures/scenarios/comms-dr-latency.yaml, 3 homes, a day): the same 189 late bids, nothing unserved (14.875 kWh before), their energy metered as imbalance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-noposition-dr-'));
    try {
      const r = await gridbidInProcess(['run', join(REPO_ROOT, 'test/fixtures/scenarios/comms-dr-latency.yaml'), '--out', dir]);
      expect(r.status, r.stderr).to.equal(0);
      const kpis = (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { kpis: { comms: { lateBids: number }; imbalance: { deviationKwh: number; unservedKwh: number; shedKwh: number }; byKind: { home: { energyKwh: number; unservedKwh: number } } } }).kpis;
      expect(kpis.comms.lateBids).to.equal(189);
      expect(kpis.byKind.home.unservedKwh).to.equal(0);
      expect(kpis.imbalance.shedKwh).to.equal(0);
      const rows = (parse(readFileSync(join(dir, 'agents.csv'), 'utf8'), { columns: true }) as Row[]).filter((x) => x.kind === 'home');
      const late = new Set((parse(readFileSync(join(dir, 'rejections.csv'), 'utf8'), { columns: true }) as Row[]).map((x) => `${x.interval_start} ${x.agent_id}`));
      expect(late.size).to.equal(189);
      let awardedKwh = 0;
      let imbalanceKwh = 0;
      for (const x of rows) {
        awardedKwh += Number(x.award_kw) * 0.25;
        imbalanceKwh += Number(x.imbalance_kw) * 0.25;
        // A late home: no award, all it used is imbalance.
        if (late.has(`${x.interval_start} ${x.agent_id}`)) {
          expect(x.award_kw).to.equal('0.000');
          expect(x.imbalance_kw).to.equal(x.actual_kw);
          expect(Number(x.actual_kw)).to.be.above(0);
        }
      }
      // What the homes used = what they bought at the gate (9.242 kWh) + what they took without a position (18.592 kWh; the
      // base load once reported unserved, 14.875 kWh, and the flexible fifth of their load with it: 14.875 / 0.8 = 18.59).
      expect(awardedKwh).to.be.closeTo(9.24225, 1e-9);
      expect(imbalanceKwh).to.be.closeTo(18.59225, 1e-9);
      // summary.json rounds to the watt-hour.
      expect(kpis.byKind.home.energyKwh).to.be.closeTo(awardedKwh + imbalanceKwh, 1e-3);
      expect(kpis.imbalance.deviationKwh).to.be.closeTo(imbalanceKwh, 1e-3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('members and customers on a plane (fixtures/scenarios/intermediaries-late.yaml): a member whose curve or whose aggregator\'s bid missed runs on its own control, settled through its aggregator; customers take their curve as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-noposition-members-'));
    try {
      const r = await gridbidInProcess(['run', join(REPO_ROOT, 'test/fixtures/scenarios/intermediaries-late.yaml'), '--out', dir]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('books     closed in all 24 intervals');
      const late = new Set((parse(readFileSync(join(dir, 'rejections.csv'), 'utf8'), { columns: true }) as Row[]).map((x) => `${x.interval_start} ${x.agent_id}`));
      const rows = parse(readFileSync(join(dir, 'agents.csv'), 'utf8'), { columns: true }) as Row[];
      let members = 0;
      let viaAggregator = 0;
      for (const x of rows.filter((y) => y.kind === 'home')) {
        expect(x.unserved_kwh, `${x.interval_start} ${x.agent_id}`).to.equal('0.000');
        if (!x.agent_id!.startsWith('member')) continue;
        const curveMissed = late.has(`${x.interval_start} ${x.agent_id}`);
        const aggregatorMissed = late.has(`${x.interval_start} agg`);
        if (!curveMissed && !aggregatorMissed) continue;
        // No share: it used its load all the same, all of it imbalance, settled with its aggregator (via).
        expect([x.award_kw, x.via]).to.deep.equal(['0.000', 'agg']);
        expect(Number(x.actual_kw)).to.be.above(0);
        expect(x.imbalance_kw).to.equal(x.actual_kw);
        members++;
        if (!curveMissed) viaAggregator++;
      }
      expect(members, 'member-intervals without a share').to.be.above(20);
      expect(viaAggregator, 'of which the aggregator\'s bid missed, the curve not').to.be.above(0);
      const kpis = (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { kpis: { byKind: { home: { unservedKwh: number } } } }).kpis;
      expect(kpis.byKind.home.unservedKwh).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  async function outcomesOf(doc: object, file = 'x.yaml'): Promise<IntervalOutcome[]> {
    const sim = await Simulation.create(parseScenario(stringify(doc), file));
    const outcomes: IntervalOutcome[] = [];
    sim.run({ interval: (o) => void outcomes.push(o) });
    return outcomes;
  }

  it('every kind (test/fixtures/scenarios/no-position.yaml): homes and the building consume their own control, cars charge, PV makes, the battery and the late plant stay idle; books close, nothing unserved', async () => {
    const file = join(REPO_ROOT, 'test/fixtures/scenarios/no-position.yaml');
    const sim = await Simulation.create(parseScenario(readFileSync(file, 'utf8'), file));
    const outcomes: IntervalOutcome[] = [];
    sim.run({ interval: (o) => void outcomes.push(o) });
    let homeKwh = 0;
    let pvKwh = 0;
    let officeKwh = 0;
    let carKwh = 0;
    for (const o of outcomes) {
      expect(o.books, `interval ${o.interval.index}`).to.deep.equal([]);
      const q = o.ledger.quantumKw;
      const dt = o.interval.durationH;
      o.parties.forEach((p, i) => {
        if (p.role !== 'agent' || p.id === 'plant') return;
        // No position: nothing bought or sold, the whole metered actual is imbalance.
        expect(o.ledger.buyQuanta[i]! + o.ledger.sellQuanta[i]!, p.id).to.equal(0);
        expect(o.observations[i]!.unservedKwh, p.id).to.equal(0);
        // The late plant makes nothing of its own accord: all it makes is regulation re-dispatch asked of it.
        if (p.id === 'late-plant') return void expect(o.ledger.actualQuanta[i], p.id).to.equal(o.ledger.commandedQuanta[i]);
        expect(o.ledger.imbalanceQuanta[i], p.id).to.equal(o.ledger.actualQuanta[i]);
        const kwh = (x: number) => x * q * dt;
        if (p.kind === 'home') {
          homeKwh += kwh(o.ledger.consumedQuanta[i]!);
          pvKwh += kwh(o.ledger.generatedQuanta[i]!);
          // Its load at least: base load is what it would use with no flexibility at all.
          expect(o.ledger.consumedQuanta[i]!, p.id).to.be.above(0);
        }
        if (p.kind === 'building') officeKwh += kwh(o.ledger.consumedQuanta[i]!);
        if (p.kind === 'ev') carKwh += kwh(o.ledger.consumedQuanta[i]!);
        if (p.kind === 'storage') expect([o.ledger.consumedQuanta[i], o.ledger.generatedQuanta[i]], p.id).to.deep.equal([0, 0]);
      });
      // Every late bid still counted: 4 homes, the office, the late plant, a car when plugged in (the battery sends no bid at these prices).
      expect(o.rejections.filter((r) => r.code === 'gate-closed').length).to.be.at.least(6);
    }
    expect(homeKwh).to.be.above(5);
    expect(pvKwh).to.be.above(1);
    expect(officeKwh).to.be.above(5);
    expect(carKwh, 'a car at home charges flat out when plugged in').to.be.above(1);
  });

  /** Homes trading themselves, all base load; each on time, late (5 min) or lost (a comms-loss fault); one plant of `plantKw`. */
  const mixed = (statuses: ReadonlyArray<'on-time' | 'late' | 'lost'>, plantKw: number, seed: number) => ({
    name: 'mixed',
    seed,
    start: '2026-07-01T16:00:00Z',
    days: 0.0625,
    intervalMinutes: 15,
    market: { mechanism: 'double-auction' },
    agents: [
      { kind: 'generator', id: 'plant', offers: [{ kw: plantKw, priceMwh: 60 }] },
      ...statuses.map((s, j) => ({ kind: 'home', id: `h${j}`, baseLoad: { annualKwh: 3000 + 1500 * j, homeScaleSigma: 0, noiseSd: 0.2 }, flexibility: { share: 0 }, ...(s === 'late' ? { commsLatencyMinutes: { min: 5, max: 5 } } : {}) })),
    ],
    faults: statuses.flatMap((s, j) => (s === 'lost' ? [{ type: 'comms-loss', agents: [`h${j}`], from: '2026-07-01T16:00:00Z', until: '2026-07-01T17:30:00Z', mode: 'lost', probability: 1 }] : [])),
  });

  it('property: over random late and lost subsets and plant sizes, the books close every interval, Σ imbalance = what the sites without a position consumed, nobody unserved unless shed', async () => {
    let shedQuanta = 0;
    let withoutPositionQuanta = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('on-time' as const, 'late' as const, 'lost' as const), { minLength: 1, maxLength: 5 }), fc.constantFrom(0.5, 2, 20), fc.integer({ min: 1, max: 1000 }), async (statuses, plantKw, seed) => {
        const outcomes = await outcomesOf(mixed(statuses, plantKw, seed));
        for (const o of outcomes) {
          expect(o.books).to.deep.equal([]);
          const q = o.ledger.quantumKw;
          let imbalance = 0;
          let usedWithoutPosition = 0;
          // The sites that missed: as reported, a gate-closed rejection (late) or a COMMS_LOSS event (lost; a fault acts from its start, 16:00, so not on the 15:44 bids of the first interval).
          const missed = new Set([...o.rejections.filter((r) => r.code === 'gate-closed').map((r) => r.agentId as string), ...o.events.filter((e) => e.type === 'COMMS_LOSS').map((e) => e.issuer)]);
          for (const id of missed) expect(statuses[Number(id.slice(1))], id).to.not.equal('on-time');
          if (o.interval.index > 0) expect(missed.size).to.equal(statuses.filter((s) => s !== 'on-time').length);
          o.parties.forEach((p, i) => {
            if (p.role !== 'agent' || p.kind !== 'home') return;
            // A home on time may be rationed by the market (a small plant): that is its bid, not a missed gate.
            if (!missed.has(p.id)) return;
            const obs = o.observations[i]!;
            const shed = o.ledger.shedQuanta[i]!;
            // Nobody without a position unserved unless shed.
            expect(obs.unservedKwh).to.be.closeTo(shed * q * o.interval.durationH, 1e-9);
            // No position; it used its whole load (its no-flexibility baseline) less what was shed, all as imbalance.
            expect(o.ledger.positionQuanta(i)).to.equal(0);
            expect(o.ledger.consumedQuanta[i]! + shed).to.equal(Math.round(obs.baselineKw / q));
            imbalance += o.ledger.imbalanceQuanta[i]!;
            usedWithoutPosition += o.ledger.consumedQuanta[i]!;
            shedQuanta += shed;
          });
          withoutPositionQuanta += usedWithoutPosition;
          expect(imbalance).to.equal(usedWithoutPosition);
        }
      }),
      { numRuns: 12, seed: 4242 },
    );
    // The runs did what the property is about: energy taken without a position, and some of it shed (the 0.5 kW plant).
    expect(withoutPositionQuanta).to.be.above(0);
    expect(shedQuanta).to.be.above(0);
  });
});
