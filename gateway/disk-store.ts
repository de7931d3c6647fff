/**
 * The disk-backed side of the store-and-forward queues: every queued frame is a row in one
 * SQLite file until its upstream took it, so frames queued while the cloud was unreachable
 * survive a gateway restart (or crash: WAL mode with synchronous=NORMAL loses nothing when
 * the process dies, only on power loss within the last checkpoint window).
 *
 * SQLite (better-sqlite3) rather than an append-only log we would have to compact and
 * checksum ourselves: deletes in the middle (round-robin service takes frames out of order)
 * are one statement, and recovery after a crash is the library's job. The memory queue stays
 * the index; this file is only written on enqueue and delete, and read at start.
 */
import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface StoredFrame {
  readonly id: number;
  readonly source: string;
  readonly bytes: Uint8Array;
}

export class DiskStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, Uint8Array]>;
  private readonly remove: Database.Statement<[number]>;
  private readonly select: Database.Statement<[string], { id: number; source: string; bytes: Buffer }>;

  constructor(path: string) {
    // Queued frames are ciphertext, but routes and timing are nobody else's business: 0600.
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS frames (id INTEGER PRIMARY KEY AUTOINCREMENT, upstream TEXT NOT NULL, source TEXT NOT NULL, bytes BLOB NOT NULL)');
    this.insert = this.db.prepare('INSERT INTO frames (upstream, source, bytes) VALUES (?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM frames WHERE id = ?');
    this.select = this.db.prepare('SELECT id, source, bytes FROM frames WHERE upstream = ? ORDER BY id');
  }

  append(upstream: string, source: string, bytes: Uint8Array): number {
    return Number(this.insert.run(upstream, source, bytes).lastInsertRowid);
  }

  delete(id: number): void {
    this.remove.run(id);
  }

  /** Frames still queued for `upstream`, oldest first. */
  load(upstream: string): StoredFrame[] {
    return this.select.all(upstream).map((row) => ({ id: row.id, source: row.source, bytes: new Uint8Array(row.bytes) }));
  }

  close(): void {
    this.db.close();
  }
}
