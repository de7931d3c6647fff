/**
 * Typed errors with stable codes.
 *
 * Toward the programmer every failure is a `BurrowError` subclass whose `code` never changes
 * between releases (tests, logs and metrics key on it). Toward the network, callers drop what
 * fails and answer nothing: these errors are for logs and counters, never echoed to a peer.
 * Messages must never contain key material or payload bytes.
 */

/** Every stable error code, grouped by layer. */
export type ErrorCode =
  // decoding of any wire structure
  | 'DECODE_TRUNCATED'
  | 'DECODE_TRAILING'
  | 'DECODE_OVERSIZE'
  | 'DECODE_BAD_VALUE'
  | 'DECODE_BAD_VERSION'
  | 'DECODE_BAD_CHECKSUM'
  // crypto
  | 'CRYPTO_DECRYPT_FAILED'
  | 'CRYPTO_BAD_KEY'
  | 'CRYPTO_NONCE_EXHAUSTED'
  | 'CRYPTO_UNSUPPORTED'
  // Noise handshake
  | 'HANDSHAKE_BAD_STATE'
  | 'HANDSHAKE_BAD_MESSAGE'
  | 'HANDSHAKE_TIMEOUT'
  | 'HANDSHAKE_OVERSIZE'
  // identities and trust
  | 'IDENTITY_BAD_SIGNATURE'
  | 'IDENTITY_EXPIRED'
  | 'IDENTITY_KEY_MISMATCH'
  | 'IDENTITY_NOT_TRUSTED'
  | 'IDENTITY_UNKNOWN_REFERENCE'
  // channel
  | 'CHANNEL_REPLAY'
  | 'CHANNEL_TOO_OLD'
  | 'CHANNEL_CLOSED'
  | 'CHANNEL_OVERSIZE'
  | 'CHANNEL_MALFORMED'
  | 'CHANNEL_TOO_FAR'
  | 'CHANNEL_NONCE_EXHAUSTED'
  // routing and framing
  | 'ROUTE_EMPTY'
  | 'ROUTE_NO_WORKER'
  | 'ROUTE_FORBIDDEN'
  | 'ROUTE_BAD_ADDRESS'
  | 'ROUTE_TOO_LONG'
  | 'ROUTE_OVERSIZE'
  | 'FRAME_OVERSIZE'
  | 'FRAME_REASSEMBLY'
  | 'FRAME_QUEUE_FULL'
  // configuration and usage
  | 'CONFIG_INVALID'
  // XS engine host (simulators/xs: xsnap-worker processes and the calls XS makes to its host)
  | 'XS_ENGINE_MISSING'
  | 'XS_ENGINE_EXITED'
  | 'XS_ENGINE_TIMEOUT'
  | 'XS_ENGINE_EXCEPTION'
  | 'XS_ENGINE_PROTOCOL'
  | 'XS_ENGINE_METER_LIMIT'
  | 'XS_HOST_CALL_FAILED';

export class BurrowError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Malformed bytes from any hop: length, type, version or checksum is wrong. */
export class DecodeError extends BurrowError {}

/** A cryptographic operation failed (authentication, bad key, exhausted nonce). */
export class CryptoError extends BurrowError {}

/** A Noise handshake message was out of order or did not verify. */
export class HandshakeError extends BurrowError {}

/** A peer identity, attestation or trust decision failed. */
export class IdentityError extends BurrowError {}

/** A secure channel refused a message (replay, too old, closed, too big). */
export class ChannelError extends BurrowError {}

/** A message could not be routed or framed. */
export class RoutingError extends BurrowError {}

/** Link framing failed (oversize frame, reassembly overflow). */
export class FrameError extends BurrowError {}

/** Configuration or API misuse by the caller. */
export class ConfigError extends BurrowError {}
