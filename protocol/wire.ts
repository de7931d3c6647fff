/**
 * Bounded readers and writers for Burrow's binary codecs. Every read checks the remaining
 * length first and fails with a typed DecodeError, so a decoder built on ByteReader cannot
 * read past its input or allocate more than its input holds.
 */
import { utf8Decode, utf8Encode } from './bytes.ts';
import { DecodeError } from './errors.ts';

export class ByteReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array, private readonly what: string) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const v = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
  }

  /** IEEE 754 double, big-endian. NaN and infinities are refused: no reading or argument
   *  needs them, and they would poison sums and JSON downstream. */
  f64(): number {
    this.need(8);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, 8).getFloat64(0);
    this.offset += 8;
    if (!Number.isFinite(v)) throw new DecodeError('DECODE_BAD_VALUE', `${this.what}: non-finite number`);
    return v;
  }

  /** UTF-8 text behind a u16 length, at most `max` bytes. */
  text(max: number): string {
    const length = this.u16();
    if (length > max) throw new DecodeError('DECODE_OVERSIZE', `${this.what}: text of ${length} bytes exceeds ${max}`);
    this.need(length);
    const s = utf8Decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return s;
  }

  /** A copy of the next `length` bytes (copies keep decoded values independent of the input). */
  bytesOf(length: number): Uint8Array {
    this.need(length);
    const out = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** The input consumed so far, from `start` (for signatures over encoded parts). */
  consumedSince(start: number): Uint8Array {
    return this.bytes.subarray(start, this.offset);
  }

  get position(): number {
    return this.offset;
  }

  /** Rejects trailing bytes: every structure has exactly one encoding. */
  end(): void {
    if (this.remaining !== 0) throw new DecodeError('DECODE_TRAILING', `${this.what}: ${this.remaining} trailing bytes`);
  }

  private need(n: number): void {
    if (this.remaining < n) throw new DecodeError('DECODE_TRUNCATED', `${this.what}: truncated`);
  }
}

export class ByteWriter {
  private readonly parts: number[] = [];

  u8(v: number): this {
    this.parts.push(v & 255);
    return this;
  }

  u16(v: number): this {
    this.parts.push((v >>> 8) & 255, v & 255);
    return this;
  }

  u32(v: number): this {
    this.parts.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    return this;
  }

  f64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v);
    return this.bytes(b);
  }

  /** UTF-8 text behind a u16 length; the caller checks its limit (see ByteReader.text). */
  text(s: string): this {
    const b = utf8Encode(s);
    return this.u16(b.length).bytes(b);
  }

  bytes(b: Uint8Array): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]!);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Throws DECODE_BAD_VALUE unless `ok`. */
export function expectValue(ok: boolean, what: string): void {
  if (!ok) throw new DecodeError('DECODE_BAD_VALUE', what);
}
