/**
 * The scenario's `comms:` key: `ideal` (the default: every message delivered at
 * once, as gridbid did before the communication plane) or a plane with per-class
 * overrides and shared links. Units are in the key names. Unknown keys, classes and
 * reference points are errors, each located by its path.
 *
 * ```yaml
 * comms:
 *   classes:
 *     ami: { latency: { distribution: lognormal, medianMs: 4000, sigma: 0.6 } }
 *     demand-response: { priority: 0 }
 *   links:
 *     - { id: feeder-1-backhaul, capacityBitPerS: 64000, referencePoints: [RP2, RP3] }
 * ```
 */
import * as z from 'zod';
import { formatPath, type InputIssue } from '../core/errors.ts';
import { APPLICATION_CLASSES, type ApplicationClass, type ClassParams, defaultClassParams, isApplicationClass } from './applicationClasses.ts';
import { REFERENCE_POINTS, type ReferencePoint } from './referencePoints.ts';
import { parseSimTime } from '../core/time.ts';

const isoTime = z.string().refine((s) => parseSimTime(s) !== undefined, { error: 'expected an ISO-8601 time in UTC or with its offset, such as 2026-07-01T17:00:00Z' });

/** A day: no message waits longer in a simulation of market intervals (issue 14: every number bounded). */
const MAX_MS = 86_400_000;
const nonNegativeMs = (what: string) => z.number().min(0, { error: `${what} must be ≥ 0 ms (a delay cannot be negative)` }).max(MAX_MS);

export const latencySchema = z.discriminatedUnion('distribution', [
  z.strictObject({ distribution: z.literal('fixed'), ms: nonNegativeMs('latency') }),
  z
    .strictObject({ distribution: z.literal('uniform'), minMs: nonNegativeMs('minMs'), maxMs: nonNegativeMs('maxMs') })
    .refine((d) => d.minMs <= d.maxMs, { path: ['maxMs'], error: 'must be ≥ minMs' }),
  z.strictObject({
    distribution: z.literal('lognormal'),
    medianMs: z.number().positive({ error: 'medianMs must be > 0 ms (a log-normal delay is positive)' }).max(MAX_MS),
    sigma: z.number().min(0, { error: 'sigma must be ≥ 0' }).max(10),
  }),
]);

export const classOverrideSchema = z.strictObject({
  latency: latencySchema.optional(),
  jitterMs: nonNegativeMs('jitterMs').optional(),
  lossProbability: z.number().min(0, { error: 'a loss probability must lie in [0, 1]' }).max(1, { error: 'a loss probability must lie in [0, 1]' }).optional(),
  bandwidthBitPerS: z.number().min(1, { error: 'bandwidth must be at least 1 bit/s' }).max(1e15).optional(),
  priority: z.int().min(0, { error: 'priority must be an integer ≥ 0 (0 is served first)' }).max(1000).optional(),
  retry: z.strictObject({ maxRetries: z.int().min(0).max(100), backoffMs: nonNegativeMs('backoffMs') }).optional(),
});

const knownClasses = `known: ${APPLICATION_CLASSES.join(', ')}`;

export const linkSchema = z.strictObject({
  id: z.string().min(1),
  capacityBitPerS: z.number().min(1, { error: 'link capacity must be at least 1 bit/s (a link that carries nothing is an outage, not a link)' }).max(1e15),
  /** The reference points whose messages cross this link. */
  referencePoints: z.array(z.enum(REFERENCE_POINTS, { error: `unknown reference point; expected one of ${REFERENCE_POINTS.join(', ')}` })).min(1),
  /** Only these classes (default: every class) of those reference points. */
  classes: z.array(z.string().refine(isApplicationClass, { error: `unknown application class (${knownClasses})` })).min(1).optional(),
  /** Windows in which the link is down (an outage or a denial of service), ISO-8601 UTC, [from, until). */
  outages: z.array(z.strictObject({ from: isoTime, until: isoTime }).refine((o) => !(parseSimTime(o.until)! <= parseSimTime(o.from)!), { path: ['until'], error: 'must be after from' })).optional(),
});

