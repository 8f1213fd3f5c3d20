// The domain queries, written once over a dialect; DuckDB and ClickHouse supply execution.
import type { Alert, Anomaly, ChangeEvent, Incident, LogRecord, MetricPoint, Topology } from '../contracts/events.js';
import { AiopsError } from '../errors/aiops-error.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Dialect } from './dialect.js';
import { MIGRATIONS } from './migrations.js';
import { RecentIds } from './recent-ids.js';
import { RETENTION_TABLES, type RetentionPass, type RetentionPolicy, type RetentionTable } from './retention.js';
import { ident, join, sql, trusted, val, type SqlFragment } from './sql.js';
import type { AlertQuery, AnomalyQuery, Checkpoint, IncidentQuery, NotificationQuery, Page, RecordKind, ServiceSummary, Store, TenantCheckpoint } from './store.js';
import type { NotificationRecord } from '../contracts/notifications.js';
import { NOTIFICATION_LOG, notificationFromRow } from './notification-log-table.js';
import {
  ALERTS, alertFromRow, ANOMALIES, CHANGES, CHECKPOINTS, INCIDENTS, LOGS, METRICS, TOPOLOGY,
  anomalyFromRow, changeFromRow, incidentFromRow, type Row, type TableDef,
} from './tables.js';

const KIND_TABLES: Record<RecordKind, string> = {
  logs: LOGS.name, metrics: METRICS.name, changes: CHANGES.name, anomalies: ANOMALIES.name, alerts: ALERTS.name, incidents: INCIDENTS.name,
};

const columnsOf = (def: TableDef<never>): SqlFragment => trusted(def.columns.map((c) => c.name).join(', '));

/** Keyset pagination in (tsColumn DESC, id DESC) order: the rows after the cursor's. */
function after(tsColumn: string, cursor: string): SqlFragment {
  const c = decodeCursor(cursor);
  const col = ident(tsColumn);
  return sql`(${col} < ${val.int(c.ts)} OR (${col} = ${val.int(c.ts)} AND id < ${val.str(c.id)}))`;
}

export abstract class SqlStore implements Store {
  abstract readonly kind: 'duckdb' | 'clickhouse';
  protected abstract readonly dialect: Dialect;
  protected abstract query(f: SqlFragment): Promise<Row[]>;
  protected abstract command(statement: string): Promise<void>;
  protected abstract insert<R>(def: TableDef<R>, records: readonly R[]): Promise<void>;
  /** Prepares the database itself (ClickHouse: CREATE DATABASE) before migrations. */
  protected abstract prepare(): Promise<void>;
  protected abstract get database(): string | null;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;

