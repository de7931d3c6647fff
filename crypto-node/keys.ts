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
 * Key generation asks OpenSSL for the public half as JWK in the keygen call itself and keeps
 * the private half as the KeyObject keygen made: re-importing it from JWK would cost a second
 * scalar multiplication (OpenSSL derives the public key again on every private import), as
 * much as the keygen itself. Its raw bytes are exported from the KeyObject only when someone
 * reads `privateKey` (storing a static key), never for the ephemeral keys of handshakes, and
 * as PKCS#8 DER: exporting with `export({ format: 'jwk' })` in a loop can hang Node 20.20 for
 * ever, so nothing here exports JWK.
 *
 * Ed25519 public keys are also cached by content: they are identity keys, few and long-lived,
 * and every handshake decodes the peer's key into a fresh array, which the per-array cache
 * cannot recognise.
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
/** PKCS#8 of an OKP private key (RFC 8410 §7): 16 header bytes ending in OCTET STRING (0x04 0x20), then the key. */
const PKCS8_BYTES = 48;
const PKCS8_KEY_OFFSET = 16;

// Our limits.
/** Ed25519 verify keys cached by content: more identities than one process talks to at once;
 *  bounded so a stream of strangers' identities cannot grow it (the oldest is dropped). */
const IDENTITY_KEY_CACHE_SIZE = 4096;

const privateObjects: Record<OkpCurve, WeakMap<KeyPair, KeyObject>> = { X25519: new WeakMap(), Ed25519: new WeakMap() };
const publicObjects: Record<OkpCurve, WeakMap<Uint8Array, { readonly bytes: Uint8Array; readonly key: KeyObject }>> = {
  X25519: new WeakMap(),
  Ed25519: new WeakMap(),
};
/** base64url of the key bytes -> KeyObject, oldest first (Map keeps insertion order). */
const identityKeys = new Map<string, KeyObject>();

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
  if (curve === 'Ed25519') return identityKeyObject(publicKey);
  const cache = publicObjects[curve];
  const hit = cache.get(publicKey);
  if (hit !== undefined && equalBytes(hit.bytes, publicKey)) return hit.key;
  const key = importPublic(curve, b64url(publicKey));
  cache.set(publicKey, { bytes: publicKey.slice(), key });
  return key;
}

function identityKeyObject(publicKey: Uint8Array): KeyObject {
  const x = b64url(publicKey);
  let key = identityKeys.get(x);
  if (key === undefined) {
    key = importPublic('Ed25519', x);
    if (identityKeys.size >= IDENTITY_KEY_CACHE_SIZE) identityKeys.delete(identityKeys.keys().next().value!);
    identityKeys.set(x, key);
  }
  return key;
}

function importPublic(curve: OkpCurve, x: string): KeyObject {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: curve, x }, format: 'jwk' });
  } catch {
    throw new CryptoError('CRYPTO_BAD_KEY', `node:crypto refused the ${curve} public key`);
  }
}

/** GENERATE_KEYPAIR() over OpenSSL's generator: the public half as JWK, the private half kept as a KeyObject. */
export function generateOkp(curve: OkpCurve): KeyPair {
  const type = curve === 'X25519' ? 'x25519' : 'ed25519';
  // @types/node 20 has no overload for JWK keygen output on OKP types; the runtime returns a JWK.
  const options = { publicKeyEncoding: { format: 'jwk' } } as object;
  const { publicKey, privateKey } = generateKeyPairSync(type as 'x25519', options) as unknown as { publicKey: JsonWebKey; privateKey: KeyObject };
  const pair = new SecretKeyPair(fromB64url(publicKey.x, 'public key'), () => rawPrivate(privateKey));
  privateObjects[curve].set(pair, privateKey);
  return pair;
}

/** The raw private bytes of a generated key, from its PKCS#8 DER (a fresh array; the DER is wiped). */
function rawPrivate(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  try {
    if (der.length !== PKCS8_BYTES || der[PKCS8_KEY_OFFSET - 2] !== 0x04 || der[PKCS8_KEY_OFFSET - 1] !== KEY_BYTES) {
      throw new CryptoError('CRYPTO_BAD_KEY', `node:crypto exported a private key of ${der.length} bytes`);
    }
    return new Uint8Array(der.subarray(PKCS8_KEY_OFFSET));
  } finally {
    der.fill(0);
  }
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
