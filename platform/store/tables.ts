// Table definitions shared by both stores: one column list drives the DDL of each dialect,
// the explicit column list of every insert, and the row <-> record mapping.
import type { Alert, Anomaly, ChangeEvent, Incident, LogRecord, MetricPoint, RootCauseCandidate } from '../contracts/events.js';
import type { Attributes } from '../contracts/common.js';

export type ColumnType = 'string' | 'int' | 'float' | 'strings' | 'date';
export type CellValue = string | number | string[];

export interface Column<R> {
  name: string;
  type: ColumnType;
  get(record: R): CellValue;
}

export interface TableDef<R> {
  name: string;
  columns: Column<R>[];
  /** Identity of a row: DuckDB's primary key; part of ClickHouse's ORDER BY. */
  key: string[];
  /** ClickHouse sort key (must end with the identity so duplicates collapse). */
  orderBy: string[];
  /** ClickHouse ReplacingMergeTree version column, when rows are updated in place. */
  version?: string;
  /** ClickHouse partition column (a Date): retention drops whole day partitions. */
  partitionBy?: string;
  /**
   * Big immutable tables (logs, metrics, anomalies): no primary key in DuckDB, so a write never
   * probes an index that grows with the table. Replays are caught by the writer's window of
   * recent ids and, beyond it, by reads that collapse rows by id.
   */
  appendOnly?: boolean;
}

export type Row = Record<string, unknown>;

const dayCache = { n: Number.NaN, text: '' };
/**
 * The UTC day of a timestamp. Every stored row needs one and a batch's rows share a few days, so
 * the last answer is kept: toISOString per row was 5% of the ClickHouse sink's CPU.
 */
export const day = (ts: number): string => {
  const n = Math.floor(ts / 86_400_000);
  if (n !== dayCache.n) {
    dayCache.text = new Date(n * 86_400_000).toISOString().slice(0, 10);
    dayCache.n = n;
  }
  return dayCache.text;
};
const keys = (a: Attributes): string[] => Object.keys(a);
const values = (a: Attributes): string[] => Object.values(a);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/**
 * Lone UTF-16 surrogates (a JSON "\ud800" escape in input yields one) have no UTF-8 form: both
 * databases' JSON readers refuse them and would fail the whole batch, over and over on replay.
 * They become U+FFFD, as any UTF-8 encoder would store them.
 */
const HAS_LONE_SURROGATE = new RegExp(LONE_SURROGATE.source); // no /g: test() must not keep state
export const wellFormed = (s: string): string => (HAS_LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s);

function col<R>(name: string, type: ColumnType, get: (r: R) => CellValue): Column<R> {
  if (type === 'string') return { name, type, get: (r) => wellFormed(get(r) as string) };
  if (type === 'strings') return { name, type, get: (r) => (get(r) as string[]).map(wellFormed) };
  return { name, type, get };
}

export const LOGS: TableDef<LogRecord> = {
  name: 'logs',
  key: ['tenant', 'id'],
  orderBy: ['tenant', 'service', 'ts', 'id'],
  partitionBy: 'day',
  appendOnly: true,
  columns: [
    col('tenant', 'string', (r) => r.tenant),
    col('id', 'string', (r) => r.id),
    col('day', 'date', (r) => day(r.ts)),
    col('ts', 'int', (r) => r.ts),
    col('service', 'string', (r) => r.service),
    col('host', 'string', (r) => r.host ?? ''),
    col('severity', 'string', (r) => r.severity),
    col('body', 'string', (r) => r.body),
    col('session_id', 'string', (r) => r.sessionId ?? ''),
    col('attr_keys', 'strings', (r) => keys(r.attributes)),
    col('attr_values', 'strings', (r) => values(r.attributes)),
  ],
};

