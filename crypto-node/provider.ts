/**
 * The node:crypto backend of the crypto provider (protocol/crypto/provider.ts): OpenSSL's
 * X25519, Ed25519, ChaCha20-Poly1305, AES-256-GCM, SHA-2 and BLAKE2, for the cloud, the
 * gateway, conformance and benchmarks. It passes the same official vectors as the noble
 * backend, and is several times faster than it (bench/handshake-quick.ts), which is why the
 * responder side runs on it rather than on the portable noble code.
 *
 * Randomness: node:crypto offers no way to feed keygen from a caller's generator, so
 * GENERATE_KEYPAIR uses OpenSSL's CSPRNG; the injected `random` serves callers that ask the
 * provider for bytes (nonces, identifiers), as it does with noble.
 */
import { createHmac, diffieHellman, hash as digestOnce, randomBytes, sign, verify } from 'node:crypto';
import { CryptoError } from '../protocol/errors.ts';
import type { CipherFunctions, CipherName, CryptoProvider, DHFunctions, HashFunctions, HashName, RandomSource, SignatureFunctions } from '../protocol/crypto/provider.ts';
import { nodeAesGcm, nodeChaChaPoly } from './aead.ts';
import { checkRawKey, generateOkp, okpFromPrivate, privateKeyObject, publicKeyObject } from './keys.ts';

// Protocol constants (RFC 8032 §5.1.6).
const SIGNATURE_BYTES = 64;

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function nodeHash(name: HashName, algorithm: string, hashLen: 32 | 64, blockLen: 64 | 128): HashFunctions {
  return {
    name,
    hashLen,
    blockLen,
    // crypto.hash() (Node >= 20.12; engines asks 20.19): one native call instead of createHash,
    // update and digest, ~1.7 us instead of ~2.8 us for the 32-150 byte inputs of a handshake,
    // which does about ten of them per end. Its Node 20 docs call it a release candidate; the
    // official vectors run through it for all four hashes.
    hash: (data) => u8(digestOnce(algorithm, data, 'buffer')),
    hmac: (key, data) => u8(createHmac(algorithm, key).update(data).digest()),
  };
}

const CIPHERS: Readonly<Record<CipherName, CipherFunctions>> = { ChaChaPoly: nodeChaChaPoly, AESGCM: nodeAesGcm };

const HASHES: Readonly<Record<HashName, HashFunctions>> = {
  SHA256: nodeHash('SHA256', 'sha256', 32, 64),
  SHA512: nodeHash('SHA512', 'sha512', 64, 128),
  BLAKE2s: nodeHash('BLAKE2s', 'blake2s256', 32, 64),
  BLAKE2b: nodeHash('BLAKE2b', 'blake2b512', 64, 128),
};

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

const x25519: DHFunctions = {
  name: '25519',
  dhLen: 32,
  generateKeyPair: () => generateOkp('X25519'),
  keyPairFromPrivate: (privateKey) => okpFromPrivate('X25519', privateKey),
  // DH(key_pair, public_key) (Noise §4.1, §12.1)
  dh(keyPair, publicKey) {
    checkRawKey(publicKey, 'X25519 public key');
    const privateKey = privateKeyObject('X25519', keyPair);
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey, publicKey: publicKeyObject('X25519', publicKey) });
    } catch {
      // OpenSSL itself refuses an all-zero result; either way it is a low-order public key.
      throw new CryptoError('CRYPTO_BAD_KEY', 'X25519 rejected the public key (low order)');
    }
    // A low-order public key yields all zeros; Noise §12.1 lets us refuse it, as noble does.
    if (isAllZero(shared)) throw new CryptoError('CRYPTO_BAD_KEY', 'X25519 rejected the public key (low order)');
    return u8(shared);
  },
};

const ed25519: SignatureFunctions = {
  name: 'Ed25519',
  generateKeyPair: () => generateOkp('Ed25519'),
  keyPairFromPrivate: (privateKey) => okpFromPrivate('Ed25519', privateKey),
  sign(keyPair, message) {
    const key = privateKeyObject('Ed25519', keyPair);
    try {
      return u8(sign(null, message, key));
    } catch {
      throw new CryptoError('CRYPTO_BAD_KEY', 'Ed25519 signing failed');
    }
  },
  verify(publicKey, message, signature) {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
    try {
      return verify(null, message, publicKeyObject('Ed25519', publicKey), signature);
    } catch {
      return false;
    }
  },
};

const defaultRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/** The node:crypto provider; every cipher and hash Burrow names is supported. */
export function nodeCryptoProvider(random: RandomSource = defaultRandom): CryptoProvider {
  return {
    name: 'node:crypto',
    random,
    dh: x25519,
    signature: ed25519,
    // hasOwn: a name from outside must not reach Object.prototype ('toString', 'constructor').
    cipher: (name) => (Object.hasOwn(CIPHERS, name) ? CIPHERS[name] : unsupported(`cipher ${String(name)}`)),
    hash: (name) => (Object.hasOwn(HASHES, name) ? HASHES[name] : unsupported(`hash ${String(name)}`)),
  };
}

function unsupported(what: string): never {
  throw new CryptoError('CRYPTO_UNSUPPORTED', `${what} is not supported by node:crypto`);
}
