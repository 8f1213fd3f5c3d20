// The distributed store on ClickHouse via @clickhouse/client. SQL runs on 18.16 and 24+:
// no Map, DateTime64, TTL, codecs, LowCardinality or server-side parameters. Values go through
// the one literal formatter (sql.ts); inserts name their columns; ReplacingMergeTree + FINAL
// makes replays idempotent. With `cluster` set, the tables are sharded (clickhouse-cluster.ts).
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { AiopsError } from '../errors/aiops-error.js';
import { CLUSTERS_QUERY, clusterDialect, clusterPartsQuery, localTable, unknownCluster } from './clickhouse-cluster.js';
import { CLICKHOUSE_DIALECT, type Dialect } from './dialect.js';
import { SqlStore } from './sql-store.js';
import { ident, renderClickHouse, sql, val, type SqlFragment } from './sql.js';
import type { RetentionPass, RetentionTable } from './retention.js';
import { day, type Row, type TableDef } from './tables.js';

export interface ClickHouseOptions {
  url: string;
  database: string;
  username: string;
  password: string;
  /** A cluster of the server's remote_servers: tables are local per shard behind Distributed ones. */
  cluster?: string;
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
    // A write through a Distributed table returns once every shard has its rows, so a failed shard
    // fails the batch (and the sink retries it) instead of the rows waiting in a local queue.
    ...(o.cluster ? { clickhouse_settings: { insert_distributed_sync: 1 } } : {}),
    // The client's own logger writes multi-line text to stderr (a failed ping at start printed a
    // stack before CLICKHOUSE_UNREACHABLE). Every failure also reaches us as a thrown error, which
    // the store turns into a coded error and the stage logs as JSON, so the client stays quiet.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

export class ClickHouseStore extends SqlStore {
  readonly kind = 'clickhouse' as const;
  protected readonly dialect: Dialect;
  private readonly client: ClickHouseClient;
  private clusterChecked = false;

  constructor(private readonly options: ClickHouseOptions) {
    super();
    if (options.cluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.cluster)) {
      throw new AiopsError('CONFIG_INVALID', `AIOPS_CLICKHOUSE_CLUSTER: must be an identifier, got ${JSON.stringify(options.cluster)}`);
    }
    this.dialect = options.cluster ? clusterDialect(options.cluster) : CLICKHOUSE_DIALECT;
    this.client = makeClient(options, options.database);
  }

  /**
   * Fails with CLICKHOUSE_CLUSTER_UNKNOWN unless the server defines the configured cluster. Asks
   * without a database: before the first migration the store's database does not exist yet.
   */
  private async checkCluster(): Promise<void> {
    const cluster = this.options.cluster;
    if (!cluster || this.clusterChecked) return;
    const admin = makeClient(this.options);
    let known: string[];
    try {
      const rs = await admin.query({ query: renderClickHouse(CLUSTERS_QUERY), format: 'JSONEachRow' });
      known = (await rs.json<{ cluster: string }>()).map((r) => r.cluster);
    } catch (err) {
      throw this.unreachableOr(err, 'STORE_QUERY_FAILED', 'SELECT FROM system.clusters');
    } finally {
      await admin.close();
    }
    if (!known.includes(cluster)) throw unknownCluster(cluster, this.options.url, known);
    this.clusterChecked = true;
  }

  protected get database(): string {
    return this.options.database;
  }

  protected async prepare(): Promise<void> {
    const admin = makeClient(this.options);
    try {
      await this.checkCluster();
      const onCluster = this.options.cluster ? ` ON CLUSTER ${this.options.cluster}` : '';
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${this.options.database}${onCluster}` });
    } catch (err) {
      if (err instanceof AiopsError) throw err;
      throw this.unreachableOr(err, 'MIGRATION_FAILED');
    } finally {
      await admin.close();
    }
  }

  async ping(): Promise<void> {
    const r = await this.client.ping();
    if (!r.success) throw this.unreachableOr(r.error, 'CLICKHOUSE_UNREACHABLE');
    await this.checkCluster();
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

  /**
   * Whole day partitions older than every tenant's retention are dropped (works on 18.16); rows
   * of tenants kept shorter than that are deleted by a mutation, issued only when such rows exist.
   * On a cluster both act ON CLUSTER on the shards' local tables, and the parts come from every shard.
   */
  protected async expire(table: RetentionTable, groups: Array<{ where: SqlFragment; cutoff: number }>, allBefore: number | null): Promise<RetentionPass> {
    let dropped = 0;
    let deletes = 0;
    const { database, cluster } = this.options;
    const name = `${database}.${table}`;
    // What ALTER acts on: the table itself, or on a cluster every shard's local table.
    const target = cluster ? sql`${ident(`${database}.${localTable(table)}`)} ON CLUSTER ${ident(cluster)}` : sql`${ident(name)}`;
    if (allBefore !== null) {
      // Days that end before the cutoff; the partition key is the day column (a Date).
      const before = day(allBefore);
      const parts = await this.query(cluster ? clusterPartsQuery(cluster, database, table, before) : sql`SELECT DISTINCT toString(max_date) AS d FROM system.parts
        WHERE database = ${val.str(database)} AND table = ${val.str(table)} AND active AND max_date < toDate(${val.str(before)})`);
      for (const p of parts) {
        await this.command(renderClickHouse(sql`ALTER TABLE ${target} DROP PARTITION ${val.str(String(p.d))}`));
        dropped++;
      }
    }
    for (const g of groups) {
      // The longest setting is served by whole-day drops; a mutation each pass would rewrite today's parts.
      if (allBefore !== null && g.cutoff <= allBefore) continue;
      const where = sql`ts < ${val.int(g.cutoff)} AND ${g.where}`;
      const n = await this.query(sql`SELECT count() AS n FROM ${ident(name)} WHERE ${where}`);
      if (Number(n[0]?.n ?? 0) === 0) continue;
      await this.command(renderClickHouse(sql`ALTER TABLE ${target} DELETE WHERE ${where}`));
      deletes++;
    }
    return { table, removed: dropped + deletes, detail: `dropped ${dropped} day partitions, issued ${deletes} tenant deletes` };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
