/**
 * Key material derived deterministically from the scenario seed, so a run signs
 * the same bytes every time (Ed25519 signatures are deterministic, RFC 8032) and
 * outputs stay byte-identical. This is a simulation's key management: anyone who
 * knows the seed can derive every key, which is exactly what makes a run
 * reproducible — never use it to protect anything real.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

export interface SigningKeyPair {
  readonly party: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** 32 bytes from (seed, purpose, party), domain-separated so no two purposes share a key. */
export function derivedSecret(seed: number, purpose: string, party: string): Buffer {
  return createHash('sha256').update(JSON.stringify(['gridbid-key', seed, purpose, party])).digest();
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 private key (RFC 8410): fixed 16-byte prefix.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The Ed25519 key pair of a party (operator, market, aggregator …) for this seed. */
export function signingKeyPair(seed: number, party: string): SigningKeyPair {
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, derivedSecret(seed, 'ed25519', party)]), format: 'der', type: 'pkcs8' });
  return { party, privateKey, publicKey: createPublicKey(privateKey) };
}

/** The HMAC-SHA256 key a meter shares with the head-end, for this seed. */
export function meterMacKey(seed: number, meterId: string): Buffer {
  return derivedSecret(seed, 'meter-hmac-sha256', meterId);
}
