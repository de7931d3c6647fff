/**
 * The node:crypto backend of the crypto provider (protocol/crypto/provider.ts): OpenSSL's
 * X25519, Ed25519, ChaCha20-Poly1305, AES-256-GCM, SHA-2 and BLAKE2, for the cloud, the gateway
 * and benchmarks. It passes the same official vectors as the noble backend.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, diffieHellman, randomBytes, sign, verify } from 'node:crypto';
import { CryptoError } from '../protocol/errors.ts';
import { MAX_NONCE, nonce96 } from '../protocol/crypto/nonce.ts';
import type { CipherFunctions, CipherName, CryptoProvider, DHFunctions, HashFunctions, HashName, RandomSource, SignatureFunctions } from '../protocol/crypto/provider.ts';
import { generateOkp, okpFromPrivate, privateKeyObject, publicKeyObject } from './keys.ts';

const TAG = 16;
const EMPTY = new Uint8Array(0);
const ZEROS_32 = new Uint8Array(32);
const ALL_ZERO_32 = Buffer.alloc(32);

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function nodeCipher(name: CipherName, algorithm: 'chacha20-poly1305' | 'aes-256-gcm', littleEndian: boolean): CipherFunctions {
  const encrypt = (k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array => {
    const c = createCipheriv(algorithm as 'chacha20-poly1305', k, nonce96(n, littleEndian), { authTagLength: TAG });
    c.setAAD(ad, { plaintextLength: plaintext.length });
    return u8(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
  };
  return {
    name,
    encrypt,
    decrypt(k, n, ad, ciphertext) {
      if (ciphertext.length < TAG) throw new CryptoError('CRYPTO_DECRYPT_FAILED', 'ciphertext shorter than its tag');
      const body = ciphertext.subarray(0, ciphertext.length - TAG);
      try {
        const d = createDecipheriv(algorithm as 'chacha20-poly1305', k, nonce96(n, littleEndian), { authTagLength: TAG });
        d.setAAD(ad, { plaintextLength: body.length });
        d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG));
        return u8(Buffer.concat([d.update(body), d.final()]));
      } catch {
        throw new CryptoError('CRYPTO_DECRYPT_FAILED', `${name} authentication failed`);
      }
    },
    // REKEY(k) = ENCRYPT(k, maxnonce, zerolen, zeros)[0:32] (Noise §4.2)
    rekey: (k) => encrypt(k, MAX_NONCE, EMPTY, ZEROS_32).subarray(0, 32),
  };
}

function nodeHash(name: HashName, algorithm: string, hashLen: 32 | 64, blockLen: 64 | 128): HashFunctions {
  return {
    name,
    hashLen,
    blockLen,
    hash: (data) => u8(createHash(algorithm).update(data).digest()),
    hmac: (key, data) => u8(createHmac(algorithm, key).update(data).digest()),
  };
}

const CIPHERS: Record<CipherName, CipherFunctions> = {
  ChaChaPoly: nodeCipher('ChaChaPoly', 'chacha20-poly1305', true),
  AESGCM: nodeCipher('AESGCM', 'aes-256-gcm', false),
};

const HASHES: Record<HashName, HashFunctions> = {
  SHA256: nodeHash('SHA256', 'sha256', 32, 64),
  SHA512: nodeHash('SHA512', 'sha512', 64, 128),
  BLAKE2s: nodeHash('BLAKE2s', 'blake2s256', 32, 64),
  BLAKE2b: nodeHash('BLAKE2b', 'blake2b512', 64, 128),
};

function checkPrivate(privateKey: Uint8Array): void {
  if (privateKey.length !== 32) throw new CryptoError('CRYPTO_BAD_KEY', 'private key must be 32 bytes');
}

const x25519: DHFunctions = {
  name: '25519',
  dhLen: 32,
  generateKeyPair: () => generateOkp('X25519'),
  keyPairFromPrivate(privateKey) {
    checkPrivate(privateKey);
    return okpFromPrivate('X25519', privateKey);
  },
  dh(keyPair, publicKey) {
    if (publicKey.length !== 32) throw new CryptoError('CRYPTO_BAD_KEY', 'X25519 public key must be 32 bytes');
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey: privateKeyObject('X25519', keyPair), publicKey: publicKeyObject('X25519', publicKey) });
    } catch {
      throw new CryptoError('CRYPTO_BAD_KEY', 'X25519 rejected the public key');
    }
    // A low-order public key yields all zeros; Noise §12.1 lets us refuse it, as noble does.
    if (shared.equals(ALL_ZERO_32)) throw new CryptoError('CRYPTO_BAD_KEY', 'X25519 rejected the public key (low order)');
    return u8(shared);
  },
};

const ed25519: SignatureFunctions = {
  name: 'Ed25519',
  generateKeyPair: () => generateOkp('Ed25519'),
  keyPairFromPrivate(privateKey) {
    checkPrivate(privateKey);
    return okpFromPrivate('Ed25519', privateKey);
  },
  sign: (keyPair, message) => u8(sign(null, message, privateKeyObject('Ed25519', keyPair))),
  verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return verify(null, message, publicKeyObject('Ed25519', publicKey), signature);
    } catch {
      return false;
    }
  },
};

const defaultRandom: RandomSource = (n) => u8(randomBytes(n));

/**
 * The node:crypto provider. `random` only feeds callers that ask the provider for bytes; key
 * generation uses OpenSSL's own generator (node:crypto offers no way to inject one).
 */
export function nodeCryptoProvider(random: RandomSource = defaultRandom): CryptoProvider {
  return {
    name: 'node:crypto',
    random,
    dh: x25519,
    signature: ed25519,
    cipher: (name) => CIPHERS[name] ?? unsupported(`cipher ${name}`),
    hash: (name) => HASHES[name] ?? unsupported(`hash ${name}`),
  };
}

function unsupported(what: string): never {
  throw new CryptoError('CRYPTO_UNSUPPORTED', `${what} is not supported by node:crypto`);
}