export const METRICS: TableDef<MetricPoint> = {
  name: 'metrics',
  key: ['tenant', 'id'],
  orderBy: ['tenant', 'service', 'name', 'ts', 'id'],
  partitionBy: 'day',
  appendOnly: true,
  columns: [
    col('tenant', 'string', (r) => r.tenant),
    col('id', 'string', (r) => r.id),
    col('day', 'date', (r) => day(r.ts)),
    col('ts', 'int', (r) => r.ts),
    col('service', 'string', (r) => r.service),
    col('name', 'string', (r) => r.name),
    col('kind', 'string', (r) => r.kind),
    col('value', 'float', (r) => r.value),
    col('label_keys', 'strings', (r) => keys(r.labels)),
    col('label_values', 'strings', (r) => values(r.labels)),
  ],
};

export const CHANGES: TableDef<ChangeEvent> = {
  name: 'changes',
  key: ['tenant', 'id'],
  orderBy: ['tenant', 'ts', 'id'],
  partitionBy: 'day',
  columns: [
    col('tenant', 'string', (r) => r.tenant),
    col('id', 'string', (r) => r.id),
    col('day', 'date', (r) => day(r.ts)),
    col('ts', 'int', (r) => r.ts),
    col('service', 'string', (r) => r.service),
    col('kind', 'string', (r) => r.kind),
    col('summary', 'string', (r) => r.summary),
    col('source', 'string', (r) => r.source),
    col('attr_keys', 'strings', (r) => keys(r.attributes)),
    col('attr_values', 'strings', (r) => values(r.attributes)),
  ],
};

export const ALERTS: TableDef<Alert> = {
  name: 'alerts',
  key: ['tenant', 'id'],
  orderBy: ['tenant', 'id'],
  version: 'version',
  // Not partitioned, like incidents: firstSeen moves earlier when late anomalies arrive.
  columns: [
    col('tenant', 'string', (r) => r.tenant),
    col('id', 'string', (r) => r.id),
    col('version', 'int', (r) => r.version),
    col('fingerprint', 'string', (r) => r.fingerprint),
    col('recipe', 'string', (r) => r.recipe),
    col('service', 'string', (r) => r.service),
    col('signal', 'string', (r) => r.signal),
    col('subject', 'string', (r) => r.subject),
    col('status', 'string', (r) => r.status),
    col('first_seen', 'int', (r) => r.firstSeen),
    col('last_seen', 'int', (r) => r.lastSeen),
    col('count', 'int', (r) => r.count),
    col('transitions', 'int', (r) => r.transitions),
    col('flapping', 'int', (r) => (r.flapping ? 1 : 0)),
    col('max_score', 'float', (r) => r.maxScore),
    col('last_anomaly_id', 'string', (r) => r.lastAnomalyId),
    col('label_keys', 'strings', (r) => keys(r.labels)),
    col('label_values', 'strings', (r) => values(r.labels)),
  ],
};

export function alertFromRow(r: Row): Alert {
  return {
    id: str(r.id), tenant: str(r.tenant), version: num(r.version), fingerprint: str(r.fingerprint), recipe: str(r.recipe),
    service: str(r.service), signal: str(r.signal) as Alert['signal'], subject: str(r.subject), status: str(r.status) as Alert['status'],
    firstSeen: num(r.first_seen), lastSeen: num(r.last_seen), count: num(r.count), transitions: num(r.transitions),
    flapping: num(r.flapping) === 1, maxScore: num(r.max_score), lastAnomalyId: str(r.last_anomaly_id), labels: zip(r.label_keys, r.label_values),
  };
}

/**
 * Columns of the episode layout (migration 0002): an episode is one row, its id and `ts` (the
 * opening time) fixed, rewritten by each newer `episode_version` (0: an anomaly without an
 * episode); both stores keep the highest version.
 */
