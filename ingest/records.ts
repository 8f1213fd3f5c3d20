// Plain JSON objects (NDJSON lines, webhook bodies) to contract records. Each builder throws a
// RecordError naming the field at fault; the caller turns it into a per-record rejection.
import type { Static, TSchema } from '@sinclair/typebox';
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

export function checked<S extends TSchema>(schema: S, value: unknown): Static<S> {
  const v = validate(schema, value);
  if (!v.ok) throw new RecordError('schema_mismatch', v.error);
  return v.value;
}

function pick(o: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) {
    const v = o[n];
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

export function logFromJson(o: Record<string, unknown>, ctx: BuildContext): LogRecord {
  const tenant = parseTenant(o.tenant, ctx.tenant);
  const ts = parseTimestamp(pick(o, 'ts', 'timestamp', 'time', '@timestamp'), ctx.now);
  const service = requiredString(pick(o, 'service', 'service.name', 'app'), 'service', 256);
  const severity = parseSeverity(pick(o, 'severity', 'level', 'severityText', 'severityNumber'));
  const rawBody = pick(o, 'body', 'message', 'msg');
  if (rawBody === undefined) throw new RecordError('missing_field', 'body: required (the log line; `message` and `msg` are accepted too)');
  const body = typeof rawBody === 'string' ? rawBody : JSON.stringify(rawBody);
  if (body.length > 65536) throw new RecordError('field_too_long', `body: ${body.length} characters is longer than the limit of 65536`);
  const host = optionalString(o.host, 'host', 256);
  const sessionId = optionalString(pick(o, 'sessionId', 'session_id', 'traceId', 'trace_id'), 'sessionId', 256);
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
  const ts = parseTimestamp(pick(o, 'ts', 'timestamp', 'time'), ctx.now);
  const service = requiredString(pick(o, 'service', 'service.name', 'job'), 'service', 256);
  const name = requiredString(pick(o, 'name', 'metric', '__name__'), 'name', 256);
  const kind = metricKind(pick(o, 'kind', 'type'));
  const value = metricValue(o.value);
  const labels = toAttributes(pick(o, 'labels', 'attributes'), 'labels');
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
  const k = typeof raw === 'string' ? CHANGE_KINDS[raw.toLowerCase()] : undefined;
  if (!k) throw new RecordError('invalid_field', `kind: ${JSON.stringify(raw)} is not a change kind; use deploy, config, feature_flag, infrastructure or other`);
  return k;
}

export function changeFromJson(o: Record<string, unknown>, ctx: BuildContext, defaultSource = 'ndjson'): ChangeEvent {
  const tenant = parseTenant(o.tenant, ctx.tenant);
  const ts = parseTimestamp(pick(o, 'ts', 'timestamp', 'time'), ctx.now);
  const service = requiredString(pick(o, 'service', 'service.name', 'app'), 'service', 256);
  const kind = changeKind(pick(o, 'kind', 'type'));
  const summary = requiredString(pick(o, 'summary', 'description', 'message'), 'summary', 2048);
  const source = optionalString(o.source, 'source', 128) ?? defaultSource;
  const attributes = toAttributes(o.attributes);
  const id = optionalString(o.id, 'id', 256) ?? changeId(tenant, service, ts, kind, summary, source);
  return checked(ChangeEvent, { id, tenant, ts, service, kind, summary, source, attributes });
}
