// Loki push receiver (POST /loki/api/v1/push): JSON (optionally gzip) or snappy-compressed
// protobuf PushRequest. Stream labels become attributes; service, host and level come from the
// usual labels, then structured metadata, then a `level=` / "level": field in the line.
import type { SeverityText } from '../../platform/contracts/index.js';
import { LogRecord as LogRecordSchema, TOPICS, type Attributes, type LogRecord } from '../../platform/contracts/index.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { decodeContentEncoding, isObject, rawBody, requireMediaType, utf8 } from '../http.js';
import { MAX_EPOCH_MS, RecordError, attributeValue, logId, nanosToMs, requestTenant, severityFromName } from '../normalize.js';
import { decodeMessage, lokiTypes } from '../proto/index.js';
import { Batch } from '../publisher.js';
import { checked } from '../records.js';
import { parseLabelSet, unsnappy } from '../wire.js';
import { limitStateFor, parseJsonWithin } from '../limits.js';
import { replyWithReport } from './ndjson.js';
import type { HttpSource } from './source.js';

type Obj = Record<string, unknown>;

const LEVEL_IN_LINE = /(?:^|[\s{,])"?(?:level|lvl|severity)"?\s*[=:]\s*"?([A-Za-z]+)/i;

function streamInfo(labels: Attributes): { service: string; host: string | undefined; level: string | undefined } {
  return {
    service: labels.service_name || labels.service || labels.app || labels.application || labels.job || labels.container || 'unknown_service',
    host: labels.host || labels.hostname || labels.node || labels.node_name || undefined,
    level: labels.level || labels.severity || labels.detected_level || labels.lvl || undefined,
  };
}

function severityOf(streamLevel: string | undefined, meta: Attributes, line: string): SeverityText {
  const explicit = streamLevel ?? meta.level ?? meta.severity ?? meta.detected_level;
  if (explicit) return severityFromName(explicit) ?? 'info';
  const m = LEVEL_IN_LINE.exec(line.length > 512 ? line.slice(0, 512) : line);
  return (m && severityFromName(m[1]!)) || 'info';
}

function entry(labels: Attributes, info: ReturnType<typeof streamInfo>, tsMs: number, line: string, meta: Attributes, tenant: string): LogRecord {
  if (!Number.isFinite(tsMs) || tsMs < 0 || tsMs > MAX_EPOCH_MS) throw new RecordError('timestamp_out_of_range', `timestamp out of range (expected nanoseconds since the epoch between 1970 and 3000)`);
  if (line.length > 65536) throw new RecordError('field_too_long', `line: ${line.length} characters is longer than the limit of 65536`);
  if (info.service.length > 256) throw new RecordError('field_too_long', 'service label longer than 256 characters');
  const severity = severityOf(info.level, meta, line);
  const attributes: Attributes = { ...labels, ...meta };
  const sessionId = meta.trace_id || meta.traceID || undefined;
  const id = logId(tenant, info.service, tsMs, severity, line, info.host, sessionId, attributes);
  const rec: LogRecord = { id, tenant, ts: tsMs, service: info.service, severity, body: line, attributes };
  if (info.host) rec.host = info.host;
  if (sessionId) rec.sessionId = sessionId.slice(0, 256);
  return checked(LogRecordSchema, rec);
}

function toAttrs(o: unknown): Attributes {
  const out: Attributes = {};
  if (!isObject(o)) return out;
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k.slice(0, 256)] = attributeValue(v);
  return out;
}

