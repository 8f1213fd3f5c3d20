// One store interface for both modes. Duties: every write is idempotent by record id (a
// replayed batch never double-counts); incidents keep their highest version; reads never
// return the same record twice.
import type { RetentionPass, RetentionPolicy } from './retention.js';
import type { Alert, Anomaly, ChangeEvent, Incident, LogRecord, MetricPoint, Topology } from '../contracts/events.js';
import type { NotificationKind, NotificationRecord } from '../contracts/notifications.js';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextCursor?: string;
}

export interface IncidentQuery {
  tenant: string;
  /** Without a status, merged incidents are left out: their anomalies live on in the survivor. */
  status?: 'open' | 'resolved' | 'merged';
  /** Incidents that affect this service. */
  service?: string;
  /** Incidents whose top-ranked root cause is this service. */
  rootCause?: string;
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

export interface AnomalyQuery {
  tenant: string;
  service?: string;
  subject?: string;
  signal?: string;
  ids?: string[];
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

export interface AlertQuery {
  tenant: string;
  status?: 'firing' | 'resolved';
  service?: string;
  limit: number;
  cursor?: string;
}

export interface NotificationQuery {
  /** Without a tenant: every tenant's (the correlate stage finds its open notifications at start). */
  tenant?: string;
  incidentIds?: readonly string[];
  kinds?: readonly NotificationKind[];
  /** Sent at or after. */
  since?: number;
  limit: number;
}

export interface ServiceSummary {
  name: string;
  anomalies: number;
  lastAnomalyAt: number | null;
}

export type RecordKind = 'logs' | 'metrics' | 'changes' | 'anomalies' | 'alerts' | 'incidents';

export interface Checkpoint {
  key: string;
  version: number;
  state: string;
}

/** A checkpoint row with its tenant, for writes that span tenants. */
export interface TenantCheckpoint extends Checkpoint {
  tenant: string;
}

export interface Store {
  readonly kind: 'duckdb' | 'clickhouse';
  /** Applies pending versioned migrations; returns the names applied now. */
  migrate(): Promise<string[]>;
  ping(): Promise<void>;
  insertLogs(rows: readonly LogRecord[]): Promise<void>;
  insertMetrics(rows: readonly MetricPoint[]): Promise<void>;
  insertChanges(rows: readonly ChangeEvent[]): Promise<void>;
  insertAnomalies(rows: readonly Anomaly[]): Promise<void>;
  upsertIncidents(rows: readonly Incident[]): Promise<void>;
  /** Keeps each alert's highest version. */
  upsertAlerts(rows: readonly Alert[]): Promise<void>;
  /** Most recently seen first. */
  queryAlerts(q: AlertQuery): Promise<Page<Alert>>;
  putTopology(topology: Topology): Promise<void>;
  getTopology(tenant: string): Promise<Topology | null>;
  queryIncidents(q: IncidentQuery): Promise<Page<Incident>>;
  getIncident(tenant: string, id: string): Promise<Incident | null>;
  queryAnomalies(q: AnomalyQuery): Promise<Page<Anomaly>>;
  queryChanges(tenant: string, from: number, to: number): Promise<ChangeEvent[]>;
  listServices(tenant: string): Promise<ServiceSummary[]>;
  /** Distinct records of a kind (what a replay must not inflate). */
  count(tenant: string, kind: RecordKind): Promise<number>;
  /** The notification log: a record written again (same id) is kept once. */
  appendNotifications(rows: readonly NotificationRecord[]): Promise<void>;
  /** Newest first (sent_at, id), at most `limit`. */
  queryNotifications(q: NotificationQuery): Promise<NotificationRecord[]>;
  putCheckpoints(tenant: string, namespace: string, rows: readonly Checkpoint[]): Promise<void>;
  getCheckpoints(tenant: string, namespace: string, keys?: readonly string[]): Promise<Checkpoint[]>;
  /**
   * Many tenants' checkpoints in one statement: a stop with 20,000 tenants wrote one statement per
   * tenant and stage (31-56 s on DuckDB, past the 30 s Kubernetes grace period).
   */
  putTenantCheckpoints(namespace: string, rows: readonly TenantCheckpoint[]): Promise<void>;
  /** The checkpoints of the given keys of many tenants in one query (per-tenant reads made 20,000 new tenants take minutes). */
  getTenantCheckpoints(namespace: string, wanted: ReadonlyMap<string, readonly string[]>): Promise<TenantCheckpoint[]>;
  /** Deletes rows older than the policy allows, per table and tenant (see retention.ts). */
  applyRetention(policy: RetentionPolicy, now: number): Promise<RetentionPass[]>;
  close(): Promise<void>;
}
