/**
 * UART frames: 0x00 ‖ COBS(payload ‖ CRC-16(payload)) ‖ 0x00, with the CRC big-endian.
 *
 * Why this shape: COBS leaves 0x00 only at frame edges, so a receiver that starts mid-stream,
 * or sees noise, resynchronises at the next 0x00; the CRC (crc.ts) turns damaged frames into
 * dropped frames. The leading delimiter costs one byte per frame and buys the rule "a
 * corruption costs at most the frame it hits": if a frame's closing 0x00 is damaged, the next
 * frame's opening 0x00 still ends the damaged one, so the next frame arrives intact. Back to
 * back frames show 0x00 0x00, an empty frame the decoder skips as idle line.
 *
 * The streaming decoder never throws on wire bytes: garbage, bad CRCs and oversize runs are
 * counted by reason and dropped, and decoding goes on at the next delimiter. Its buffer is
 * fixed at the worst-case encoding of its payload limit, allocated once.
 */
import { ConfigError, DecodeError, FrameError } from '../errors.ts';
import { COBS_DELIMITER, cobsDecodeInto, cobsEncodeInto, cobsMaxEncodedLength } from './cobs.ts';
import { CRC16_BYTES, crc16 } from './crc.ts';
import { MAX_LINK_MESSAGE } from './limits.ts';

// Protocol constants.
/** Delimiters per frame: one before, one after. */
export const UART_DELIMITERS = 2;

// Our limits.
/** Default payload limit: used alone, a UART frame carries at most one routed message. */
export const DEFAULT_MAX_UART_PAYLOAD = MAX_LINK_MESSAGE;

/** Bytes on the wire for a payload of `length` bytes, delimiters included (worst case). */
export function uartFrameLength(length: number): number {
  return cobsMaxEncodedLength(length + CRC16_BYTES) + UART_DELIMITERS;
}

export function encodeUartFrame(payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(payload.length + CRC16_BYTES);
  body.set(payload, 0);
  const crc = crc16(payload);
  body[payload.length] = crc >> 8;
  body[payload.length + 1] = crc & 0xff;
  const out = new Uint8Array(uartFrameLength(payload.length));
  out[0] = COBS_DELIMITER;
  const end = cobsEncodeInto(body, out, 1);
  out[end] = COBS_DELIMITER;
  return out.subarray(0, end + 1);
}

export interface UartFrameCounters {
  /** Frames delivered. */
  frames: number;
  /** Frames that decoded but failed the CRC. */
  badCrc: number;
  /** Runs longer than the payload limit allows, dropped up to the next delimiter. */
  oversize: number;
  /** Runs that are not COBS, or too short to hold a CRC. */
  malformed: number;
}

export interface UartFrameOptions {
  /** Largest payload accepted. Default DEFAULT_MAX_UART_PAYLOAD. */
  readonly maxPayload?: number;
}

function checkedMaxPayload(maxPayload: number): number {
  if (!Number.isInteger(maxPayload) || maxPayload < 0 || maxPayload > MAX_LINK_MESSAGE) {
    throw new ConfigError('CONFIG_INVALID', `maxPayload must be an integer from 0 to ${MAX_LINK_MESSAGE}`);
  }
  return maxPayload;
}

// Why a run between delimiters was refused (decodeRun returns these, or a payload length >= 0).
const BAD_CRC = -1;
const MALFORMED = -2;
const OVERSIZE = -3;

/** Decodes one run (no delimiters) into `scratch`; returns the payload length or a refusal. */
function decodeRun(run: Uint8Array, length: number, scratch: Uint8Array, maxPayload: number): number {
  const n = cobsDecodeInto(run, length, scratch);
  if (n < CRC16_BYTES) return MALFORMED; // not COBS (n < 0), or no room for a CRC
  const payloadLength = n - CRC16_BYTES;
  if (payloadLength > maxPayload) return OVERSIZE;
  const crc = (scratch[payloadLength]! << 8) | scratch[payloadLength + 1]!;
  return crc16(scratch, 0, payloadLength) === crc ? payloadLength : BAD_CRC;
}

/**
 * Decodes exactly one whole frame, delimiters included (tests, tools). Throws DecodeError for
 * anything else and FrameError FRAME_OVERSIZE above `maxPayload`.
 */
export function decodeUartFrame(frame: Uint8Array, maxPayload: number = DEFAULT_MAX_UART_PAYLOAD): Uint8Array {
  const n = frame.length;
  if (n < 2 || frame[0] !== COBS_DELIMITER || frame[n - 1] !== COBS_DELIMITER) {
    throw new DecodeError('DECODE_TRUNCATED', 'UART frame must start and end with a delimiter');
  }
  const run = frame.subarray(1, n - 1);
  if (run.length > cobsMaxEncodedLength(checkedMaxPayload(maxPayload) + CRC16_BYTES)) {
    throw new FrameError('FRAME_OVERSIZE', 'UART frame exceeds the payload limit');
  }
  const scratch = new Uint8Array(run.length);
  const result = decodeRun(run, run.length, scratch, maxPayload);
  if (result === BAD_CRC) throw new DecodeError('DECODE_BAD_CHECKSUM', 'UART frame CRC mismatch');
  if (result === OVERSIZE) throw new FrameError('FRAME_OVERSIZE', 'UART frame exceeds the payload limit');
  if (result < 0) throw new DecodeError('DECODE_BAD_VALUE', 'UART frame is not valid COBS with a CRC');
  return scratch.slice(0, result);
}

/** Streaming UART decoder: resynchronises at every 0x00; never throws on wire bytes. */
export class UartFrameDecoder {
  private readonly maxPayload: number;
  private readonly run: Uint8Array;
  private readonly scratch: Uint8Array;
  private filled = 0;
  /** Inside an oversize run: drop bytes until the next delimiter. */
  private discarding = false;
  private readonly count: UartFrameCounters = { frames: 0, badCrc: 0, oversize: 0, malformed: 0 };

  constructor(options: UartFrameOptions = {}) {
    this.maxPayload = checkedMaxPayload(options.maxPayload ?? DEFAULT_MAX_UART_PAYLOAD);
    this.run = new Uint8Array(cobsMaxEncodedLength(this.maxPayload + CRC16_BYTES));
    this.scratch = new Uint8Array(this.run.length);
  }

  get counters(): Readonly<UartFrameCounters> {
    return this.count;
  }

  /** Returns the payloads of the frames `chunk` completes (fresh copies). */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      const zero = chunk.indexOf(COBS_DELIMITER, i);
      const stop = zero < 0 ? chunk.length : zero;
      this.collect(chunk, i, stop);
      if (zero < 0) break;
      this.closeRun(frames);
      i = zero + 1;
    }
    return frames;
  }

  /** Bytes held of a frame not yet delimited. */
  get pending(): number {
    return this.filled;
  }

  private collect(chunk: Uint8Array, start: number, stop: number): void {
    if (this.discarding || start === stop) return;
    if (stop - start > this.run.length - this.filled) {
      this.discarding = true;
      this.filled = 0;
      this.count.oversize++;
      return;
    }
    this.run.set(chunk.subarray(start, stop), this.filled);
    this.filled += stop - start;
  }

  private closeRun(frames: Uint8Array[]): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.filled === 0) return; // idle line between delimiters
    const result = decodeRun(this.run, this.filled, this.scratch, this.maxPayload);
    this.filled = 0;
    if (result >= 0) {
      this.count.frames++;
      frames.push(this.scratch.slice(0, result));
    } else if (result === BAD_CRC) this.count.badCrc++;
    else if (result === OVERSIZE) this.count.oversize++;
    else this.count.malformed++;
  }
}