export const ANOMALY_EPISODE_COLUMNS: ReadonlyArray<Column<Anomaly>> = [
  col('episode_version', 'int', (r) => r.episode?.version ?? 0),
  col('episode_status', 'string', (r) => r.episode?.status ?? ''),
  col('episode_last_at', 'int', (r) => r.episode?.lastAt ?? r.ts),
  col('episode_closed_at', 'int', (r) => r.episode?.closedAt ?? 0),
  col('episode_points', 'int', (r) => r.episode?.points ?? 1),
  col('episode_peak_score', 'float', (r) => r.episode?.peakScore ?? r.score),
  col('episode_peak_value', 'float', (r) => r.episode?.peakValue ?? r.observed),
  col('episode_peak_at', 'int', (r) => r.episode?.peakAt ?? r.ts),
  col('episode_last_value', 'float', (r) => r.episode?.lastValue ?? r.observed),
  col('significance', 'string', (r) => r.significance ?? ''),
];

/**
 * A new table rather than new columns: ClickHouse fixes a ReplacingMergeTree's version column at
 * creation, and CREATE TABLE IF NOT EXISTS stays safe when several stages migrate at once (ALTER
 * ... ADD COLUMN is not, and ClickHouse 18 has no IF NOT EXISTS for it). 0002 copies `anomalies`.
 */
export const ANOMALIES: TableDef<Anomaly> = {
  name: 'anomalies_v2',
  key: ['tenant', 'id'],
  orderBy: ['tenant', 'ts', 'id'],
  version: 'episode_version',
  partitionBy: 'day',
  // Not append-only: an episode is rewritten as it grows (episode_version), and the newest version must win.
  columns: [
    col('tenant', 'string', (r) => r.tenant),
    col('id', 'string', (r) => r.id),
    col('day', 'date', (r) => day(r.ts)),
    col('ts', 'int', (r) => r.ts),
    col('service', 'string', (r) => r.service),
    col('signal', 'string', (r) => r.signal),
    col('subject', 'string', (r) => r.subject),
    col('detector', 'string', (r) => r.detector),
    col('score', 'float', (r) => r.score),
    col('observed', 'float', (r) => r.observed),
    col('expected', 'float', (r) => r.expected),
    col('lower', 'float', (r) => r.lower),
    col('upper', 'float', (r) => r.upper),
    col('direction', 'string', (r) => r.direction),
    col('evidence_keys', 'strings', (r) => keys(r.evidence)),
    col('evidence_values', 'strings', (r) => values(r.evidence)),
    ...ANOMALY_EPISODE_COLUMNS,
  ],
};

export const INCIDENTS: TableDef<Incident> = {
  name: 'incidents',
  key: ['tenant', 'id'],
  orderBy: ['tenant', 'id'],
  version: 'version',
  // Not partitioned: openedAt moves earlier when late anomalies join, and ReplacingMergeTree
  // only folds versions within one partition (a day key would list such an incident twice).
  columns: [
    col('tenant', 'string', (r) => r.tenant),
    col('id', 'string', (r) => r.id),
    col('day', 'date', (r) => day(r.openedAt)),
    col('version', 'int', (r) => r.version),
    col('status', 'string', (r) => r.status),
    col('title', 'string', (r) => r.title),
    col('opened_at', 'int', (r) => r.openedAt),
    col('updated_at', 'int', (r) => r.updatedAt),
    col('resolved_at', 'int', (r) => r.resolvedAt ?? 0),
    col('services', 'strings', (r) => r.services),
    col('user_facing', 'strings', (r) => r.userFacing),
    col('anomaly_count', 'int', (r) => r.anomalyCount),
    col('anomaly_ids', 'strings', (r) => r.anomalyIds),
    col('root_cause', 'string', (r) => r.rootCauses[0]?.service ?? ''),
    col('root_causes', 'string', (r) => JSON.stringify(r.rootCauses)),
    col('grouping_reasons', 'strings', (r) => r.groupingReasons),
    col('merged_into', 'string', (r) => r.mergedInto ?? ''),
  ],
};

export interface TopologyRow {
  tenant: string;
  version: number;
  doc: string;
}
export const TOPOLOGY: TableDef<TopologyRow> = {
  name: 'topology',
  key: ['tenant', 'version'],
  orderBy: ['tenant', 'version'],
  columns: [
    col('tenant', 'string', (r) => r.tenant),
    col('version', 'int', (r) => r.version),
    col('doc', 'string', (r) => r.doc),
  ],
};

