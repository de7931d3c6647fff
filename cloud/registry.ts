/**
 * The device registry's decisions: who may open a channel (enrolled and not revoked, or
 * presenting a valid enrollment ticket), enrollment by operator and by ticket, and revocation.
 * The records live in the store; this module owns the rules and the log lines.
 *
 * Two questions are asked per handshake, on purpose:
 * - `mayHandshake`, the handshake's trust policy, read-only: only enrolled identities and
 *   bearers of a live ticket get past identity verification, so strangers never enter the
 *   verified-peer cache (they could otherwise evict real devices from it);
 * - `admit`, the listener's authorize callback, after the handshake: redeems a ticket (the
 *   only write), so a handshake that fails half-way never spends one.
 */
import type { RandomSource } from '../protocol/crypto/provider.ts';
import { parseIdentifier } from '../protocol/identity/identifier.ts';
import { Extension, type PayloadExtension } from '../protocol/identity/payload.ts';
import type { VerifiedPeer } from '../protocol/identity/trust.ts';
import type { Authorization } from '../protocol/secure-channel/listener.ts';
import type { Attributes } from './attributes.ts';
import type { Logger } from './log.ts';
import type { CloudStore, DeviceRecord } from './storage/store.ts';
import { formatTicket, MAX_TICKET_TTL_MS, newTicketSecret, TICKET_BYTES, ticketHash } from './tickets.ts';
import { ConfigError } from '../protocol/errors.ts';

export interface IssuedTicket {
  /** The secret, text form: shown once to the operator, never stored or logged. */
  readonly secret: string;
  readonly expiresAt: number;
  readonly attributes: Attributes;
}

/** The single ticket extension of a payload; undefined for none, null for more than one. */
function ticketOf(extensions: readonly PayloadExtension[]): Uint8Array | undefined | null {
  const tickets = extensions.filter((e) => e.type === Extension.ENROLLMENT_TICKET);
  if (tickets.length > 1) return null;
  return tickets[0]?.value;
}

export class Registry {
  constructor(
    private readonly store: CloudStore,
    /** Wall clock, ms since the Unix epoch. */
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {}

  /** An enrolled, unrevoked device. */
  activeDevice(identifier: string): DeviceRecord | undefined {
    const device = this.store.device(identifier);
    return device !== undefined && device.revokedAt === undefined ? device : undefined;
  }

  /** Trust policy: an active device, or a stranger with a ticket that is live right now. */
  mayHandshake(peer: VerifiedPeer): boolean {
    const device = this.store.device(peer.id);
    if (device !== undefined) return device.revokedAt === undefined;
    const secret = ticketOf(peer.extensions);
    if (secret === undefined || secret === null || secret.length !== TICKET_BYTES) return false;
    const ticket = this.store.ticket(ticketHash(secret));
    return ticket !== undefined && ticket.usedAt === undefined && ticket.expiresAt > this.clock();
  }

  /** Listener `authorize`: lets an active device in, or enrolls a stranger by its ticket. */
  admit(peer: VerifiedPeer, extensions: readonly PayloadExtension[]): Authorization {
    const device = this.store.device(peer.id);
    if (device !== undefined) return device.revokedAt === undefined ? { ok: true } : { ok: false, reason: 'revoked' };
    const secret = ticketOf(extensions);
    if (secret === undefined) return { ok: false, reason: 'not enrolled' };
    if (secret === null || secret.length !== TICKET_BYTES) return { ok: false, reason: 'malformed enrollment ticket' };
    const enrolled = this.store.redeemTicket(ticketHash(secret), peer.id, this.clock());
    if (enrolled === undefined) return { ok: false, reason: 'enrollment ticket unknown, used or expired' };
    this.log.info({ device: peer.id, attributes: enrolled.attributes }, 'device enrolled by ticket');
    return { ok: true };
  }

  /** Operator enrollment; throws CONFIG_INVALID on a malformed identifier. */
  enroll(identifier: string, attributes: Attributes): { created: boolean } {
    parseIdentifier(identifier);
    const created = this.store.enroll(identifier, attributes, this.clock());
    this.log.info({ device: identifier, attributes, created }, created ? 'device enrolled' : 'device re-enrolled');
    return { created };
  }

  /** False when the device is unknown or already revoked. */
  revoke(identifier: string): boolean {
    parseIdentifier(identifier);
    const revoked = this.store.revoke(identifier, this.clock());
    if (revoked) this.log.info({ device: identifier }, 'device revoked');
    return revoked;
  }

  issueTicket(attributes: Attributes, ttlMs: number, random: RandomSource): IssuedTicket {
    if (!(Number.isInteger(ttlMs) && ttlMs > 0 && ttlMs <= MAX_TICKET_TTL_MS)) {
      throw new ConfigError('CONFIG_INVALID', `ticket lifetime must be 1 ms to ${MAX_TICKET_TTL_MS / 86_400_000} days`);
    }
    const secret = newTicketSecret(random);
    const now = this.clock();
    const expiresAt = now + ttlMs;
    this.store.addTicket(ticketHash(secret), attributes, now, expiresAt);
    this.log.info({ attributes, expiresAt: new Date(expiresAt).toISOString() }, 'enrollment ticket created');
    return { secret: formatTicket(secret), expiresAt, attributes };
  }
}

