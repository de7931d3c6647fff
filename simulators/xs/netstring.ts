/**
 * Netstrings (`<length>:<bytes>,`), the framing xsnap-worker speaks on fds 3 and 4.
 *
 * The reader is an incremental state machine (length digits, then body, then the comma) that
 * allocates each body once at its announced size, instead of re-concatenating a growing buffer
 * per chunk and searching it for ':' (quadratic on a multi-megabyte reply). Every length is
 * bounded before anything is allocated, and a protocol error poisons the reader: after a bad
 * byte the stream has no trustworthy frame boundary left.
 *
 * Pure (Uint8Array only), so the same codec could serve an XS-side peer.
 */
import { DecodeError } from '../../protocol/errors.ts';

// Protocol constants (netstrings as xsnap-worker.c reads and writes them).
const COLON = 0x3a;
const COMMA = 0x2c;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** xsnap reads the length with fscanf("%9lu"): ten digits or more never reach XS intact. */
export const XSNAP_MAX_NETSTRING = 999_999_999;

// Our limits.
/**
 * Largest message we accept from XS: replies are test results, meters and bundle-sized data,
 * far below this; beyond it a runaway XS loop must not grow the host's memory without end.
 */
export const MAX_FROM_XS = 64 * 1024 * 1024;

/** Encodes one netstring whose body is the concatenation of `parts`. */
export function encodeNetstring(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  if (length > XSNAP_MAX_NETSTRING) {
    throw new DecodeError('DECODE_OVERSIZE', `netstring body of ${length} bytes exceeds xsnap's ${XSNAP_MAX_NETSTRING}`);
  }
  const digits = String(length);
  const out = new Uint8Array(digits.length + 1 + length + 1);
  for (let i = 0; i < digits.length; i++) out[i] = digits.charCodeAt(i);
  out[digits.length] = COLON;
  let offset = digits.length + 1;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  out[offset] = COMMA;
  return out;
}

type State = 'length' | 'body' | 'comma' | 'failed';

export class NetstringReader {
  private readonly maxLength: number;
  private readonly maxDigits: number;
  private state: State = 'length';
  private digits = 0;
  private length = 0;
  private body: Uint8Array = new Uint8Array(0);
  private filled = 0;
  private failure: DecodeError | undefined;

  constructor(maxLength: number = MAX_FROM_XS) {
    this.maxLength = maxLength;
    this.maxDigits = String(maxLength).length;
  }

  /** True between messages: no partial netstring is buffered. */
  get idle(): boolean {
    return this.state === 'length' && this.digits === 0;
  }

  /** Feeds bytes; returns every netstring body completed by them, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failure) throw this.failure;
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.length - this.filled, chunk.length - i);
        this.body.set(chunk.subarray(i, i + take), this.filled);
        this.filled += take;
        i += take;
        if (this.filled === this.length) this.state = 'comma';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.state === 'comma') {
        if (byte !== COMMA) this.fail('DECODE_BAD_VALUE', 'netstring body not followed by a comma');
        out.push(this.body);
        this.reset();
      } else if (byte === COLON) {
        if (this.digits === 0) this.fail('DECODE_BAD_VALUE', 'netstring length is empty');
        this.startBody();
        if (this.length === 0) this.state = 'comma';
      } else {
        this.addDigit(byte);
      }
    }
    return out;
  }

  private addDigit(byte: number): void {
    if (byte < DIGIT_0 || byte > DIGIT_9) this.fail('DECODE_BAD_VALUE', 'netstring length holds a non-digit');
    // Netstrings forbid leading zeros: "0:" is the only length that starts with 0.
    if (this.digits === 1 && this.length === 0) this.fail('DECODE_BAD_VALUE', 'netstring length has a leading zero');
    this.length = this.length * 10 + (byte - DIGIT_0);
    this.digits++;
    if (this.digits > this.maxDigits || this.length > this.maxLength) {
      this.fail('DECODE_OVERSIZE', `netstring longer than the ${this.maxLength}-byte limit`);
    }
  }

  private startBody(): void {
    this.body = new Uint8Array(this.length);
    this.filled = 0;
    this.state = 'body';
  }

  private reset(): void {
    this.state = 'length';
    this.digits = 0;
    this.length = 0;
    this.body = new Uint8Array(0);
    this.filled = 0;
  }

  private fail(code: 'DECODE_BAD_VALUE' | 'DECODE_OVERSIZE', message: string): never {
    this.state = 'failed';
    this.failure = new DecodeError(code, message);
    throw this.failure;
  }
}

/** Decodes a buffer holding exactly one netstring (recorded messages, tests). */
export function decodeNetstring(bytes: Uint8Array, maxLength: number = MAX_FROM_XS): Uint8Array {
  const reader = new NetstringReader(maxLength);
  const out = reader.push(bytes);
  if (out.length === 0) throw new DecodeError('DECODE_TRUNCATED', 'input ends inside a netstring');
  if (out.length > 1 || !reader.idle) throw new DecodeError('DECODE_TRAILING', 'bytes follow the netstring');
  return out[0]!;
}
