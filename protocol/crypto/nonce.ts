/**
 * Noise nonce encodings (rev 34 §12.3, §12.4): 32 zero bits then the 64-bit counter,
 * little-endian for ChaChaPoly, big-endian for AESGCM. `n` is a JS number below 2^53, or the
 * spec's maxnonce (2^64 - 1), which only REKEY uses and which we write as eight 0xff bytes.
 */
import { CryptoError } from '../errors.ts';

/** Noise maxnonce, 2^64 - 1: reserved for REKEY (§5.1). Encoded specially, see below. */
export const MAX_NONCE = Number.POSITIVE_INFINITY;

/** Largest nonce Burrow uses for messages: keeps counters exact as JS numbers. */
export const MAX_MESSAGE_NONCE = Number.MAX_SAFE_INTEGER;

export function nonce96(n: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(12);
  if (n === MAX_NONCE) {
    out.fill(0xff, 4);
    return out;
  }
  if (!Number.isInteger(n) || n < 0 || n > MAX_MESSAGE_NONCE) {
    throw new CryptoError('CRYPTO_NONCE_EXHAUSTED', 'nonce out of range');
  }
  const view = new DataView(out.buffer);
  const lo = n % 0x100000000;
  const hi = Math.floor(n / 0x100000000);
  if (littleEndian) {
    view.setUint32(4, lo, true);
    view.setUint32(8, hi, true);
  } else {
    view.setUint32(4, hi, false);
    view.setUint32(8, lo, false);
  }
  return out;
}
