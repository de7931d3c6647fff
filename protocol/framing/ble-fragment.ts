/**
 * BLE GATT fragmentation: a routed message is cut into fragments that each fit one ATT write
 * or notification, and reassembled on the other side with a bounded buffer.
 *
 * Fragment layout:
 *   byte 0      flags and sequence: bit 7 FIRST, bit 6 LAST, bits 5..0 sequence number
 *   bytes 1..2  total message length, u16 big-endian (FIRST fragments only)
 *   rest        message bytes (at least one, except in a FIRST fragment of an empty message)
 * The sequence number restarts at 0 with each message and counts fragments modulo 64.
 *
 * Design: one header byte rather than a flags byte plus a sequence byte, because at the default
 * ATT MTU of 23 a fragment holds only 20 bytes. Six bits of sequence catch any loss,
 * duplication or reordering of fewer than 64 consecutive fragments; the total length, checked
 * at the LAST fragment, catches the rest, so a message is delivered whole or not at all.
 * BLE's link layer already checks every packet (CRC-24), so there is no checksum here, and
 * tampering is the end-to-end AEAD's concern. On any inconsistency the reassembler drops the
 * partial message, counts why, and waits for the next FIRST fragment; it never throws on what
 * the radio delivers.
 *
 * Size: the caller passes the effective fragment size, min(ATT_MTU - 3, 512, what its stack
 * sends whole). The ESP32's default configuration truncates notifications past 253 bytes
 * silently, so only the caller can know the real figure.
 */
import { ConfigError, FrameError } from '../errors.ts';
import { MAX_LINK_MESSAGE } from './limits.ts';
import { Reassembly } from './reassembly.ts';

// Protocol constants.
/** ATT_MTU range (Bluetooth Core: default 23; 517 is the largest useful value). */
export const ATT_MTU_MIN = 23;
export const ATT_MTU_MAX = 517;
/** ATT header of a write or notification (opcode + handle): fragment = ATT_MTU - 3. */
export const ATT_HEADER_BYTES = 3;
/** An attribute value is at most 512 bytes, whatever the MTU. */
export const ATT_MAX_VALUE = 512;
const FIRST = 0x80;
const LAST = 0x40;
const SEQUENCE_MASK = 0x3f;
const LENGTH_BYTES = 2;

// Our limits.
/** Smallest fragment we build: the FIRST header (3 bytes) plus one message byte. */
export const MIN_FRAGMENT_SIZE = 1 + LENGTH_BYTES + 1;
/** Largest message: the shared link limit, also within the u16 total length. */
export const MAX_BLE_MESSAGE = MAX_LINK_MESSAGE;

/** Effective fragment size for a negotiated ATT MTU, before any stack-specific cap. */
export function fragmentSizeForMtu(mtu: number): number {
  return Math.min(mtu - ATT_HEADER_BYTES, ATT_MAX_VALUE);
}

/** Cuts `message` into fragments of at most `maxFragmentSize` bytes each. */
export function fragment(message: Uint8Array, maxFragmentSize: number, maxMessageSize: number = MAX_BLE_MESSAGE): Uint8Array[] {
  if (!Number.isInteger(maxFragmentSize) || maxFragmentSize < MIN_FRAGMENT_SIZE || maxFragmentSize > ATT_MAX_VALUE) {
    throw new ConfigError('CONFIG_INVALID', `fragment size must be ${MIN_FRAGMENT_SIZE} to ${ATT_MAX_VALUE}`);
  }
  if (message.length > Math.min(maxMessageSize, MAX_BLE_MESSAGE)) {
    throw new FrameError('FRAME_OVERSIZE', `message of ${message.length} bytes exceeds the BLE limit`);
  }
  const out: Uint8Array[] = [];
  let offset = 0;
  let sequence = 0;
  do {
    const header = out.length === 0 ? 1 + LENGTH_BYTES : 1;
    const take = Math.min(maxFragmentSize - header, message.length - offset);
    const piece = new Uint8Array(header + take);
    let flags = sequence & SEQUENCE_MASK;
    if (out.length === 0) {
      flags |= FIRST;
      piece[1] = message.length >> 8;
      piece[2] = message.length & 0xff;
    }
    if (offset + take === message.length) flags |= LAST;
    piece[0] = flags;
    piece.set(message.subarray(offset, offset + take), header);
    out.push(piece);
    offset += take;
    sequence++;
  } while (offset < message.length);
  return out;
}

export interface BleReassemblyCounters {
  /** Messages delivered whole. */
  messages: number;
  /** Partial messages dropped: a fragment was lost, duplicated or reordered. */
  discarded: number;
  /** Fragments that arrived with no message open (their FIRST was lost): dropped. */
  orphans: number;
  /** FIRST fragments announcing more than the limit: dropped with the message. */
  oversize: number;
  /** Fragments too short for their header, or empty where data is required. */
  malformed: number;
}

export class BleReassembler {
  private readonly maxMessageSize: number;
  private readonly partial = new Reassembly();
  private expected = 0;
  private readonly count: BleReassemblyCounters = { messages: 0, discarded: 0, orphans: 0, oversize: 0, malformed: 0 };

  constructor(options: { readonly maxMessageSize?: number } = {}) {
    const max = options.maxMessageSize ?? MAX_BLE_MESSAGE;
    if (!Number.isInteger(max) || max < 0 || max > MAX_BLE_MESSAGE) {
      throw new ConfigError('CONFIG_INVALID', `maxMessageSize must be 0 to ${MAX_BLE_MESSAGE}`);
    }
    this.maxMessageSize = max;
  }

  get counters(): Readonly<BleReassemblyCounters> {
    return this.count;
  }

  /** Feeds one received fragment; returns the message it completes, if any. */
  push(piece: Uint8Array): Uint8Array | undefined {
    if (piece.length === 0) {
      this.count.malformed++;
      return undefined;
    }
    const flags = piece[0]!;
    const sequence = flags & SEQUENCE_MASK;
    let data: Uint8Array;
    if (flags & FIRST) {
      if (this.partial.abandon()) this.count.discarded++;
      if (piece.length < 1 + LENGTH_BYTES || sequence !== 0) {
        this.count.malformed++;
        return undefined;
      }
      const total = (piece[1]! << 8) | piece[2]!;
      if (total > this.maxMessageSize) {
        this.count.oversize++;
        return undefined;
      }
      data = piece.subarray(1 + LENGTH_BYTES);
      if (data.length === 0 && total > 0) {
        this.count.malformed++;
        return undefined;
      }
      this.partial.start(total);
      this.expected = 0;
    } else {
      if (!this.partial.active) {
        this.count.orphans++;
        return undefined;
      }
      data = piece.subarray(1);
      if (data.length === 0) return this.drop('malformed');
    }
    if (sequence !== this.expected) return this.drop('discarded');
    this.expected = (this.expected + 1) & SEQUENCE_MASK;
    if (!this.partial.append(data)) return this.drop('discarded');
    if ((flags & LAST) === 0) return undefined;
    // LAST before the declared total: a fragment in between went missing.
    if (!this.partial.complete) return this.drop('discarded');
    this.count.messages++;
    return this.partial.take();
  }

  private drop(reason: 'discarded' | 'malformed'): undefined {
    this.partial.abandon();
    this.count[reason]++;
    return undefined;
  }
}
