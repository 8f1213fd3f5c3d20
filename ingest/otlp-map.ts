// OTLP logs and metrics to contract records. Works on both protobufjs-decoded messages and
// OTLP/JSON objects (same camelCase field names): scalars are read as own properties, so the
// proto3 defaults on a decoded message's prototype never count as "set".
import type { Attributes, LogRecord, MetricPoint, SeverityText } from '../platform/contracts/index.js';
import { LogRecord as LogRecordSchema, MetricPoint as MetricPointSchema, TOPICS } from '../platform/contracts/index.js';
import {
  MAX_EPOCH_MS, RecordError, attributeValue, isLong, logId, longToDecimal, longToNumber, metricId, nanosToMs, severityFromName, severityFromNumber, seriesKey,
} from './normalize.js';
import type { Batch } from './publisher.js';
import { checked } from './records.js';
import { SPAN_KIND, type SpanEdgeTracker, type SpanFacts } from './service-edges.js';

type Obj = Record<string, unknown>;
const has = Object.prototype.hasOwnProperty;

function get(o: unknown, key: string): unknown {
  if (typeof o !== 'object' || o === null) return undefined;
  return has.call(o, key) ? (o as Obj)[key] : undefined;
}

const NONE: readonly unknown[] = Object.freeze([]);

function list(o: unknown, key: string): readonly unknown[] {
  const v = get(o, key);
  return Array.isArray(v) ? v : NONE;
}

function hex(v: unknown): string | undefined {
  if (v instanceof Uint8Array) {
    if (v.length === 0 || v.every((b) => b === 0)) return undefined;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  }
  if (typeof v === 'string' && v !== '' && !/^0+$/.test(v)) return v.toLowerCase();
  return undefined;
}

function longToString(v: unknown): string {
  return isLong(v) ? longToDecimal(v) : String(v);
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? undefined : Number(v);
  if (isLong(v)) return longToNumber(v);
  return Number.NaN;
}

/**
 * AnyValues nested deeper than this are refused: the walk below recurses, and a 20k-level value
 * would overflow the stack (JSON bodies are held to AIOPS_INGEST_MAX_JSON_DEPTH before parsing).
 */
const MAX_ANY_DEPTH = 64;

/** An AnyValue as plain JS (for nested JSON) */
function anyToJs(v: unknown, depth = 0): unknown {
  if (typeof v !== 'object' || v === null) return null;
  if (depth > MAX_ANY_DEPTH) throw new RecordError('json_too_deep', `an AnyValue nests more than ${MAX_ANY_DEPTH} levels deep; flatten it`);
  if (has.call(v, 'stringValue')) return get(v, 'stringValue');
  if (has.call(v, 'boolValue')) return get(v, 'boolValue');
  if (has.call(v, 'intValue')) return num(get(v, 'intValue'));
  if (has.call(v, 'doubleValue')) return num(get(v, 'doubleValue'));
  if (has.call(v, 'arrayValue')) return list(get(v, 'arrayValue'), 'values').map((x) => anyToJs(x, depth + 1));
  if (has.call(v, 'kvlistValue')) {
    const out: Obj = {};
    for (const kv of list(get(v, 'kvlistValue'), 'values')) out[String(get(kv, 'key') ?? '')] = anyToJs(get(kv, 'value'), depth + 1);
    return out;
  }
  if (has.call(v, 'bytesValue')) {
    const b = get(v, 'bytesValue');
    return b instanceof Uint8Array ? Buffer.from(b).toString('base64') : b;
  }
  return null;
}

/** An AnyValue as the string an attribute or body holds. */
export function anyToString(v: unknown): string {
  if (typeof v !== 'object' || v === null) return '';
  if (has.call(v, 'stringValue')) {
    const s = (v as Obj).stringValue;
    return typeof s === 'string' ? s : String(s ?? '');
  }
  if (has.call(v, 'intValue')) return longToString((v as Obj).intValue);
  const js = anyToJs(v);
  return typeof js === 'string' ? js : JSON.stringify(js) ?? '';
}

// Short attribute values repeat from record to record ('200', '/api/items'): records keep one
// shared copy, and the copy each decode made dies young instead of waiting on the bus with them.
const SHARED = new Map<string, string>();

function shared(v: string): string {
  if (v.length > 64) return v;
  const known = SHARED.get(v);
  if (known !== undefined) return known;
  if (SHARED.size >= 10_000) SHARED.clear();
  SHARED.set(v, v);
  return v;
}

function keyValues(kvs: readonly unknown[], into: Attributes = {}): Attributes {
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i];
    if (typeof kv !== 'object' || kv === null) continue;
    // Plain reads: a decoded KeyValue's unset fields read as the prototype defaults ('' and
    // null), which the checks below treat as unset, as they do undefined in OTLP/JSON.
    const k = (kv as Obj).key;
    if (typeof k !== 'string' || k === '') continue;
    into[k.length > 256 ? k.slice(0, 256) : k] = shared(attributeValue(anyToString((kv as Obj).value)));
  }
  return into;
}

