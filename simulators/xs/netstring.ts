/**
 * Netstrings (`<length>:<bytes>,`), the framing xsnap-worker speaks on fds 3 and 4. The reader
 * is bounded: a length beyond the limit or a bad delimiter is a protocol error, not a buffer
 * that grows for ever.
 */
import { DecodeError } from '../../protocol/errors.ts';

/** Largest message we accept from XS; test results and bundles stay far below it. */
export const MAX_NETSTRING = 64 * 1024 * 1024;

export function encodeNetstring(...parts: Uint8Array[]): Buffer {
  const length = parts.reduce((n, p) => n + p.length, 0);
  return Buffer.concat([Buffer.from(`${length}:`), ...parts, Buffer.from(',')]);
}

export class NetstringReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) {
        if (this.buffer.length > 20) throw new DecodeError('DECODE_BAD_VALUE', 'netstring length prefix too long');
        return out;
      }
      const digits = this.buffer.subarray(0, colon).toString('latin1');
      if (!/^\d{1,20}$/.test(digits)) throw new DecodeError('DECODE_BAD_VALUE', 'netstring length is not a number');
      const length = Number(digits);
      if (length > MAX_NETSTRING) throw new DecodeError('DECODE_OVERSIZE', `netstring of ${length} bytes exceeds limit`);
      const end = colon + 1 + length;
      if (this.buffer.length < end + 1) return out;
      if (this.buffer[end] !== 0x2c) throw new DecodeError('DECODE_BAD_VALUE', 'netstring missing trailing comma');
      out.push(this.buffer.subarray(colon + 1, end));
      this.buffer = this.buffer.subarray(end + 1);
    }
  }
}
