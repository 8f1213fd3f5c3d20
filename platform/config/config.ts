// Configuration from environment variables and an optional JSON file (AIOPS_CONFIG_FILE).
// Every variable is listed in VARIABLES (and the README table); all problems are reported at once.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { AiopsError } from '../errors/aiops-error.js';
import { loadKeysFile, type KeySpec } from '../auth/keys-file.js';
import type { IngestLimits } from './ingest-limits.js';
import { parseRetention, RETENTION_TABLES, type RetentionPolicy } from '../store/retention.js';

export interface AiopsConfig {
  bus: 'memory' | 'kafka';
  store: 'duckdb' | 'clickhouse';
  dataDir: string;
  logLevel: string;
  kafka: { brokers: string[]; clientId: string; partitions: number; replicationFactor: number; topicPrefix: string };
  /** cluster: a cluster of the server's remote_servers; set, the tables are sharded (local + Distributed). */
  clickhouse: { url: string; database: string; username: string; password: string; cluster?: string };
  ingest: {
    host: string; port: number; apiKeys: string[]; bodyLimitBytes: number; rateLimitPerSecond: number; syslogTcpPort: number; syslogUdpPort: number; syslogTimeZone: string;
    /** Per-record and per-tenant limits (ingest/limits.ts); absent fields take the defaults there. */
    limits?: Partial<IngestLimits>;
    /** A request not fully received in this time is answered 408 (0 = no timeout). */
    requestTimeoutMs?: number;
  };
  api: { host: string; port: number; apiKeys: string[]; requestTimeoutMs?: number };
  opsPort: number;
  topologyFile: string | undefined;
  correlator: { windowMs: number; minAnomalies: number; resolveAfterMs: number; saturationForMs: number };
  notify: { webhookUrls: string[]; pagerDutyRoutingKey: string | undefined; pagerDutyUrl: string; groupWaitMs: number; groupIntervalMs: number; repeatIntervalMs: number; routesFile?: string | undefined };
  checkpointIntervalMs: number;
  /** One sub-directory per service with a trained session model (detectors/sessions). */
  sessionModelsDir: string;
  /** Keys bound to tenants and scopes (AIOPS_KEYS_FILE), checked at load; digests only. */
  auth: { keysFile: string | undefined; keys: KeySpec[] };
  /** Anomaly episodes (detectors/episodes.ts), in event time. */
  episodes: { updateEveryMs: number; closeAfterMs: number; confirmPoints: number };
  /** Extra series-significance rules (detectors/significance.ts). */
  significanceFile: string | undefined;
  /** Per table and tenant (AIOPS_RETENTION_*), applied by the sink every intervalMs. */
  retention: { policy: RetentionPolicy; intervalMs: number };
}

interface Variable {
  name: string;
  default: string;
  description: string;
}