/** The string value of one attribute, without building the others. */
function attributeOf(kvs: readonly unknown[], key: string): string | undefined {
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i];
    if (typeof kv === 'object' && kv !== null && (kv as Obj).key === key) return attributeValue(anyToString((kv as Obj).value));
  }
  return undefined;
}

export interface ResourceInfo {
  service: string;
  host: string | undefined;
  /** Extra attributes every record of the resource carries (namespace, service.version). */
  extra: Attributes;
}

/** service.name to service, host.name to host, service.namespace / k8s.namespace.name to namespace. */
export function resourceInfo(resource: unknown): ResourceInfo {
  const attrs = keyValues(list(resource, 'attributes'));
  const service = attrs['service.name'] || 'unknown_service';
  const host = attrs['host.name'] || attrs['k8s.node.name'] || undefined;
  const extra: Attributes = {};
  const namespace = attrs['service.namespace'] || attrs['k8s.namespace.name'];
  if (namespace) extra.namespace = namespace;
  if (attrs['service.version']) extra['service.version'] = attrs['service.version'];
  if (attrs['deployment.environment.name'] || attrs['deployment.environment']) extra.environment = attrs['deployment.environment.name'] ?? attrs['deployment.environment']!;
  return { service, host, extra };
}

function payloadOf(msg: unknown): string {
  const m = msg as { toJSON?: () => unknown };
  try {
    return JSON.stringify(typeof m.toJSON === 'function' ? m.toJSON() : msg) ?? '';
  } catch {
    return '';
  }
}

function msTimestamp(raw: unknown, field: string): number | undefined {
  const ms = nanosToMs(raw);
  if (ms === undefined) return undefined;
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_EPOCH_MS) {
    throw new RecordError('timestamp_out_of_range', `${field}: ${longToString(raw)} ns is out of range (expected nanoseconds since the epoch between 1970 and 3000)`);
  }
  return ms;
}

export function otlpSeverity(rec: unknown): SeverityText {
  const n = num(get(rec, 'severityNumber'));
  if (n !== undefined && n > 0) {
    const s = severityFromNumber(n);
    if (s) return s;
  }
  const sevRaw = get(rec, 'severityNumber');
  if (typeof sevRaw === 'string') {
    // Enum names in JSON (SEVERITY_NUMBER_WARN2) are tolerated although the spec asks for integers.
    const s = severityFromName(sevRaw.replace(/^SEVERITY_NUMBER_/, ''));
    if (s) return s;
  }
  const text = get(rec, 'severityText');
  if (typeof text === 'string' && text) return severityFromName(text) ?? 'info';
  return 'info';
}

export interface OtlpContext {
  tenant: string;
  now: number;
}

/** Adds every log record of an ExportLogsServiceRequest to the batch; bad records become rejections. */
export function otlpLogs(req: unknown, ctx: OtlpContext, batch: Batch): void {
  let index = 0;
  for (const rl of list(req, 'resourceLogs')) {
    const res = resourceInfo(get(rl, 'resource'));
    for (const sl of list(rl, 'scopeLogs')) {
      for (const rec of list(sl, 'logRecords')) {
        index++;
        try {
          batch.logs.push(otlpLogRecord(rec, res, ctx));
        } catch (err) {
          if (!(err instanceof RecordError)) throw err;
          batch.reject({ line: index, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.logs, payload: payloadOf(rec), tenant: ctx.tenant });
        }
      }
    }
  }
}

function otlpLogRecord(rec: unknown, res: ResourceInfo, ctx: OtlpContext): LogRecord {
  const ts = msTimestamp(get(rec, 'timeUnixNano'), 'timeUnixNano') ?? msTimestamp(get(rec, 'observedTimeUnixNano'), 'observedTimeUnixNano') ?? ctx.now;
  const severity = otlpSeverity(rec);
  const body = anyToString(get(rec, 'body'));
  if (body.length > 65536) throw new RecordError('field_too_long', `body: ${body.length} characters is longer than the limit of 65536`);
  if (res.service.length > 256) throw new RecordError('field_too_long', 'resource service.name is longer than 256 characters');
  const attributes = keyValues(list(rec, 'attributes'), { ...res.extra });
  const eventName = get(rec, 'eventName');
  if (typeof eventName === 'string' && eventName) attributes['event.name'] = eventName;
  const text = get(rec, 'severityText');
  if (typeof text === 'string' && text) attributes['severity_text'] = shared(text.slice(0, 64));
  const sessionId = hex(get(rec, 'traceId'));
  const span = hex(get(rec, 'spanId'));
  if (span) attributes.span_id = span;
  const id = logId(ctx.tenant, res.service, ts, severity, body, res.host, sessionId, attributes);
  // Built with host in the literal (not added after): no second property store per record.
  const out: LogRecord = res.host
    ? { id, tenant: ctx.tenant, ts, service: res.service, host: res.host, severity, body, attributes }
    : { id, tenant: ctx.tenant, ts, service: res.service, severity, body, attributes };
  if (sessionId) out.sessionId = sessionId.slice(0, 256);
  return checked(LogRecordSchema, out);
}

