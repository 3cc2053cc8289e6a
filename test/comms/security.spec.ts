import { expect } from 'chai';
import fc from 'fast-check';
import { generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { meterMacKey, signingKeyPair } from '../../comms/security/keys.ts';
import { canonicalJson, CommandSigner, CommandVerifier, type SignedEnvelope } from '../../comms/security/signedCommand.ts';
import { readIntact, sealRead } from '../../comms/security/meterMac.ts';
import { meterRead } from '../../metering/meter.ts';

const SEED = 42;
const curtail = { type: 'curtail', target: 'home-3', requestedKw: 2.5 } as const;

function setup() {
  const dso = signingKeyPair(SEED, 'dso-1');
  const trusted = new Map<string, KeyObject>([['dso-1', dso.publicKey]]);
  return { signer: new CommandSigner(dso), verifier: new CommandVerifier(trusted, { freshnessMs: 60_000, clockSkewMs: 1000 }) };
}

describe('security: signed commands', () => {
  it('accepts a genuine, fresh command once', () => {
    const { signer, verifier } = setup();
    const cmd = signer.sign(curtail, 1_000_000);
    expect(verifier.verify(cmd, 1_005_000)).to.deep.equal({ ok: true, payload: curtail, issuer: 'dso-1' });
  });

  it('rejects a forged command: an issuer it does not trust, or a trusted name signed with another key', () => {
    const { verifier } = setup();
    const stranger = new CommandSigner(signingKeyPair(SEED, 'attacker'));
    expect(verifier.verify(stranger.sign(curtail, 0), 0)).to.include({ ok: false, reason: 'unknown-issuer' });
    const impostor = new CommandSigner({ ...signingKeyPair(SEED, 'attacker'), party: 'dso-1' });
    expect(verifier.verify(impostor.sign(curtail, 0), 0)).to.include({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a command altered in transit (payload, time or nonce)', () => {
    const { signer, verifier } = setup();
    const cmd = signer.sign(curtail, 0);
    const altered: SignedEnvelope[] = [
      { ...cmd, payload: { ...curtail, requestedKw: 25 } },
      { ...cmd, issuedAtMs: 30_000 },
      { ...cmd, nonce: 'dso-1#99' },
      { ...cmd, signature: 'not base64 at all' },
    ];
    for (const e of altered) expect(verifier.verify(e, 40_000)).to.include({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a stale command and one from the future, by virtual time', () => {
    const { signer, verifier } = setup();
    expect(verifier.verify(signer.sign(curtail, 0), 60_000)).to.include({ ok: true });
    expect(verifier.verify(signer.sign(curtail, 0), 60_001)).to.include({ ok: false, reason: 'stale' });
    expect(verifier.verify(signer.sign(curtail, 101_001), 100_000)).to.include({ ok: false, reason: 'from-the-future' });
  });

  it('rejects a replayed command within the window, and the nonce cache stays bounded by the window', () => {
    const { signer, verifier } = setup();
    const cmd = signer.sign(curtail, 0);
    expect(verifier.verify(cmd, 10)).to.include({ ok: true });
    expect(verifier.verify(cmd, 20)).to.deep.equal({ ok: false, reason: 'replay', detail: 'nonce dso-1#1 already used' });
    // After the window the replay is stale (not replay), and the old nonce has left the cache.
    expect(verifier.verify(cmd, 70_000)).to.include({ ok: false, reason: 'stale' });
    expect(verifier.verify(signer.sign(curtail, 70_000), 70_000)).to.include({ ok: true });
    expect(verifier.cachedNonces).to.equal(1);
  });

  it('rejects a genuine command copied to a receiver it does not name, before its nonce is recorded', () => {
    const { signer, verifier } = setup();
    const forHome3 = signer.sign(curtail, 0);
    // home-4's verifier has never seen the nonce: without the target check the copy would pass.
    expect(verifier.verify(forHome3, 10, 'home-4')).to.deep.equal({ ok: false, reason: 'wrong-target', detail: "addressed to 'home-3', not to 'home-4' (a copy of another receiver's command)" });
    expect(verifier.cachedNonces).to.equal(0);
    expect(verifier.verify(forHome3, 10, 'home-3')).to.include({ ok: true });
    // A payload that names no target (a price, an event for everyone) is not checked against the receiver.
    expect(verifier.verify(signer.sign({ type: 'price', priceMwh: 40 }, 0), 10, 'home-4')).to.include({ ok: true });
  });

  it('a forged command does not poison the nonce cache', () => {
    const { signer, verifier } = setup();
    const genuine = signer.sign(curtail, 0);
    expect(verifier.verify({ ...genuine, payload: { evil: true } }, 0)).to.include({ reason: 'bad-signature' });
    expect(verifier.verify(genuine, 0)).to.include({ ok: true });
  });

  it('keys and signatures follow from the seed: same seed → same bytes; another seed → other keys', () => {
    const pub = (seed: number) => signingKeyPair(seed, 'dso-1').publicKey.export({ format: 'der', type: 'spki' }).toString('hex');
    expect(pub(SEED)).to.equal(pub(SEED));
    expect(pub(SEED + 1)).not.to.equal(pub(SEED));
    expect(new CommandSigner(signingKeyPair(SEED, 'dso-1')).sign(curtail, 5).signature).to.equal(new CommandSigner(signingKeyPair(SEED, 'dso-1')).sign(curtail, 5).signature);
    expect(meterMacKey(SEED, 'meter:1').equals(meterMacKey(SEED, 'meter:1'))).to.equal(true);
    expect(meterMacKey(SEED, 'meter:1').equals(meterMacKey(SEED, 'meter:2'))).to.equal(false);
  });

  // A verifier knows an envelope this process signed verifies without checking it on the curve (signedCommand.ts):
  // only while the envelope is what was signed, and only under the key of the private key that signed it.
  it('an envelope changed in place after signing is checked again: bad-signature', () => {
    const { signer, verifier } = setup();
    const payload = { type: 'curtail', target: 'home-3', requestedKw: 2.5 };
    const cmd = signer.sign(payload, 0);
    payload.requestedKw = 25; // the payload object, changed after signing
    expect(verifier.verify(cmd, 0)).to.include({ ok: false, reason: 'bad-signature' });
    // The envelope itself cannot be changed (frozen): a changed field is a copy, checked on the curve.
    const again = signer.sign(curtail, 0);
    expect(() => Object.assign(again, { signature: signer.sign(curtail, 1).signature })).to.throw(TypeError);
    expect(verifier.verify({ ...again, signature: signer.sign(curtail, 1).signature }, 0)).to.include({ ok: false, reason: 'bad-signature' });
  });

  it('the signature, worked out when first read, is the one signing gives: the same bytes as node:crypto sign over the canonical text', () => {
    const dso = signingKeyPair(SEED, 'dso-1');
    const e = new CommandSigner(dso).sign(curtail, 5);
    const text = canonicalJson({ issuer: 'dso-1', issuedAtMs: 5, nonce: 'dso-1#1', payload: curtail });
    expect(e.signature).to.equal(sign(null, Buffer.from(text, 'utf8'), dso.privateKey).toString('base64'));
    expect(e.signature).to.equal(e.signature);
    expect(JSON.parse(JSON.stringify(e))).to.deep.equal({ issuer: 'dso-1', issuedAtMs: 5, nonce: 'dso-1#1', payload: curtail, signature: e.signature });
  });

  it("a signer whose key pair names the operator's public key but holds another private key is not trusted: bad-signature", () => {
    const { verifier } = setup();
    const impostor = new CommandSigner({ party: 'dso-1', privateKey: signingKeyPair(SEED, 'attacker').privateKey, publicKey: signingKeyPair(SEED, 'dso-1').publicKey });
    expect(verifier.verify(impostor.sign(curtail, 0), 0)).to.include({ ok: false, reason: 'bad-signature' });
  });

  it("property: every verdict on a signature is the curve's (node:crypto verify), for genuine, impostor and altered envelopes", () => {
    const dso = signingKeyPair(SEED, 'dso-1');
    const signers = [new CommandSigner(dso), new CommandSigner({ ...signingKeyPair(SEED, 'attacker'), party: 'dso-1' })];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom('none', 'payload', 'time', 'nonce', 'signature', 'in-place'), (who, kw, change) => {
        const verifier = new CommandVerifier(new Map([['dso-1', dso.publicKey]]), { freshnessMs: 60_000, clockSkewMs: 60_000 });
        const payload = { target: 'home-3', valueKw: kw };
        let e: SignedEnvelope = signers[who]!.sign(payload, 1000);
        if (change === 'payload') e = { ...e, payload: { ...payload, valueKw: kw + 1 } };
        if (change === 'time') e = { ...e, issuedAtMs: 2000 };
        if (change === 'nonce') e = { ...e, nonce: 'dso-1#0' };
        if (change === 'signature') e = { ...e, signature: signers[1 - who]!.sign(payload, 1000).signature };
        if (change === 'in-place') payload.valueKw = kw + 1;
        const onCurve = verify(null, Buffer.from(canonicalJson({ issuer: e.issuer, issuedAtMs: e.issuedAtMs, nonce: e.nonce, payload: e.payload }), 'utf8'), dso.publicKey, Buffer.from(e.signature, 'base64'));
        const verdict = verifier.verify(e, 1000);
        expect(verdict.ok || verdict.reason !== 'bad-signature', `${who} ${change}`).to.equal(onCurve);
      }),
      { numRuns: 200 },
    );
  });

  it('a signer needs an Ed25519 key: one that cannot sign (X25519, X448, DH) is refused when built, not trusted by the memo', () => {
    // The memo (signedHere) answers "verifies" for an unchanged envelope without the curve, which holds only for a key that
    // signs: with an X25519 key there is no signature to make, so the memo accepted what node:crypto could never have signed
    // (on 6aa43fd, signing threw). A signer refuses such a key at once, naming what it needs.
    for (const type of ['x25519', 'x448'] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'x25519');
      expect(() => new CommandSigner({ party: 'dso-1', privateKey, publicKey })).to.throw(/Ed25519/);
    }
    // Ed25519 keys still sign and verify.
    const dso = signingKeyPair(SEED, 'dso-1');
    const verifier = new CommandVerifier(new Map([['dso-1', dso.publicKey]]), { freshnessMs: 60_000 });
    expect(verifier.verify(new CommandSigner(dso).sign(curtail, 0), 0)).to.include({ ok: true });
  });

  it('canonical JSON sorts keys at every level, so key order cannot change a signature', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'x' }], c: null } })).to.equal('{"a":{"c":null,"d":[1,{"y":"x","z":0}]},"b":1}');
    expect(() => canonicalJson({ x: Number.NaN })).to.throw(RangeError);
  });
});

describe('security: meter read MACs', () => {
  const key = meterMacKey(SEED, 'meter:home-1');
  const read = meterRead('meter:home-1', 900_000, 900_000, 2, 1.02);

  it('a sealed read verifies with its meter key', () => {
    expect(readIntact(sealRead(read, key), key)).to.equal(true);
    expect(readIntact(sealRead(meterRead('meter:home-1', 0, 900_000, -1), key), key)).to.equal(true);
  });

  it('detects tampering with any field in transit, or a read sealed with another meter key', () => {
    const sealed = sealRead(read, key);
    for (const tampered of [
      { ...sealed, importKwh: 0.1 },
      { ...sealed, exportKwh: 0.3 },
      { ...sealed, intervalStartMs: 0 },
      { ...sealed, meterId: 'meter:home-2' },
      { ...sealed, voltagePu: 1.2 },
      { ...sealed, mac: sealed.mac.slice(0, -2) },
    ])
      expect(readIntact(tampered, key)).to.equal(false);
    expect(readIntact(sealRead(read, meterMacKey(SEED, 'meter:home-2')), key)).to.equal(false);
  });
});
