/**
 * The crypto provider: the only door through which Noise, channels and identities reach
 * cryptography. Named after the Noise spec's functions (rev 34 §4): GENERATE_KEYPAIR, DH,
 * ENCRYPT, DECRYPT, REKEY, HASH, HMAC-HASH.
 *
 * Two backends implement it and pass the same vectors: the noble libraries (portable; the only
 * one that runs on XS, in `protocol/crypto/noble/`) and `node:crypto` (fast, outside protocol/
 * in `crypto-node/`). A device may add a native one (a Moddable native module) without touching
 * the core, because nothing here names a backend.
 *
 * Why keys are opaque objects rather than raw bytes: node:crypto wants KeyObjects, and
 * re-importing a private key for every DH costs more than the DH itself. A backend may cache its
 * own handle on the key object it created. Raw bytes stay reachable for storage.
 */

/** Randomness is injected, never taken from globals: XS has no crypto.getRandomValues. */
export type RandomSource = (length: number) => Uint8Array;

/** A DH or signature key pair. Backends return their own subclass; callers treat it as opaque. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  /** Raw private key bytes: only for persistence (NVS, a 0600 file). Never log it. */
  readonly privateKey: Uint8Array;
}

/** Noise §4.1 DH functions for Curve25519. */
export interface DHFunctions {
  readonly name: '25519';
  /** DHLEN */
  readonly dhLen: 32;
  /** GENERATE_KEYPAIR() */
  generateKeyPair(): KeyPair;
  /** Rebuild a key pair from stored private bytes (vectors, NVS, key files). */
  keyPairFromPrivate(privateKey: Uint8Array): KeyPair;
  /**
   * DH(key_pair, public_key). Throws CryptoError('CRYPTO_BAD_KEY') on a low-order public key
   * (all-zero output), which Noise allows implementations to reject (§12.1).
   */
  dh(keyPair: KeyPair, publicKey: Uint8Array): Uint8Array;
}

export type CipherName = 'ChaChaPoly' | 'AESGCM';

/**
 * Noise §4.2 cipher functions. `n` is the 64-bit nonce as a JS number: Burrow never lets a
 * nonce pass 2^53 - 1 (CipherState refuses beyond it), which keeps nonces off BigInt, whose
 * every result allocates on XS.
 */
export interface CipherFunctions {
  readonly name: CipherName;
  /** ENCRYPT(k, n, ad, plaintext): ciphertext with its 16-byte tag appended. */
  encrypt(k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** DECRYPT(k, n, ad, ciphertext): throws CryptoError('CRYPTO_DECRYPT_FAILED') on a bad tag. */
  decrypt(k: Uint8Array, n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /**
   * Optional: ENCRYPT(k, n, ad, buffer[offset, offset + length)) written back over the
   * plaintext, its 16-byte tag right after it (the buffer must have the room). The same bytes
   * as `encrypt`; a backend offers it when it can save the channel a plaintext and a sealed
   * copy of every message, which at 1 KiB costs as much as the AEAD itself on node:crypto.
   * Callers fall back to `encrypt` and one copy when it is missing.
   */
  encryptInPlace?(k: Uint8Array, n: number, ad: Uint8Array, buffer: Uint8Array, offset: number, length: number): void;
  /** REKEY(k): Noise §4.2 default, ENCRYPT(k, maxnonce = 2^64-1, zerolen, zeros(32))[0:32]. */
  rekey(k: Uint8Array): Uint8Array;
}

export type HashName = 'SHA256' | 'SHA512' | 'BLAKE2s' | 'BLAKE2b';

/** Noise §4.3 hash functions. */
export interface HashFunctions {
  readonly name: HashName;
  /** HASHLEN */
  readonly hashLen: 32 | 64;
  /** BLOCKLEN */
  readonly blockLen: 64 | 128;
  /** HASH(data) */
  hash(data: Uint8Array): Uint8Array;
  /** HMAC-HASH(key, data) (RFC 2104). */
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Ed25519 (RFC 8032) for identities; not a Noise function but it shares the provider. */
export interface SignatureFunctions {
  readonly name: 'Ed25519';
  generateKeyPair(): KeyPair;
  keyPairFromPrivate(privateKey: Uint8Array): KeyPair;
  sign(keyPair: KeyPair, message: Uint8Array): Uint8Array;
  /** False on any malformed key or signature; never throws for bad input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * Everything one backend offers. `cipher` and `hash` throw CryptoError('CRYPTO_UNSUPPORTED')
 * for names the backend leaves out (a firmware build carries only ChaChaPoly and SHA256).
 */
export interface CryptoProvider {
  readonly name: string;
  readonly random: RandomSource;
  readonly dh: DHFunctions;
  readonly signature: SignatureFunctions;
  cipher(name: CipherName): CipherFunctions;
  hash(name: HashName): HashFunctions;
}
