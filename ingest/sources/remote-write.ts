// Prometheus remote_write 1.0 receiver (POST /api/v1/write): snappy-compressed protobuf
// WriteRequest. Each sample becomes a MetricPoint; stale markers are skipped and counted.
import { MetricPoint as MetricPointSchema, TOPICS, type Attributes } from '../../platform/contracts/index.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { rawBody, requireMediaType } from '../http.js';
import { MAX_EPOCH_MS, RecordError, canonicalAttributes, metricId, requestTenant } from '../normalize.js';
import { decodeMessage, prometheusTypes } from '../proto/index.js';
import { Batch } from '../publisher.js';
import { checked } from '../records.js';
import { unsnappy } from '../wire.js';
import { replyWithReport } from './ndjson.js';
import type { HttpSource } from './source.js';

type Obj = Record<string, unknown>;

/** Prometheus's stale marker: a NaN with this exact bit pattern. */
function isStaleMarker(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b.readUInt32BE(0) === 0x7ff00000 && b.readUInt32BE(4) === 0x00000002;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'low' in v) return Number((v as { toString(): string }).toString());
  return Number(v);
}

const COUNTER_SUFFIX = /(_total|_count|_sum|_bucket)$/;

export function decodeWriteRequest(message: Obj, tenant: string, batch: Batch): void {
  const types = new Map<string, number>();
  for (const md of (message.metadata as Obj[] | undefined) ?? []) types.set(String(md.metricFamilyName ?? ''), toNumber(md.type ?? 0));
  let index = 0;
  for (const series of (message.timeseries as Obj[] | undefined) ?? []) {
    const labels: Attributes = {};
    let name = '';
    for (const l of (series.labels as Obj[] | undefined) ?? []) {
      const n = String(l.name ?? '');
      const v = String(l.value ?? '');
      if (n === '__name__') name = v;
      else if (n) labels[n] = v;
    }
    const service = labels.service || labels.job || 'unknown_service';
    const family = name.replace(/(_total|_count|_sum|_bucket)$/, '');
    const type = types.get(name) ?? types.get(family);
    const kind = type === 1 || type === 3 || type === 5 || (type === undefined && COUNTER_SUFFIX.test(name)) ? 'counter' : 'gauge';
    const canon = canonicalAttributes(labels);
    const samples = (series.samples as Obj[] | undefined) ?? [];
    for (const s of samples) {
      index++;
      const value = toNumber(s.value ?? 0);
      const ts = toNumber(s.timestamp ?? 0);
      try {
        if (!name) throw new RecordError('missing_field', 'time series without a __name__ label');
        if (name.length > 256 || service.length > 256) throw new RecordError('field_too_long', `metric name or service longer than 256 characters: ${name.slice(0, 64)}`);
        if (!Number.isFinite(value)) {
          batch.skipped(isStaleMarker(value) ? 'stale_marker' : 'non_finite_value');
          continue;
        }
        if (!Number.isFinite(ts) || ts <= 0 || ts > MAX_EPOCH_MS) throw new RecordError('timestamp_out_of_range', `${name}: sample timestamp ${ts} is out of range (expected milliseconds since the epoch between 1970 and 3000)`);
        const id = metricId(tenant, service, name, kind, ts, labels, canon);
        batch.metrics.push(checked(MetricPointSchema, { id, tenant, ts, service, name, kind, value, labels }));
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        batch.reject({ line: index, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.metrics, payload: JSON.stringify({ name, labels, value: String(value), timestamp: ts }), tenant });
      }
    }
  }
}

/** Decodes and maps in one synchronous step: the decoded message is garbage before the request waits on the bus. */
function writeRequestBatch(body: Buffer, tenant: string): Batch {
  let message: Obj;
  try {
    message = decodeMessage(prometheusTypes().WriteRequest, body) as unknown as Obj;
  } catch (err) {
    throw new AiopsError('BAD_REQUEST', `The body is not a valid prometheus.WriteRequest protobuf message (${(err as Error).message}).`);
  }
  const batch = new Batch();
  decodeWriteRequest(message, tenant, batch);
  return batch;
}

export const remoteWriteSource: HttpSource = {
  type: 'remote_write',
  description: 'Prometheus remote_write 1.0 (POST /api/v1/write), snappy-compressed protobuf.',
  register(app, ctx) {
    app.post('/api/v1/write', async (req, reply) => {
      requireMediaType(req, ['application/x-protobuf', 'application/protobuf'], 'application/x-protobuf');
      const enc = String(req.headers['content-encoding'] ?? 'snappy').toLowerCase();
      if (enc !== 'snappy') throw new AiopsError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${JSON.stringify(enc)} is not accepted for remote_write; send snappy (remote_write 1.0).`);
      const batch = writeRequestBatch(unsnappy(rawBody(req), ctx.config.bodyLimitBytes), requestTenant(req.headers['x-scope-orgid']));
      return replyWithReport(req, reply, ctx, batch, 'remote_write', 204);
    });
  },
};
