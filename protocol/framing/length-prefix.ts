/**
 * TCP link framing: a frame is a 4-byte big-endian length, then that many bytes; one frame
 * carries one routed message. TCP already delivers an ordered, checksummed byte stream, so the
 * framing only has to find message boundaries.
 *
 * Design: a fixed u32 length over a u16 or a varint. The width is wire format and should never
 * change; the limit is policy and may (a broker hop or a batched store-and-forward upstream
 * could one day want more than 64 KiB). Two extra bytes per frame cost nothing on TCP, and a
 * fixed width is checked against the limit the moment its fourth byte arrives, before anything
 * is allocated.
 *
 * A length-prefixed stream cannot resynchronise: after a bad length every byte could be a
 * length. So an oversize length is fatal: `push` throws FRAME_OVERSIZE, refuses all further
 * input, and the caller closes the connection. Frames decoded earlier in the same chunk are
 * dropped with it (the connection is going away anyway).
 */
import { ConfigError, DecodeError, FrameError } from '../errors.ts';
import { MAX_LINK_MESSAGE } from './limits.ts';

// Protocol constants.
/** Bytes of the length prefix (u32, big-endian). */
export const LENGTH_PREFIX_BYTES = 4;

// Our limits.
/** Largest frame body: one routed message, so the shared link limit (see limits.ts). */
export const MAX_TCP_FRAME = MAX_LINK_MESSAGE;

export interface LengthPrefixOptions {
  /** Largest accepted frame body; at most what the u32 prefix can say. Default MAX_TCP_FRAME. */
  readonly maxFrameSize?: number;
}

function checkedLimit(maxFrameSize: number): number {
  if (!Number.isInteger(maxFrameSize) || maxFrameSize < 0 || maxFrameSize > 0xffffffff) {
    throw new ConfigError('CONFIG_INVALID', 'maxFrameSize must be an integer from 0 to 2^32 - 1');
  }
  return maxFrameSize;
}

/** Prefixes `payload` with its length. Throws FRAME_OVERSIZE above `maxFrameSize`. */
export function encodeFrame(payload: Uint8Array, maxFrameSize: number = MAX_TCP_FRAME): Uint8Array {
  if (payload.length > checkedLimit(maxFrameSize)) {
    throw new FrameError('FRAME_OVERSIZE', `frame of ${payload.length} bytes exceeds ${maxFrameSize}`);
  }
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, false);
  out.set(payload, LENGTH_PREFIX_BYTES);
  return out;
}

/** Decodes exactly one whole frame: DECODE_TRUNCATED if cut, DECODE_TRAILING if more follows. */
export function decodeFrame(bytes: Uint8Array, maxFrameSize: number = MAX_TCP_FRAME): Uint8Array {
  if (bytes.length < LENGTH_PREFIX_BYTES) throw new DecodeError('DECODE_TRUNCATED', 'frame shorter than its length prefix');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (length > checkedLimit(maxFrameSize)) throw new FrameError('FRAME_OVERSIZE', `frame length ${length} exceeds ${maxFrameSize}`);
  const end = LENGTH_PREFIX_BYTES + length;
  if (bytes.length < end) throw new DecodeError('DECODE_TRUNCATED', 'frame body cut short');
  if (bytes.length > end) throw new DecodeError('DECODE_TRAILING', `${bytes.length - end} bytes after the frame`);
  return bytes.slice(LENGTH_PREFIX_BYTES, end);
}

/**
 * Streaming decoder: feed it whatever chunks the socket delivers; it returns every frame they
 * complete. Holds at most one frame body (bounded by maxFrameSize) plus the 4 header bytes.
 */
export class LengthPrefixDecoder {
  private readonly maxFrameSize: number;
  private readonly header = new Uint8Array(LENGTH_PREFIX_BYTES);
  private headerFilled = 0;
  private body: Uint8Array | undefined = undefined;
  private bodyFilled = 0;
  private failed = false;

  constructor(options: LengthPrefixOptions = {}) {
    this.maxFrameSize = checkedLimit(options.maxFrameSize ?? MAX_TCP_FRAME);
  }

  /** Returns the frames completed by `chunk` (copies: the chunk may be reused). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw new FrameError('FRAME_OVERSIZE', 'stream already failed on an oversize frame');
    const frames: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      const body = this.body;
      if (body !== undefined) {
        const take = Math.min(body.length - this.bodyFilled, chunk.length - i);
        body.set(chunk.subarray(i, i + take), this.bodyFilled);
        this.bodyFilled += take;
        i += take;
        if (this.bodyFilled === body.length) {
          frames.push(body);
          this.body = undefined;
        }
        continue;
      }
      this.header[this.headerFilled++] = chunk[i++]!;
      if (this.headerFilled < LENGTH_PREFIX_BYTES) continue;
      this.headerFilled = 0;
      const h = this.header;
      const length = h[0]! * 0x1000000 + ((h[1]! << 16) | (h[2]! << 8) | h[3]!);
      if (length > this.maxFrameSize) {
        this.failed = true;
        throw new FrameError('FRAME_OVERSIZE', `frame length ${length} exceeds ${this.maxFrameSize}`);
      }
      if (chunk.length - i >= length) {
        // The whole body is in this chunk: one copy, no staging buffer.
        frames.push(chunk.slice(i, i + length));
        i += length;
      } else {
        this.body = new Uint8Array(length);
        this.bodyFilled = 0;
      }
    }
    return frames;
  }

  /** Bytes of a frame begun but not finished (header bytes included). */
  get pending(): number {
    return this.body !== undefined ? LENGTH_PREFIX_BYTES + this.bodyFilled : this.headerFilled;
  }

  /** The stream ended: throws DECODE_TRUNCATED if it stopped inside a frame. */
  end(): void {
    if (this.pending > 0) throw new DecodeError('DECODE_TRUNCATED', `stream ended ${this.pending} bytes into a frame`);
  }
}