/** The single list of variables: the README table is generated from it (`aiops config --markdown`). */
export const VARIABLES: Variable[] = [
  { name: 'AIOPS_CONFIG_FILE', default: '', description: 'Optional JSON file whose keys are these variable names; the environment wins over the file.' },
  { name: 'AIOPS_BUS', default: 'memory (kafka when AIOPS_KAFKA_BROKERS is set)', description: 'Bus implementation: `memory` (in-process) or `kafka`.' },
  { name: 'AIOPS_STORE', default: 'duckdb (clickhouse when AIOPS_CLICKHOUSE_URL is set)', description: 'Store implementation: `duckdb` (embedded file) or `clickhouse`.' },
  { name: 'AIOPS_DATA_DIR', default: '.data', description: 'Directory for the embedded DuckDB file and local state.' },
  { name: 'AIOPS_LOG_LEVEL', default: 'info', description: 'pino log level (trace, debug, info, warn, error, fatal, silent). Logs go to stderr as JSON.' },
  { name: 'AIOPS_KAFKA_BROKERS', default: '', description: 'Comma-separated Kafka bootstrap brokers, e.g. `127.0.0.1:9092`.' },
  { name: 'AIOPS_KAFKA_CLIENT_ID', default: 'aiops', description: 'Kafka client id prefix; the stage name is appended.' },
  { name: 'AIOPS_KAFKA_PARTITIONS', default: '6', description: 'Partitions for topics the pipeline creates; the upper bound on consumers per group.' },
  { name: 'AIOPS_KAFKA_REPLICATION', default: '1', description: 'Replication factor for topics the pipeline creates (3 in production).' },
  { name: 'AIOPS_KAFKA_TOPIC_PREFIX', default: '', description: 'Prepended to every topic name and consumer group (e.g. `staging.`), so several environments can share one cluster.' },
  { name: 'AIOPS_CLICKHOUSE_URL', default: '', description: 'ClickHouse HTTP URL, e.g. `http://127.0.0.1:8123`.' },
  { name: 'AIOPS_CLICKHOUSE_DATABASE', default: 'aiops', description: 'ClickHouse database; created by `aiops migrate` when missing.' },
  { name: 'AIOPS_CLICKHOUSE_USER', default: 'default', description: 'ClickHouse user.' },
  { name: 'AIOPS_CLICKHOUSE_PASSWORD', default: '', description: 'ClickHouse password.' },
  { name: 'AIOPS_CLICKHOUSE_CLUSTER', default: '', description: 'A cluster from the server\'s `remote_servers`: `aiops migrate` creates sharded tables (`<table>_local` on every shard, a `Distributed` table under each name, ON CLUSTER DDL) and the store reads and writes through the Distributed tables. Unset: plain tables on one server.' },
  { name: 'AIOPS_INGEST_HOST', default: '127.0.0.1', description: 'Address the ingest receivers listen on.' },
  { name: 'AIOPS_INGEST_PORT', default: '4318', description: 'HTTP port of the ingest receivers (OTLP/HTTP default port).' },
  { name: 'AIOPS_INGEST_API_KEYS', default: '', description: 'Deprecated (use AIOPS_KEYS_FILE): comma-separated keys accepted by ingest, each opening every tenant with the ingest scope; empty (and no AIOPS_KEYS_FILE) accepts unauthenticated requests.' },
  { name: 'AIOPS_INGEST_BODY_LIMIT', default: '10485760', description: 'Largest accepted request body in bytes; larger bodies get 413.' },
  { name: 'AIOPS_INGEST_RATE_LIMIT', default: '0', description: 'Requests per second allowed per ingest key (0 = unlimited).' },
  { name: 'AIOPS_SYSLOG_TCP_PORT', default: '0', description: 'TCP port for syslog (RFC 5424/3164, octet counting or newline framing); 0 = off.' },
  { name: 'AIOPS_SYSLOG_UDP_PORT', default: '0', description: 'UDP port for syslog (RFC 5424/3164, one message per datagram); 0 = off.' },
  { name: 'AIOPS_SYSLOG_TIMEZONE', default: 'UTC', description: 'IANA time zone (e.g. `Asia/Tokyo`) that RFC 3164 syslog timestamps, which carry no zone, are read in. RFC 5424 and RFC 3339 timestamps (rsyslog `RSYSLOG_ForwardFormat`) carry their own.' },
  { name: 'AIOPS_API_HOST', default: '127.0.0.1', description: 'Address the query API listens on.' },
  { name: 'AIOPS_API_PORT', default: '8080', description: 'Port of the query API and dashboard.' },
  { name: 'AIOPS_API_KEYS', default: '', description: 'Deprecated (use AIOPS_KEYS_FILE): comma-separated keys accepted by the query API, each opening every tenant with the read and feedback scopes; empty (and no AIOPS_KEYS_FILE) disables auth.' },
  { name: 'AIOPS_OPS_PORT', default: '9464', description: 'Port for /metrics, /healthz and /readyz of a process without ingest or api (those serve them on their own port); 0 disables it. A process running some stages defaults to the lowest of theirs: ingest 9464, detect 9465, correlate 9466, sink 9467, api 9468.' },
  { name: 'AIOPS_TOPOLOGY_FILE', default: '', description: 'JSON topology file (services, dependency edges, owners) published at start.' },
  { name: 'AIOPS_CORRELATOR_WINDOW_MS', default: '600000', description: 'Anomalies within this gap of an open incident, on related services, join it.' },
  { name: 'AIOPS_CORRELATOR_MIN_ANOMALIES', default: '3', description: 'Anomalies an incident needs before it is published.' },
  { name: 'AIOPS_CORRELATOR_RESOLVE_AFTER_MS', default: '1800000', description: 'An incident with no new anomaly for this long is resolved (an incident made only of anomaly episodes resolves sooner: when its last significant episode closes).' },
  { name: 'AIOPS_CORRELATOR_SATURATION_FOR_MS', default: '300000', description: 'Event time a saturation episode (CPU, memory, disk, queues) must last before it opens an incident by itself, as a rule\'s `for:`; latency, traffic and errors open at once, and a shorter saturation episode joins the incident they open.' },
  { name: 'AIOPS_NOTIFY_WEBHOOK_URLS', default: '', description: 'Comma-separated URLs that receive each incident notification as JSON (trigger, update, repeat, resolve).' },
  { name: 'AIOPS_PAGERDUTY_ROUTING_KEY', default: '', description: 'PagerDuty Events API v2 routing key; set it to page (dedup key = incident id). Secret.' },
  { name: 'AIOPS_PAGERDUTY_URL', default: 'https://events.pagerduty.com/v2/enqueue', description: 'PagerDuty Events API v2 endpoint.' },
  { name: 'AIOPS_NOTIFY_ROUTES_FILE', default: '', description: 'JSON routing tree (receivers and routes with matchers, continue and timings, Alertmanager-style), checked at start of the correlate stage; replaces AIOPS_NOTIFY_WEBHOOK_URLS and AIOPS_PAGERDUTY_ROUTING_KEY. `aiops routes test` shows where an incident goes.' },
  { name: 'AIOPS_NOTIFY_GROUP_WAIT_MS', default: '30000', description: 'A new incident waits this long before its first notification, so related anomalies join it first.' },
  { name: 'AIOPS_NOTIFY_GROUP_INTERVAL_MS', default: '300000', description: 'Changes to a notified incident are sent at most this often.' },
  { name: 'AIOPS_NOTIFY_REPEAT_INTERVAL_MS', default: '14400000', description: 'An open incident with nothing new is notified again after this long.' },
  { name: 'AIOPS_CHECKPOINT_INTERVAL_MS', default: '5000', description: 'How often detector and correlator state is checkpointed to the store.' },
  { name: 'AIOPS_KEYS_FILE', default: '', description: 'JSON file of API keys bound to tenants and scopes: each key has a `name`, a `key` or its `sha256`, `tenants` (a list, or `"*"`) and `scopes` (`ingest`, `read`, `feedback`, `admin`); checked at start, used by ingest and the query API (README "Keys and limits").' },
  { name: 'AIOPS_INGEST_MAX_LABELS_PER_SERIES', default: '30', description: 'Labels on one metric series or alert; more is refused per record with LABEL_LIMIT_EXCEEDED (Mimir max_label_names_per_series).' },
  { name: 'AIOPS_INGEST_MAX_LABEL_NAME_LENGTH', default: '1024', description: 'Longest label name; longer is refused per record with LABEL_LIMIT_EXCEEDED.' },
  { name: 'AIOPS_INGEST_MAX_LABEL_VALUE_LENGTH', default: '2048', description: 'Longest label value; longer is refused per record with LABEL_LIMIT_EXCEEDED.' },
  { name: 'AIOPS_INGEST_MAX_SERIES_PER_TENANT', default: '100000', description: 'Active metric series per tenant; points of new series beyond it are refused with SERIES_LIMIT_EXCEEDED, known series keep flowing.' },
  { name: 'AIOPS_INGEST_SERIES_IDLE_MS', default: '3600000', description: 'A series not written for this long no longer counts against AIOPS_INGEST_MAX_SERIES_PER_TENANT.' },
  { name: 'AIOPS_INGEST_FUTURE_GRACE_MS', default: '600000', description: 'Records stamped more than this ahead of the receive time are refused with TIMESTAMP_TOO_NEW (Loki creation_grace_period).' },
  { name: 'AIOPS_INGEST_MAX_AGE_MS', default: '0', description: 'Log lines and metric points older than this before the receive time are refused with TIMESTAMP_TOO_OLD (Loki reject_old_samples_max_age, e.g. 604800000 for 7 days); 0 = no bound, the default, because recorded data sets are replayed through ingest.' },
  { name: 'AIOPS_INGEST_MAX_JSON_DEPTH', default: '64', description: 'Deepest nesting of arrays and objects in a JSON body or line (and of OTLP AnyValues); deeper is JSON_TOO_DEEP.' },
  { name: 'AIOPS_INGEST_MAX_RECORDS_PER_REQUEST', default: '200000', description: 'Records in one ingest request; more is 413 TOO_MANY_RECORDS.' },
  { name: 'AIOPS_INGEST_TENANT_RECORDS_PER_SECOND', default: '0', description: 'Records per second per tenant (burst: one second); over it a request gets 429 TENANT_RATE_LIMITED with Retry-After. 0 = unlimited.' },
  { name: 'AIOPS_INGEST_TENANT_BYTES_PER_SECOND', default: '0', description: 'Request body bytes per second per tenant; over it 429 TENANT_RATE_LIMITED. 0 = unlimited.' },
  { name: 'AIOPS_REQUEST_TIMEOUT_MS', default: '30000', description: 'The ingest and query servers answer 408 to a request not fully received in this time (a slowly sent body); 0 = no timeout.' },
  { name: 'AIOPS_SESSION_MODELS_DIR', default: '<AIOPS_DATA_DIR>/models/sessions', description: 'Session models loaded by the detect stage at start: one sub-directory per service, named after it (`aiops train-sessions --out <dir>/<service>`); log lines of that service with a `sessionId` are scored by it.' },
  { name: 'AIOPS_EPISODE_UPDATE_MS', default: '60000', description: 'An open anomaly episode is published again (peak, points, latest value) at most this often, in event time.' },
  { name: 'AIOPS_EPISODE_CLOSE_AFTER_MS', default: '300000', description: 'An anomaly episode closes after its series has been back in band (or silent) this long, in event time; a later deviation opens a new episode.' },
  { name: 'AIOPS_SIGNIFICANCE_FILE', default: '', description: 'JSON file of series-significance rules tried before the defaults (detectors/README.md); internal series never open an incident alone.' },
  { name: 'AIOPS_RETENTION_METRICS', default: '', description: 'How long metric points are kept: `7d` for every tenant, `7d,acme=30d,beta=1d` with per-tenant overrides, `acme=1d` for one tenant only; units s m h d w, `0` keeps for ever. Unset keeps for ever. ClickHouse drops whole day partitions; DuckDB deletes and reuses the space.' },
  { name: 'AIOPS_RETENTION_LOGS', default: '', description: 'How long log records are kept; same syntax as AIOPS_RETENTION_METRICS.' },
  { name: 'AIOPS_RETENTION_ANOMALIES', default: '', description: 'How long anomalies are kept; same syntax as AIOPS_RETENTION_METRICS.' },
  { name: 'AIOPS_RETENTION_CHANGES', default: '', description: 'How long change events are kept; same syntax as AIOPS_RETENTION_METRICS.' },
  { name: 'AIOPS_RETENTION_INTERVAL_MS', default: '3600000', description: 'How often the sink applies retention (at start, then at this interval).' },
];

