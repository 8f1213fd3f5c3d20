// Ingest limits in the manner of Mimir and Loki: per-record checks (labels per series, label name
// and value length, timestamps too old or too far in the future, active series per tenant) that
// refuse one record with a stable code and reason, and per-request checks (records per request,
// records and bytes per second per tenant, JSON nesting) that refuse the request with a 4xx.
// One tenant's flood then costs it its own data, not the process its memory.
import type { Anomaly, Attributes, ChangeEvent, LogRecord, MetricPoint } from '../platform/contracts/index.js';
import { TOPICS, type TopicName } from '../platform/contracts/index.js';
import { AiopsError } from '../platform/errors/aiops-error.js';
import type { ErrorCode } from '../platform/errors/catalogue.js';
import { canonicalAttributes } from './normalize.js';
import type { Batch } from './publisher.js';

export { DEFAULT_INGEST_LIMITS, type IngestLimits } from '../platform/config/ingest-limits.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from '../platform/config/ingest-limits.js';

/** A record refused by a limit: the code and reason travel to the report, the dead letter and the counter. */
export interface LimitViolation {
  code: ErrorCode;
  reason: string;
  message: string;
}

/** Labels per series, label name and value length; undefined when the set is within the limits. */
export function checkLabels(labels: Attributes, limits: IngestLimits, what = 'labels'): LimitViolation | undefined {
  let n = 0;
  for (const k in labels) {
    if (!Object.hasOwn(labels, k)) continue;
    n++;
    if (k.length > limits.maxLabelNameLength) {
      return { code: 'LABEL_LIMIT_EXCEEDED', reason: 'label_name_too_long', message: `${what}: a label name of ${k.length} characters is longer than the limit of ${limits.maxLabelNameLength} (AIOPS_INGEST_MAX_LABEL_NAME_LENGTH)` };
    }
    const v = labels[k]!;
    if (v.length > limits.maxLabelValueLength) {
      return { code: 'LABEL_LIMIT_EXCEEDED', reason: 'label_value_too_long', message: `${what}: the value of ${k.slice(0, 64)} has ${v.length} characters, longer than the limit of ${limits.maxLabelValueLength} (AIOPS_INGEST_MAX_LABEL_VALUE_LENGTH)` };
    }
  }
  if (n > limits.maxLabelsPerSeries) {
    return { code: 'LABEL_LIMIT_EXCEEDED', reason: 'too_many_labels', message: `${what}: ${n} labels is more than the limit of ${limits.maxLabelsPerSeries} per series (AIOPS_INGEST_MAX_LABELS_PER_SERIES); drop high-cardinality labels` };
  }
  return undefined;
}

/** Too far in the future (clock skew, wrong unit) or, for logs and metrics, older than the retention of the baselines. */
export function checkTimestamp(ts: number, now: number, limits: IngestLimits, oldBound: boolean): LimitViolation | undefined {
  if (ts > now + limits.futureGraceMs) {
    return {
      code: 'TIMESTAMP_TOO_NEW', reason: 'timestamp_too_new',
      message: `timestamp ${new Date(ts).toISOString()} is more than ${limits.futureGraceMs / 1000} s ahead of the receive time ${new Date(now).toISOString()} (AIOPS_INGEST_FUTURE_GRACE_MS); check the sender's clock and that the unit is milliseconds`,
    };
  }
  if (oldBound && limits.maxAgeMs > 0 && ts < now - limits.maxAgeMs) {
    return {
      code: 'TIMESTAMP_TOO_OLD', reason: 'timestamp_too_old',
      message: `timestamp ${new Date(ts).toISOString()} is older than ${limits.maxAgeMs / 1000} s before the receive time (AIOPS_INGEST_MAX_AGE_MS); replay old data with a larger limit`,
    };
  }
  return undefined;
}

/**
 * Whether a JSON text nests arrays and objects deeper than `max`, by one scan that skips strings:
 * checked before JSON.parse, so a 100k-level document is a 400 and never reaches the recursive
 * walks (JSON.stringify, attribute flattening) that would overflow the stack.
 */
