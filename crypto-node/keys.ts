/**
 * node:crypto KeyObjects for raw 25519 keys. Import goes through JWK: it is about ten times
 * faster than DER on Node 20. Each SecretKeyPair caches its KeyObject so a long-lived static
 * key is imported once, not once per DH.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { SecretKeyPair } from '../protocol/crypto/keys.ts';
import type { KeyPair } from '../protocol/crypto/provider.ts';

export type OkpCurve = 'X25519' | 'Ed25519';

const b64url = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
const fromB64url = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));

const privateObjects = new WeakMap<KeyPair, KeyObject>();

export function privateKeyObject(curve: OkpCurve, keyPair: KeyPair): KeyObject {
  let key = privateObjects.get(keyPair);
  if (key === undefined) {
    key = createPrivateKey({ key: { kty: 'OKP', crv: curve, d: b64url(keyPair.privateKey), x: b64url(keyPair.publicKey) }, format: 'jwk' });
    privateObjects.set(keyPair, key);
  }
  return key;
}

export function publicKeyObject(curve: OkpCurve, publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: curve, x: b64url(publicKey) }, format: 'jwk' });
}

/**
 * Generates a key pair with both halves exported as JWK by keygen itself. Never call
 * `publicKey.export({ format: 'jwk' })` on a generated key in a loop: on Node 20.20 that can
 * hang the process for ever.
 */
export function generateOkp(curve: OkpCurve): KeyPair {
  const kind = curve === 'X25519' ? 'x25519' : 'ed25519';
  // @types/node 20 has no overload for JWK keygen output; the runtime returns JWK objects.
  const { publicKey, privateKey } = generateKeyPairSync(kind as 'x25519', {
    publicKeyEncoding: { format: 'jwk' },
    privateKeyEncoding: { format: 'jwk' },
  } as object) as unknown as { publicKey: JsonWebKey; privateKey: JsonWebKey };
  return new SecretKeyPair(fromB64url(publicKey.x!), fromB64url(privateKey.d!));
}

/**
 * Rebuilds a key pair from raw private bytes (vectors, stored keys). The public half comes from
 * noble: exporting a derived KeyObject is the export path that can hang on Node 20.20, and this
 * runs once per stored key, not per handshake.
 */
export function okpFromPrivate(curve: OkpCurve, privateKey: Uint8Array): KeyPair {
  const publicKey = curve === 'X25519' ? x25519.getPublicKey(privateKey) : ed25519.getPublicKey(privateKey);
  return new SecretKeyPair(publicKey, privateKey.slice());
}
