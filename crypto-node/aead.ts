/**
 * Noise cipher functions over node:crypto: ChaChaPoly (Noise rev 34 §12.3, RFC 8439) and
 * AESGCM (§12.4), with the nonce encodings of protocol/crypto/nonce.ts shared with noble.
 *
 * Outputs are written into fresh arrays rather than through Buffer.concat, whose small results
 * are views into Buffer's shared 8 KiB pool: a REKEY'd key would otherwise sit in memory that
 * unrelated buffers are carved from.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from '../protocol/errors.ts';
import { MAX_NONCE, nonce96 } from '../protocol/crypto/nonce.ts';
import type { CipherFunctions, CipherName } from '../protocol/crypto/provider.ts';

// Protocol constants (Noise rev 34 §4.2, §5.1).
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const EMPTY = new Uint8Array(0);
const ZEROS_32 = new Uint8Array(32);

type Algorithm = 'chacha20-poly1305' | 'aes-256-gcm';

function checkKey(k: Uint8Array): void {
  if (!(k instanceof Uint8Array) || k.length !== KEY_BYTES) throw new CryptoError('CRYPTO_BAD_KEY', 'cipher key must be 32 bytes');
}

function joined(a: Uint8Array, b: Uint8Array, c: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}

export function nodeCipher(name: CipherName, algorithm: Algorithm, littleEndian: boolean): CipherFunctions {
  // The cast picks one overload of createCipheriv; both algorithms take the same options.
  const aead = algorithm as 'chacha20-poly1305';
  // ENCRYPT(k, n, ad, plaintext) (§4.2): ciphertext || 16-byte tag
  const encrypt = (k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array => {
    checkKey(k);
    const c = createCipheriv(aead, k, nonce96(n, littleEndian), { authTagLength: TAG_BYTES });
    c.setAAD(ad, { plaintextLength: plaintext.length });
    const body = c.update(plaintext);
    return joined(body, c.final(), c.getAuthTag());
  };
  return {
    name,
    encrypt,
    // DECRYPT(k, n, ad, ciphertext) (§4.2): any failure is one typed error, saying nothing more
    decrypt(k, n, ad, ciphertext) {
      checkKey(k);
      if (ciphertext.length < TAG_BYTES) throw new CryptoError('CRYPTO_DECRYPT_FAILED', 'ciphertext shorter than its tag');
      const iv = nonce96(n, littleEndian);
      const body = ciphertext.subarray(0, ciphertext.length - TAG_BYTES);
      try {
        const d = createDecipheriv(aead, k, iv, { authTagLength: TAG_BYTES });
        d.setAAD(ad, { plaintextLength: body.length });
        d.setAuthTag(ciphertext.subarray(body.length));
        const plaintext = d.update(body);
        const rest = d.final();
        return rest.length === 0 ? new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length) : joined(plaintext, rest);
      } catch {
        throw new CryptoError('CRYPTO_DECRYPT_FAILED', `${name} authentication failed`);
      }
    },
    // REKEY(k) = ENCRYPT(k, maxnonce, zerolen, zeros)[0:32] (§4.2)
    rekey: (k) => encrypt(k, MAX_NONCE, EMPTY, ZEROS_32).slice(0, KEY_BYTES),
  };
}

export const nodeChaChaPoly: CipherFunctions = nodeCipher('ChaChaPoly', 'chacha20-poly1305', true);
export const nodeAesGcm: CipherFunctions = nodeCipher('AESGCM', 'aes-256-gcm', false);
