/**
 * The embedded store: SQLite through better-sqlite3 (synchronous, prepared statements, one
 * connection per process). WAL, so `burrow readings` and `burrow enroll` can read and write
 * while `burrow cloud` runs; `synchronous = FULL`, because an acknowledgement tells a device
 * it may forget a reading, so the reading must be on disk before the ack leaves.
 *
 * Exactly-once telemetry is the UNIQUE (device, seq) constraint plus INSERT OR IGNORE, inside
 * the same transaction that advances the device's cumulative ack; single-use tickets are one
 * conditional UPDATE (`used_at IS NULL AND expires_at > now`), so two redemptions of one
 * ticket, even from two processes, cannot both succeed.
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import { ConfigError } from '../../protocol/errors.ts';
import type { Reading } from '../../protocol/app/messages.ts';
import { checkAttributes, type Attributes } from '../attributes.ts';
import type { CloudStore, CommandRecord, CommandState, DeviceRecord, ReadingQuery, ReadingStats, StoredReading, StoreResult, TicketRecord } from './store.ts';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE devices (
  identifier  TEXT PRIMARY KEY,
  attrs       TEXT NOT NULL,
  enrolled_at INTEGER NOT NULL,
  enrolled_by TEXT NOT NULL CHECK (enrolled_by IN ('operator', 'ticket')),
  revoked_at  INTEGER
) WITHOUT ROWID;
CREATE TABLE tickets (
  hash       TEXT PRIMARY KEY,
  attrs      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  used_by    TEXT
) WITHOUT ROWID;
CREATE TABLE readings (
  id          INTEGER PRIMARY KEY,
  device      TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  time        INTEGER NOT NULL,
  uptime_ms   INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  vals        TEXT NOT NULL,
  UNIQUE (device, seq)
);
CREATE INDEX readings_by_device ON readings (device, id);
CREATE INDEX readings_by_time ON readings (received_at);
CREATE TABLE acks (
  device TEXT PRIMARY KEY,
  next   INTEGER NOT NULL,
  floor  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE commands (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  device      TEXT NOT NULL,
  name        TEXT NOT NULL,
  args        TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'done', 'failed')),
  deliveries  INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  sent_at     INTEGER,
  finished_at INTEGER,
  result      TEXT
);
CREATE INDEX commands_by_device ON commands (device, state, id);
CREATE INDEX commands_by_state ON commands (state, sent_at);
`;

/** Command ids go on the wire as u32. */
const MAX_COMMAND_ID = 0xffff_ffff;

interface DeviceRow { identifier: string; attrs: string; enrolled_at: number; enrolled_by: 'operator' | 'ticket'; revoked_at: number | null }
interface TicketRow { hash: string; attrs: string; created_at: number; expires_at: number; used_at: number | null; used_by: string | null }
interface ReadingRow { id: number; device: string; seq: number; time: number; uptime_ms: number; received_at: number; vals: string }
interface CommandRow {
  id: number; device: string; name: string; args: string; state: CommandState; deliveries: number;
  created_at: number; sent_at: number | null; finished_at: number | null; result: string | null;
}

const orUndefined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
const attributesOf = (json: string): Attributes => checkAttributes(JSON.parse(json));

const deviceOf = (r: DeviceRow): DeviceRecord => ({
  identifier: r.identifier, attributes: attributesOf(r.attrs), enrolledAt: r.enrolled_at, enrolledBy: r.enrolled_by, revokedAt: orUndefined(r.revoked_at),
});
const ticketOf = (r: TicketRow): TicketRecord => ({
  hash: r.hash, attributes: attributesOf(r.attrs), createdAt: r.created_at, expiresAt: r.expires_at, usedAt: orUndefined(r.used_at), usedBy: orUndefined(r.used_by),
});
const readingOf = (r: ReadingRow): StoredReading => ({
  id: r.id, device: r.device, seq: r.seq, time: r.time, uptimeMs: r.uptime_ms, receivedAt: r.received_at,
  values: JSON.parse(r.vals) as [string, number][],
});
const commandOf = (r: CommandRow): CommandRecord => ({
  id: r.id, device: r.device, name: r.name, args: r.args, state: r.state, deliveries: r.deliveries, createdAt: r.created_at,
  sentAt: orUndefined(r.sent_at), finishedAt: orUndefined(r.finished_at), result: orUndefined(r.result),
});

export interface SqliteStoreOptions {
  /** Open for reading only (CLI `readings`): never creates or migrates. */
  readonly readonly?: boolean;
}

export class SqliteStore implements CloudStore {
  private readonly db: Database.Database;
  private readonly sql;
  /** Multi-statement writes, each built once (better-sqlite3 wrappers are not free to make). */
  private readonly tx;

