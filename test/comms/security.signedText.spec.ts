import { expect } from 'chai';
import fc from 'fast-check';
import { type KeyObject, verify } from 'node:crypto';
import { signingKeyPair } from '../../comms/security/keys.ts';
import { canonicalJson, CommandSigner, CommandVerifier, deeplyFixed, type JsonValue, type SignedEnvelope, signedText } from '../../comms/security/signedCommand.ts';

/** canonicalJson as it was written before it was specialised (1f6d040): the text the signatures are over. */
function reference(v: JsonValue): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`cannot sign a non-finite number (${v})`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  const o = v as { readonly [k: string]: JsonValue };
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${reference(o[k]!)}`)
    .join(',')}}`;
}

/** Either the text, or the error's class and message: both writers must agree on both. */
const outcome = (f: (v: JsonValue) => string, v: JsonValue): string => {
  try {
    return `ok ${f(v)}`;
  } catch (e) {
    return `throws ${(e as Error).name}: ${(e as Error).message}`;
  }
};

/** A command payload as the engine signs it (engine/interval/comms.ts), with awkward strings and any double. */
const commandPayload = fc.record(
  {
    eventId: fc.string({ unit: 'binary' }),
    target: fc.string({ unit: 'binary' }),
    intervalStart: fc.integer(),
    type: fc.constantFrom('CURTAIL', 'CAP_SETPOINT', 'V2G'),
    valueKw: fc.double(),
    deliverKw: fc.double(),
  },
  { requiredKeys: ['eventId', 'target', 'intervalStart', 'valueKw', 'deliverKw'] },
);

const SEED = 42;

