/**
 * What the cloud keeps, behind one small interface so that a server database can replace the
 * embedded SQLite one (sqlite-store.ts) without touching the services.
 *
 * Synchronous on purpose: the channel listener asks `authorize` synchronously inside the
 * handshake (protocol/identity/trust.ts), and better-sqlite3 answers in microseconds. A server
 * database would sit behind an in-process cache of the registry with change notifications, and
 * a write-behind queue for readings whose ack waits for the commit.
 *
 * Each method that changes more than one row is atomic. Times are wall-clock milliseconds.
 */
import type { Reading } from '../../protocol/app/messages.ts';
import type { Attributes } from '../attributes.ts';

export interface DeviceRecord {
  /** 'I' + 40 hex. */
  readonly identifier: string;
  readonly attributes: Attributes;
  readonly enrolledAt: number;
  /** 'operator', or 'ticket' when the device redeemed an enrollment ticket. */
  readonly enrolledBy: 'operator' | 'ticket';
  readonly revokedAt: number | undefined;
}

export interface TicketRecord {
  /** SHA-256 of the secret, hex: the secret itself is never stored. */
  readonly hash: string;
  readonly attributes: Attributes;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | undefined;
  readonly usedBy: string | undefined;
}

export interface StoredReading {
  /** Storage order: `readings --follow` resumes after the last id it printed. */
  readonly id: number;
  readonly device: string;
  readonly seq: number;
  /** Device clock, seconds (0: the device's clock was not set). */
  readonly time: number;
  readonly uptimeMs: number;
  readonly receivedAt: number;
  readonly values: readonly (readonly [name: string, value: number])[];
}

export interface StoreResult {
  /** Readings new to the store; the rest were duplicates. */
  readonly stored: number;
  readonly duplicates: number;
  /** The cumulative acknowledgement: every seq below it is stored or given up by the device. */
  readonly next: number;
}

export type CommandState = 'queued' | 'sent' | 'done' | 'failed';

export interface CommandRecord {
  /** u32, never reused (a late result cannot match a newer command). */
  readonly id: number;
  readonly device: string;
  readonly name: string;
  readonly args: string;
  readonly state: CommandState;
  /** Channels it was handed to. */
  readonly deliveries: number;
  readonly createdAt: number;
  readonly sentAt: number | undefined;
  readonly finishedAt: number | undefined;
  /** The device's detail (JSON text or message), or why the cloud gave up. */
  readonly result: string | undefined;
}

/** What is stored of one device: `count === distinctSeqs` is the exactly-once property, as stored. */
export interface ReadingStats {
  readonly count: number;
  readonly distinctSeqs: number;
  /** -1 before the first reading. */
  readonly maxSeq: number;
}

export interface ReadingQuery {
  readonly device?: string;
  /** receivedAt >= sinceMs. */
  readonly sinceMs?: number;
  /** id > afterId. */
  readonly afterId?: number;
  readonly limit: number;
  /** The newest `limit` matches (still returned oldest first) instead of the oldest. */
  readonly newest?: boolean;
}

export interface CloudStore {
  // Registry.
  device(identifier: string): DeviceRecord | undefined;
  devices(): DeviceRecord[];
  /** Enrolls or re-enrolls (clears a revocation, replaces attributes). True when new. */
  enroll(identifier: string, attributes: Attributes, now: number): boolean;
  /** False when the identifier is not enrolled or already revoked. */
  revoke(identifier: string, now: number): boolean;
  addTicket(hash: string, attributes: Attributes, createdAt: number, expiresAt: number): void;
  ticket(hash: string): TicketRecord | undefined;
  /**
   * Atomically: marks the ticket used by `identifier` if it exists, is unused and unexpired,
   * and enrolls the identifier with the ticket's attributes if it is not in the registry yet.
   * Undefined when any condition fails (nothing changes then).
   */
  redeemTicket(hash: string, identifier: string, now: number): DeviceRecord | undefined;

  // Telemetry: exactly once per (device, seq).
  storeReadings(device: string, floor: number, readings: readonly Reading[], now: number): StoreResult;
  /** The acknowledgement state of a device: 0 before its first reading. */
  nextExpected(device: string): number;
  readings(query: ReadingQuery): StoredReading[];
  readingStats(device: string): ReadingStats;

  // Downlink commands.
  queueCommand(device: string, name: string, args: string, now: number): CommandRecord;
  command(id: number): CommandRecord | undefined;
  commands(device: string | undefined, limit: number): CommandRecord[];
  /** Queued and sent-without-result commands of a device, oldest first. */
  pendingCommands(device: string): CommandRecord[];
  markSent(id: number, now: number): void;
  /** Sent commands whose result is overdue (sentAt < before). */
  overdueCommands(before: number): CommandRecord[];
  /**
   * Records the outcome of a sent command of `device` (a device reports only its own, and only
   * what it was sent). Undefined when there is no such command.
   */
  finishCommand(id: number, device: string, state: 'done' | 'failed', result: string, now: number): CommandRecord | undefined;

  close(): void;
}
