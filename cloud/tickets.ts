/**
 * Enrollment tickets: a short-lived, single-use secret the operator creates (`burrow ticket
 * create`) and a device presents once, inside its encrypted handshake payload (extension
 * ENROLLMENT_TICKET, protocol/identity/payload.ts), to be enrolled with the ticket's attributes.
 *
 *   secret  = 16 random bytes (the extension value), written as 32 lowercase hex digits
 *   stored  = SHA-256(secret) as hex, never the secret
 *
 * A plain hash, not a slow password hash: the secret has 128 random bits, so nothing is gained
 * by slowing the lookup down, and the lookup runs inside a handshake.
 */
import { createHash } from 'node:crypto';
import { fromHex, toHex } from '../protocol/bytes.ts';
import type { RandomSource } from '../protocol/crypto/provider.ts';
import { ConfigError } from '../protocol/errors.ts';

// Protocol constants.
export const TICKET_BYTES = 16;

// Our limits.
/** Default lifetime: long enough to provision a device by hand, short enough to be useless once lost. */
export const DEFAULT_TICKET_TTL_MS = 60 * 60_000;
/** Longest lifetime: a ticket is for provisioning, not a standing credential. */
export const MAX_TICKET_TTL_MS = 30 * 86_400_000;

export function newTicketSecret(random: RandomSource): Uint8Array {
  return random(TICKET_BYTES);
}

export function ticketHash(secret: Uint8Array): string {
  return createHash('sha256').update(secret).digest('hex');
}

export const formatTicket = (secret: Uint8Array): string => toHex(secret);

/** The text form back to the extension value (device provisioning, tests). */
export function parseTicket(text: string): Uint8Array {
  if (!/^[0-9a-f]{32}$/.test(text)) throw new ConfigError('CONFIG_INVALID', `a ticket is ${2 * TICKET_BYTES} lowercase hex digits`);
  return fromHex(text);
}
