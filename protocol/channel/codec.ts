/**
 * Byte codec of a channel message: the clear counter header outside the AEAD and the
 * type-tagged plaintext inside it. No keys here; transport.ts seals and opens.
 *
 * Design: a fixed 8-byte big-endian counter instead of a varint. A varint would save a few
 * bytes on young channels, but it would make the header's length depend on the counter, give
 * two encodings to validate instead of one, and the 25-byte overhead already meets the budget.
 * The decoder returns views into its input rather than copies: the AEAD reads them once and
 * allocates its own output, which matters on a device where every copy is heap.
 */
import { DecodeError } from '../errors.ts';
import { writeNonce64 } from '../crypto/nonce.ts';
import {
  CHANNEL_OVERHEAD,
  COUNTER_BYTES,
  MAX_CHANNEL_MESSAGE,
  MAX_COUNTER,
  MessageType,
  TYPE_BYTES,
} from './constants.ts';

const TWO_32 = 0x100000000;

/** A channel message split at its header: the counter, its raw bytes (for the AD), the rest. */
export interface SealedMessage {
  readonly counter: number;
  readonly header: Uint8Array;
  readonly sealed: Uint8Array;
}

export interface ChannelPlaintext {
  readonly type: MessageType;
  readonly body: Uint8Array;
}

/** Writes counter n big-endian at target[offset..offset+8). n must be a safe integer. */
export function writeCounter(target: Uint8Array, offset: number, n: number): void {
  writeNonce64(target, offset, n, false); // the counter is the message's nonce, big-endian
}

/** Reads the header counter; anything above MAX_COUNTER was never sent by a Burrow peer. */
export function readCounter(source: Uint8Array, offset: number): number {
  const hi = readU32(source, offset);
  // MAX_COUNTER is 2^53 - 1: its high half is 2^21 - 1, and below that the sum is exact.
  if (hi > Math.floor(MAX_COUNTER / TWO_32)) throw new DecodeError('DECODE_BAD_VALUE', 'channel counter out of range');
  return hi * TWO_32 + readU32(source, offset + 4);
}

function readU32(source: Uint8Array, offset: number): number {
  return ((source[offset]! << 24) >>> 0) + (source[offset + 1]! << 16) + (source[offset + 2]! << 8) + source[offset + 3]!;
}

/** counter || sealed, where sealed is ENCRYPT's output (ciphertext and tag). */
export function encodeSealedMessage(header: Uint8Array, sealed: Uint8Array): Uint8Array {
  const wire = new Uint8Array(COUNTER_BYTES + sealed.length);
  wire.set(header, 0);
  wire.set(sealed, COUNTER_BYTES);
  return wire;
}

/** The 8 header bytes of counter n. */
export function encodeHeader(n: number): Uint8Array {
  const header = new Uint8Array(COUNTER_BYTES);
  writeCounter(header, 0, n);
  return header;
}

/** Splits a wire message; checks its length bounds and counter range, nothing cryptographic. */
export function decodeSealedMessage(wire: Uint8Array): SealedMessage {
  checkSealedLength(wire);
  return {
    counter: readCounter(wire, 0),
    header: wire.subarray(0, COUNTER_BYTES),
    sealed: wire.subarray(COUNTER_BYTES),
  };
}

/** The length bounds of a wire message (decodeSealedMessage's first check, for callers that read it in place). */
export function checkSealedLength(wire: Uint8Array): void {
  if (wire.length < CHANNEL_OVERHEAD) throw new DecodeError('DECODE_TRUNCATED', 'channel message shorter than its overhead');
  if (wire.length > MAX_CHANNEL_MESSAGE) throw new DecodeError('DECODE_OVERSIZE', 'channel message exceeds the size limit');
}

/** True for the types a message may carry today (reserved control codes are not yet defined). */
export function isMessageType(type: number): type is MessageType {
  return type >= MessageType.PAYLOAD && type <= MessageType.PONG;
}

/** type || body: the plaintext ENCRYPT seals. The caller has checked type and body size. */
export function encodePlaintext(type: MessageType, body: Uint8Array): Uint8Array {
  const plaintext = new Uint8Array(TYPE_BYTES + body.length);
  plaintext[0] = type;
  plaintext.set(body, TYPE_BYTES);
  return plaintext;
}

/**
 * A whole wire message before sealing: counter || type || body || room for the tag. Sealing
 * then encrypts the plaintext where it lies (at COUNTER_BYTES, TYPE_BYTES + body.length long),
 * so a message costs one array instead of a header, a plaintext, a sealed copy and the wire.
 * The caller has checked type, body size and counter.
 */
export function layOutMessage(n: number, type: MessageType, body: Uint8Array): Uint8Array {
  const wire = new Uint8Array(CHANNEL_OVERHEAD + body.length);
  writeCounter(wire, 0, n);
  wire[COUNTER_BYTES] = type;
  wire.set(body, COUNTER_BYTES + TYPE_BYTES);
  return wire;
}

/** Parses an authenticated plaintext: a type byte we know, then any body. */
export function decodePlaintext(plaintext: Uint8Array): ChannelPlaintext {
  return { type: plaintextType(plaintext), body: plaintext.subarray(TYPE_BYTES) };
}

/** The type byte of an authenticated plaintext (decodePlaintext's check, without the object). */
export function plaintextType(plaintext: Uint8Array): MessageType {
  if (plaintext.length < TYPE_BYTES) throw new DecodeError('DECODE_TRUNCATED', 'channel plaintext has no type byte');
  const type = plaintext[0]!;
  if (!isMessageType(type)) throw new DecodeError('DECODE_BAD_VALUE', `channel message type 0x${type.toString(16)} is not defined`);
  return type;
}