/** Loki's JSON push body: {"streams":[{"stream":{...},"values":[["<ns>","line",{meta}]]}]}. */
export function decodeLokiJson(body: unknown, tenant: string, batch: Batch): void {
  if (!isObject(body) || !Array.isArray(body.streams)) throw new AiopsError('BAD_REQUEST', 'The Loki push body must be {"streams":[{"stream":{...},"values":[["<unix ns>","<line>"]]}]}.');
  let index = 0;
  for (const stream of body.streams as unknown[]) {
    const s = isObject(stream) ? stream : {};
    const labels = toAttrs(s.stream ?? s.labels);
    const info = streamInfo(labels);
    const values = Array.isArray(s.values) ? s.values : [];
    if (!isObject(stream) || !Array.isArray(s.values)) {
      index++;
      batch.reject({ line: index, code: 'VALIDATION_FAILED', reason: 'invalid_stream', message: 'stream: expected {"stream":{...},"values":[...]}', topic: TOPICS.logs, payload: JSON.stringify(stream) ?? '', tenant });
      continue;
    }
    for (const v of values) {
      index++;
      try {
        if (!Array.isArray(v) || v.length < 2 || typeof v[1] !== 'string') throw new RecordError('invalid_entry', 'values: each entry must be ["<unix ns>", "<line>"] or ["<unix ns>", "<line>", {metadata}]');
        const ts = nanosToMs(v[0]);
        if (ts === undefined || Number.isNaN(ts)) throw new RecordError('invalid_timestamp', `timestamp: ${JSON.stringify(v[0])} is not nanoseconds since the epoch as a string`);
        batch.logs.push(entry(labels, info, ts, v[1], toAttrs(v[2]), tenant));
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        batch.reject({ line: index, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.logs, payload: JSON.stringify(v) ?? '', tenant });
      }
    }
  }
}

function timestampMs(t: unknown): number {
  if (!isObject(t)) return Number.NaN;
  const secs = t.seconds;
  const s = typeof secs === 'number' ? secs : Number(String(secs ?? 0));
  return s * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6);
}

export function decodeLokiProto(message: Obj, tenant: string, batch: Batch): void {
  let index = 0;
  for (const stream of (message.streams as Obj[] | undefined) ?? []) {
    const entries = (stream.entries as Obj[] | undefined) ?? [];
    let labels: Attributes;
    try {
      labels = parseLabelSet(String(stream.labels ?? ''));
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      for (const e of entries) {
        index++;
        batch.reject({ line: index, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.logs, payload: JSON.stringify({ labels: stream.labels, line: e.line }), tenant });
      }
      continue;
    }
    const info = streamInfo(labels);
    for (const e of entries) {
      index++;
      try {
        const meta: Attributes = {};
        for (const p of (e.structuredMetadata as Obj[] | undefined) ?? []) meta[String(p.name ?? '').slice(0, 256)] = attributeValue(String(p.value ?? ''));
        batch.logs.push(entry(labels, info, timestampMs(e.timestamp), String(e.line ?? ''), meta, tenant));
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        batch.reject({ line: index, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.logs, payload: JSON.stringify({ labels: stream.labels, line: e.line }), tenant });
      }
    }
  }
}

export const lokiSource: HttpSource = {
  type: 'loki',
  description: 'Loki push (POST /loki/api/v1/push): JSON or snappy-compressed protobuf.',
  register(app, ctx) {
    app.post('/loki/api/v1/push', async (req, reply) => {
      const type = requireMediaType(req, ['application/json', 'application/x-protobuf', 'application/protobuf']);
      const tenant = requestTenant(req.headers['x-scope-orgid']);
      const batch = new Batch();
      if (type === 'application/json') {
        const { body } = decodeContentEncoding(req, rawBody(req), ctx.config.bodyLimitBytes);
        decodeLokiJson(parseJsonWithin(utf8(body), limitStateFor(ctx.config).limits, 'Loki push body'), tenant, batch);
      } else {
        const enc = String(req.headers['content-encoding'] ?? 'snappy').toLowerCase();
        const { body } = enc === 'snappy' || enc === 'identity'
          ? { body: rawBody(req) }
          : decodeContentEncoding(req, rawBody(req), ctx.config.bodyLimitBytes);
        const raw = enc === 'snappy' || enc === 'identity' ? unsnappy(body, ctx.config.bodyLimitBytes) : body;
        let message: Obj;
        try {
          message = decodeMessage(lokiTypes().PushRequest, raw) as unknown as Obj;
        } catch (err) {
          throw new AiopsError('BAD_REQUEST', `The body is not a valid logproto.PushRequest protobuf message (${(err as Error).message}).`);
        }
        decodeLokiProto(message, tenant, batch);
      }
      return replyWithReport(req, reply, ctx, batch, 'loki', 204);
    });
  },
};