export function jsonTooDeep(text: string, max: number): boolean {
  // Fast answer for the common record: a text with at most `max` opening brackets in all cannot
  // nest deeper (indexOf is far cheaper per character than the scan below).
  let opens = 0;
  for (let i = text.indexOf('{'); i !== -1 && opens <= max; i = text.indexOf('{', i + 1)) opens++;
  for (let i = text.indexOf('['); i !== -1 && opens <= max; i = text.indexOf('[', i + 1)) opens++;
  if (opens <= max) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string, honouring backslash escapes.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** A request-level 400 for a document nested deeper than the limit. */
export function jsonTooDeepError(limits: Pick<IngestLimits, 'maxJsonDepth'>, what: string): AiopsError {
  return new AiopsError('JSON_TOO_DEEP', `The ${what} nests arrays or objects more than ${limits.maxJsonDepth} levels deep (AIOPS_INGEST_MAX_JSON_DEPTH); flatten it.`, { limit: limits.maxJsonDepth });
}

/** Token bucket with a burst of one second's worth; `take` answers the seconds to wait (0 = passed). */
class Bucket {
  private tokens: number;
  private at: number;
  constructor(private readonly rate: number, now: number) {
    this.tokens = rate;
    this.at = now;
  }

  take(n: number, now: number): number {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    // A request larger than the burst passes when the bucket is full, then leaves it in debt.
    if (this.tokens >= Math.min(n, this.rate)) {
      this.tokens -= n;
      return 0;
    }
    return (Math.min(n, this.rate) - this.tokens) / this.rate;
  }
}

/** Active series of one tenant: key -> last seen (receive time). */
interface TenantSeries {
  seen: Map<string, number>;
  sweptAt: number;
}

const MAX_TRACKED_TENANTS = 10_000;

/** The state limits need across requests: active series and rate buckets per tenant. */
export class LimitState {
  private readonly series = new Map<string, TenantSeries>();
  private readonly records = new Map<string, Bucket>();
  private readonly bytes = new Map<string, Bucket>();

  // Points of one series usually come together sharing one labels object (remote_write, OTLP
  // data points of one metric): its canonical form is reused rather than rebuilt.
  private lastLabels: Attributes | undefined;
  private lastCanon = '';

  constructor(readonly limits: IngestLimits) {}

  canonical(labels: Attributes): string {
    if (labels !== this.lastLabels) {
      this.lastLabels = labels;
      this.lastCanon = canonicalAttributes(labels);
    }
    return this.lastCanon;
  }

  /** Active series of a tenant (for tests and the limits README). */
  activeSeries(tenant: string): number {
    return this.series.get(tenant)?.seen.size ?? 0;
  }

  /** True when the series may be written: known, or new and under the tenant's cap. */
  admitSeries(tenant: string, key: string, now: number): boolean {
    let t = this.series.get(tenant);
    if (t === undefined) {
      if (this.series.size >= MAX_TRACKED_TENANTS) this.series.clear();
      t = { seen: new Map(), sweptAt: now };
      this.series.set(tenant, t);
    }
    if (t.seen.has(key)) {
      t.seen.set(key, now);
      return true;
    }
    if (t.seen.size >= this.limits.maxSeriesPerTenant && now - t.sweptAt > 1000) this.sweep(t, now);
    if (t.seen.size >= this.limits.maxSeriesPerTenant) return false;
    t.seen.set(key, now);
    return true;
  }

  private sweep(t: TenantSeries, now: number): void {
    t.sweptAt = now;
    for (const [k, at] of t.seen) if (now - at > this.limits.seriesIdleMs) t.seen.delete(k);
  }

  /** Seconds to wait before this tenant may send `records` records in `bytes` bytes; 0 = within its rates. */
  rateWait(tenant: string, records: number, bytes: number, now: number): number {
    let wait = 0;
    if (this.limits.tenantRecordsPerSecond > 0 && records > 0) wait = Math.max(wait, bucket(this.records, tenant, this.limits.tenantRecordsPerSecond, now).take(records, now));
    if (this.limits.tenantBytesPerSecond > 0 && bytes > 0) wait = Math.max(wait, bucket(this.bytes, tenant, this.limits.tenantBytesPerSecond, now).take(bytes, now));
    return wait;
  }
}

function bucket(map: Map<string, Bucket>, tenant: string, rate: number, now: number): Bucket {
  let b = map.get(tenant);
  if (b === undefined) {
    if (map.size >= MAX_TRACKED_TENANTS) map.clear();
    b = new Bucket(rate, now);
    map.set(tenant, b);
  }
  return b;
}

// One state per ingest config object: every source of one app shares it, two apps (tests) do not.
const STATES = new WeakMap<object, LimitState>();

export function limitStateFor(config: { limits?: Partial<IngestLimits> }): LimitState {
  let s = STATES.get(config);
  if (s === undefined) {
    s = new LimitState({ ...DEFAULT_INGEST_LIMITS, ...config.limits });
    STATES.set(config, s);
  }
  return s;
}

/**
 * Applies the request and record limits to a decoded batch before it is published: throws an
 * AiopsError (413, 429) for a request over its size or its tenant's rate, and moves each record
 * over a record limit to the batch's rejections (report, dead letter, discard counter).
 */
export function enforceLimits(batch: Batch, state: LimitState, now: number, bodyBytes: number): void {
  const limits = state.limits;
  const total = batch.logs.length + batch.metrics.length + batch.changes.length + batch.anomalies.length + batch.spans;
  if (total > limits.maxRecordsPerRequest) {
    throw new AiopsError('TOO_MANY_RECORDS', `The request holds ${total} records, more than the limit of ${limits.maxRecordsPerRequest} per request (AIOPS_INGEST_MAX_RECORDS_PER_REQUEST); send smaller batches.`, { limit: limits.maxRecordsPerRequest });
  }
  if (limits.tenantRecordsPerSecond > 0 || limits.tenantBytesPerSecond > 0) {
    const perTenant = new Map<string, number>();
    const count = (t: string): void => {
      perTenant.set(t, (perTenant.get(t) ?? 0) + 1);
    };
    for (const r of batch.logs) count(r.tenant);
    for (const r of batch.metrics) count(r.tenant);
    for (const r of batch.changes) count(r.tenant);
    for (const r of batch.anomalies) count(r.tenant);
    // The body's bytes are charged to the tenant with the most records in it.
    let main = '';
    let most = -1;
    for (const [t, n] of perTenant) if (n > most) [main, most] = [t, n];
    for (const [t, n] of perTenant) {
      const wait = state.rateWait(t, n, t === main ? bodyBytes : 0, now);
      if (wait > 0) {
        throw new AiopsError('TENANT_RATE_LIMITED', `Tenant ${t} is over its ingest rate (AIOPS_INGEST_TENANT_RECORDS_PER_SECOND=${limits.tenantRecordsPerSecond}, AIOPS_INGEST_TENANT_BYTES_PER_SECOND=${limits.tenantBytesPerSecond}); retry after the time in Retry-After.`, { retryAfterSeconds: wait });
      }
    }
  }
  if (PRECHECKED.has(batch)) return;
  filterInPlace(batch.logs, (r) => logViolation(r, state, now), batch, TOPICS.logs);
  filterInPlace(batch.changes, (r) => checkTimestamp(r.ts, now, limits, false), batch, TOPICS.changes);
  filterInPlace(batch.anomalies, (r) => anomalyViolation(r, state, now), batch, TOPICS.anomalies);
  filterInPlace(batch.metrics, (r) => metricViolation(r, state, now), batch, TOPICS.metrics);
}

// Batches whose records a decoder already held to the record limits as it built them (NDJSON,
// so a refusal reports the line it came from): enforceLimits applies only the request limits.
const PRECHECKED = new WeakSet<Batch>();

export function markRecordsChecked(batch: Batch): void {
  PRECHECKED.add(batch);
}

export function logViolation(r: LogRecord, state: LimitState, now: number): LimitViolation | undefined {
  return checkTimestamp(r.ts, now, state.limits, true);
}

export function changeViolation(r: ChangeEvent, state: LimitState, now: number): LimitViolation | undefined {
  return checkTimestamp(r.ts, now, state.limits, false);
}

export function anomalyViolation(r: Anomaly, state: LimitState, now: number): LimitViolation | undefined {
  const limits = state.limits;
  const t = checkTimestamp(r.ts, now, limits, false);
  if (t) return t;
  if (r.signal !== 'alert') return undefined;
  let labels = 0;
  for (const k in r.evidence) if (k.startsWith('label.')) labels++;
  return labels > limits.maxLabelsPerSeries
    ? { code: 'LABEL_LIMIT_EXCEEDED', reason: 'too_many_labels', message: `alert ${r.subject.slice(0, 64)}: ${labels} labels is more than the limit of ${limits.maxLabelsPerSeries} (AIOPS_INGEST_MAX_LABELS_PER_SERIES)` }
    : undefined;
}

export function metricViolation(r: MetricPoint, state: LimitState, now: number): LimitViolation | undefined {
  const limits = state.limits;
  const t = checkTimestamp(r.ts, now, limits, true);
  if (t) return t;
  const l = checkLabels(r.labels, limits, r.name.slice(0, 128));
  if (l) return l;
  if (!state.admitSeries(r.tenant, `${r.service}\u001f${r.name}\u001f${state.canonical(r.labels)}`, now)) {
    return { code: 'SERIES_LIMIT_EXCEEDED', reason: 'per_tenant_series_limit', message: `${r.name.slice(0, 128)}: tenant ${r.tenant} already has ${limits.maxSeriesPerTenant} active series (AIOPS_INGEST_MAX_SERIES_PER_TENANT); this new series is refused, existing ones keep flowing` };
  }
  return undefined;
}

interface Stamped {
  tenant: string;
}

function filterInPlace<R extends Stamped>(records: R[], violation: (r: R) => LimitViolation | undefined, batch: Batch, topic: TopicName): void {
  let kept = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const v = violation(r);
    if (v === undefined) {
      records[kept++] = r;
      continue;
    }
    batch.reject({ line: i + 1, code: v.code, reason: v.reason, message: v.message, topic, payload: JSON.stringify(r), tenant: r.tenant });
  }
  records.length = kept;
}

/** JSON.parse behind the nesting check: 400 JSON_TOO_DEEP or 400 BAD_REQUEST, never a stack overflow. */
export function parseJsonWithin(text: string, limits: IngestLimits, what: string): unknown {
  if (jsonTooDeep(text, limits.maxJsonDepth)) throw jsonTooDeepError(limits, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AiopsError('BAD_REQUEST', `The ${what} is not valid JSON (${(err as Error).message}).`);
  }
}
