/**
 * Signed commands and events (curtailment, V2G, DR events, prices): the issuer
 * signs with Ed25519; a receiver accepts only when
 * 1. the issuer is one it trusts (it holds that issuer's public key),
 * 2. the signature verifies over the canonical bytes of (issuer, issuedAtMs, nonce, payload),
 * 3. it is addressed to this receiver (a payload naming a `target` names the receiver's
 *    id): a genuine command for A, copied to B within its window, verifies at B — B's nonce
 *    cache is its own — and must not move B,
 * 4. the command is fresh: issued no more than `freshnessMs` before the receiver's
 *    virtual time, and not in its future beyond `clockSkewMs`,
 * 5. its nonce has not been seen from that issuer within the freshness window.
 *
 * Checks run in that order and the first failure is the reason. A nonce is recorded
 * only for a command that passed 1–4, so forged traffic cannot fill the cache or
 * block a genuine nonce; entries older than the window are dropped, since such a
 * command is rejected as stale anyway (the cache stays bounded).
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import type { SigningKeyPair } from './keys.ts';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };

export interface SignedEnvelope<P extends JsonValue = JsonValue> {
  readonly issuer: string;
  readonly issuedAtMs: number;
  readonly nonce: string;
  readonly payload: P;
  /** Ed25519 signature, base64. */
  readonly signature: string;
}

export type RejectionReason = 'unknown-issuer' | 'bad-signature' | 'wrong-target' | 'stale' | 'from-the-future' | 'replay';
export type Verdict<P extends JsonValue> = { readonly ok: true; readonly payload: P; readonly issuer: string } | { readonly ok: false; readonly reason: RejectionReason; readonly detail: string };

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(v: JsonValue): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`cannot sign a non-finite number (${v})`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as { readonly [k: string]: JsonValue };
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k]!)}`)
    .join(',')}}`;
}

const signedBytes = (issuer: string, issuedAtMs: number, nonce: string, payload: JsonValue): Buffer => Buffer.from(canonicalJson({ issuer, issuedAtMs, nonce, payload }), 'utf8');

/** Signs on behalf of one issuer; nonces are `<issuer>#<n>`, n counting from 1 (deterministic, unique per issuer). */
export class CommandSigner {
  private counter = 0;
  constructor(private readonly keys: SigningKeyPair) {}

  get issuer(): string {
    return this.keys.party;
  }

  sign<P extends JsonValue>(payload: P, issuedAtMs: number): SignedEnvelope<P> {
    const nonce = `${this.keys.party}#${++this.counter}`;
    const signature = sign(null, signedBytes(this.keys.party, issuedAtMs, nonce, payload), this.keys.privateKey).toString('base64');
    return { issuer: this.keys.party, issuedAtMs, nonce, payload, signature };
  }
}

export interface VerifierOptions {
  /** How old (virtual ms) a command may be when it arrives. */
  readonly freshnessMs: number;
  /** How far in the receiver's future a command's time may lie (clock skew allowed). Default 0. */
  readonly clockSkewMs?: number;
}

/** The `target` a payload names, if it is an object naming one. */
function targetOf(payload: JsonValue): string | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const t = (payload as { readonly [k: string]: JsonValue })['target'];
  return typeof t === 'string' ? t : undefined;
}

export class CommandVerifier {
  /** nonce → issuedAtMs, per issuer. */
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(
    private readonly trusted: ReadonlyMap<string, KeyObject>,
    private readonly options: VerifierOptions,
  ) {
    if (!(options.freshnessMs >= 0)) throw new RangeError(`freshnessMs must be ≥ 0, got ${options.freshnessMs}`);
  }

  /** Checks a received envelope at the receiver's virtual time `nowMs`; `receiver`: its id, checked against the payload's `target`. */
  verify<P extends JsonValue>(e: SignedEnvelope<P>, nowMs: number, receiver?: string): Verdict<P> {
    const key = this.trusted.get(e.issuer);
    if (!key) return { ok: false, reason: 'unknown-issuer', detail: `'${e.issuer}' is not a trusted issuer` };
    let valid: boolean;
    try {
      valid = verify(null, signedBytes(e.issuer, e.issuedAtMs, e.nonce, e.payload), key, Buffer.from(e.signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) return { ok: false, reason: 'bad-signature', detail: `signature does not verify with ${e.issuer}'s key (forged or altered)` };
    const target = targetOf(e.payload);
    if (receiver !== undefined && target !== undefined && target !== receiver) return { ok: false, reason: 'wrong-target', detail: `addressed to '${target}', not to '${receiver}' (a copy of another receiver's command)` };
    const age = nowMs - e.issuedAtMs;
    if (age > this.options.freshnessMs) return { ok: false, reason: 'stale', detail: `issued ${(age / 1000).toFixed(3)} s ago; the window is ${this.options.freshnessMs / 1000} s` };
    if (-age > (this.options.clockSkewMs ?? 0)) return { ok: false, reason: 'from-the-future', detail: `issued ${-age} ms after the receiver's time` };
    const nonces = this.seen.get(e.issuer) ?? new Map<string, number>();
    this.seen.set(e.issuer, nonces);
    for (const [n, t] of nonces) if (nowMs - t > this.options.freshnessMs) nonces.delete(n);
    if (nonces.has(e.nonce)) return { ok: false, reason: 'replay', detail: `nonce ${e.nonce} already used` };
    nonces.set(e.nonce, e.issuedAtMs);
    return { ok: true, payload: e.payload, issuer: e.issuer };
  }

  /** Nonces held (for tests of the cache bound). */
  get cachedNonces(): number {
    let n = 0;
    for (const m of this.seen.values()) n += m.size;
    return n;
  }
}
