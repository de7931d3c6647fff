/**
 * node:crypto KeyObjects for raw 25519 keys (X25519 and Ed25519), made once and cached.
 *
 * OpenSSL wants KeyObjects; Burrow's keys are raw bytes in SecretKeyPairs. Import goes through
 * JWK, about ten times faster than DER/PKCS#8 on Node 20 (DER import of one X25519 key costs
 * more than a handshake). Private KeyObjects are cached per KeyPair object (a WeakMap, so they
 * die with the pair), which makes a long-lived static key an import-once affair. Public
 * KeyObjects are cached per public-key array and checked against a copy of its bytes on every
 * hit, so a caller that rewrites an array in place gets a fresh import, never a stale key.
 *
 * Key generation asks OpenSSL for both halves as JWK in the keygen call itself. Exporting a
 * generated KeyObject with `publicKey.export({ format: 'jwk' })` in a loop can hang Node 20.20
 * for ever, so nothing here exports a KeyObject.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { equalBytes } from '../protocol/bytes.ts';
import { CryptoError } from '../protocol/errors.ts';
import { SecretKeyPair } from '../protocol/crypto/keys.ts';
import type { KeyPair } from '../protocol/crypto/provider.ts';

export type OkpCurve = 'X25519' | 'Ed25519';

// Protocol constants (RFC 7748 §5, RFC 8032 §5.1.5): raw keys of both curves are 32 bytes.
const KEY_BYTES = 32;

const privateObjects: Record<OkpCurve, WeakMap<KeyPair, KeyObject>> = { X25519: new WeakMap(), Ed25519: new WeakMap() };
const publicObjects: Record<OkpCurve, WeakMap<Uint8Array, { readonly bytes: Uint8Array; readonly key: KeyObject }>> = {
  X25519: new WeakMap(),
  Ed25519: new WeakMap(),
};

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

/** Decodes a JWK member into a fresh array (not a view of Buffer's shared pool). */
function fromB64url(s: string | undefined, what: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(s ?? '', 'base64url'));
  if (bytes.length !== KEY_BYTES) throw new CryptoError('CRYPTO_BAD_KEY', `keygen returned a ${what} of ${bytes.length} bytes`);
  return bytes;
}

export function checkRawKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) throw new CryptoError('CRYPTO_BAD_KEY', `${what} must be ${KEY_BYTES} bytes`);
}

/** The KeyPair's private KeyObject, imported on first use. */
export function privateKeyObject(curve: OkpCurve, keyPair: KeyPair): KeyObject {
  const cache = privateObjects[curve];
  let key = cache.get(keyPair);
  if (key === undefined) {
    checkRawKey(keyPair.privateKey, 'private key');
    checkRawKey(keyPair.publicKey, 'public key');
    try {
      key = createPrivateKey({ key: { kty: 'OKP', crv: curve, d: b64url(keyPair.privateKey), x: b64url(keyPair.publicKey) }, format: 'jwk' });
    } catch {
      throw new CryptoError('CRYPTO_BAD_KEY', `node:crypto refused the ${curve} private key`);
    }
    cache.set(keyPair, key);
  }
  return key;
}

/** A public KeyObject for raw bytes; the caller has checked the length. */
export function publicKeyObject(curve: OkpCurve, publicKey: Uint8Array): KeyObject {
  const cache = publicObjects[curve];
  const hit = cache.get(publicKey);
  if (hit !== undefined && equalBytes(hit.bytes, publicKey)) return hit.key;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'OKP', crv: curve, x: b64url(publicKey) }, format: 'jwk' });
  } catch {
    throw new CryptoError('CRYPTO_BAD_KEY', `node:crypto refused the ${curve} public key`);
  }
  cache.set(publicKey, { bytes: publicKey.slice(), key });
  return key;
}

/** GENERATE_KEYPAIR() over OpenSSL's generator, both halves exported by keygen as JWK. */
export function generateOkp(curve: OkpCurve): KeyPair {
  const type = curve === 'X25519' ? 'x25519' : 'ed25519';
  // @types/node 20 has no overload for JWK keygen output on OKP types; the runtime returns JWKs.
  const jwk = { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } } as object;
  const { publicKey, privateKey } = generateKeyPairSync(type as 'x25519', jwk) as unknown as { publicKey: JsonWebKey; privateKey: JsonWebKey };
  return new SecretKeyPair(fromB64url(publicKey.x, 'public key'), fromB64url(privateKey.d, 'private key'));
}

/**
 * Rebuilds a key pair from stored private bytes (key files, vectors). The public half is
 * derived by noble: node:crypto could only give it by exporting a KeyObject (the path that
 * hangs) or by a PKCS#8 import slower than a handshake. It runs once per stored key, and the
 * official vectors check the result, since every handshake message 2 and 3 carries it.
 */
export function okpFromPrivate(curve: OkpCurve, privateKey: Uint8Array): KeyPair {
  checkRawKey(privateKey, 'private key');
  const publicKey = curve === 'X25519' ? x25519.getPublicKey(privateKey) : ed25519.getPublicKey(privateKey);
  return new SecretKeyPair(publicKey, privateKey.slice());
}
