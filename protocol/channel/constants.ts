/**
 * The channel's wire constants and its own limits, in two blocks: the first fixes the format
 * both ends must agree on byte for byte; the second holds numbers we chose, each with its
 * reason, that an implementation may tighten (a device) but a peer cannot observe except as a
 * refusal. Kept apart from the code so the limits are reviewed together rather than found
 * scattered through the modules that enforce them.
 *
 *   wire      = counter (8 bytes, big-endian) || ENCRYPT(k_epoch, counter, ad, plaintext)
 *   ad        = h || counter bytes
 *   plaintext = type (1 byte) || body
 */
import { MAX_MESSAGE_NONCE } from '../crypto/nonce.ts';

// ---- Wire format (both ends must agree) --------------------------------------------------

/** The explicit counter in clear: Noise nonces are 64-bit (§5.1). */
export const COUNTER_BYTES = 8;
/** The AEAD tag appended by ENCRYPT (§12.3 ChaChaPoly, RFC 8439 §2.8). */
export const TAG_BYTES = 16;
/** The message type, first byte of the plaintext (inside the encryption: hops never see it). */
export const TYPE_BYTES = 1;
/** What a channel message adds to its body: 8 + 16 + 1 = 25 bytes. */
export const CHANNEL_OVERHEAD = COUNTER_BYTES + TAG_BYTES + TYPE_BYTES;

/** Message types. 0x04-0x0f are reserved for channel control; 0x10-0xff are invalid. */
export const MessageType = {
  /** Application data for the layer above. */
  PAYLOAD: 0x00,
  /** Authenticated close: the sender will send and accept nothing more on this channel. */
  CLOSE: 0x01,
  /** Liveness probe: the receiver answers PONG. Lets an end learn its peer lost the channel
   *  (a restart), which sending alone never shows: a channel only hears what comes back. */
  PING: 0x02,
  /** Answer to PING, and the responder's confirmation that message 3 arrived (the first
   *  message it sends): either way, proof the peer holds the channel. Never answered. */
  PONG: 0x03,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Reserved control codes, named so nobody reuses them for something else. Refused today. */
export const RESERVED_TYPE = {
  /** Channel-level acknowledgement of received counters. */
  ACK: 0x04,
  /** Last code of the reserved control range. */
  LAST: 0x0f,
} as const;

/**
 * The largest counter a message may carry: Noise allows up to 2^64 - 2 (§5.1), we stop at
 * 2^53 - 1 so counters stay exact JS numbers (BigInt allocates on every result on XS).
 */
export const MAX_COUNTER = MAX_MESSAGE_NONCE;

// ---- Our limits (each with its reason) ---------------------------------------------------

/**
 * Width of the replay window, in messages. Hops reorder: a gateway's store-and-forward flushes
 * a backlog while fresh messages overtake it, and two routes may be live during roaming. 2048
 * absorbs minutes of telemetry being overtaken and costs 260 bytes of bitmap per channel,
 * affordable on a device with ~166 KB in all. At least 1024 by requirement.
 */
export const REPLAY_WINDOW = 2048;

/**
 * Messages per key epoch (Noise §11.3 Rekey on a schedule). Twice the replay window, so the
 * window reaches back into at most one older epoch (only one old key is ever kept) and that
 * key is dropped after REPLAY_WINDOW messages of the new epoch. Small enough that a stolen key
 * opens at most ~6,000 older messages (forward secrecy); large enough that a REKEY (one
 * ChaCha20-Poly1305 call over 32 bytes, about the cost of opening one short message) adds
 * under 0.03% to the per-message work, even on an ESP32.
 */
export const REKEY_INTERVAL = 2 * REPLAY_WINDOW;

/**
 * How many epochs one received message may move the receiver forward, which bounds both the
 * work a forged far-future counter causes and the future keys cached (epoch-keys.ts). Measured
 * on XS: a REKEY is ~49k meter units, opening a short message ~60k, a full XX initiator
 * handshake ~5.4M; so the worst forgery costs ~3.2M once per channel (64 REKEYs, then cached)
 * and 2 KB of cache. The channel survives 64 x 4096 = 262,144 consecutive lost messages: 7
 * hours of a sender at 10 messages/s, beyond any sensible idle timeout, after which the channel
 * is closed anyway. A device may pass a smaller bound, a server a larger one.
 */
export const DEFAULT_MAX_EPOCH_SKIP = 64;

/**
 * Largest channel message on the wire, and so largest body. A device decrypts a message whole:
 * wire, plaintext and AEAD scratch each hold a copy, so 4 KB messages peak near 12 KB of a
 * ~166 KB heap. It is also the unit the routing and link layers must carry in one piece.
 */
export const MAX_CHANNEL_MESSAGE = 4096;
export const MAX_CHANNEL_BODY = MAX_CHANNEL_MESSAGE - CHANNEL_OVERHEAD;
