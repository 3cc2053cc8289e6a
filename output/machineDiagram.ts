/**
 * A state machine drawn from its own definition (an XState machine's root state
 * node), as inline SVG: states as boxes, transitions as arrows labelled with their
 * events, the initial state marked, and each state's share of time. Drawing from the
 * definition means the picture can never drift from the code.
 *
 * The layout is dagre's (a layered graph layout, run here at generation time, so the
 * page stays self-contained): every edge label is a box of its own in the layout, so
 * no label lands on another label or on a state.
 */
import { Graph, layout } from '@dagrejs/dagre';
import type { AnyStateMachine } from 'xstate';
import { escapeHtml } from './report.ts';

interface StateNodeLike {
  readonly key: string;
  readonly states: Record<string, StateNodeLike>;
  readonly transitions: Map<string, ReadonlyArray<{ readonly target?: ReadonlyArray<{ readonly key: string }> }>>;
  readonly initial?: { readonly target?: ReadonlyArray<{ readonly key: string }> };
}

export interface MachineShape {
  readonly id: string;
  readonly states: readonly string[];
  readonly initial: string | undefined;
  /** Each transition: from, to, the events that take it. */
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string; readonly events: readonly string[] }>;
}

/** The top-level states and transitions of a machine, read from its definition. */
export function machineShape(machine: AnyStateMachine): MachineShape {
  const root = (machine as unknown as { root: StateNodeLike }).root;
  const states = Object.keys(root.states);
  const edges = new Map<string, { from: string; to: string; events: string[] }>();
  for (const from of states) {
    for (const [event, transitions] of root.states[from]!.transitions) {
      for (const t of transitions) {
        for (const target of t.target ?? []) {
          const key = `${from}\u0001${target.key}`;
          const e = edges.get(key) ?? { from, to: target.key, events: [] };
          if (!e.events.includes(event)) e.events.push(event);
          edges.set(key, e);
        }
      }
    }
  }
  return { id: machine.id, states, initial: root.initial?.target?.[0]?.key, edges: [...edges.values()] };
}

/** Text width estimate, px, generous for a sans-serif font (the layout reserves it; the browser test measures the real one). */
const textWidth = (text: string, fontPx: number): number => Math.ceil(text.length * fontPx * 0.62) + 8;
const STATE_FONT = 12;
const LABEL_FONT = 10;
const LABEL_HEIGHT = 14;

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface MachineLayout {
  readonly width: number;
  readonly height: number;
  /** Per state: its box, centred at (x, y). */
  readonly states: ReadonlyMap<string, Box>;
  /** Per edge (shape order): the label's box, centred at (x, y), and the arrow's points. */
  readonly edges: ReadonlyArray<{ readonly label: string; readonly box: Box; readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }> }>;
}

/**
 * Layouts made in this process, by shape. A shape comes from a machine's definition, which is the
 * same in every run: a batch worker's later runs (and a bench's later days) drew the same few
 * diagrams again, 60–100 ms a run for the eight kinds, and V8 compiled dagre again each time.
 */
const layouts = new Map<string, MachineLayout>();

/** Lays the machine out: left to right in the order of its transitions. Pure (the same shape gives the same layout, made once). */
export function layoutMachine(shape: MachineShape): MachineLayout {
  const key = JSON.stringify(shape);
  let laid = layouts.get(key);
  if (!laid) layouts.set(key, (laid = computeLayout(shape)));
  return laid;
}

