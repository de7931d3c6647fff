/**
 * Byte helpers shared by every codec. Pure: `Uint8Array` and `DataView` only (no Node buffer type, no
 * TextEncoder, which XS builds may leave out), so the same code runs on Node and XS.
 */
import { DecodeError } from './errors.ts';

export const EMPTY = new Uint8Array(0);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time comparison for secrets and MACs: time depends on length only. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  // One join rather than repeated `+=`: V8 keeps `+=` results as rope fragments, and hex map
  // keys built that way cost ~20 small strings each for as long as the key lives.
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    parts[i] = HEX[b >> 4]! + HEX[b & 15]!;
  }
  return parts.join('');
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new DecodeError('DECODE_BAD_VALUE', 'hex string must have an even number of hex digits');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** UTF-8 encode (WHATWG semantics: lone surrogates become U+FFFD). */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Strict UTF-8 decode: malformed input is a DecodeError, never replacement characters. */
export function utf8Decode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b0 = bytes[i]!;
    let cp: number;
    let need: number;
    if (b0 < 0x80) { cp = b0; need = 0; }
    else if (b0 >= 0xc2 && b0 < 0xe0) { cp = b0 & 31; need = 1; }
    else if (b0 >= 0xe0 && b0 < 0xf0) { cp = b0 & 15; need = 2; }
    else if (b0 >= 0xf0 && b0 < 0xf5) { cp = b0 & 7; need = 3; }
    else throw new DecodeError('DECODE_BAD_VALUE', 'invalid UTF-8 lead byte');
    if (i + need >= bytes.length) throw new DecodeError('DECODE_TRUNCATED', 'truncated UTF-8 sequence');
    for (let k = 1; k <= need; k++) {
      const b = bytes[i + k]!;
      if ((b & 0xc0) !== 0x80) throw new DecodeError('DECODE_BAD_VALUE', 'invalid UTF-8 continuation byte');
      cp = (cp << 6) | (b & 63);
    }
    if ((need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff))) {
      throw new DecodeError('DECODE_BAD_VALUE', 'overlong or out-of-range UTF-8 sequence');
    }
    s += String.fromCodePoint(cp);
    i += need + 1;
  }
  return s;
}
