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
  writeNonce96(out, n, littleEndian);
  return out;
}

/**
 * Writes the 12-byte nonce of n into `out` (zeroing its first 4 bytes), for a backend that
 * reuses one scratch array because its cipher copies the nonce at once (node:crypto does).
 */
export function writeNonce96(out: Uint8Array, n: number, littleEndian: boolean): void {
  out[0] = out[1] = out[2] = out[3] = 0;
  if (n === MAX_NONCE) {
    out.fill(0xff, 4, 12);
    return;
  }
  if (!Number.isInteger(n) || n < 0 || n > MAX_MESSAGE_NONCE) {
    throw new CryptoError('CRYPTO_NONCE_EXHAUSTED', 'nonce out of range');
  }
  writeNonce64(out, 4, n, littleEndian);
}

/**
 * Writes a message nonce n (at most 2^53 - 1, checked by the caller) as 8 bytes at
 * out[offset..offset+8): the counter half of the nonce, also the channel's explicit counter.
 */
export function writeNonce64(out: Uint8Array, offset: number, n: number, littleEndian: boolean): void {
  // Two 32-bit halves: exact for n <= 2^53 - 1 with no BigInt (and no DataView to allocate).
  const lo = n % 0x100000000;
  const hi = (n - lo) / 0x100000000;
  for (let i = 0; i < 4; i++) {
    const shift = 8 * i;
    // byte i of each half, from the low end: placed first (LE) or last (BE)
    out[offset + (littleEndian ? i : 7 - i)] = (lo >>> shift) & 0xff;
    out[offset + (littleEndian ? 4 + i : 3 - i)] = (hi >>> shift) & 0xff;
  }
}