/**
 * Running totals that turn delta temporality into the cumulative values the `counter` kind
 * expects. Bounded; a total restarts at 0 after an ingest restart, which downstream reads as a
 * counter reset (the same way a restarted process's cumulative counter reads).
 */
export class DeltaAccumulator {
  private readonly totals = new Map<string, number>();
  constructor(private readonly maxSeries = 200_000) {}

  add(key: string, delta: number): number {
    const total = (this.totals.get(key) ?? 0) + delta;
    if (!this.totals.has(key) && this.totals.size >= this.maxSeries) {
      const oldest = this.totals.keys().next().value;
      if (oldest !== undefined) this.totals.delete(oldest);
    }
    this.totals.set(key, total);
    return total;
  }
}

const DELTA = 1;

function temporality(v: unknown): number {
  const t = get(v, 'aggregationTemporality');
  if (typeof t === 'string') return t.endsWith('DELTA') ? 1 : t.endsWith('CUMULATIVE') ? 2 : 0;
  return typeof t === 'number' ? t : 0;
}

function formatBound(b: number): string {
  return Number.isFinite(b) ? String(b) : b > 0 ? '+Inf' : '-Inf';
}

/** Adds every data point of an ExportMetricsServiceRequest (as one or more series points) to the batch. */
export function otlpMetrics(req: unknown, ctx: OtlpContext, batch: Batch, deltas: DeltaAccumulator): void {
  let index = 0;
  for (const rm of list(req, 'resourceMetrics')) {
    const res = resourceInfo(get(rm, 'resource'));
    const baseLabels: Attributes = {};
    if (res.host) baseLabels.host = res.host;
    if (res.extra.namespace) baseLabels.namespace = res.extra.namespace;
    for (const sm of list(rm, 'scopeMetrics')) {
      for (const metric of list(sm, 'metrics')) {
        const name = get(metric, 'name');
        const forms: Array<[string, unknown]> = [];
        for (const f of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) {
          const v = get(metric, f);
          if (v !== undefined && v !== null) forms.push([f, v]);
        }
        const form = forms[0];
        for (const dp of form ? list(form[1], 'dataPoints') : []) {
          index++;
          try {
            if (typeof name !== 'string' || name === '') throw new RecordError('missing_field', 'metric name: required');
            if (name.length > 240) throw new RecordError('field_too_long', `metric name: ${name.length} characters is longer than the limit of 240`);
            if (res.service.length > 256) throw new RecordError('field_too_long', 'resource service.name is longer than 256 characters');
            const flags = num(get(dp, 'flags')) ?? 0;
            if ((flags & 1) === 1) {
              batch.skipped('no_recorded_value');
              continue;
            }
            const ts = msTimestamp(get(dp, 'timeUnixNano'), 'timeUnixNano') ?? ctx.now;
            const labels = keyValues(list(dp, 'attributes'), { ...baseLabels });
            const points: MetricPoint[] = [];
            const emit = (n: string, kind: 'gauge' | 'counter', value: number, l: Attributes = labels, delta = false): void => {
              if (!Number.isFinite(value)) throw new RecordError('non_finite_value', `${n}: value ${value} is not a finite number`);
              const v = delta ? deltas.add(seriesKey(ctx.tenant, res.service, n, l), value) : value;
              points.push(checked(MetricPointSchema, { id: metricId(ctx.tenant, res.service, n, kind, ts, l), tenant: ctx.tenant, ts, service: res.service, name: n, kind, value: v, labels: l }));
            };
            const [f, body] = form!;
            if (f === 'gauge' || f === 'sum') {
              const value = has.call(dp, 'asDouble') ? num(get(dp, 'asDouble')) : has.call(dp, 'asInt') ? num(get(dp, 'asInt')) : undefined;
              if (value === undefined) throw new RecordError('missing_field', `${name}: data point has neither asDouble nor asInt`);
              const monotonic = f === 'sum' && get(body, 'isMonotonic') === true;
              emit(name, monotonic ? 'counter' : 'gauge', value, labels, f === 'sum' && temporality(body) === DELTA);
            } else if (f === 'histogram' || f === 'exponentialHistogram') {
              const delta = temporality(body) === DELTA;
              emit(`${name}_count`, 'counter', num(get(dp, 'count')) ?? 0, labels, delta);
              const sum = num(get(dp, 'sum'));
              if (sum !== undefined) emit(`${name}_sum`, 'counter', sum, labels, delta);
              if (f === 'histogram') {
                const bounds = list(dp, 'explicitBounds').map((b) => num(b) ?? Number.NaN);
                const counts = list(dp, 'bucketCounts').map((c) => num(c) ?? 0);
                let cumulative = 0;
                counts.forEach((c, i) => {
                  cumulative += c;
                  const le = i < bounds.length ? formatBound(bounds[i]!) : '+Inf';
                  emit(`${name}_bucket`, 'counter', cumulative, { ...labels, le }, delta);
                });
              }
            } else {
              // Summary: quantiles are gauges, count and sum cumulative counters.
              for (const q of list(dp, 'quantileValues')) {
                emit(name, 'gauge', num(get(q, 'value')) ?? Number.NaN, { ...labels, quantile: String(num(get(q, 'quantile')) ?? 0) });
              }
              emit(`${name}_count`, 'counter', num(get(dp, 'count')) ?? 0);
              emit(`${name}_sum`, 'counter', num(get(dp, 'sum')) ?? 0);
            }
            for (const p of points) batch.metrics.push(p);
          } catch (err) {
            if (!(err instanceof RecordError)) throw err;
            batch.reject({ line: index, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.metrics, payload: payloadOf(dp), tenant: ctx.tenant });
          }
        }
      }
    }
  }
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: SPAN_KIND.unspecified, SPAN_KIND_INTERNAL: SPAN_KIND.internal, SPAN_KIND_SERVER: SPAN_KIND.server,
  SPAN_KIND_CLIENT: SPAN_KIND.client, SPAN_KIND_PRODUCER: SPAN_KIND.producer, SPAN_KIND_CONSUMER: SPAN_KIND.consumer,
};

