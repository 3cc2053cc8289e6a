/**
 * A state machine drawn from its own definition (an XState machine's root state
 * node), as inline SVG: states on a circle, transitions as arrows labelled with
 * their events, the initial state marked, and each state's share of time. Drawing
 * from the definition means the picture can never drift from the code.
 */
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

/** SVG of the machine; `timeShare` (state → fraction of agent-time) is printed under each state. */
export function machineSvg(shape: MachineShape, timeShare: ReadonlyMap<string, number> = new Map()): string {
  const n = shape.states.length;
  const width = 600;
  const height = 340;
  const cx = width / 2;
  const cy = height / 2;
  const r = n <= 2 ? 120 : 150;
  const box = { w: 118, h: 38 };
  const pos = new Map(shape.states.map((s, i) => [s, { x: cx + r * Math.cos(-Math.PI / 2 + (2 * Math.PI * i) / n), y: cy + r * 0.85 * Math.sin(-Math.PI / 2 + (2 * Math.PI * i) / n) }]));
  const parts: string[] = [];
  parts.push(`<defs><marker id="arrow-${escapeHtml(shape.id)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`);
  for (const e of shape.edges) {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    const label = escapeHtml(e.events.join(', '));
    if (e.from === e.to) {
      parts.push(`<path d="M${a.x - 20},${a.y - box.h / 2} C${a.x - 40},${a.y - 70} ${a.x + 40},${a.y - 70} ${a.x + 20},${a.y - box.h / 2}" fill="none" stroke="#555" marker-end="url(#arrow-${escapeHtml(shape.id)})"/>`);
      parts.push(`<text x="${a.x}" y="${a.y - 62}" font-size="10" text-anchor="middle" fill="#333">${label}</text>`);
      continue;
    }
    // Two-way pairs are bent apart so both arrows and labels stay readable.
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const nx = -dy / len;
    const ny = dx / len;
    const bend = 24;
    const shrink = (t: number, p: { x: number; y: number }, toward: { x: number; y: number }): { x: number; y: number } => ({
      x: p.x + ((toward.x - p.x) * t) / len,
      y: p.y + ((toward.y - p.y) * t) / len,
    });
    const start = shrink(Math.min(60, len / 3), a, b);
    const end = shrink(Math.min(60, len / 3), b, a);
    const mx = (start.x + end.x) / 2 + nx * bend;
    const my = (start.y + end.y) / 2 + ny * bend;
    parts.push(`<path d="M${start.x.toFixed(1)},${start.y.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${end.x.toFixed(1)},${end.y.toFixed(1)}" fill="none" stroke="#555" marker-end="url(#arrow-${escapeHtml(shape.id)})"/>`);
    parts.push(`<text x="${(mx + nx * 6).toFixed(1)}" y="${(my + ny * 6).toFixed(1)}" font-size="10" text-anchor="middle" fill="#333">${label}</text>`);
  }
  for (const s of shape.states) {
    const p = pos.get(s)!;
    const share = timeShare.get(s);
    const initial = s === shape.initial;
    parts.push(
      `<g class="state" data-state="${escapeHtml(s)}"><rect x="${(p.x - box.w / 2).toFixed(1)}" y="${(p.y - box.h / 2).toFixed(1)}" width="${box.w}" height="${box.h}" rx="8" fill="${initial ? '#e8f0fe' : '#f6f6f6'}" stroke="${initial ? '#1f77b4' : '#888'}" stroke-width="${initial ? 2 : 1}"/>` +
        `<text x="${p.x.toFixed(1)}" y="${(p.y - 2).toFixed(1)}" font-size="12" text-anchor="middle" font-weight="600">${escapeHtml(s)}</text>` +
        `<text x="${p.x.toFixed(1)}" y="${(p.y + 12).toFixed(1)}" font-size="10" text-anchor="middle" fill="#555">${share === undefined ? '' : `${(share * 100).toFixed(1)} % of time`}</text></g>`,
    );
  }
  return `<svg class="machine" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(shape.id)} state machine">${parts.join('')}</svg>`;
}
