/**
 * Purpose-key attestation: the identity signs, once at provisioning, the X25519 key it uses as
 * its Noise static key, with a validity period. Handshakes then prove the static key (Noise
 * does) and carry this signature: no signing per handshake, which on an ESP32 saves seconds.
 *
 *   attestation = created (u32) || expires (u32) || signature (64)         72 bytes
 *   signed      = "burrow/attest/v1" || identifier (20) || staticKey (32) || created || expires
 *
 * The static key is not in the encoding: the verifier takes it from the handshake (rs), so a
 * payload can never name a key other than the one the peer proved.
 */
import { concatBytes, utf8Encode } from '../bytes.ts';
import type { CryptoProvider, KeyPair } from '../crypto/provider.ts';
import { ByteReader, ByteWriter, expectValue } from '../wire.ts';

export const ATTESTATION_BYTES = 72;
/** `expires` value meaning "does not expire" (for trust anchors baked into firmware). */
export const NEVER_EXPIRES = 0xffffffff;

export interface Attestation {
  readonly created: number;
  readonly expires: number;
  readonly signature: Uint8Array;
}

const ATTEST_LABEL = /* @__PURE__ */ utf8Encode('burrow/attest/v1');

export function attestationSignedBytes(identifier: Uint8Array, staticKey: Uint8Array, created: number, expires: number): Uint8Array {
  return concatBytes(ATTEST_LABEL, identifier, staticKey, new ByteWriter().u32(created).u32(expires).finish());
}

export function attestStaticKey(provider: CryptoProvider, identityKey: KeyPair, identifier: Uint8Array, staticKey: Uint8Array, created: number, expires: number): Attestation {
  const signature = provider.signature.sign(identityKey, attestationSignedBytes(identifier, staticKey, created, expires));
  return { created, expires, signature };
}

export function verifyAttestation(provider: CryptoProvider, identityKey: Uint8Array, identifier: Uint8Array, staticKey: Uint8Array, a: Attestation): boolean {
  return provider.signature.verify(identityKey, attestationSignedBytes(identifier, staticKey, a.created, a.expires), a.signature);
}

export function writeAttestation(w: ByteWriter, a: Attestation): void {
  w.u32(a.created).u32(a.expires).bytes(a.signature);
}

export function readAttestation(r: ByteReader): Attestation {
  const created = r.u32();
  const expires = r.u32();
  expectValue(expires > created, 'attestation expires before it is created');
  return { created, expires, signature: r.bytesOf(64) };
}
