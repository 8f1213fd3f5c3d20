// Plain JSON objects (NDJSON lines, webhook bodies) to contract records. Each builder throws a
// RecordError naming the field at fault; the caller turns it into a per-record rejection.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ChangeEvent, LogRecord, MetricPoint, validate, type ChangeKind } from '../platform/contracts/index.js';
import {
  RecordError, changeId, logId, metricId, optionalString, parseSeverity, parseTenant, parseTimestamp, requiredString, toAttributes,
} from './normalize.js';

export interface BuildContext {
  /** Tenant for records that do not name one (X-Scope-OrgID or `default`). */
  tenant: string;
  /** Receive time: the timestamp of records that carry none. */
  now: number;
}

const compiledChecks = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * The record when it matches the contract schema, else a RecordError naming the problems. The
 * check is the TypeBox compiled checker (the one platform's validate uses); only a failing record
 * pays for validate's error report.
 */
export function checked<S extends TSchema>(schema: S, value: unknown): Static<S> {
  let check = compiledChecks.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiledChecks.set(schema, check);
  }
  if (check.Check(value)) return value as Static<S>;
  const v = validate(schema, value);
  throw new RecordError('schema_mismatch', v.ok ? 'the record does not match the contract' : v.error);
}

/** The first of `names` that the object sets (not undefined, not null). */
function pick(o: Record<string, unknown>, names: readonly string[]): unknown {
  for (let i = 0; i < names.length; i++) {
    const v = o[names[i]!];
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

// Accepted spellings per field, in order of preference (constants: no array per record).
const TS = ['ts', 'timestamp', 'time', '@timestamp'] as const;
const TS_PLAIN = ['ts', 'timestamp', 'time'] as const;
const LOG_SERVICE = ['service', 'service.name', 'app'] as const;
const METRIC_SERVICE = ['service', 'service.name', 'job'] as const;
const SEVERITY = ['severity', 'level', 'severityText', 'severityNumber'] as const;
const BODY = ['body', 'message', 'msg'] as const;
const SESSION = ['sessionId', 'session_id', 'traceId', 'trace_id'] as const;
const NAME = ['name', 'metric', '__name__'] as const;
const KIND = ['kind', 'type'] as const;
const LABELS = ['labels', 'attributes'] as const;
const SUMMARY = ['summary', 'description', 'message'] as const;

export function logFromJson(o: Record<string, unknown>, ctx: BuildContext): LogRecord {
  const tenant = parseTenant(o.tenant, ctx.tenant);
  const ts = parseTimestamp(pick(o, TS), ctx.now);
  const service = requiredString(pick(o, LOG_SERVICE), 'service', 256);
  const severity = parseSeverity(pick(o, SEVERITY));
  const rawBody = pick(o, BODY);
  if (rawBody === undefined) throw new RecordError('missing_field', 'body: required (the log line; `message` and `msg` are accepted too)');
  const body = typeof rawBody === 'string' ? rawBody : JSON.stringify(rawBody);
  if (body.length > 65536) throw new RecordError('field_too_long', `body: ${body.length} characters is longer than the limit of 65536`);
  const host = optionalString(o.host, 'host', 256);
  const sessionId = optionalString(pick(o, SESSION), 'sessionId', 256);
  const attributes = toAttributes(o.attributes);
  const id = optionalString(o.id, 'id', 256) ?? logId(tenant, service, ts, severity, body, host, sessionId, attributes);
  const rec: LogRecord = { id, tenant, ts, service, severity, body, attributes };
  if (host !== undefined) rec.host = host;
  if (sessionId !== undefined) rec.sessionId = sessionId;
  return checked(LogRecord, rec);
}

function metricValue(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') throw new RecordError('missing_field', 'value: required');
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (typeof raw !== 'number' && typeof raw !== 'string') throw new RecordError('invalid_field', `value: expected a number, got ${typeof raw}`);
  if (!Number.isFinite(n)) throw new RecordError('non_finite_value', `value: ${JSON.stringify(raw)} is not a finite number`);
  return n;
}

export function metricKind(raw: unknown): 'gauge' | 'counter' {
  if (raw === undefined || raw === null || raw === '') return 'gauge';
  if (typeof raw === 'string') {
    const k = raw.toLowerCase();
    if (k === 'gauge') return 'gauge';
    if (k === 'counter' || k === 'sum' || k === 'monotonic') return 'counter';
  }
  throw new RecordError('invalid_field', `kind: ${JSON.stringify(raw)} is not a metric kind; use gauge or counter`);
}

export function metricFromJson(o: Record<string, unknown>, ctx: BuildContext): MetricPoint {
  const tenant = parseTenant(o.tenant, ctx.tenant);
  const ts = parseTimestamp(pick(o, TS_PLAIN), ctx.now);
  const service = requiredString(pick(o, METRIC_SERVICE), 'service', 256);
  const name = requiredString(pick(o, NAME), 'name', 256);
  const kind = metricKind(pick(o, KIND));
  const value = metricValue(o.value);
  const labels = toAttributes(pick(o, LABELS), 'labels');
  const id = optionalString(o.id, 'id', 256) ?? metricId(tenant, service, name, kind, ts, labels);
  return checked(MetricPoint, { id, tenant, ts, service, name, kind, value, labels });
}

const CHANGE_KINDS: Record<string, ChangeKind> = {
  deploy: 'deploy', deployment: 'deploy', release: 'deploy', rollout: 'deploy', rollback: 'deploy',
  config: 'config', configuration: 'config', config_change: 'config',
  feature_flag: 'feature_flag', flag: 'feature_flag', 'feature-flag': 'feature_flag', featureflag: 'feature_flag',
  infrastructure: 'infrastructure', infra: 'infrastructure', scale: 'infrastructure', scaling: 'infrastructure',
  other: 'other',
};

export function changeKind(raw: unknown, fallback: ChangeKind = 'deploy'): ChangeKind {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const k = typeof raw === 'string' && Object.hasOwn(CHANGE_KINDS, raw.toLowerCase()) ? CHANGE_KINDS[raw.toLowerCase()] : undefined;
  if (!k) throw new RecordError('invalid_field', `kind: ${JSON.stringify(raw)} is not a change kind; use deploy, config, feature_flag, infrastructure or other`);
  return k;
}

export function changeFromJson(o: Record<string, unknown>, ctx: BuildContext, defaultSource = 'ndjson'): ChangeEvent {
  const tenant = parseTenant(o.tenant, ctx.tenant);
  const ts = parseTimestamp(pick(o, TS_PLAIN), ctx.now);
  const service = requiredString(pick(o, LOG_SERVICE), 'service', 256);
  const kind = changeKind(pick(o, KIND));
  const summary = requiredString(pick(o, SUMMARY), 'summary', 2048);
  const source = optionalString(o.source, 'source', 128) ?? defaultSource;
  const attributes = toAttributes(o.attributes);
  const id = optionalString(o.id, 'id', 256) ?? changeId(tenant, service, ts, kind, summary, source);
  return checked(ChangeEvent, { id, tenant, ts, service, kind, summary, source, attributes });
}
