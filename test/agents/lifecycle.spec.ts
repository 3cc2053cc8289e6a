import { expect } from 'chai';
import fc from 'fast-check';
import { type AnyStateMachine, createActor, setup } from 'xstate';
import { aggregatorMachine } from '../../agents/aggregator/machine.ts';
import { buildingMachine } from '../../agents/building/machine.ts';
import { evMachine } from '../../agents/ev/machine.ts';
import { generatorMachine } from '../../agents/generator/machine.ts';
import { homeMachine } from '../../agents/home/machine.ts';
import { Lifecycle, MachineModel, MAX_STEPS_PER_SNAPSHOT } from '../../agents/lifecycle.ts';
import { operationsMachine } from '../../agents/operations/machine.ts';
import { retailerMachine } from '../../agents/retailer/machine.ts';
import { storageMachine } from '../../agents/storage/machine.ts';

/** Every agent kind's machine, with the inputs its runtimes start it with. */
const MACHINES: ReadonlyArray<{ name: string; machine: AnyStateMachine; inputs: readonly unknown[] }> = [
  { name: 'home', machine: homeMachine, inputs: [undefined] },
  { name: 'building', machine: buildingMachine, inputs: [undefined] },
  { name: 'ev', machine: evMachine, inputs: [{ v2gCapable: true }, { v2gCapable: false }] },
  { name: 'storage', machine: storageMachine, inputs: [undefined] },
  { name: 'generator', machine: generatorMachine, inputs: [undefined] },
  { name: 'retailer', machine: retailerMachine, inputs: [undefined] },
  { name: 'aggregator', machine: aggregatorMachine, inputs: [undefined] },
  { name: 'operations', machine: operationsMachine, inputs: [undefined] },
];

/** Any event the machine names, with or without the payload fields the agents' events carry (EV DISCHARGE, building RESTORE). */
const eventOf = (machine: AnyStateMachine): fc.Arbitrary<Record<string, unknown> & { type: string }> =>
  fc.record(
    {
      type: fc.constantFrom(...(machine.events as string[]), 'NOT_AN_EVENT'),
      socKwh: fc.constantFrom(0, 5, 10, Number.NaN),
      floorKwh: fc.constantFrom(0, 5, 10),
      occupied: fc.boolean(),
      aboveFloor: fc.boolean(),
    },
    { requiredKeys: ['type'] },
  );