export interface CheckpointRow {
  tenant: string;
  namespace: string;
  key: string;
  version: number;
  state: string;
}
export const CHECKPOINTS: TableDef<CheckpointRow> = {
  name: 'checkpoints',
  key: ['tenant', 'namespace', 'key'],
  orderBy: ['tenant', 'namespace', 'key'],
  version: 'version',
  columns: [
    col('tenant', 'string', (r) => r.tenant),
    col('namespace', 'string', (r) => r.namespace),
    col('key', 'string', (r) => r.key),
    col('version', 'int', (r) => r.version),
    col('state', 'string', (r) => r.state),
  ],
};

export const ALL_TABLES: TableDef<never>[] = [LOGS, METRICS, CHANGES, ANOMALIES, ALERTS, INCIDENTS, TOPOLOGY, CHECKPOINTS] as unknown as TableDef<never>[];

export function toRow<R>(table: TableDef<R>, record: R): Row {
  const row: Row = {};
  for (const c of table.columns) row[c.name] = c.get(record);
  return row;
}

// Readers accept both stores' JSON shapes: 64-bit integers arrive as strings from both.
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);
const zip = (k: unknown, v: unknown): Attributes => {
  const ks = strs(k);
  const vs = strs(v);
  const out: Attributes = {};
  ks.forEach((key, i) => (out[key] = vs[i] ?? ''));
  return out;
};

export function anomalyFromRow(r: Row): Anomaly {
  const a: Anomaly = {
    id: str(r.id), tenant: str(r.tenant), ts: num(r.ts), service: str(r.service),
    signal: str(r.signal) as Anomaly['signal'], subject: str(r.subject), detector: str(r.detector),
    score: num(r.score), observed: num(r.observed), expected: num(r.expected), lower: num(r.lower), upper: num(r.upper),
    direction: str(r.direction) as Anomaly['direction'], evidence: zip(r.evidence_keys, r.evidence_values),
  };
  const version = num(r.episode_version ?? 0);
  if (version > 0) {
    a.episode = {
      id: a.id, status: str(r.episode_status) === 'closed' ? 'closed' : 'open', version, openedAt: a.ts, lastAt: num(r.episode_last_at),
      points: num(r.episode_points), peakScore: num(r.episode_peak_score), peakValue: num(r.episode_peak_value), peakAt: num(r.episode_peak_at),
      lastValue: num(r.episode_last_value),
    };
    const closed = num(r.episode_closed_at);
    if (closed > 0) a.episode.closedAt = closed;
  }
  const significance = str(r.significance);
  if (significance === 'golden' || significance === 'saturation' || significance === 'other' || significance === 'internal') a.significance = significance;
  return a;
}

export function changeFromRow(r: Row): ChangeEvent {
  return {
    id: str(r.id), tenant: str(r.tenant), ts: num(r.ts), service: str(r.service), kind: str(r.kind) as ChangeEvent['kind'],
    summary: str(r.summary), source: str(r.source), attributes: zip(r.attr_keys, r.attr_values),
  };
}

export function incidentFromRow(r: Row): Incident {
  const resolved = num(r.resolved_at);
  const incident: Incident = {
    id: str(r.id), tenant: str(r.tenant), version: num(r.version), status: str(r.status) as Incident['status'],
    title: str(r.title), openedAt: num(r.opened_at), updatedAt: num(r.updated_at),
    services: strs(r.services), userFacing: strs(r.user_facing), anomalyCount: num(r.anomaly_count),
    anomalyIds: strs(r.anomaly_ids), rootCauses: JSON.parse(str(r.root_causes) || '[]') as RootCauseCandidate[],
    groupingReasons: strs(r.grouping_reasons),
  };
  if (resolved > 0) incident.resolvedAt = resolved;
  const mergedInto = str(r.merged_into);
  if (mergedInto) incident.mergedInto = mergedInto;
  return incident;
}
