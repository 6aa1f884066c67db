import Database from 'better-sqlite3';
import type { BlobLocation } from './blob-pack.js';
import { StoreError } from './errors.js';

const SCHEMA_VERSION = 1;

/**
 * Which pack holds each blob, in a SQLite file beside the packs. It is the store's only shared
 * state between processes: SQLite serialises their writes, and a blob two processes store at once
 * is indexed once (the other copy is dead weight in its pack).
 */
export class BlobIndex {
  private readonly db: Database.Database;
  private readonly findStatement: Database.Statement<[Buffer], { pack: string; offset: number; length: number }>;
  private readonly addStatement: Database.Statement<[Buffer, number, number, number]>;
  private readonly packIds = new Map<string, number>();

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new StoreError(`the blob index ${file} was written by a newer Trove (schema ${version})`);
    if (version < SCHEMA_VERSION) this.createSchema();
    this.findStatement = this.db.prepare('SELECT p.name AS pack, b.offset, b.length FROM blobs b JOIN packs p ON p.id = b.pack_id WHERE b.hash = ?');
    this.addStatement = this.db.prepare('INSERT OR IGNORE INTO blobs (hash, pack_id, offset, length) VALUES (?, ?, ?, ?)');
  }

  find(hash: Buffer): BlobLocation | undefined {
    return this.findStatement.get(hash);
  }

  /** Records where a blob is; a blob already indexed keeps its first location. */
  add(hash: Buffer, location: BlobLocation): void {
    this.addStatement.run(hash, this.packId(location.pack), location.offset, location.length);
  }

  /** Adds many locations in one transaction (rebuilding the index from its packs). */
  addAll(entries: Iterable<{ hash: Buffer; location: BlobLocation }>): void {
    this.db.transaction(() => {
      for (const { hash, location } of entries) this.add(hash, location);
    })();
  }

  close(): void {
    this.db.close();
  }

  private packId(name: string): number {
    let id = this.packIds.get(name);
    if (id === undefined) {
      this.db.prepare('INSERT OR IGNORE INTO packs (name) VALUES (?)').run(name);
      id = (this.db.prepare('SELECT id FROM packs WHERE name = ?').get(name) as { id: number }).id;
      this.packIds.set(name, id);
    }
    return id;
  }

  private createSchema(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS packs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS blobs (
        hash BLOB PRIMARY KEY,
        pack_id INTEGER NOT NULL REFERENCES packs (id),
        offset INTEGER NOT NULL,
        length INTEGER NOT NULL
      ) WITHOUT ROWID;
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }
}