type Source = Record<string, string | undefined>;

function loadFile(path: string, problems: string[]): Source {
  if (!existsSync(path)) {
    problems.push(`AIOPS_CONFIG_FILE: file ${path} does not exist`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push(`AIOPS_CONFIG_FILE: ${path} must hold a JSON object`);
      return {};
    }
    const out: Source = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (!VARIABLES.some((x) => x.name === k)) problems.push(`AIOPS_CONFIG_FILE: unknown key ${k}`);
      else out[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return out;
  } catch (err) {
    problems.push(`AIOPS_CONFIG_FILE: ${path} is not valid JSON (${(err as Error).message})`);
    return {};
  }
}

/** `defaults` sit under the environment and the file: a caller's default (a stage's own ops port), not an override. */
export function loadConfig(env: Source = process.env, overrides: Source = {}, defaults: Source = {}): AiopsConfig {
  const problems: string[] = [];
  const file = env.AIOPS_CONFIG_FILE ? loadFile(env.AIOPS_CONFIG_FILE, problems) : {};
  const get = (name: string): string | undefined => {
    const v = overrides[name] ?? env[name] ?? file[name] ?? defaults[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return def;
    }
    return n;
  };
  const list = (name: string): string[] => (get(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const oneOf = <T extends string>(name: string, options: readonly T[], def: T): T => {
    const raw = get(name);
    if (raw === undefined) return def;
    if (!options.includes(raw as T)) {
      problems.push(`${name}: expected one of ${options.join(', ')}, got ${JSON.stringify(raw)}`);
      return def;
    }
    return raw as T;
  };

  const timeZone = (name: string): string => {
    const raw = get(name);
    if (raw === undefined) return 'UTC';
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: raw });
      return raw;
    } catch {
      problems.push(`${name}: expected an IANA time zone name such as UTC or Asia/Tokyo, got ${JSON.stringify(raw)}`);
      return 'UTC';
    }
  };

  const brokers = list('AIOPS_KAFKA_BROKERS');
  const chUrl = get('AIOPS_CLICKHOUSE_URL') ?? '';
  const bus = oneOf('AIOPS_BUS', ['memory', 'kafka'] as const, brokers.length > 0 ? 'kafka' : 'memory');
  const minAnomalies = int('AIOPS_CORRELATOR_MIN_ANOMALIES', 3, 1, 100_000);
  const store = oneOf('AIOPS_STORE', ['duckdb', 'clickhouse'] as const, chUrl ? 'clickhouse' : 'duckdb');
  if (bus === 'kafka' && brokers.length === 0) problems.push('AIOPS_KAFKA_BROKERS: required when AIOPS_BUS=kafka (e.g. 127.0.0.1:9092)');
  if (store === 'clickhouse') {
    if (!chUrl) problems.push('AIOPS_CLICKHOUSE_URL: required when AIOPS_STORE=clickhouse (e.g. http://127.0.0.1:8123)');
    else {
      try {
        new URL(chUrl);
      } catch {
        problems.push(`AIOPS_CLICKHOUSE_URL: not a URL: ${JSON.stringify(chUrl)}`);
      }
    }
  }
  const httpUrl = (name: string, value: string): void => {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`${name}: not an http(s) URL: ${JSON.stringify(value)}`);
  };
  for (const u of list('AIOPS_NOTIFY_WEBHOOK_URLS')) httpUrl('AIOPS_NOTIFY_WEBHOOK_URLS', u);
  const pdUrl = get('AIOPS_PAGERDUTY_URL');
  if (pdUrl !== undefined) httpUrl('AIOPS_PAGERDUTY_URL', pdUrl);
  const topicPrefix = get('AIOPS_KAFKA_TOPIC_PREFIX') ?? '';
  if (!/^[A-Za-z0-9._-]*$/.test(topicPrefix)) problems.push(`AIOPS_KAFKA_TOPIC_PREFIX: only A-Z a-z 0-9 . _ - are allowed in topic names, got ${JSON.stringify(topicPrefix)}`);
  const database = get('AIOPS_CLICKHOUSE_DATABASE') ?? 'aiops';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) problems.push(`AIOPS_CLICKHOUSE_DATABASE: must be an identifier, got ${JSON.stringify(database)}`);
  const chCluster = get('AIOPS_CLICKHOUSE_CLUSTER');
  if (chCluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(chCluster)) problems.push(`AIOPS_CLICKHOUSE_CLUSTER: must be a cluster name from the server's remote_servers (an identifier), got ${JSON.stringify(chCluster)}`);
  if (chCluster !== undefined && store !== 'clickhouse') problems.push(`AIOPS_CLICKHOUSE_CLUSTER: shards ClickHouse tables, but the store is ${store}; set AIOPS_CLICKHOUSE_URL (or AIOPS_STORE=clickhouse), or unset it`);
  const logLevel = oneOf('AIOPS_LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info');

  const keysFile = get('AIOPS_KEYS_FILE');
  const keysLoaded = keysFile === undefined ? { keys: [], problems: [] } : loadKeysFile(keysFile);
  problems.push(...keysLoaded.problems);

  const significanceFile = get('AIOPS_SIGNIFICANCE_FILE');
  if (significanceFile !== undefined && !existsSync(significanceFile)) problems.push(`AIOPS_SIGNIFICANCE_FILE: ${significanceFile} does not exist`);
  const dataDir = get('AIOPS_DATA_DIR') ?? '.data';
  const config: AiopsConfig = {
    bus,
    store,
    dataDir,
    logLevel,
    kafka: {
      brokers,
      clientId: get('AIOPS_KAFKA_CLIENT_ID') ?? 'aiops',
      partitions: int('AIOPS_KAFKA_PARTITIONS', 6, 1, 10_000),
      replicationFactor: int('AIOPS_KAFKA_REPLICATION', 1, 1, 16),
      topicPrefix: get('AIOPS_KAFKA_TOPIC_PREFIX') ?? '',
    },
    clickhouse: {
      url: chUrl,
      database,
      username: get('AIOPS_CLICKHOUSE_USER') ?? 'default',
      password: get('AIOPS_CLICKHOUSE_PASSWORD') ?? '',
      ...(chCluster !== undefined ? { cluster: chCluster } : {}),
    },
    ingest: {
      host: get('AIOPS_INGEST_HOST') ?? '127.0.0.1',
      port: int('AIOPS_INGEST_PORT', 4318, 0, 65535),
      apiKeys: list('AIOPS_INGEST_API_KEYS'),
      bodyLimitBytes: int('AIOPS_INGEST_BODY_LIMIT', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      rateLimitPerSecond: int('AIOPS_INGEST_RATE_LIMIT', 0, 0, 1_000_000),
      syslogTcpPort: int('AIOPS_SYSLOG_TCP_PORT', 0, 0, 65535),
      syslogUdpPort: int('AIOPS_SYSLOG_UDP_PORT', 0, 0, 65535),
      syslogTimeZone: timeZone('AIOPS_SYSLOG_TIMEZONE'),
      limits: {
        maxLabelsPerSeries: int('AIOPS_INGEST_MAX_LABELS_PER_SERIES', 30, 1, 10_000),
        maxLabelNameLength: int('AIOPS_INGEST_MAX_LABEL_NAME_LENGTH', 1024, 1, 1024),
        maxLabelValueLength: int('AIOPS_INGEST_MAX_LABEL_VALUE_LENGTH', 2048, 1, 8192),
        maxSeriesPerTenant: int('AIOPS_INGEST_MAX_SERIES_PER_TENANT', 100_000, 1, 100_000_000),
        seriesIdleMs: int('AIOPS_INGEST_SERIES_IDLE_MS', 3_600_000, 1_000, 30 * 86_400_000),
        futureGraceMs: int('AIOPS_INGEST_FUTURE_GRACE_MS', 600_000, 0, 365 * 86_400_000),
        maxAgeMs: int('AIOPS_INGEST_MAX_AGE_MS', 0, 0, 100 * 365 * 86_400_000),
        maxJsonDepth: int('AIOPS_INGEST_MAX_JSON_DEPTH', 64, 2, 1_000),
        maxRecordsPerRequest: int('AIOPS_INGEST_MAX_RECORDS_PER_REQUEST', 200_000, 1, 100_000_000),
        tenantRecordsPerSecond: int('AIOPS_INGEST_TENANT_RECORDS_PER_SECOND', 0, 0, 1_000_000_000),
        tenantBytesPerSecond: int('AIOPS_INGEST_TENANT_BYTES_PER_SECOND', 0, 0, 1_000_000_000_000),
      },
      requestTimeoutMs: int('AIOPS_REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000),
    },
    api: {
      host: get('AIOPS_API_HOST') ?? '127.0.0.1',
      port: int('AIOPS_API_PORT', 8080, 0, 65535),
      apiKeys: list('AIOPS_API_KEYS'),
      requestTimeoutMs: int('AIOPS_REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000),
    },
    opsPort: int('AIOPS_OPS_PORT', 9464, 0, 65535),
    topologyFile: get('AIOPS_TOPOLOGY_FILE'),
    correlator: {
      windowMs: int('AIOPS_CORRELATOR_WINDOW_MS', 600_000, 1_000, 86_400_000),
      minAnomalies,
      resolveAfterMs: int('AIOPS_CORRELATOR_RESOLVE_AFTER_MS', 1_800_000, 1_000, 30 * 86_400_000),
      saturationForMs: int('AIOPS_CORRELATOR_SATURATION_FOR_MS', 300_000, 0, 86_400_000),
    },
    notify: {
      webhookUrls: list('AIOPS_NOTIFY_WEBHOOK_URLS'),
      pagerDutyRoutingKey: get('AIOPS_PAGERDUTY_ROUTING_KEY'),
      pagerDutyUrl: get('AIOPS_PAGERDUTY_URL') ?? 'https://events.pagerduty.com/v2/enqueue',
      groupWaitMs: int('AIOPS_NOTIFY_GROUP_WAIT_MS', 30_000, 0, 86_400_000),
      groupIntervalMs: int('AIOPS_NOTIFY_GROUP_INTERVAL_MS', 300_000, 0, 86_400_000),
      repeatIntervalMs: int('AIOPS_NOTIFY_REPEAT_INTERVAL_MS', 14_400_000, 1_000, 30 * 86_400_000),
      routesFile: get('AIOPS_NOTIFY_ROUTES_FILE'),
    },
    checkpointIntervalMs: int('AIOPS_CHECKPOINT_INTERVAL_MS', 5_000, 100, 3_600_000),
    sessionModelsDir: get('AIOPS_SESSION_MODELS_DIR') ?? join(dataDir, 'models', 'sessions'),
    auth: { keysFile, keys: keysLoaded.keys },
    episodes: {
      updateEveryMs: int('AIOPS_EPISODE_UPDATE_MS', 60_000, 1_000, 86_400_000),
      closeAfterMs: int('AIOPS_EPISODE_CLOSE_AFTER_MS', 300_000, 1_000, 7 * 86_400_000),
      // Published again when it reaches the points an incident needs, not a minute later.
      confirmPoints: minAnomalies,
    },
    significanceFile,
    retention: { policy: retentionPolicy(get, problems), intervalMs: int('AIOPS_RETENTION_INTERVAL_MS', 3_600_000, 1_000, 7 * 86_400_000) },
  };
  if (problems.length > 0) {
    throw new AiopsError('CONFIG_INVALID', `The configuration is invalid:\n  - ${problems.join('\n  - ')}`, { problems });
  }
  return config;
}

function retentionPolicy(get: (name: string) => string | undefined, problems: string[]): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const table of RETENTION_TABLES) {
    const name = `AIOPS_RETENTION_${table.toUpperCase()}`;
    const raw = get(name);
    if (raw !== undefined) policy[table] = parseRetention(name, raw, problems);
  }
  return policy;
}

export function variablesMarkdown(): string {
  const rows = VARIABLES.map((v) => `| \`${v.name}\` | ${v.default ? `\`${v.default}\`` : '(unset)'} | ${v.description} |`);
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
