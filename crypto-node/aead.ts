/**
 * Noise cipher functions over node:crypto: ChaChaPoly (Noise rev 34 §12.3, RFC 8439) and
 * AESGCM (§12.4), with the nonce encodings of protocol/crypto/nonce.ts shared with noble.
 *
 * Outputs are written into fresh arrays rather than through Buffer.concat, whose small results
 * are views into Buffer's shared 8 KiB pool: a REKEY'd key would otherwise sit in memory that
 * unrelated buffers are carved from.
 *
 * Per-call cost matters more than bytes here: a 1 KiB channel message spends about as long in
 * the calls around the AEAD as in the AEAD itself. So the nonce goes through one scratch array
 * (createCipheriv copies it before returning, and nothing here is re-entrant), setAAD gets no
 * options object (plaintextLength is for CCM only), and `encryptInPlace` writes into the
 * caller's buffer instead of allocating the joined result.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ConfigError, CryptoError } from '../protocol/errors.ts';
import { MAX_NONCE, writeNonce96 } from '../protocol/crypto/nonce.ts';
import type { CipherFunctions, CipherName } from '../protocol/crypto/provider.ts';

// Protocol constants (Noise rev 34 §4.2, §5.1).
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const EMPTY = new Uint8Array(0);
const ZEROS_32 = new Uint8Array(32);
const OPTIONS = { authTagLength: TAG_BYTES } as const;

type Algorithm = 'chacha20-poly1305' | 'aes-256-gcm';

function checkKey(k: Uint8Array): void {
  if (!(k instanceof Uint8Array) || k.length !== KEY_BYTES) throw new CryptoError('CRYPTO_BAD_KEY', 'cipher key must be 32 bytes');
}

/** final(): both ciphers are stream ciphers, so update() has already returned every byte. */
function finish(c: { final(): Buffer }): void {
  if (c.final().length !== 0) throw new CryptoError('CRYPTO_UNSUPPORTED', 'AEAD returned bytes after the stream');
}

export function nodeCipher(name: CipherName, algorithm: Algorithm, littleEndian: boolean): CipherFunctions {
  // The cast picks one overload of createCipheriv; both algorithms take the same options.
  // GCM's: @types/node makes setAAD's plaintextLength mandatory for ChaCha20-Poly1305 too, but
  // Node reads it for CCM only (the official vectors run through this code without it).
  const aead = algorithm as 'aes-256-gcm';
  const iv = new Uint8Array(12);
  const cipherFor = (k: Uint8Array, n: number, ad: Uint8Array) => {
    checkKey(k);
    writeNonce96(iv, n, littleEndian);
    const c = createCipheriv(aead, k, iv, OPTIONS);
    c.setAAD(ad);
    return c;
  };
  // ENCRYPT(k, n, ad, plaintext) (§4.2): ciphertext || 16-byte tag
  const encrypt = (k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array => {
    const c = cipherFor(k, n, ad);
    const out = new Uint8Array(plaintext.length + TAG_BYTES);
    out.set(c.update(plaintext));
    finish(c);
    out.set(c.getAuthTag(), plaintext.length);
    return out;
  };
  return {
    name,
    encrypt,
    encryptInPlace(k, n, ad, buffer, offset, length) {
      if (offset < 0 || length < 0 || offset + length + TAG_BYTES > buffer.length) {
        throw new ConfigError('CONFIG_INVALID', 'encryptInPlace: no room for the ciphertext and its tag');
      }
      const c = cipherFor(k, n, ad);
      buffer.set(c.update(buffer.subarray(offset, offset + length)), offset);
      finish(c);
      buffer.set(c.getAuthTag(), offset + length);
    },
    // DECRYPT(k, n, ad, ciphertext) (§4.2): any failure is one typed error, saying nothing more
    decrypt(k, n, ad, ciphertext) {
      checkKey(k);
      if (ciphertext.length < TAG_BYTES) throw new CryptoError('CRYPTO_DECRYPT_FAILED', 'ciphertext shorter than its tag');
      writeNonce96(iv, n, littleEndian);
      const bodyLength = ciphertext.length - TAG_BYTES;
      try {
        const d = createDecipheriv(aead, k, iv, OPTIONS);
        d.setAAD(ad);
        d.setAuthTag(ciphertext.subarray(bodyLength));
        const plaintext = d.update(ciphertext.subarray(0, bodyLength));
        finish(d); // throws on a bad tag
        // update() returns a Buffer over its own ArrayBuffer (never the pool): hand out a plain view.
        return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length);
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
