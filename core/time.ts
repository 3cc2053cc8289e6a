/**
 * Virtual time. gridbid never reads the wall clock: a `SimTime` is milliseconds
 * since the Unix epoch on the *simulated* timeline, advanced only by the engine's
 * clock. Formatting is ISO-8601 UTC, as every output file uses.
 */
import type { Brand } from './units.ts';

export type SimTime = Brand<number, 'SimTime'>;
export const simTime = (ms: number): SimTime => ms as SimTime;

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** Parses an ISO-8601 timestamp with an explicit zone (or `Z`); returns undefined when invalid. */
export function parseSimTime(iso: string): SimTime | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(iso)) return undefined;
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls impossible dates over (2026-02-30 → March 2): refuse them.
  const [y, mo, d] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined;
  if (iso.length > 10 && Number(iso.slice(11, 13)) > 23) return undefined;
  return simTime(ms);
}

/** `2026-07-01T17:15:00Z`: seconds kept only when non-zero, so files stay short and stable. */
export function formatSimTime(t: SimTime): string {
  const s = new Date(t).toISOString();
  return s.endsWith(':00.000Z') ? `${s.slice(0, 16)}:00Z` : s;
}

export const minutesToMs = (minutes: number): number => minutes * MS_PER_MINUTE;
