/**
 * The state diagrams of report.html, laid out by dagre: for every agent kind's machine
 * and the operators', no two boxes (states and edge labels) overlap, every transition
 * of the definition is drawn, and the drawing fits its canvas. The browser test checks
 * the same on the rendered page with the real font's text boxes.
 */
import { expect } from 'chai';
import { agentKinds } from '../../agents/registry.ts';
import { operationsMachine } from '../../agents/operations/machine.ts';
import { layoutMachine, machineShape, machineSvg } from '../../output/machineDiagram.ts';

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}
const overlap = (a: Box, b: Box): boolean =>
  Math.abs(a.x - b.x) * 2 < a.width + b.width - 1e-6 && Math.abs(a.y - b.y) * 2 < a.height + b.height - 1e-6;

const machines = [...agentKinds.map((k) => k.machine), operationsMachine];

describe('output/machineDiagram: dagre layout', () => {
  for (const machine of machines) {
    it(`${machine.id}: no state or edge label overlaps another; every transition drawn inside the canvas`, () => {
      const shape = machineShape(machine);
      const laid = layoutMachine(shape);
      const boxes = [...[...laid.states].map(([name, box]) => ({ name: `state ${name}`, box })), ...laid.edges.map((e) => ({ name: `label ${e.label}`, box: e.box }))];
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i]!.box, boxes[j]!.box), `${boxes[i]!.name} × ${boxes[j]!.name}`).to.equal(false);
      expect(laid.edges).to.have.length(shape.edges.length);
      for (const { box } of boxes) {
        expect(box.x - box.width / 2).to.be.at.least(0);
        expect(box.y - box.height / 2).to.be.at.least(0);
        expect(box.x + box.width / 2).to.be.at.most(laid.width);
        expect(box.y + box.height / 2).to.be.at.most(laid.height);
      }
      const svg = machineSvg(shape);
      expect(svg.match(/class="transition"/g) ?? []).to.have.length(shape.edges.length);
      expect(svg.match(/class="state"/g) ?? []).to.have.length(shape.states.length);
    });
  }

  it('lays each shape out once per process: a later run asks again for an equal shape and gets the same layout', () => {
    const [a, b] = [machines[0]!, machines[1]!];
    const first = layoutMachine(machineShape(a));
    // A new shape object, equal to the first (as every run reads it from the same definition).
    const again = layoutMachine(JSON.parse(JSON.stringify(machineShape(a))) as ReturnType<typeof machineShape>);
    expect(again).to.equal(first);
    expect(layoutMachine(machineShape(b))).to.not.equal(first);
    expect(machineSvg(machineShape(a))).to.equal(machineSvg(machineShape(a)));
  });
});
