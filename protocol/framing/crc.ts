/**
 * CRC-16/CCITT-FALSE for UART frames: polynomial 0x1021 (x^16 + x^12 + x^5 + 1), initial value
 * 0xFFFF, no reflection, no final XOR; check value 0x29B1 over ASCII "123456789".
 *
 * Design: CRC-16 over CRC-32. The CRC only has to keep line noise from costing more than one
 * frame; forgery and tampering are the end-to-end AEAD's job (ChaCha20-Poly1305), which no
 * link checksum could replace. On the UART link's frames (at most 69 bytes on the wire, far
 * inside 0x1021's Hamming-distance-4 range) it catches every 1-, 2- and 3-bit error, every odd
 * number of bit errors and every burst up to 16 bits; random garbage passes with probability
 * 2^-16, and then still has to parse as a link frame. Two bytes instead of four leave more of
 * the 128-byte FIFO for payload, and 16-bit arithmetic stays in XS's integer fast path (no
 * `>>> 0` to keep a 32-bit value unsigned).
 *
 * Nibble table over byte table or bitwise loop: 16 entries (32 bytes of flash) against 256, and
 * two lookups per byte against eight shift-and-test rounds in the interpreter.
 */

// Protocol constants.
/** Initial register value of CRC-16/CCITT-FALSE. */
export const CRC16_INIT = 0xffff;
/** Bytes the CRC adds to a frame (sent big-endian). */
export const CRC16_BYTES = 2;
/** The register update for each 4-bit value shifted out of the top: n(x) * x^16 mod 0x1021. */
const NIBBLE_TABLE: readonly number[] = [
  0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
  0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef,
];

/** CRC-16/CCITT-FALSE of bytes[start, end); pass a previous result as `crc` to continue. */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length, crc = CRC16_INIT): number {
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    crc = ((crc << 4) & 0xffff) ^ NIBBLE_TABLE[(crc >> 12) ^ (b >> 4)]!;
    crc = ((crc << 4) & 0xffff) ^ NIBBLE_TABLE[(crc >> 12) ^ (b & 15)]!;
  }
  return crc;
}
