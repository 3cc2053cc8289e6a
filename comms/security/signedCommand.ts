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
 *
 * Check 2 on an envelope this process signed: the signer notes, per envelope, the text it
 * signed and the public key of its private key (`signedHere`). An envelope whose text is still
 * that, checked against that same public key, verifies: Ed25519 is deterministic and a signature
 * verifies under the key pair that made it (RFC 8032 §5.1.7), so the answer is known without the
 * curve arithmetic — which was most of a run's time where an operator commands every home every
 * interval (~0.15 ms a check, one per command). Everything else — another key (a forger's, an
 * impostor's), an altered copy, a payload changed in place, an envelope from elsewhere — is
 * checked on the curve, as before. The verdicts are the same.
 *
 * The signed text itself is made once, at signing, where it cannot have changed since: an envelope
 * is frozen, and where its payload is deeply frozen too (`fixed`: every object in it frozen, every
 * property a data property — a frozen data property reads the same value for ever, even through a
 * proxy, whose invariants forbid otherwise), the text a check would make is the one signed. A payload
 * that is not frozen (a test's, one changed in place) has its text made again at every check, as
 * before. The engine freezes the command payloads it signs (engine/interval/comms.ts).
 *
 * For the same reason the signature itself is worked out when first read, not when signing
 * (~0.05 ms each): the envelope is frozen and its `signature` a getter that signs the text once,
 * so whoever reads it — a copy made in transit, a replay, a test — gets the bytes the issuer's
 * key gives, and an envelope no one copies never needs them.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
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

/**
 * JSON with object keys sorted at every level: the same value always gives the same bytes.
 * Written by concatenation, the keys' JSON kept (a run signs the same few keys ~100,000 times a
 * day: making the text was a twentieth of a commanded plane run); the text is that of
 * `JSON.stringify` of each key and leaf, joined as `{"k":v,…}` and `[v,…]` (test/comms/canonicalJson.spec.ts
 * holds it to that over random values).
 */
export function canonicalJson(v: JsonValue): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`cannot sign a non-finite number (${v})`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) {
    let out = '[';
    // `?? ''`: what `join` made of an element with no JSON (a hole, undefined) — outside JsonValue, but the same text as ever.
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + ((canonicalJson(v[i]!) as string | undefined) ?? '');
    return `${out}]`;
  }
  const o = v as { readonly [k: string]: JsonValue };
  const keys = Object.keys(o).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) out += `${i === 0 ? '' : ','}${keyJson(keys[i]!)}:${canonicalJson(o[keys[i]!]!)}`;
  return `${out}}`;
}

/** A key's JSON, kept for the keys seen (bounded: a caller's keys could be many). */
const keyTexts = new Map<string, string>();
function keyJson(k: string): string {
  let t = keyTexts.get(k);
  if (t === undefined) {
    if (keyTexts.size >= 4096) keyTexts.clear();
    keyTexts.set(k, (t = JSON.stringify(k)));
  }
  return t;
}

/**
 * Can `v`'s canonical JSON never change: is every object in it frozen, with data properties only?
 * (A frozen data property is neither writable nor configurable: reading it gives the same value for
 * ever, and a proxy must report it so.) Array elements are properties like any other.
 */
export function deeplyFixed(v: JsonValue): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (!Object.isFrozen(v)) return false;
  for (const k of Object.keys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, k);
    if (d === undefined || !('value' in d) || !deeplyFixed(d.value as JsonValue)) return false;
  }
  return true;
}

/**
 * The text an envelope's signature is over: the canonical JSON of issuer, issue time, nonce and payload,
 * written with the four keys in their sorted order rather than as an object to sort (one text per command).
 * `canonicalJson` of a number is `JSON.stringify`'s, as here; test/comms/security.signedText.spec.ts holds the two equal.
 */
export function signedText(issuer: string, issuedAtMs: number, nonce: string, payload: JsonValue): string {
  // Anything but a string issuer and nonce and a finite time (a forger's envelope may carry any value): the generic writer, its text or its error.
  if (typeof issuer !== 'string' || typeof nonce !== 'string' || typeof issuedAtMs !== 'number' || !Number.isFinite(issuedAtMs)) return canonicalJson({ issuer, issuedAtMs, nonce, payload });
  return `{"issuedAtMs":${JSON.stringify(issuedAtMs)},"issuer":${JSON.stringify(issuer)},"nonce":${JSON.stringify(nonce)},"payload":${canonicalJson(payload)}}`;
}

/**
 * What this process signed, per envelope (held only as long as the envelope): the text, the public key of
 * the private key that signed, and whether the text can never change (`fixed`: the payload deeply frozen; see the header).
 */
const signedHere = new WeakMap<object, { readonly text: string; readonly publicKey: KeyObject; readonly fixed: boolean }>();

/** Signs on behalf of one issuer; nonces are `<issuer>#<n>`, n counting from 1 (deterministic, unique per issuer). */
export class CommandSigner {
  private counter = 0;
  /** The public key of the private key that signs (derived from it, not taken from the pair: an impostor's pair may name any). */
  private readonly publicKey: KeyObject;

  constructor(private readonly keys: SigningKeyPair) {
    // Only an Ed25519 key: the memo's "verifies without the curve" rests on it (deterministic, and a key that signs at all);
    // with one that cannot sign (X25519, DH) the signature, made when first read, would never exist, yet the memo would accept.
    const type = keys.privateKey.asymmetricKeyType;
    if (keys.privateKey.type !== 'private' || type !== 'ed25519') throw new TypeError(`signer '${keys.party}': an Ed25519 private key is needed to sign commands, got ${keys.privateKey.type} key ${type ?? '(symmetric)'}`);
    this.publicKey = createPublicKey(keys.privateKey);
  }

  get issuer(): string {
    return this.keys.party;
  }

  sign<P extends JsonValue>(payload: P, issuedAtMs: number): SignedEnvelope<P> {
    const nonce = `${this.keys.party}#${++this.counter}`;
    const text = signedText(this.keys.party, issuedAtMs, nonce, payload);
    const privateKey = this.keys.privateKey;
    let signature: string | undefined;
    // Frozen, with the signature made when first read (see the header): the same bytes as signing now.
    const envelope: SignedEnvelope<P> = Object.freeze({
      issuer: this.keys.party,
      issuedAtMs,
      nonce,
      payload,
      get signature(): string {
        return (signature ??= sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64'));
      },
    });
    signedHere.set(envelope, { text, publicKey: this.publicKey, fixed: deeplyFixed(payload) });
    return envelope;
  }
}

/** Does `e.signature` over `text` verify with `key`? Known without the curve for an envelope this process signed with the private key of `key`, its text unchanged since (see the header; the envelope is frozen, its signature its own). */
function signatureValid(e: SignedEnvelope, text: string, key: KeyObject): boolean {
  const mine = signedHere.get(e);
  if (mine !== undefined && mine.text === text && (mine.publicKey === key || mine.publicKey.equals(key))) return true;
  try {
    return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(e.signature, 'base64'));
  } catch {
    return false;
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
      // An envelope signed here whose payload is deeply frozen still has the text it was signed over (see the header).
      const mine = signedHere.get(e);
      valid = signatureValid(e, mine?.fixed === true ? mine.text : signedText(e.issuer, e.issuedAtMs, e.nonce, e.payload), key);
    } catch {
      valid = false; // a payload that is not JSON (a non-finite number) was never signed
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
