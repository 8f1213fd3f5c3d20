// The embedded store: one DuckDB file under the data directory. Values are bound as
// prepared-statement parameters; writes are INSERT OR IGNORE by primary key, and versioned
// tables (incidents, checkpoints) keep the highest version.
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { BIGINT, DOUBLE, DuckDBInstance, LIST, VARCHAR, listValue, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { AiopsError } from '../errors/aiops-error.js';
import { DUCKDB_DIALECT } from './dialect.js';
import { SqlStore } from './sql-store.js';
import { ident, renderPositional, sql, val, type SqlFragment, type SqlValue } from './sql.js';
import type { RetentionPass, RetentionTable } from './retention.js';
import type { ColumnType, Row, TableDef } from './tables.js';

function bindValue(v: SqlValue): { value: DuckDBValue; type: DuckDBType } {
  switch (v.kind) {
    case 'string': return { value: v.value, type: VARCHAR };
    case 'int': return { value: BigInt(v.value), type: BIGINT };
    case 'float': return { value: v.value, type: DOUBLE };
    case 'strings': return { value: listValue([...v.value]), type: LIST(VARCHAR) };
  }
}

const JSON_SHAPE: Record<ColumnType, string> = {
  string: '["VARCHAR"]', date: '["VARCHAR"]', int: '["BIGINT"]', float: '["DOUBLE"]', strings: '[["VARCHAR"]]',
};

function bindColumn(type: ColumnType, cells: unknown[]): { value: DuckDBValue; type: DuckDBType } {
  switch (type) {
    case 'string':
    case 'date':
      return { value: listValue(cells.map(String)), type: LIST(VARCHAR) };
    case 'int': return { value: listValue(cells.map((c) => BigInt(c as number))), type: LIST(BIGINT) };
    case 'float': return { value: listValue(cells as number[]), type: LIST(DOUBLE) };
    case 'strings': return { value: listValue(cells.map((c) => listValue([...(c as string[])]))), type: LIST(LIST(VARCHAR)) };
  }
}

export class DuckDbStore extends SqlStore {
  readonly kind = 'duckdb' as const;
  protected readonly dialect = DUCKDB_DIALECT;
  private queue: Promise<unknown> = Promise.resolve();
  private readQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    /**
     * Reads go through their own connection and queue: behind the one writer, an API query waited
     * for every queued sink insert and checkpoint (seconds under ingest overload). DuckDB's MVCC
     * gives the reader each committed write.
     */
    private readonly reader: DuckDBConnection,
    private readonly path: string,
  ) {
    super();
  }

  /** Opens (creating if needed) the database file; ':memory:' gives a throwaway store for tests. */
  static async open(path: string): Promise<DuckDbStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let instance: DuckDBInstance | undefined;
    try {
      instance = await DuckDBInstance.create(path);
      const conn = await instance.connect();
      const store = new DuckDbStore(instance, conn, await instance.connect(), path);
      if (path !== ':memory:') await store.checkComplete();
      return store;
    } catch (err) {
      instance?.closeSync();
      throw openError(path, err);
    }
  }

  /**
   * A truncated file opens and answers reads of what is left, while every append to a table whose
   * last blocks are gone fails for ever: compare the file with the blocks its header counts.
   */
  private async checkComplete(): Promise<void> {
    const reader = await this.conn.runAndReadAll('SELECT block_size, used_blocks FROM pragma_database_size()');
    const row = reader.getRowObjectsJson()[0];
    // Used, not total, blocks: free blocks at the tail need not exist on disk.
    const expected = HEADER_BYTES + Number(row?.used_blocks ?? 0) * Number(row?.block_size ?? 0);
    const actual = statSync(this.path).size;
    if (actual < expected) {
      throw new AiopsError('STORE_CORRUPT', corruptMessage(this.path, `it is ${actual} bytes, its blocks in use need ${expected} (truncated)`));
    }
  }

  protected get database(): null {
    return null;
  }

  protected async prepare(): Promise<void> {}

  async ping(): Promise<void> {
    await this.serial(() => this.conn.run('SELECT 1'));
    this.checkWritable();
  }

  /** One statement at a time on the single connection, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private serialRead<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.readQueue.then(fn, fn);
    this.readQueue = next.catch(() => undefined);
    return next;
  }

  protected async query(f: SqlFragment): Promise<Row[]> {
    const { text, values } = renderPositional(f);
    const bound = values.map(bindValue);
    const read = /^\s*(SELECT|WITH)\b/i.test(text);
    const conn = read ? this.reader : this.conn;
    return (read ? this.serialRead.bind(this) : this.serial.bind(this))(async () => {
      try {
        const reader = await conn.runAndReadAll(text, bound.map((b) => b.value), bound.map((b) => b.type));
        return reader.getRowObjectsJson() as Row[];
      } catch (err) {
        throw new AiopsError('STORE_QUERY_FAILED', `DuckDB query failed: ${(err as Error).message}`, { statement: text }, { cause: err });
      }
    });
  }

  protected async command(statement: string): Promise<void> {
    await this.serial(async () => {
      try {
        await this.conn.run(statement);
      } catch (err) {
        throw new AiopsError('MIGRATION_FAILED', `DuckDB statement failed: ${(err as Error).message}`, { statement }, { cause: err });
      }
    });
  }

  protected async insert<R>(def: TableDef<R>, records: readonly R[]): Promise<void> {
    if (records.length === 0) return;
    const names = def.columns.map((c) => c.name);
    const conflict = def.appendOnly ? '' : def.version
      ? `ON CONFLICT (${def.key.join(', ')}) DO UPDATE SET ${names.filter((n) => !def.key.includes(n)).map((n) => `${n} = excluded.${n}`).join(', ')} WHERE excluded.${def.version} >= ${def.name}.${def.version}`
      : 'ON CONFLICT DO NOTHING';
    // A row repeated inside one statement would make ON CONFLICT DO UPDATE fail: keep the newest.
    const rows = def.version ? dedupeByKey(def, records) : records;
    // One parameter per column, zipped back into rows by unnest. Each column goes as one JSON
    // array string that DuckDB parses natively: binding a few large lists is ~20x faster than
    // binding every cell of a multi-row VALUES, and one string ~3x faster again than a list of
    // DuckDB values built cell by cell (the demo's sink, measured with scratch timing of
    // runScenario). Non-finite floats have no JSON form: such a column goes as a list.
    const values: DuckDBValue[] = [];
    const types: DuckDBType[] = [];
    const selects = def.columns.map((c, i) => {
      const column = rows.map((r) => c.get(r));
      const p = `$${i + 1}`;
      if (c.type === 'float' && !(column as number[]).every(Number.isFinite)) {
        const b = bindColumn(c.type, column);
        values.push(b.value);
        types.push(b.type);
        return `unnest(${p})`;
      }
      // Column getters already replaced lone surrogates (tables.ts), which DuckDB's JSON reader refuses.
      values.push(JSON.stringify(c.type === 'date' ? column.map(String) : column));
      types.push(VARCHAR);
      const unnest = `unnest(from_json(${p}, '${JSON_SHAPE[c.type]}'))`;
      return c.type === 'date' ? `CAST(${unnest} AS DATE)` : unnest;
    });
    const statement = `INSERT INTO ${def.name} (${names.join(', ')}) SELECT ${selects.join(', ')} ${conflict}`;
    await this.serial(async () => {
      try {
        await this.conn.run(statement, values, types);
      } catch (err) {
        throw damaged(err) ? new AiopsError('STORE_CORRUPT', corruptMessage(this.path, (err as Error).message), { table: def.name }, { cause: err })
          : new AiopsError('STORE_QUERY_FAILED', `DuckDB insert into ${def.name} failed: ${(err as Error).message}`, undefined, { cause: err });
      }
    });
  }

  protected async expire(table: RetentionTable, groups: Array<{ where: SqlFragment; cutoff: number }>): Promise<RetentionPass> {
    let removed = 0;
    for (const g of groups) {
      const rows = await this.query(sql`DELETE FROM ${ident(table)} WHERE ts < ${val.int(g.cutoff)} AND ${g.where}`);
      removed += Number(rows[0]?.Count ?? 0);
    }
    // The checkpoint frees the deleted rows' blocks for reuse: the file stops growing.
    if (removed > 0) await this.command('CHECKPOINT');
    return { table, removed, detail: `deleted ${removed} rows` };
  }

  async close(): Promise<void> {
    await Promise.all([this.queue.catch(() => undefined), this.readQueue.catch(() => undefined)]);
    this.reader.closeSync();
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

function dedupeByKey<R>(def: TableDef<R>, rows: readonly R[]): R[] {
  const keyCols = def.columns.filter((c) => def.key.includes(c.name));
  const version = def.columns.find((c) => c.name === def.version)!;
  const byKey = new Map<string, R>();
  for (const r of rows) {
    const k = JSON.stringify(keyCols.map((c) => c.get(r)));
    const prev = byKey.get(k);
    if (!prev || Number(version.get(r)) >= Number(version.get(prev))) byKey.set(k, r);
  }
  return [...byKey.values()];
}

/** DuckDB's file layout: a main header and two database headers of 4 KiB before the blocks. */
const HEADER_BYTES = 3 * 4096;

const LOCKED = /Could not set lock|Conflicting lock/i;
const DAMAGED = /not a valid DuckDB database file|Could not read enough bytes|Corrupt|checksum|Serialization Error|Invalid Input Error: Attempting to read/i;
const damaged = (err: unknown): boolean => err instanceof Error && DAMAGED.test(err.message);

function corruptMessage(path: string, cause: string): string {
  return `The DuckDB file ${path} is damaged (${cause}). Restore it from a backup, or move it aside (mv ${path} ${path}.damaged) to start with an empty store.`;
}

/** Distinguishes a lock held by another process from a damaged file: the fixes differ. */
function openError(path: string, err: unknown): AiopsError {
  if (err instanceof AiopsError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (LOCKED.test(msg)) {
    return new AiopsError('STORE_LOCKED', `Another process holds the DuckDB file ${path} (${msg}). Stop it (another aiops start?) or give this one another AIOPS_DATA_DIR.`, undefined, { cause: err });
  }
  if (DAMAGED.test(msg)) return new AiopsError('STORE_CORRUPT', corruptMessage(path, msg), undefined, { cause: err });
  return new AiopsError('STORE_QUERY_FAILED', `Could not open the DuckDB file ${path}: ${msg}`, undefined, { cause: err });
}
