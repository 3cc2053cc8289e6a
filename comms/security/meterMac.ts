/**
 * Integrity of meter reads in transit: the meter appends an HMAC-SHA256 over the
 * canonical bytes of the read, keyed with the key it shares with the head-end
 * (`meterMacKey`). The head-end recomputes it; any change to any field — or a read
 * sealed with another meter's key — fails. Constant-time comparison.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MeterRead } from '../../metering/meter.ts';

export interface SealedRead extends MeterRead {
  /** HMAC-SHA256, hex. */
  readonly mac: string;
}

/** Fixed field order; undefined voltage is written as empty so it cannot be confused with 0. */
function readBytes(r: MeterRead): string {
  // UTF-8 text of the fields in a fixed order (Hmac.update encodes a string as UTF-8).
  return JSON.stringify([r.meterId, r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, r.voltagePu ?? null]);
}

export function sealRead(r: MeterRead, key: Buffer): SealedRead {
  return { ...r, mac: createHmac('sha256', key).update(readBytes(r)).digest('hex') };
}

/** True when the read is exactly what the meter holding `key` sealed. */
export function readIntact(r: SealedRead, key: Buffer): boolean {
  const expected = createHmac('sha256', key).update(readBytes(r)).digest();
  const got = Buffer.from(r.mac, 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}
