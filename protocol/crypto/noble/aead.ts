/** Noise cipher functions (§12.3 ChaChaPoly, §12.4 AESGCM) over @noble/ciphers. */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { gcm } from '@noble/ciphers/aes.js';
import { CryptoError } from '../../errors.ts';
import { MAX_NONCE, nonce96 } from '../nonce.ts';
import type { CipherFunctions, CipherName } from '../provider.ts';

type AeadFactory = (key: Uint8Array, nonce: Uint8Array, aad?: Uint8Array) => {
  encrypt(plaintext: Uint8Array): Uint8Array;
  decrypt(ciphertext: Uint8Array): Uint8Array;
};

const ZEROS_32 = new Uint8Array(32);
const EMPTY = new Uint8Array(0);

function nobleCipher(name: CipherName, aead: AeadFactory, littleEndian: boolean): CipherFunctions {
  const encrypt = (k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array =>
    aead(k, nonce96(n, littleEndian), ad).encrypt(plaintext);
  return {
    name,
    encrypt,
    decrypt(k, n, ad, ciphertext) {
      if (ciphertext.length < 16) throw new CryptoError('CRYPTO_DECRYPT_FAILED', 'ciphertext shorter than its tag');
      try {
        return aead(k, nonce96(n, littleEndian), ad).decrypt(ciphertext);
      } catch {
        // noble throws a plain Error on a bad tag; the network only ever sees "dropped".
        throw new CryptoError('CRYPTO_DECRYPT_FAILED', `${name} authentication failed`);
      }
    },
    // REKEY(k) = ENCRYPT(k, maxnonce, zerolen, zeros)[0:32] (§4.2)
    rekey: (k) => encrypt(k, MAX_NONCE, EMPTY, ZEROS_32).subarray(0, 32),
  };
}

export const chaChaPoly: CipherFunctions = /* @__PURE__ */ nobleCipher('ChaChaPoly', chacha20poly1305, true);
export const aesGcm: CipherFunctions = /* @__PURE__ */ nobleCipher('AESGCM', gcm, false);