function computeLayout(shape: MachineShape): MachineLayout {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 40, edgesep: 14, marginx: 8, marginy: 8 });
  for (const s of shape.states) g.setNode(s, { width: Math.max(110, textWidth(s, STATE_FONT)), height: 38 });
  shape.edges.forEach((e, i) => {
    const label = e.events.join(', ');
    g.setEdge(e.from, e.to, { width: textWidth(label, LABEL_FONT), height: LABEL_HEIGHT, labelpos: 'c' }, `e${i}`);
  });
  layout(g);
  const states = new Map(shape.states.map((s) => {
    const n = g.node(s);
    return [s, { x: n.x, y: n.y, width: n.width, height: n.height }] as const;
  }));
  const edges = shape.edges.map((e, i) => {
    const d = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { x: number; y: number; width: number; height: number; points: Array<{ x: number; y: number }> };
    return { label: e.events.join(', '), box: { x: d.x, y: d.y, width: d.width, height: d.height }, points: d.points };
  });
  const graph = g.graph() as { width?: number; height?: number };
  return { width: Math.ceil(graph.width ?? 0), height: Math.ceil(graph.height ?? 0), states, edges };
}

const f1 = (x: number): string => x.toFixed(1);

/** SVG of the machine; `timeShare` (state → fraction of agent-time) is printed under each state. */
export function machineSvg(shape: MachineShape, timeShare: ReadonlyMap<string, number> = new Map()): string {
  const laid = layoutMachine(shape);
  const marker = `arrow-${escapeHtml(shape.id)}`;
  const parts: string[] = [];
  parts.push(`<defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`);
  for (const e of laid.edges) {
    // A smooth curve through dagre's points: quadratic segments between their midpoints.
    const p = e.points;
    let d = `M${f1(p[0]!.x)},${f1(p[0]!.y)}`;
    for (let k = 1; k < p.length - 1; k++) d += ` Q${f1(p[k]!.x)},${f1(p[k]!.y)} ${f1((p[k]!.x + p[k + 1]!.x) / 2)},${f1((p[k]!.y + p[k + 1]!.y) / 2)}`;
    d += ` L${f1(p[p.length - 1]!.x)},${f1(p[p.length - 1]!.y)}`;
    parts.push(`<path class="transition" d="${d}" fill="none" stroke="#555" marker-end="url(#${marker})"/>`);
  }
  for (const e of laid.edges) {
    const b = e.box;
    parts.push(
      `<g class="edge-label"><rect x="${f1(b.x - b.width / 2)}" y="${f1(b.y - b.height / 2)}" width="${f1(b.width)}" height="${f1(b.height)}" fill="#fff" fill-opacity="0.85"/>` +
        `<text x="${f1(b.x)}" y="${f1(b.y + 3.5)}" font-size="${LABEL_FONT}" text-anchor="middle" fill="#333">${escapeHtml(e.label)}</text></g>`,
    );
  }
  for (const s of shape.states) {
    const b = laid.states.get(s)!;
    const share = timeShare.get(s);
    const initial = s === shape.initial;
    parts.push(
      `<g class="state" data-state="${escapeHtml(s)}"><rect x="${f1(b.x - b.width / 2)}" y="${f1(b.y - b.height / 2)}" width="${f1(b.width)}" height="${f1(b.height)}" rx="8" fill="${initial ? '#e8f0fe' : '#f6f6f6'}" stroke="${initial ? '#1f77b4' : '#888'}" stroke-width="${initial ? 2 : 1}"/>` +
        `<text x="${f1(b.x)}" y="${f1(b.y - 2)}" font-size="${STATE_FONT}" text-anchor="middle" font-weight="600">${escapeHtml(s)}</text>` +
        `<text x="${f1(b.x)}" y="${f1(b.y + 12)}" font-size="10" text-anchor="middle" fill="#555">${share === undefined ? '' : `${(share * 100).toFixed(1)} % of time`}</text></g>`,
    );
  }
  // Its natural size, scaled down to a narrower page (a phone): the width and height give the aspect ratio.
  return `<svg class="machine" viewBox="0 0 ${laid.width} ${laid.height}" width="${laid.width}" height="${laid.height}" style="max-width: 100%; height: auto" role="img" aria-label="${escapeHtml(shape.id)} state machine">${parts.join('')}</svg>`;
}