export const commsPlaneSchema = z
  .strictObject({
    /** Overrides per application class; an unknown class name is an unknown key. */
    classes: z.strictObject(Object.fromEntries(APPLICATION_CLASSES.map((c) => [c, classOverrideSchema.optional()])) as Record<ApplicationClass, z.ZodOptional<typeof classOverrideSchema>>).default({}),
    links: z.array(linkSchema).default([]),
  })
  .superRefine((c, ctx) => {
    // Each (reference point, class) pair must name one link, or delivery would be ambiguous.
    const carrier = new Map<string, string>();
    const seenIds = new Set<string>();
    c.links.forEach((l, i) => {
      if (seenIds.has(l.id)) ctx.addIssue({ code: 'custom', path: ['links', i, 'id'], message: `duplicate link id '${l.id}'` });
      seenIds.add(l.id);
      for (const rp of l.referencePoints) {
        for (const cls of l.classes ?? APPLICATION_CLASSES) {
          const key = `${rp}/${cls}`;
          const other = carrier.get(key);
          if (other !== undefined && other !== l.id) ctx.addIssue({ code: 'custom', path: ['links', i], message: `${cls} traffic over ${rp} is already carried by link '${other}'` });
          else carrier.set(key, l.id);
        }
      }
    });
  });

/** `ideal` or a plane; the default is `ideal`. */
export const commsSchema = z.union([z.literal('ideal'), commsPlaneSchema]).default('ideal');
export type CommsInput = z.input<typeof commsSchema>;
export type CommsConfig = z.infer<typeof commsSchema>;

export interface LinkConfig {
  readonly id: string;
  readonly capacityBitPerS: number;
  readonly referencePoints: readonly ReferencePoint[];
  readonly classes?: readonly ApplicationClass[] | undefined;
  readonly outages?: readonly { readonly fromMs: number; readonly untilMs: number }[] | undefined;
}

/** A plane with every class's parameters filled in (defaults overridden by the scenario). */
export interface ResolvedPlane {
  readonly classes: Readonly<Record<ApplicationClass, ClassParams>>;
  readonly links: readonly LinkConfig[];
}

export function resolvePlane(c: Exclude<CommsConfig, 'ideal'>): ResolvedPlane {
  const classes = {} as Record<ApplicationClass, ClassParams>;
  for (const cls of APPLICATION_CLASSES) {
    const o = c.classes[cls] ?? {};
    const d = defaultClassParams(cls);
    classes[cls] = {
      latency: o.latency ?? d.latency,
      jitterMs: o.jitterMs ?? d.jitterMs,
      lossProbability: o.lossProbability ?? d.lossProbability,
      bandwidthBitPerS: o.bandwidthBitPerS ?? d.bandwidthBitPerS,
      priority: o.priority ?? d.priority,
      retry: o.retry ?? d.retry,
    };
  }
  return {
    classes,
    links: c.links.map((l) => ({
      id: l.id,
      capacityBitPerS: l.capacityBitPerS,
      referencePoints: l.referencePoints,
      classes: l.classes as ApplicationClass[] | undefined,
      outages: l.outages?.map((o) => ({ fromMs: parseSimTime(o.from)!, untilMs: parseSimTime(o.until)! })),
    })),
  };
}

export type CommsParse = { readonly ok: true; readonly config: CommsConfig } | { readonly ok: false; readonly issues: readonly InputIssue[] };

/**
 * Validates a `comms:` value on its own (the scenario loader reports the same
 * problems with line numbers). Paths start at `comms`, e.g. `comms.links[0].capacityBitPerS`.
 */
export function parseCommsConfig(raw: unknown): CommsParse {
  const r = commsSchema.safeParse(raw);
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, issues: r.error.issues.flatMap((i) => leafIssues(i, ['comms'])) };
}

type ZodIssue = z.core.$ZodIssue;
/** Unions report their options' issues nested; keep the option that matched the input's shape. */
function leafIssues(i: ZodIssue, prefix: PropertyKey[]): InputIssue[] {
  const path = [...prefix, ...i.path];
  if (i.code === 'invalid_union' && i.errors.length > 0) {
    // The input matched the plane's shape (an object): its issues are the useful ones.
    const plane = i.errors.find((opt) => !opt.some((x) => x.path.length === 0 && (x.code === 'invalid_value' || x.code === 'invalid_type')));
    if (plane === undefined) return [{ path: formatPath(path), message: `expected 'ideal' or a mapping with classes and links` }];
    return plane.flatMap((x) => leafIssues(x, path));
  }
  if (i.code === 'unrecognized_keys') {
    const what = path[path.length - 1] === 'classes' ? `unknown application class (${knownClasses})` : 'unknown key';
    return i.keys.map((k) => ({ path: formatPath([...path, k]), message: `${what}: '${k}'` }));
  }
  return [{ path: formatPath(path), message: i.message }];
}