describe('security: the signed text', () => {
  it('property: canonicalJson gives the text of the generic writer it replaced, for any JSON value and any command payload (or the same error)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue() as fc.Arbitrary<JsonValue>, commandPayload as fc.Arbitrary<JsonValue>), fc.string({ unit: 'binary' }), fc.integer(), (payload, nonce, at) => {
        const whole: JsonValue = { issuer: 'dso-1', issuedAtMs: at, nonce, payload };
        expect(outcome(canonicalJson, payload)).to.equal(outcome(reference, payload));
        expect(outcome(canonicalJson, whole)).to.equal(outcome(reference, whole));
        expect(outcome(() => signedText('dso-1', at, nonce, payload), whole)).to.equal(outcome(reference, whole));
      }),
      { numRuns: 2000 },
    );
    // Keys needing escapes, keys that sort by code unit, -0, holes and undefined (outside JsonValue: the same text all the same).
    const odd = [{ 'b"': 1, a: -0, '\u00e9': [1, , undefined, null], Z: '\u2028\ud800' }, [undefined], { k: undefined }, [Number.POSITIVE_INFINITY], { n: { m: Number.NaN } }] as unknown as JsonValue[];
    for (const v of odd) expect(outcome(canonicalJson, v)).to.equal(outcome(reference, v));
  });

  it("property: an envelope's signed text is the canonical JSON of its four fields, whatever a forger puts in them (or the same error)", () => {
    const anything = fc.oneof(fc.jsonValue(), fc.double(), fc.constant(undefined), fc.string({ unit: 'binary' })) as fc.Arbitrary<JsonValue>;
    fc.assert(
      fc.property(anything, anything, anything, fc.oneof(commandPayload as fc.Arbitrary<JsonValue>, anything), (issuer, at, nonce, payload) => {
        const whole = { issuer, issuedAtMs: at, nonce, payload } as JsonValue;
        expect(outcome(() => signedText(issuer as string, at as number, nonce as string, payload), whole)).to.equal(outcome(reference, whole));
      }),
      { numRuns: 2000 },
    );
  });

  it('deeplyFixed: only values whose every object is frozen, with data properties only', () => {
    expect(deeplyFixed(3)).to.equal(true);
    expect(deeplyFixed({ a: 1 })).to.equal(false);
    expect(deeplyFixed(Object.freeze({ a: 1, b: 'x' }))).to.equal(true);
    expect(deeplyFixed(Object.freeze({ a: { b: 1 } }))).to.equal(false); // the inner object can change
    expect(deeplyFixed(Object.freeze({ a: Object.freeze([1, Object.freeze({ c: null })]) }))).to.equal(true);
    expect(deeplyFixed(Object.freeze({ a: [1] }))).to.equal(false);
    let n = 0;
    const getter = Object.freeze(
      Object.defineProperty({}, 'kw', {
        enumerable: true,
        get: () => n++,
      }),
    ) as JsonValue;
    expect(deeplyFixed(getter)).to.equal(false); // frozen, yet reads another value each time
  });

  // The receiver reuses the signed text only for an envelope signed here whose payload can never change; every verdict must
  // stay the one node:crypto gives on the text the envelope has now.
  it("property: with frozen payloads, every verdict on a signature is still the curve's (genuine, impostor, altered copies, a changed inner object)", () => {
    const dso = signingKeyPair(SEED, 'dso-1');
    const signers = [new CommandSigner(dso), new CommandSigner({ ...signingKeyPair(SEED, 'attacker'), party: 'dso-1' })];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom('none', 'payload', 'time', 'nonce', 'signature', 'inner', 'getter'), (who, kw, change) => {
        const verifier = new CommandVerifier(new Map<string, KeyObject>([['dso-1', dso.publicKey]]), { freshnessMs: 60_000, clockSkewMs: 60_000 });
        const inner = { kw };
        const payload = Object.freeze({ target: 'home-3', valueKw: kw, ...(change === 'inner' ? { inner } : {}) });
        let reads = 0;
        const signed: JsonValue = change === 'getter' ? Object.freeze(Object.defineProperty({ target: 'home-3' }, 'valueKw', { enumerable: true, get: () => kw + reads++ })) : payload;
        let e: SignedEnvelope = signers[who]!.sign(signed, 1000);
        if (change === 'payload') e = { ...e, payload: Object.freeze({ ...payload, valueKw: kw + 1 }) };
        if (change === 'time') e = { ...e, issuedAtMs: 2000 };
        if (change === 'nonce') e = { ...e, nonce: 'dso-1#0' };
        if (change === 'signature') e = { ...e, signature: signers[1 - who]!.sign(payload, 1000).signature };
        if (change === 'inner') inner.kw = kw + 1; // the payload is frozen, the object inside it is not
        const onCurve = verify(null, Buffer.from(canonicalJson({ issuer: e.issuer, issuedAtMs: e.issuedAtMs, nonce: e.nonce, payload: e.payload }), 'utf8'), dso.publicKey, Buffer.from(e.signature, 'base64'));
        const verdict = verifier.verify(e, 1000);
        expect(verdict.ok || verdict.reason !== 'bad-signature', `${who} ${change}`).to.equal(onCurve);
        if (change !== 'none' || who === 1) expect(verdict, `${who} ${change}`).to.include({ ok: false, reason: 'bad-signature' });
      }),
      { numRuns: 300 },
    );
  });

  it('a frozen genuine command: accepted once, then a replay; a copy at another receiver, stale and future ones refused as before', () => {
    const dso = signingKeyPair(SEED, 'dso-1');
    const signer = new CommandSigner(dso);
    const verifier = () => new CommandVerifier(new Map([['dso-1', dso.publicKey]]), { freshnessMs: 60_000, clockSkewMs: 1000 });
    const payload = Object.freeze({ eventId: 'e1', target: 'home-3', intervalStart: 0, valueKw: -2, deliverKw: -2 });
    const cmd = signer.sign(payload, 1_000_000);
    const v = verifier();
    expect(v.verify(cmd, 1_005_000, 'home-3')).to.deep.equal({ ok: true, payload, issuer: 'dso-1' });
    expect(v.verify(cmd, 1_006_000, 'home-3')).to.include({ ok: false, reason: 'replay' });
    expect(verifier().verify(cmd, 1_005_000, 'home-4')).to.include({ ok: false, reason: 'wrong-target' });
    expect(verifier().verify(cmd, 1_070_000, 'home-3')).to.include({ ok: false, reason: 'stale' });
    expect(verifier().verify(cmd, 990_000, 'home-3')).to.include({ ok: false, reason: 'from-the-future' });
    expect(new CommandVerifier(new Map(), { freshnessMs: 60_000 }).verify(cmd, 1_000_000)).to.include({ ok: false, reason: 'unknown-issuer' });
  });
});
