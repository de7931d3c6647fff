/**
 * COBS, Consistent Overhead Byte Stuffing (Cheshire & Baker, IEEE/ACM ToN 1999): rewrites a
 * byte string so it contains no 0x00, leaving 0x00 free to delimit frames on a serial line.
 * Each block starts with a code byte c (1..255): c - 1 data bytes follow, then an implied zero,
 * except after a 255 block (254 data bytes, no zero) and after the last block.
 *
 * Design: COBS over SLIP or HDLC byte stuffing because its overhead is fixed: at most one byte
 * per 254 (one byte for any frame under 255), where escaping can double a frame full of
 * escape-worthy bytes. A known worst case is what lets a link frame be sized to fit the
 * ESP32's 128-byte UART FIFO.
 *
 * Canonical form only: a final 255 block ends the encoding (no empty block after it), as in
 * the usual reference encoders; the decoder refuses the other spelling, so every byte string
 * has exactly one encoding.
 */
import { DecodeError } from '../errors.ts';

// Protocol constants.
/** The frame delimiter COBS frees up. */
export const COBS_DELIMITER = 0x00;
/** Code byte of a full block: 254 data bytes and no implied zero. */
const FULL_BLOCK = 0xff;

// Results of cobsDecodeInto below zero (an API detail, not wire format).
export const COBS_MALFORMED = -1;
export const COBS_TRUNCATED = -2;

/** Worst-case encoded length of `length` input bytes (no delimiter). */
export function cobsMaxEncodedLength(length: number): number {
  return length === 0 ? 1 : length + Math.ceil(length / (FULL_BLOCK - 1));
}

/** Writes COBS(data) into `out` from `offset` (room: cobsMaxEncodedLength); returns the end. */
export function cobsEncodeInto(data: Uint8Array, out: Uint8Array, offset: number): number {
  let codeAt = offset;
  let o = offset + 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
      continue;
    }
    out[o++] = b;
    code++;
    // A full block closes without an implied zero; open the next only if data remains.
    if (code === FULL_BLOCK && i + 1 < data.length) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    }
  }
  out[codeAt] = code;
  return o;
}

export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(data.length));
  return out.subarray(0, cobsEncodeInto(data, out, 0));
}

/**
 * Decodes encoded[0, length) into `out` (room: `length` bytes suffice) without throwing: the
 * stream decoder counts bad frames and goes on. Returns the decoded length, COBS_MALFORMED (a
 * zero byte, or the non-canonical trailing empty block) or COBS_TRUNCATED (a block runs past
 * the end, or empty input).
 */
export function cobsDecodeInto(encoded: Uint8Array, length: number, out: Uint8Array): number {
  if (length === 0) return COBS_TRUNCATED;
  let i = 0;
  let o = 0;
  let previous = 0;
  while (i < length) {
    const code = encoded[i]!;
    if (code === 0) return COBS_MALFORMED;
    const end = i + code;
    if (end > length) return COBS_TRUNCATED;
    for (let j = i + 1; j < end; j++) {
      const b = encoded[j]!;
      if (b === 0) return COBS_MALFORMED;
      out[o++] = b;
    }
    i = end;
    if (i < length) {
      if (code !== FULL_BLOCK) out[o++] = 0;
    } else if (code === 1 && previous === FULL_BLOCK) {
      return COBS_MALFORMED;
    }
    previous = code;
  }
  return o;
}

/** Decodes one COBS block sequence (no delimiter); throws DecodeError on malformed input. */
export function cobsDecode(encoded: Uint8Array): Uint8Array {
  const out = new Uint8Array(encoded.length);
  const n = cobsDecodeInto(encoded, encoded.length, out);
  if (n === COBS_TRUNCATED) throw new DecodeError('DECODE_TRUNCATED', 'COBS block runs past the end');
  if (n < 0) throw new DecodeError('DECODE_BAD_VALUE', 'COBS input holds a zero byte or is not canonical');
  return out.subarray(0, n);
}