describe('agents/lifecycle: a snapshot stepped by XState transition', () => {
  for (const { name, machine, inputs } of MACHINES) {
    it(`${name}: the same states, event for event, as a started actor of the same machine (fast-check)`, () => {
      const model = new MachineModel(machine);
      fc.assert(
        fc.property(fc.constantFrom(...inputs), fc.array(eventOf(machine), { maxLength: 40 }), (input, events) => {
          const actor = createActor(machine, { input }).start();
          const lifecycle = new Lifecycle(model, input as never);
          expect(lifecycle.value).to.deep.equal(actor.getSnapshot().value);
          for (const e of events) {
            expect(lifecycle.can(e as never), `can ${e.type}`).to.equal(actor.getSnapshot().can(e));
            actor.send(e);
            lifecycle.send(e as never);
            expect(lifecycle.value, `after ${e.type}`).to.deep.equal(actor.getSnapshot().value);
            expect(lifecycle.snapshot.context).to.deep.equal(actor.getSnapshot().context);
          }
          expect(lifecycle.eventsSent).to.equal(events.length);
          actor.stop();
        }),
        { numRuns: 150 },
      );
    });
  }

  it('agents of a context-free kind share their snapshots: the same object after the same events', () => {
    const model = new MachineModel(homeMachine);
    const homes = Array.from({ length: 100 }, () => new Lifecycle(model));
    expect(new Set(homes.map((h) => h.snapshot)).size).to.equal(1);
    for (const [k, h] of homes.entries()) if (k % 2) h.send({ type: 'CURTAIL' });
    for (const [k, h] of homes.entries()) if (k % 4 === 1) h.send({ type: 'RESTORE' });
    // Three groups: never curtailed, curtailed and restored (back to the first snapshot's state), still curtailed.
    const snapshots = new Set(homes.map((h) => h.snapshot));
    expect(snapshots.size).to.equal(3);
    expect(homes[0]!.value).to.equal('normal');
    expect(homes[1]!.value).to.equal('normal');
    expect(homes[3]!.value).to.equal('curtailed');
    expect(homes[3]!.snapshot).to.equal(homes[7]!.snapshot);
  });

  it('a machine with context shares its initial snapshot per input, and a step only from the same snapshot with the same event content', () => {
    const model = new MachineModel(evMachine);
    const [a, b, c] = [new Lifecycle(model, { v2gCapable: true }), new Lifecycle(model, { v2gCapable: true }), new Lifecycle(model, { v2gCapable: false })];
    expect(a.snapshot).to.equal(b.snapshot);
    expect(a.snapshot).not.to.equal(c.snapshot);
    expect(c.snapshot.context).to.deep.equal({ v2gCapable: false });
    for (const l of [a, b, c]) l.send({ type: 'ARRIVE' });
    expect(a.value).to.equal('plugged-idle');
    expect(a.snapshot).to.equal(b.snapshot);
    expect(c.snapshot).not.to.equal(a.snapshot);
    expect(c.snapshot.context).to.deep.equal({ v2gCapable: false });
    // The guard reads the context and the event: only the V2G-capable cars above their floor discharge.
    a.send({ type: 'DISCHARGE', socKwh: 10, floorKwh: 5 });
    b.send({ type: 'DISCHARGE', socKwh: 4, floorKwh: 5 });
    c.send({ type: 'DISCHARGE', socKwh: 10, floorKwh: 5 });
    expect([a.value, b.value, c.value]).to.deep.equal(['discharging', 'plugged-idle', 'plugged-idle']);
    // Events with numbers are stepped afresh: an equal state, not a shared snapshot; the next shared step is from that snapshot.
    const d = new Lifecycle(model, { v2gCapable: true });
    d.send({ type: 'ARRIVE' });
    d.send({ type: 'DISCHARGE', socKwh: 10, floorKwh: 5 });
    expect(d.value).to.equal('discharging');
    expect(d.snapshot).not.to.equal(a.snapshot);
    for (const l of [a, d]) l.send({ type: 'IDLE' });
    expect([a.value, d.value]).to.deep.equal(['plugged-idle', 'plugged-idle']);
    expect(model.sharedStepsFrom(a.snapshot)).to.equal(0);
  });

  it('a lap of a cycle comes back to the very snapshot it left, so agents with different histories share their steps', () => {
    const model = new MachineModel(evMachine);
    const a = new Lifecycle(model, { v2gCapable: true });
    const b = new Lifecycle(model, { v2gCapable: true });
    a.send({ type: 'ARRIVE' });
    const pluggedIdle = a.snapshot;
    for (const type of ['CHARGE', 'FULL', 'DEPART', 'ARRIVE'] as const) a.send({ type });
    expect(a.value).to.equal('plugged-idle');
    expect(a.snapshot, 'one plugged-idle snapshot per context').to.equal(pluggedIdle);
    // b comes back to plugged-idle by another path (through discharging): the same snapshot again.
    for (const type of ['ARRIVE', 'DISCHARGE', 'IDLE'] as const) b.send(type === 'DISCHARGE' ? { type, aboveFloor: true } : { type });
    expect(b.snapshot).to.equal(pluggedIdle);
    expect(model.sharedStepsFrom(pluggedIdle)).to.equal(2); // CHARGE (a) and DISCHARGE (b)
  });

  it('runs the actions a step returns, every time (a step with actions is never shared)', () => {
    const log: string[] = [];
    const machine = setup({
      types: { events: {} as { type: 'GO' } | { type: 'BACK' } },
      actions: { note: (_, params: { what: string }) => log.push(params.what) },
    }).createMachine({
      initial: 'idle',
      entry: { type: 'note', params: { what: 'start' } },
      states: {
        idle: { on: { GO: { target: 'busy', actions: { type: 'note', params: { what: 'go' } } } } },
        busy: { entry: { type: 'note', params: { what: 'busy' } }, on: { BACK: 'idle' } },
      },
    });
    const model = new MachineModel(machine);
    const [x, y] = [new Lifecycle(model), new Lifecycle(model)];
    expect(log).to.deep.equal(['start', 'start']);
    x.send({ type: 'GO' });
    y.send({ type: 'GO' });
    x.send({ type: 'BACK' });
    x.send({ type: 'GO' });
    expect(log).to.deep.equal(['start', 'start', 'go', 'busy', 'go', 'busy', 'go', 'busy']);
    expect([x.value, y.value]).to.deep.equal(['busy', 'busy']);
  });

  it('a guard that throws makes send throw and leaves the state as it was', () => {
    const machine = setup({
      types: { events: {} as { type: 'TRY' } | { type: 'OK' } },
      guards: {
        broken: () => {
          throw new Error('sensor unreadable');
        },
      },
    }).createMachine({ initial: 'a', states: { a: { on: { TRY: { target: 'b', guard: 'broken' }, OK: 'b' } }, b: {} } });
    const l = new Lifecycle(new MachineModel(machine));
    expect(() => l.send({ type: 'TRY' })).to.throw(/sensor unreadable/);
    expect(l.value).to.equal('a');
    l.send({ type: 'OK' });
    expect(l.value).to.equal('b');
  });

  it(`shares at most ${MAX_STEPS_PER_SNAPSHOT} steps from one snapshot: events carrying ever new strings are stepped afresh beyond them`, () => {
    const machine = setup({ types: { events: {} as { type: 'TAG'; id: string } } }).createMachine({ initial: 'on', states: { on: { on: { TAG: {} } } } });
    const model = new MachineModel(machine);
    const l = new Lifecycle(model);
    const start = l.snapshot;
    for (let k = 0; k < MAX_STEPS_PER_SNAPSHOT + 500; k++) l.send({ type: 'TAG', id: `cmd-${k}` });
    expect(l.value).to.equal('on');
    // A targetless transition without actions keeps the snapshot: every step is from `start`.
    expect(l.snapshot).to.equal(start);
    expect(model.sharedStepsFrom(start)).to.equal(MAX_STEPS_PER_SNAPSHOT);
  });
});