  /** `path` ':memory:' for tests. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    const created = path !== ':memory:' && !existsSync(path);
    if (options.readonly && created) throw new ConfigError('CONFIG_INVALID', `no database at ${path} (has the cloud ever started here?)`);
    this.db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    // Two processes (service and CLI) share the file: wait for the other's write lock.
    this.db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.migrate();
      if (created) chmodSync(path, 0o600);
    }
    this.sql = this.prepare();
    this.tx = this.transactions();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version !== 0) throw new ConfigError('CONFIG_INVALID', `database schema version ${version} is not ${SCHEMA_VERSION}`);
    this.db.transaction(() => {
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }

  private prepare() {
    const db = this.db;
    return {
      device: db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE identifier = ?'),
      devices: db.prepare<[], DeviceRow>('SELECT * FROM devices ORDER BY enrolled_at, identifier'),
      enroll: db.prepare<[string, string, number]>(`INSERT INTO devices (identifier, attrs, enrolled_at, enrolled_by) VALUES (?, ?, ?, 'operator')
        ON CONFLICT (identifier) DO UPDATE SET attrs = excluded.attrs, revoked_at = NULL`),
      enrollByTicket: db.prepare<[string, string, number]>(`INSERT INTO devices (identifier, attrs, enrolled_at, enrolled_by) VALUES (?, ?, ?, 'ticket')`),
      revoke: db.prepare<[number, string]>('UPDATE devices SET revoked_at = ? WHERE identifier = ? AND revoked_at IS NULL'),
      addTicket: db.prepare<[string, string, number, number]>('INSERT INTO tickets (hash, attrs, created_at, expires_at) VALUES (?, ?, ?, ?)'),
      ticket: db.prepare<[string], TicketRow>('SELECT * FROM tickets WHERE hash = ?'),
      useTicket: db.prepare<[number, string, string, number], { attrs: string }>(
        'UPDATE tickets SET used_at = ?, used_by = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING attrs'),
      insertReading: db.prepare<[string, number, number, number, number, string]>(
        'INSERT OR IGNORE INTO readings (device, seq, time, uptime_ms, received_at, vals) VALUES (?, ?, ?, ?, ?, ?)'),
      hasReading: db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM readings WHERE device = ? AND seq = ?'),
      // The first seq >= ? whose successor is missing, plus one: where the contiguous run ends.
      endOfRun: db.prepare<[string, number], { next: number }>(`SELECT r.seq + 1 AS next FROM readings r
        WHERE r.device = ? AND r.seq >= ? AND NOT EXISTS (SELECT 1 FROM readings g WHERE g.device = r.device AND g.seq = r.seq + 1)
        ORDER BY r.seq LIMIT 1`),
      ack: db.prepare<[string], { next: number; floor: number }>('SELECT next, floor FROM acks WHERE device = ?'),
      setAck: db.prepare<[string, number, number]>(`INSERT INTO acks (device, next, floor) VALUES (?, ?, ?)
        ON CONFLICT (device) DO UPDATE SET next = excluded.next, floor = excluded.floor`),
      readingStats: db.prepare<[string], { count: number; distinct: number; maxSeq: number | null }>(
        'SELECT COUNT(*) AS count, COUNT(DISTINCT seq) AS "distinct", MAX(seq) AS maxSeq FROM readings WHERE device = ?'),
      readingsAll: db.prepare<[number, number, number], ReadingRow>('SELECT * FROM readings WHERE id > ? AND received_at >= ? ORDER BY id LIMIT ?'),
      readingsAllNewest: db.prepare<[number, number, number], ReadingRow>('SELECT * FROM readings WHERE id > ? AND received_at >= ? ORDER BY id DESC LIMIT ?'),
      readingsOf: db.prepare<[string, number, number, number], ReadingRow>('SELECT * FROM readings WHERE device = ? AND id > ? AND received_at >= ? ORDER BY id LIMIT ?'),
      readingsOfNewest: db.prepare<[string, number, number, number], ReadingRow>('SELECT * FROM readings WHERE device = ? AND id > ? AND received_at >= ? ORDER BY id DESC LIMIT ?'),
      queueCommand: db.prepare<[string, string, string, number], CommandRow>(
        `INSERT INTO commands (device, name, args, state, created_at) VALUES (?, ?, ?, 'queued', ?) RETURNING *`),
      command: db.prepare<[number], CommandRow>('SELECT * FROM commands WHERE id = ?'),
      commandsAll: db.prepare<[number], CommandRow>('SELECT * FROM commands ORDER BY id DESC LIMIT ?'),
      commandsOf: db.prepare<[string, number], CommandRow>('SELECT * FROM commands WHERE device = ? ORDER BY id DESC LIMIT ?'),
      pending: db.prepare<[string], CommandRow>(`SELECT * FROM commands WHERE device = ? AND state IN ('queued', 'sent') ORDER BY id`),
      markSent: db.prepare<[number, number]>(`UPDATE commands SET state = 'sent', sent_at = ?, deliveries = deliveries + 1 WHERE id = ? AND state IN ('queued', 'sent')`),
      overdue: db.prepare<[number], CommandRow>(`SELECT * FROM commands WHERE state = 'sent' AND sent_at < ? ORDER BY id`),
      finish: db.prepare<[string, number, string, number, string], CommandRow>(
        `UPDATE commands SET state = ?, finished_at = ?, result = ? WHERE id = ? AND device = ? AND state = 'sent' RETURNING *`),
    };
  }

  private transactions() {
    const { db, sql } = this;
    return {
      enroll: db.transaction((identifier: string, attrs: string, now: number): boolean => {
        const existed = sql.device.get(identifier) !== undefined;
        sql.enroll.run(identifier, attrs, now);
        return !existed;
      }),
      redeemTicket: db.transaction((hash: string, identifier: string, now: number): DeviceRecord | undefined => {
        // A known identity (even a revoked one) never enrolls itself again with a ticket.
        if (sql.device.get(identifier) !== undefined) return undefined;
        const used = sql.useTicket.get(now, identifier, hash, now);
        if (used === undefined) return undefined;
        sql.enrollByTicket.run(identifier, used.attrs, now);
        return deviceOf(sql.device.get(identifier)!);
      }),
      storeReadings: db.transaction((device: string, floor: number, readings: readonly Reading[], now: number): StoreResult => {
        let stored = 0;
        for (const r of readings) {
          const values = JSON.stringify(r.values.map((v) => [v.name, v.value]));
          stored += sql.insertReading.run(device, r.seq, r.time, r.uptimeMs, now, values).changes;
        }
        const previous = sql.ack.get(device) ?? { next: 0, floor: 0 };
        const newFloor = Math.max(previous.floor, floor);
        let next = Math.max(previous.next, newFloor);
        if (sql.hasReading.get(device, next) !== undefined) next = sql.endOfRun.get(device, next)!.next;
        sql.setAck.run(device, next, newFloor);
        return { stored, duplicates: readings.length - stored, next };
      }),
      queueCommand: db.transaction((device: string, name: string, args: string, now: number): CommandRecord => {
        const row = sql.queueCommand.get(device, name, args, now)!;
        // Ids are u32 on the wire: refuse (and roll back) rather than wrap onto an old id.
        if (row.id > MAX_COMMAND_ID) throw new ConfigError('CONFIG_INVALID', 'command ids exhausted');
        return commandOf(row);
      }),
    };
  }

  device(identifier: string): DeviceRecord | undefined {
    const row = this.sql.device.get(identifier);
    return row && deviceOf(row);
  }

  devices(): DeviceRecord[] {
    return this.sql.devices.all().map(deviceOf);
  }

  enroll(identifier: string, attributes: Attributes, now: number): boolean {
    return this.tx.enroll.immediate(identifier, JSON.stringify(checkAttributes(attributes)), now);
  }

  revoke(identifier: string, now: number): boolean {
    return this.sql.revoke.run(now, identifier).changes === 1;
  }

  addTicket(hash: string, attributes: Attributes, createdAt: number, expiresAt: number): void {
    this.sql.addTicket.run(hash, JSON.stringify(checkAttributes(attributes)), createdAt, expiresAt);
  }

  ticket(hash: string): TicketRecord | undefined {
    const row = this.sql.ticket.get(hash);
    return row && ticketOf(row);
  }

  redeemTicket(hash: string, identifier: string, now: number): DeviceRecord | undefined {
    return this.tx.redeemTicket.immediate(hash, identifier, now);
  }

  storeReadings(device: string, floor: number, readings: readonly Reading[], now: number): StoreResult {
    return this.tx.storeReadings.immediate(device, floor, readings, now);
  }

  nextExpected(device: string): number {
    return this.sql.ack.get(device)?.next ?? 0;
  }

  readingStats(device: string): ReadingStats {
    const row = this.sql.readingStats.get(device)!;
    return { count: row.count, distinctSeqs: row.distinct, maxSeq: row.maxSeq ?? -1 };
  }

  readings(q: ReadingQuery): StoredReading[] {
    const after = q.afterId ?? 0;
    const since = q.sinceMs ?? 0;
    const rows = q.device === undefined
      ? (q.newest ? this.sql.readingsAllNewest : this.sql.readingsAll).all(after, since, q.limit)
      : (q.newest ? this.sql.readingsOfNewest : this.sql.readingsOf).all(q.device, after, since, q.limit);
    if (q.newest) rows.reverse();
    return rows.map(readingOf);
  }

  queueCommand(device: string, name: string, args: string, now: number): CommandRecord {
    return this.tx.queueCommand.immediate(device, name, args, now);
  }

  command(id: number): CommandRecord | undefined {
    const row = this.sql.command.get(id);
    return row && commandOf(row);
  }

  commands(device: string | undefined, limit: number): CommandRecord[] {
    const rows = device === undefined ? this.sql.commandsAll.all(limit) : this.sql.commandsOf.all(device, limit);
    return rows.reverse().map(commandOf);
  }

  pendingCommands(device: string): CommandRecord[] {
    return this.sql.pending.all(device).map(commandOf);
  }

  markSent(id: number, now: number): void {
    this.sql.markSent.run(now, id);
  }

  overdueCommands(before: number): CommandRecord[] {
    return this.sql.overdue.all(before).map(commandOf);
  }

  finishCommand(id: number, device: string, state: 'done' | 'failed', result: string, now: number): CommandRecord | undefined {
    const row = this.sql.finish.get(state, now, result, id, device);
    return row && commandOf(row);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
