/**
 * CipherState (Noise rev 34 §5.1): a key k and a counter nonce n.
 *
 * The handshake encrypts through it with Noise's implicit nonces. Burrow's channel does not:
 * its messages cross reordering hops, so it reads `key` and `cipher` from the split()
 * CipherStates and sends explicit nonces itself (protocol/channel/). Exposing the raw key was
 * chosen over wrapping every channel operation in here, which would have pulled the replay
 * window and rekey schedule into the Noise core. The key stays out of toString, JSON and
 * util.inspect (not enumerable), like SecretKeyPair's private half.
 *
 * n is a JS number, never a BigInt (every BigInt result allocates on XS). MAX_MESSAGE_NONCE
 * plays the part of the spec's reserved maxnonce: it is never used for a message.
 */
import { ConfigError, CryptoError } from '../errors.ts';
import { MAX_MESSAGE_NONCE } from '../crypto/nonce.ts';
import type { CipherFunctions } from '../crypto/provider.ts';

// Node's inspect hook is a registered symbol, so naming it needs no Node import.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class CipherState {
  readonly cipher: CipherFunctions;
  declare private k: Uint8Array | undefined;
  private counter: number;

  /** `k` and `n` let a checkpoint copy itself (clone); callers start with InitializeKey. */
  constructor(cipher: CipherFunctions, k?: Uint8Array, n = 0) {
    this.cipher = cipher;
    // Not enumerable: a logged or serialised CipherState never shows its key.
    Object.defineProperty(this, 'k', { value: k, writable: true, enumerable: false });
    this.counter = n;
  }

  /** The nonce the next EncryptWithAd or DecryptWithAd will use. */
  get n(): number {
    return this.counter;
  }

  /** InitializeKey(key): Noise §5.1, resets n to zero. */
  initializeKey(key: Uint8Array | undefined): void {
    if (key !== undefined && key.length !== 32) throw new CryptoError('CRYPTO_BAD_KEY', 'cipher key must be 32 bytes');
    this.k = key;
    this.counter = 0;
  }

  /** HasKey() */
  hasKey(): boolean {
    return this.k !== undefined;
  }

  /** The raw key k, read-only, for the channel's explicit-nonce transport. Never log it. */
  get key(): Uint8Array {
    if (this.k === undefined) throw new CryptoError('CRYPTO_BAD_KEY', 'CipherState has no key');
    return this.k;
  }

  /** SetNonce(nonce): Noise §5.1; only nonces a message may still use are accepted. */
  setNonce(nonce: number): void {
    if (!Number.isInteger(nonce) || nonce < 0) throw new ConfigError('CONFIG_INVALID', 'nonce must be a non-negative integer');
    if (nonce > MAX_MESSAGE_NONCE) throw new CryptoError('CRYPTO_NONCE_EXHAUSTED', 'nonce beyond the largest message nonce');
    this.counter = nonce;
  }

  /** EncryptWithAd(ad, plaintext): returns plaintext itself while there is no key (§5.1). */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.k === undefined) return plaintext;
    const n = this.usableNonce();
    const ciphertext = this.cipher.encrypt(this.k, n, ad, plaintext);
    this.counter = n + 1;
    return ciphertext;
  }

  /** DecryptWithAd(ad, ciphertext): a failed decryption leaves n unchanged (§5.1). */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.k === undefined) return ciphertext;
    const n = this.usableNonce();
    const plaintext = this.cipher.decrypt(this.k, n, ad, ciphertext);
    this.counter = n + 1;
    return plaintext;
  }

  /** Rekey(): k = REKEY(k), n unchanged (§4.2, §11.3). */
  rekey(): void {
    this.k = this.cipher.rekey(this.key);
  }

  /** A copy sharing the key bytes (k is replaced, never written in place), for checkpoints. */
  clone(): CipherState {
    return new CipherState(this.cipher, this.k, this.counter);
  }

  /** Puts back a key and nonce read earlier (`key`/`n` or a checkpoint): a rollback, so no checks. */
  restore(k: Uint8Array | undefined, n: number): void {
    this.k = k;
    this.counter = n;
  }

  /** The key or undefined, without HasKey's throw: for checkpoints. */
  get keyOrUndefined(): Uint8Array | undefined {
    return this.k;
  }

  private usableNonce(): number {
    // Noise §5.1: maxnonce is reserved; Burrow reserves 2^53 - 1 so n stays an exact number.
    if (this.counter >= MAX_MESSAGE_NONCE) throw new CryptoError('CRYPTO_NONCE_EXHAUSTED', 'nonce exhausted');
    return this.counter;
  }

  toString(): string {
    return `CipherState(${this.cipher.name}, n=${this.counter}, ${this.k === undefined ? 'no key' : 'key hidden'})`;
  }

  toJSON(): { cipher: string; n: number; hasKey: boolean } {
    return { cipher: this.cipher.name, n: this.counter, hasKey: this.k !== undefined };
  }

  [INSPECT](): string {
    return this.toString();
  }
}