  async migrate(): Promise<string[]> {
    await this.prepare();
    const ledger = this.dialect.createTable({
      name: 'schema_migrations', key: ['version'], orderBy: ['version'],
      columns: [
        { name: 'version', type: 'int', get: () => 0 },
        { name: 'name', type: 'string', get: () => '' },
        { name: 'applied_at', type: 'int', get: () => 0 },
      ],
    } as TableDef<never>, this.database);
    for (const s of ledger) await this.command(s);
    const rows = await this.query(sql`SELECT version FROM ${ident('schema_migrations')}`);
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: string[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const s of m.statements(this.dialect, this.database)) await this.command(s);
      await this.insert(
        { name: 'schema_migrations', key: ['version'], orderBy: ['version'], columns: [
          { name: 'version', type: 'int', get: (r: { v: number }) => r.v },
          { name: 'name', type: 'string', get: (r: { n: string }) => r.n },
          { name: 'applied_at', type: 'int', get: () => Date.now() },
        ] } as TableDef<{ v: number; n: string }>,
        [{ v: m.version, n: m.name }],
      );
      applied.push(m.name);
    }
    return applied;
  }

  insertLogs(rows: readonly LogRecord[]) { return this.append(LOGS, rows); }
  insertMetrics(rows: readonly MetricPoint[]) { return this.append(METRICS, rows); }
  insertChanges(rows: readonly ChangeEvent[]) { return this.write(CHANGES, rows); }
  // Episodes are versioned rows (the store keeps the highest episode_version), not append-only.
  insertAnomalies(rows: readonly Anomaly[]) { return this.write(ANOMALIES, rows); }
  upsertIncidents(rows: readonly Incident[]) { return this.write(INCIDENTS, rows); }
  upsertAlerts(rows: readonly Alert[]) { return this.write(ALERTS, rows); }

  /** Per append-only table; 50k ids a generation covers a replayed tail of many batches in ~10 MB. */
  private readonly recent = new Map<string, RecentIds>();

  private async append<R extends { tenant: string; id: string }>(def: TableDef<R>, records: readonly R[]): Promise<void> {
    if (this.dialect.collapsesById) return this.write(def, records);
    let window = this.recent.get(def.name);
    if (!window) this.recent.set(def.name, (window = new RecentIds(50_000)));
    const rows = window.fresh(records);
    await this.write(def, rows);
    // Only once stored: a failed write must be retried in full, not dropped as a duplicate.
    window.addAll(rows);
  }

  /** Forgets the writer's window, as a restart does (tests of read-time dedup). */
  forgetRecentIds(): void {
    this.recent.clear();
  }

  /** Every table write goes through here, so a failing store is known to readiness (ping). */
  private writeFailure: Error | undefined;

  protected async write<R>(def: TableDef<R>, records: readonly R[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.insert(def, records);
      this.writeFailure = undefined;
    } catch (err) {
      this.writeFailure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  /** Throws while the last write failed: the store answers reads but cannot store records. */
  protected checkWritable(): void {
    const f = this.writeFailure;
    if (f) throw new AiopsError('STORE_UNWRITABLE', `The store cannot write: ${f.message}`, undefined, { cause: f });
  }

  async queryAlerts(q: AlertQuery): Promise<Page<Alert>> {
    const where: SqlFragment[] = [sql`tenant = ${val.str(q.tenant)}`];
    if (q.status) where.push(sql`status = ${val.str(q.status)}`);
    if (q.service !== undefined) where.push(sql`service = ${val.str(q.service)}`);
    if (q.cursor) where.push(after('last_seen', q.cursor));
    const rows = await this.query(sql`SELECT ${columnsOf(ALERTS as TableDef<never>)} FROM ${ident(ALERTS.name)}${this.final()}
      WHERE ${join(where, ' AND ')} ORDER BY last_seen DESC, id DESC LIMIT ${val.int(q.limit + 1)}`);
    return this.page(rows.map(alertFromRow), q.limit, (a) => ({ ts: a.lastSeen, id: a.id }));
  }

  async putTopology(topology: Topology): Promise<void> {
    await this.write(TOPOLOGY, [{ tenant: topology.tenant, version: topology.version, doc: JSON.stringify(topology) }]);
  }

  async getTopology(tenant: string): Promise<Topology | null> {
    const rows = await this.query(sql`SELECT doc FROM ${ident(TOPOLOGY.name)}${this.final()} WHERE tenant = ${val.str(tenant)} ORDER BY version DESC LIMIT 1`);
    const doc = rows[0]?.doc;
    return typeof doc === 'string' ? (JSON.parse(doc) as Topology) : null;
  }

  async queryIncidents(q: IncidentQuery): Promise<Page<Incident>> {
    const where: SqlFragment[] = [sql`tenant = ${val.str(q.tenant)}`];
    if (q.status) where.push(sql`status = ${val.str(q.status)}`);
    else where.push(sql`status != ${val.str('merged')}`);
    if (q.service !== undefined) where.push(this.dialect.has(sql`services`, sql`${val.str(q.service)}`));
    if (q.rootCause !== undefined) where.push(sql`root_cause = ${val.str(q.rootCause)}`);
    if (q.from !== undefined) where.push(sql`opened_at >= ${val.int(q.from)}`);
    if (q.to !== undefined) where.push(sql`opened_at < ${val.int(q.to)}`);
    if (q.cursor) where.push(after('opened_at', q.cursor));
    const rows = await this.query(sql`SELECT ${columnsOf(INCIDENTS as TableDef<never>)} FROM ${ident(INCIDENTS.name)}${this.final()}
      WHERE ${join(where, ' AND ')} ORDER BY opened_at DESC, id DESC LIMIT ${val.int(q.limit + 1)}`);
    return this.page(rows.map(incidentFromRow), q.limit, (i) => ({ ts: i.openedAt, id: i.id }));
  }

  async getIncident(tenant: string, id: string): Promise<Incident | null> {
    const rows = await this.query(sql`SELECT ${columnsOf(INCIDENTS as TableDef<never>)} FROM ${ident(INCIDENTS.name)}${this.final()}
      WHERE tenant = ${val.str(tenant)} AND id = ${val.str(id)} LIMIT 1`);
    return rows[0] ? incidentFromRow(rows[0]) : null;
  }

  async queryAnomalies(q: AnomalyQuery): Promise<Page<Anomaly>> {
    const where: SqlFragment[] = [sql`tenant = ${val.str(q.tenant)}`];
    if (q.service !== undefined) where.push(sql`service = ${val.str(q.service)}`);
    if (q.subject !== undefined) where.push(sql`subject = ${val.str(q.subject)}`);
    if (q.signal !== undefined) where.push(sql`signal = ${val.str(q.signal)}`);
    if (q.ids !== undefined) where.push(this.dialect.has(sql`${val.strs(q.ids)}`, sql`id`));
    if (q.from !== undefined) where.push(sql`ts >= ${val.int(q.from)}`);
    if (q.to !== undefined) where.push(sql`ts < ${val.int(q.to)}`);
    if (q.cursor) where.push(after('ts', q.cursor));
    const rows = await this.query(sql`SELECT ${columnsOf(ANOMALIES as TableDef<never>)} FROM ${ident(ANOMALIES.name)}${this.final()}
      WHERE ${join(where, ' AND ')} ORDER BY ts DESC, id DESC LIMIT ${val.int(q.limit + 1)}`);
    return this.page(rows.map(anomalyFromRow), q.limit, (a) => ({ ts: a.ts, id: a.id }));
  }

  async queryChanges(tenant: string, from: number, to: number): Promise<ChangeEvent[]> {
    const rows = await this.query(sql`SELECT ${columnsOf(CHANGES as TableDef<never>)} FROM ${ident(CHANGES.name)}${this.final()}
      WHERE tenant = ${val.str(tenant)} AND ts >= ${val.int(from)} AND ts < ${val.int(to)} ORDER BY ts, id`);
    return rows.map(changeFromRow);
  }

  async listServices(tenant: string): Promise<ServiceSummary[]> {
    const rows = await this.query(sql`SELECT service, ${trusted(this.dialect.countIds)} AS n, max(ts) AS last
      FROM ${ident(ANOMALIES.name)} WHERE tenant = ${val.str(tenant)} GROUP BY service`);
    const byName = new Map<string, ServiceSummary>();
    const topology = await this.getTopology(tenant);
    for (const s of topology?.services ?? []) byName.set(s.name, { name: s.name, anomalies: 0, lastAnomalyAt: null });
    for (const r of rows) byName.set(String(r.service), { name: String(r.service), anomalies: Number(r.n), lastAnomalyAt: Number(r.last) });
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async count(tenant: string, kind: RecordKind): Promise<number> {
    // Distinct ids, not FINAL: append-only tables hold replayed duplicates until (or, in DuckDB, for ever) merged.
    const rows = await this.query(sql`SELECT ${trusted(this.dialect.countIds)} AS n
      FROM ${ident(KIND_TABLES[kind])} WHERE tenant = ${val.str(tenant)}`);
    return Number(rows[0]?.n ?? 0);
  }

  async appendNotifications(rows: readonly NotificationRecord[]): Promise<void> {
    await this.write(NOTIFICATION_LOG, rows);
  }

  async queryNotifications(q: NotificationQuery): Promise<NotificationRecord[]> {
    // ClickHouse types an empty array literal Array(Nothing), which has() refuses.
    if (q.incidentIds?.length === 0 || q.kinds?.length === 0) return [];
    const where: SqlFragment[] = [sql`1 = 1`];
    if (q.tenant !== undefined) where.push(sql`tenant = ${val.str(q.tenant)}`);
    if (q.incidentIds !== undefined) where.push(this.dialect.has(sql`${val.strs(q.incidentIds)}`, sql`incident_id`));
    if (q.kinds !== undefined) where.push(this.dialect.has(sql`${val.strs(q.kinds)}`, sql`kind`));
    if (q.since !== undefined) where.push(sql`sent_at >= ${val.int(q.since)}`);
    const rows = await this.query(sql`SELECT ${columnsOf(NOTIFICATION_LOG as TableDef<never>)} FROM ${ident(NOTIFICATION_LOG.name)}${this.final()}
      WHERE ${join(where, ' AND ')} ORDER BY sent_at DESC, id DESC LIMIT ${val.int(q.limit)}`);
    return rows.map(notificationFromRow);
  }

  async putCheckpoints(tenant: string, namespace: string, rows: readonly Checkpoint[]): Promise<void> {
    await this.write(CHECKPOINTS, rows.map((r) => ({ tenant, namespace, key: r.key, version: r.version, state: r.state })));
  }

  async putTenantCheckpoints(namespace: string, rows: readonly TenantCheckpoint[]): Promise<void> {
    await this.write(CHECKPOINTS, rows.map((r) => ({ tenant: r.tenant, namespace, key: r.key, version: r.version, state: r.state })));
  }

  async getTenantCheckpoints(namespace: string, wanted: ReadonlyMap<string, readonly string[]>): Promise<TenantCheckpoint[]> {
    if (wanted.size === 0) return [];
    const keys = new Set<string>();
    for (const list of wanted.values()) for (const k of list) keys.add(k);
    // Tenants and keys are matched apart (one query, two lists): pairs not asked for are dropped here.
    const rows = await this.query(sql`SELECT tenant, key, version, state FROM ${ident(CHECKPOINTS.name)}${this.final()}
      WHERE namespace = ${val.str(namespace)} AND ${this.dialect.has(sql`${val.strs([...wanted.keys()])}`, sql`tenant`)} AND ${this.dialect.has(sql`${val.strs([...keys])}`, sql`key`)}`);
    return rows
      .map((r) => ({ tenant: String(r.tenant), key: String(r.key), version: Number(r.version), state: String(r.state) }))
      .filter((r) => wanted.get(r.tenant)?.includes(r.key));
  }

  async getCheckpoints(tenant: string, namespace: string, keys?: readonly string[]): Promise<Checkpoint[]> {
    const where: SqlFragment[] = [sql`tenant = ${val.str(tenant)}`, sql`namespace = ${val.str(namespace)}`];
    if (keys) where.push(this.dialect.has(sql`${val.strs(keys)}`, sql`key`));
    const rows = await this.query(sql`SELECT key, version, state FROM ${ident(CHECKPOINTS.name)}${this.final()} WHERE ${join(where, ' AND ')}`);
    return rows.map((r) => ({ key: String(r.key), version: Number(r.version), state: String(r.state) }));
  }

  async applyRetention(policy: RetentionPolicy, now: number): Promise<RetentionPass[]> {
    const passes: RetentionPass[] = [];
    for (const table of RETENTION_TABLES) {
      const r = policy[table];
      if (!r) continue;
      const overrides = Object.entries(r.tenants);
      // Every group of tenants sharing a cutoff: the default tenants (all but the overridden) and each override.
      const groups: Array<{ where: SqlFragment; cutoff: number }> = [];
      const named = overrides.map(([t]) => t);
      if (r.defaultMs !== null) {
        groups.push({ cutoff: now - r.defaultMs, where: named.length > 0 ? sql`NOT ${this.dialect.has(sql`${val.strs(named)}`, sql`tenant`)}` : sql`1 = 1` });
      }
      for (const [t, ms] of overrides) if (ms !== null) groups.push({ cutoff: now - ms, where: sql`tenant = ${val.str(t)}` });
      if (groups.length === 0) continue;
      // Nothing older than the longest setting is kept by anyone (null = for ever).
      const everyone = r.defaultMs !== null && overrides.every(([, ms]) => ms !== null);
      const longest = everyone ? Math.max(r.defaultMs!, ...overrides.map(([, ms]) => ms!)) : null;
      passes.push(await this.expire(table, groups, longest === null ? null : now - longest));
    }
    return passes;
  }

  /** Deletes rows with ts < cutoff in each group; allBefore: a cutoff that applies to every tenant. */
  protected abstract expire(table: RetentionTable, groups: Array<{ where: SqlFragment; cutoff: number }>, allBefore: number | null): Promise<RetentionPass>;

  private final(): SqlFragment {
    return trusted(this.dialect.final);
  }

  private page<T>(items: T[], limit: number, keyOf: (t: T) => { ts: number; id: string }): Page<T> {
    if (items.length <= limit) return { items };
    const kept = items.slice(0, limit);
    return { items: kept, nextCursor: encodeCursor(keyOf(kept[kept.length - 1]!)) };
  }
}
