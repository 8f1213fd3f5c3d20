// The distributed store on ClickHouse via @clickhouse/client. SQL runs on 18.16 and 24+:
// no Map, DateTime64, TTL, codecs, LowCardinality or server-side parameters. Values go through
// the one literal formatter (sql.ts); inserts name their columns; ReplacingMergeTree + FINAL
// makes replays idempotent.
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { AiopsError } from '../errors/aiops-error.js';
import { CLICKHOUSE_DIALECT } from './dialect.js';
import { SqlStore } from './sql-store.js';
import { renderClickHouse, type SqlFragment } from './sql.js';
import type { Row, TableDef } from './tables.js';

export interface ClickHouseOptions {
  url: string;
  database: string;
  username: string;
  password: string;
}

function makeClient(o: ClickHouseOptions, database?: string): ClickHouseClient {
  return createClient({
    url: o.url,
    username: o.username,
    password: o.password,
    ...(database ? { database } : {}),
    // 18.16 predates the client's defaults: no compression negotiation, no extra settings.
    compression: { request: false, response: false },
    request_timeout: 30_000,
    application: 'aiops',
  });
}

export class ClickHouseStore extends SqlStore {
  readonly kind = 'clickhouse' as const;
  protected readonly dialect = CLICKHOUSE_DIALECT;
  private readonly client: ClickHouseClient;

  constructor(private readonly options: ClickHouseOptions) {
    super();
    this.client = makeClient(options, options.database);
  }

  protected get database(): string {
    return this.options.database;
  }

  protected async prepare(): Promise<void> {
    const admin = makeClient(this.options);
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${this.options.database}` });
    } catch (err) {
      throw this.unreachableOr(err, 'MIGRATION_FAILED');
    } finally {
      await admin.close();
    }
  }

  async ping(): Promise<void> {
    const r = await this.client.ping();
    if (!r.success) throw this.unreachableOr(r.error, 'CLICKHOUSE_UNREACHABLE');
    this.checkWritable();
  }

  protected async query(f: SqlFragment): Promise<Row[]> {
    const query = renderClickHouse(f);
    try {
      const rs = await this.client.query({ query, format: 'JSONEachRow' });
      return await rs.json<Row>();
    } catch (err) {
      throw this.unreachableOr(err, 'STORE_QUERY_FAILED', query);
    }
  }

  protected async command(statement: string): Promise<void> {
    try {
      await this.client.command({ query: statement });
    } catch (err) {
      throw this.unreachableOr(err, 'MIGRATION_FAILED', statement);
    }
  }

  protected async insert<R>(def: TableDef<R>, records: readonly R[]): Promise<void> {
    if (records.length === 0) return;
    const columns = def.columns.map((c) => c.name) as [string, ...string[]];
    const values = records.map((r) => {
      const row: Row = {};
      for (const c of def.columns) row[c.name] = c.get(r);
      return row;
    });
    try {
      await this.client.insert({ table: def.name, values, format: 'JSONEachRow', columns });
    } catch (err) {
      throw this.unreachableOr(err, 'STORE_QUERY_FAILED', `INSERT INTO ${def.name}`);
    }
  }

  private unreachableOr(err: unknown, code: 'STORE_QUERY_FAILED' | 'MIGRATION_FAILED' | 'CLICKHOUSE_UNREACHABLE', statement?: string): AiopsError {
    const msg = err instanceof Error ? err.message : String(err);
    const c = (err as { code?: string } | undefined)?.code;
    if (c === 'ECONNREFUSED' || c === 'ENOTFOUND' || c === 'ECONNRESET' || /ECONNREFUSED|socket hang up|Timeout/i.test(msg)) {
      return new AiopsError('CLICKHOUSE_UNREACHABLE', `ClickHouse at ${this.options.url} is unreachable (${msg}); check AIOPS_CLICKHOUSE_URL and that the server runs (npm run services:up starts a local one).`, undefined, { cause: err });
    }
    return new AiopsError(code, `ClickHouse: ${msg}`, statement ? { statement: statement.slice(0, 2000) } : undefined, { cause: err });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
