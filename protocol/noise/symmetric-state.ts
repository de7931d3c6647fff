/**
 * SymmetricState (Noise rev 34 §5.2): chaining key ck, handshake hash h, and a CipherState.
 * `clone()` exists so HandshakeState can read a message on a copy and commit only on success.
 */
import { concatBytes, EMPTY } from '../bytes.ts';
import type { CipherFunctions, HashFunctions } from '../crypto/provider.ts';
import { CipherState } from './cipher-state.ts';

export class SymmetricState {
  readonly hash: HashFunctions;
  cipherState: CipherState;
  declare ck: Uint8Array;
  h: Uint8Array;

  constructor(hash: HashFunctions, cipherState: CipherState, ck: Uint8Array, h: Uint8Array) {
    this.hash = hash;
    this.cipherState = cipherState;
    Object.defineProperty(this, 'ck', { value: ck, writable: true, enumerable: false });
    this.h = h;
  }

  /** InitializeSymmetric(protocol_name) (§5.2) */
  static initialize(protocolName: Uint8Array, cipher: CipherFunctions, hash: HashFunctions): SymmetricState {
    let h: Uint8Array;
    if (protocolName.length <= hash.hashLen) {
      // h = protocol_name padded with zeros to HASHLEN
      h = new Uint8Array(hash.hashLen);
      h.set(protocolName);
    } else {
      h = hash.hash(protocolName);
    }
    return new SymmetricState(hash, new CipherState(cipher), h.slice(), h);
  }

  /** MixKey(input_key_material): ck, temp_k = HKDF(ck, ikm, 2) */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempK] = this.hkdf2(inputKeyMaterial);
    this.ck = ck;
    // If HASHLEN is 64, temp_k is truncated to 32 bytes (§5.2)
    this.cipherState.initializeKey(tempK.subarray(0, 32));
  }

  /** MixHash(data): h = HASH(h || data) */
  mixHash(data: Uint8Array): void {
    this.h = this.hash.hash(concatBytes(this.h, data));
  }

  /** GetHandshakeHash() */
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

  /** Split(): temp_k1, temp_k2 = HKDF(ck, zerolen, 2) -> (c1, c2) */
  split(): [CipherState, CipherState] {
    const [k1, k2] = this.hkdf2(EMPTY);
    const cipher = this.cipherState.cipher;
    return [new CipherState(cipher, k1.subarray(0, 32)), new CipherState(cipher, k2.subarray(0, 32))];
  }

  clone(): SymmetricState {
    return new SymmetricState(this.hash, this.cipherState.clone(), this.ck, this.h);
  }

  /** HKDF(chaining_key, input_key_material, 2) (§4.3) */
  private hkdf2(inputKeyMaterial: Uint8Array): [Uint8Array, Uint8Array] {
    // temp_key = HMAC-HASH(chaining_key, input_key_material)
    const tempKey = this.hash.hmac(this.ck, inputKeyMaterial);
    // output1 = HMAC-HASH(temp_key, byte(0x01))
    const output1 = this.hash.hmac(tempKey, BYTE_1);
    // output2 = HMAC-HASH(temp_key, output1 || byte(0x02))
    const output2 = this.hash.hmac(tempKey, concatBytes(output1, BYTE_2));
    return [output1, output2];
  }
}

const BYTE_1 = /* @__PURE__ */ Uint8Array.of(1);
const BYTE_2 = /* @__PURE__ */ Uint8Array.of(2);
