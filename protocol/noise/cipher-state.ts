/**
 * CipherState (Noise rev 34 §5.1): a key k and a counter nonce n. Used during the handshake
 * and by callers that want Noise's implicit nonces; Burrow's channel reads `key` and sends
 * explicit nonces instead (messages cross reordering hops), see protocol/channel/.
 */
import { CryptoError } from '../errors.ts';
import { MAX_MESSAGE_NONCE } from '../crypto/nonce.ts';
import type { CipherFunctions } from '../crypto/provider.ts';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class CipherState {
  readonly cipher: CipherFunctions;
  declare private k: Uint8Array | undefined;
  n = 0;

  constructor(cipher: CipherFunctions, k?: Uint8Array, n = 0) {
    this.cipher = cipher;
    // Not enumerable: a logged CipherState never shows its key.
    Object.defineProperty(this, 'k', { value: k, writable: true, enumerable: false });
    this.n = n;
  }

  /** InitializeKey(key) */
  initializeKey(key: Uint8Array | undefined): void {
    this.k = key;
    this.n = 0;
  }

  /** HasKey() */
  hasKey(): boolean {
    return this.k !== undefined;
  }

  /** The raw key, for the channel layer's explicit-nonce transport. */
  get key(): Uint8Array {
    if (this.k === undefined) throw new CryptoError('CRYPTO_BAD_KEY', 'CipherState has no key');
    return this.k;
  }

  /** SetNonce(nonce) */
  setNonce(nonce: number): void {
    this.n = nonce;
  }

  /** EncryptWithAd(ad, plaintext): identity when there is no key (§5.1). */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.k === undefined) return plaintext;
    this.checkNonce();
    const out = this.cipher.encrypt(this.k, this.n, ad, plaintext);
    this.n++;
    return out;
  }

  /** DecryptWithAd(ad, ciphertext): on failure n is unchanged (§5.1). */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.k === undefined) return ciphertext;
    this.checkNonce();
    const out = this.cipher.decrypt(this.k, this.n, ad, ciphertext);
    this.n++;
    return out;
  }

  /** Rekey() (§4.2, §11.3) */
  rekey(): void {
    this.k = this.cipher.rekey(this.key);
  }

  clone(): CipherState {
    return new CipherState(this.cipher, this.k, this.n);
  }

  private checkNonce(): void {
    // §5.1: maxnonce is reserved; Burrow stops at 2^53 - 1 to keep n an exact JS number.
    if (this.n >= MAX_MESSAGE_NONCE) throw new CryptoError('CRYPTO_NONCE_EXHAUSTED', 'nonce exhausted');
  }

  toString(): string {
    return `CipherState(${this.cipher.name}, n=${this.n}, key hidden)`;
  }

  [INSPECT](): string {
    return this.toString();
  }
}