function spanKind(v: unknown): number {
  if (typeof v === 'string') return SPAN_KINDS[v] ?? SPAN_KIND.unspecified;
  const n = num(v);
  return n !== undefined && Number.isInteger(n) ? n : SPAN_KIND.unspecified;
}

/** A trace or span id of the spec's byte length (16 or 8), lower-case hex; throws when missing or malformed. */
function spanIdField(v: unknown, field: string, bytes: number, required: boolean): string | undefined {
  const h = hex(v);
  if (h === undefined) {
    if (required) throw new RecordError('missing_field', `${field}: required (a non-zero ${bytes}-byte id)`);
    return undefined;
  }
  if (h.length !== bytes * 2 || !/^[0-9a-f]+$/.test(h)) throw new RecordError('invalid_field', `${field}: expected ${bytes} bytes (${bytes * 2} hex digits), got ${JSON.stringify(h.slice(0, 40))}`);
  return h;
}

/**
 * Reads every span of an ExportTraceServiceRequest for the service calls it shows (the spans are
 * not stored); malformed spans become rejections.
 */
export function otlpTraces(req: unknown, ctx: OtlpContext, batch: Batch, tracker: SpanEdgeTracker): void {
  let index = 0;
  const spans: SpanFacts[] = [];
  for (const rs of list(req, 'resourceSpans')) {
    const res = resourceInfo(get(rs, 'resource'));
    for (const ss of list(rs, 'scopeSpans')) {
      for (const span of list(ss, 'spans')) {
        index++;
        try {
          if (res.service.length > 256) throw new RecordError('field_too_long', 'resource service.name is longer than 256 characters');
          const traceId = spanIdField(get(span, 'traceId'), 'traceId', 16, true)!;
          const spanId = spanIdField(get(span, 'spanId'), 'spanId', 8, true)!;
          const parentSpanId = spanIdField(get(span, 'parentSpanId'), 'parentSpanId', 8, false);
          const ts = msTimestamp(get(span, 'startTimeUnixNano'), 'startTimeUnixNano') ?? ctx.now;
          const kind = spanKind(get(span, 'kind'));
          const name = get(span, 'name');
          // Only a client or producer span's peer.service names a callee; other attributes are not read.
          const peer = kind === SPAN_KIND.client || kind === SPAN_KIND.producer ? attributeOf(list(span, 'attributes'), 'peer.service') : undefined;
          spans.push({
            tenant: ctx.tenant, traceId, spanId, parentSpanId, service: res.service, kind,
            name: typeof name === 'string' ? name : '', ts, peerService: peer || undefined,
          });
          batch.spans++;
        } catch (err) {
          if (!(err instanceof RecordError)) throw err;
          batch.reject({ line: index, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.edges, payload: payloadOf(span), tenant: ctx.tenant });
        }
      }
    }
  }
  for (const e of tracker.observe(spans)) batch.edges.push(e);
}
