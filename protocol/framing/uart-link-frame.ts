/**
 * The frames of the UART link (uart-link.ts), carried as UART frame payloads (uart-frame.ts),
 * and the FIFO budget that sizes them.
 *
 * Layout (byte 0 is kind in the high nibble, flags in the low nibble):
 *   DATA       0x10|F|L  seq  [total u16 BE, FIRST only]  fragment...
 *              F = 0x01 FIRST fragment of a message, L = 0x02 LAST fragment
 *   ACK        0x20  next                "consumed everything before `next`, ready for it"
 *   POLL       0x30  token               "after what I sent before this, what is your next?"
 *   REPLY      0x40  token  next         the answer to POLL `token`: an ACK that echoes it
 *   RESET      0x50                      "I (re)started: expect seq 0 from me, I expect 0"
 *   RESET_ACK  0x60                      "reset understood"
 * seq, next and token are u8 and wrap. Any other kind, flag or length is refused.
 *
 * Design: a whole byte of sequence where the alternating-bit protocol needs one bit: it costs
 * no more (the header needs a byte anyway), reads plainly in traces and makes a stale frame
 * stand out. The total length rides in the FIRST fragment so reassembly allocates once.
 */
import { CRC16_BYTES } from './crc.ts';
import { UART_DELIMITERS, uartFrameLength } from './uart-frame.ts';

// Protocol constants.
const KIND_MASK = 0xf0;
const KIND_DATA = 0x10;
const KIND_ACK = 0x20;
const KIND_POLL = 0x30;
const KIND_REPLY = 0x40;
const KIND_RESET = 0x50;
const KIND_RESET_ACK = 0x60;
const FLAG_FIRST = 0x01;
const FLAG_LAST = 0x02;
/** DATA header: kind byte and seq, plus the u16 total in a FIRST fragment. */
export const DATA_HEADER_BYTES = 2;
export const FIRST_EXTRA_BYTES = 2;
/** The ESP32's UART RX hardware FIFO: the device has no buffer behind it. */
export const UART_FIFO_BYTES = 128;

// Our limits: the FIFO budget. While a peer is busy (a DH, a signature check) nothing drains
// its FIFO, so everything we may write during that time must fit in 128 bytes together:
/** POLLs we send without an answer before giving the peer up (uart-link.ts). */
export const MAX_UNANSWERED_POLLS = 5;
/** Wire bytes of one POLL (the largest frame we send unprompted besides DATA). */
export const POLL_WIRE_BYTES = uartFrameLength(2);
/** Wire bytes of one REPLY (the largest answer we send). */
export const REPLY_WIRE_BYTES = uartFrameLength(3);
/** Answers of ours a busy peer may hold: to its last DATA and to its last POLL. */
export const ANSWERS_IN_FLIGHT = 2;
/** Slack for one frame of ours still on the wire when the peer drained and spoke. */
export const IN_TRANSIT_SLACK = REPLY_WIRE_BYTES;
/** What is left for the one DATA frame in flight, on the wire. */
export const DATA_WIRE_BUDGET =
  UART_FIFO_BYTES - MAX_UNANSWERED_POLLS * POLL_WIRE_BYTES - ANSWERS_IN_FLIGHT * REPLY_WIRE_BYTES - IN_TRANSIT_SLACK;
/**
 * Largest link frame payload: the budget minus delimiters, CRC and the one COBS code byte a
 * run under 255 bytes needs (64 bytes with the figures above).
 */
export const LINK_PAYLOAD_MAX = DATA_WIRE_BUDGET - UART_DELIMITERS - CRC16_BYTES - 1;

export type LinkFrame =
  | { readonly kind: 'data'; readonly seq: number; readonly first: boolean; readonly last: boolean; readonly total: number; readonly fragment: Uint8Array }
  | { readonly kind: 'ack'; readonly next: number }
  | { readonly kind: 'poll'; readonly token: number }
  | { readonly kind: 'reply'; readonly token: number; readonly next: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'resetAck' };

/** Encodes a link frame (the UART frame payload). `total` is ignored unless `first`. */
export function encodeLinkFrame(frame: LinkFrame): Uint8Array {
  switch (frame.kind) {
    case 'data': {
      const header = DATA_HEADER_BYTES + (frame.first ? FIRST_EXTRA_BYTES : 0);
      const out = new Uint8Array(header + frame.fragment.length);
      out[0] = KIND_DATA | (frame.first ? FLAG_FIRST : 0) | (frame.last ? FLAG_LAST : 0);
      out[1] = frame.seq & 0xff;
      if (frame.first) {
        out[2] = (frame.total >> 8) & 0xff;
        out[3] = frame.total & 0xff;
      }
      out.set(frame.fragment, header);
      return out;
    }
    case 'ack':
      return Uint8Array.of(KIND_ACK, frame.next & 0xff);
    case 'poll':
      return Uint8Array.of(KIND_POLL, frame.token & 0xff);
    case 'reply':
      return Uint8Array.of(KIND_REPLY, frame.token & 0xff, frame.next & 0xff);
    case 'reset':
      return Uint8Array.of(KIND_RESET);
    case 'resetAck':
      return Uint8Array.of(KIND_RESET_ACK);
  }
}

/** Parses a link frame; undefined for anything malformed (wire input never throws). */
export function parseLinkFrame(bytes: Uint8Array): LinkFrame | undefined {
  if (bytes.length === 0) return undefined;
  const b0 = bytes[0]!;
  const flags = b0 & ~KIND_MASK;
  switch (b0 & KIND_MASK) {
    case KIND_DATA: {
      if ((flags & ~(FLAG_FIRST | FLAG_LAST)) !== 0) return undefined;
      const first = (flags & FLAG_FIRST) !== 0;
      const header = DATA_HEADER_BYTES + (first ? FIRST_EXTRA_BYTES : 0);
      if (bytes.length < header) return undefined;
      // Only a FIRST fragment (of an empty message) may carry no bytes.
      if (!first && bytes.length === header) return undefined;
      return {
        kind: 'data',
        seq: bytes[1]!,
        first,
        last: (flags & FLAG_LAST) !== 0,
        total: first ? (bytes[2]! << 8) | bytes[3]! : 0,
        fragment: bytes.subarray(header),
      };
    }
    case KIND_ACK:
      return flags === 0 && bytes.length === 2 ? { kind: 'ack', next: bytes[1]! } : undefined;
    case KIND_POLL:
      return flags === 0 && bytes.length === 2 ? { kind: 'poll', token: bytes[1]! } : undefined;
    case KIND_REPLY:
      return flags === 0 && bytes.length === 3 ? { kind: 'reply', token: bytes[1]!, next: bytes[2]! } : undefined;
    case KIND_RESET:
      return flags === 0 && bytes.length === 1 ? { kind: 'reset' } : undefined;
    case KIND_RESET_ACK:
      return flags === 0 && bytes.length === 1 ? { kind: 'resetAck' } : undefined;
    default:
      return undefined;
  }
}
