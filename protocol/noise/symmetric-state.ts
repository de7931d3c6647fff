/**
 * SymmetricState (Noise rev 34 §5.2): the chaining key ck, the handshake hash h, and the
 * CipherState that encrypts handshake payloads and static keys.
 *
 * HKDF (§4.3) is built here on the provider's HMAC-HASH rather than being asked of each
 * backend: three HMAC calls are all it takes, and one definition cannot drift between noble,
 * node:crypto and a device's native provider. `clone()` is cheap (ck and h are replaced, never
 * written in place, so a copy shares them) and lets HandshakeState read a message on a copy
 * and commit only on success.
 */
import { EMPTY } from '../bytes.ts';
import type { CipherFunctions, HashFunctions } from '../crypto/provider.ts';
import { CipherState } from './cipher-state.ts';

// Protocol constants (Noise rev 34 §4.2, §4.3).
/** Cipher keys are 32 bytes; a 64-byte HASHLEN output is truncated to them (§5.2). */
const KEY_LEN = 32;
const BYTE_1 = /* @__PURE__ */ Uint8Array.of(0x01);

/** See SymmetricState.checkpoint. */
export interface SymmetricCheckpoint {
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  readonly k: Uint8Array | undefined;
  readonly n: number;
}

export class SymmetricState {
  readonly hash: HashFunctions;
  cipherState: CipherState;
  declare private ck: Uint8Array;
  private h: Uint8Array;

  private constructor(hash: HashFunctions, cipherState: CipherState, ck: Uint8Array, h: Uint8Array) {
    this.hash = hash;
    this.cipherState = cipherState;
    // Not enumerable: ck is the root of every later key.
    Object.defineProperty(this, 'ck', { value: ck, writable: true, enumerable: false });
    this.h = h;
  }

  /** InitializeSymmetric(protocol_name): Noise §5.2. */
  static initialize(protocolName: Uint8Array, cipher: CipherFunctions, hash: HashFunctions): SymmetricState {
    let h: Uint8Array;
    if (protocolName.length <= hash.hashLen) {
      // h = protocol_name padded with zeros to HASHLEN bytes
      h = new Uint8Array(hash.hashLen);
      h.set(protocolName);
    } else {
      h = hash.hash(protocolName);
    }
    // ck = h: h is replaced by MixHash, never written in place, so both may share the bytes.
    return new SymmetricState(hash, new CipherState(cipher), h, h);
  }

  /** MixKey(input_key_material): ck, temp_k = HKDF(ck, input_key_material, 2) (§5.2) */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempK] = this.hkdf(inputKeyMaterial);
    this.ck = ck;
    this.cipherState.initializeKey(truncateKey(tempK));
  }

  /** MixHash(data): h = HASH(h || data) (§5.2) */
  mixHash(data: Uint8Array): void {
    const input = new Uint8Array(this.h.length + data.length);
    input.set(this.h);
    input.set(data, this.h.length);
    this.h = this.hash.hash(input);
  }

  /** GetHandshakeHash(): the live h; callers that keep it must not write into it. */
  getHandshakeHash(): Uint8Array {
    return this.h;
  }

  /** EncryptAndHash(plaintext): ciphertext = EncryptWithAd(h, plaintext); MixHash(ciphertext) */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipherState.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** DecryptAndHash(ciphertext): plaintext = DecryptWithAd(h, ciphertext); MixHash(ciphertext) */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipherState.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Split(): temp_k1, temp_k2 = HKDF(ck, zerolen, 2); c1 for initiator-to-responder (§5.2). */
  split(): [CipherState, CipherState] {
    const [tempK1, tempK2] = this.hkdf(EMPTY);
    const cipher = this.cipherState.cipher;
    const c1 = new CipherState(cipher);
    const c2 = new CipherState(cipher);
    c1.initializeKey(truncateKey(tempK1));
    c2.initializeKey(truncateKey(tempK2));
    return [c1, c2];
  }

  /** A checkpoint: an independent copy that shares the immutable ck and h bytes. */
  clone(): SymmetricState {
    return new SymmetricState(this.hash, this.cipherState.clone(), this.ck, this.h);
  }

  /**
   * Everything a handshake message moves (ck, h, k, n), for `rollback`: what clone() gives,
   * without building two objects and hiding their keys on every message. The record holds key
   * material: keep it in a local variable.
   */
  checkpoint(): SymmetricCheckpoint {
    return { ck: this.ck, h: this.h, k: this.cipherState.keyOrUndefined, n: this.cipherState.n };
  }

  /** Returns to a checkpoint of this same state (a failed read leaves the state untouched). */
  rollback(c: SymmetricCheckpoint): void {
    this.ck = c.ck;
    this.h = c.h;
    this.cipherState.restore(c.k, c.n);
  }

  /** HKDF(ck, input_key_material, 2) (§4.3): [output1, output2]. */
  private hkdf(inputKeyMaterial: Uint8Array): [Uint8Array, Uint8Array] {
    const hash = this.hash;
    // temp_key = HMAC-HASH(chaining_key, input_key_material)
    const tempKey = hash.hmac(this.ck, inputKeyMaterial);
    // output1 = HMAC-HASH(temp_key, byte(0x01))
    const output1 = hash.hmac(tempKey, BYTE_1);
    // output2 = HMAC-HASH(temp_key, output1 || byte(0x02))
    const input2 = new Uint8Array(output1.length + 1);
    input2.set(output1);
    input2[output1.length] = 0x02;
    return [output1, hash.hmac(tempKey, input2)];
  }
}

/** If HASHLEN is 64, temp_k is truncated to 32 bytes (§5.2); a copy keeps the rest unreachable. */
function truncateKey(k: Uint8Array): Uint8Array {
  return k.length === KEY_LEN ? k : k.slice(0, KEY_LEN);
}
