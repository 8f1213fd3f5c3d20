// OTLP/HTTP logs, metrics and traces receiver (/v1/logs, /v1/metrics, /v1/traces): binary protobuf or JSON, gzip;
// partial_success with the rejected count; errors as google.rpc.Status in the request's encoding;
// throttling as 429/503 with Retry-After (the OTLP/HTTP retryable codes).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type protobuf from 'protobufjs';
import { AiopsError, isAiopsError } from '../../platform/errors/aiops-error.js';
import { decodeContentEncoding, isObject, mediaType, rawBody, requireMediaType, utf8 } from '../http.js';
import { enforceLimits, limitStateFor, parseJsonWithin, type IngestLimits } from '../limits.js';
import { RecordError, requestTenant } from '../normalize.js';
import { DeltaAccumulator, otlpLogs, otlpMetrics, otlpTraces } from '../otlp-map.js';
import { decodeMessage, otlpTypes } from '../proto/index.js';
import { Batch } from '../publisher.js';
import { SpanEdgeTracker } from '../service-edges.js';
import type { HttpSource } from './source.js';

const PROTOBUF = ['application/x-protobuf', 'application/protobuf'];
const MEDIA = [...PROTOBUF, 'application/json'];

/** google.rpc.Code for each HTTP status OTLP clients act on. */
function grpcCode(status: number): number {
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status === 503) return 14; // UNAVAILABLE
  if (status >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT
}

function isProtobuf(req: FastifyRequest): boolean {
  return PROTOBUF.includes(mediaType(req));
}

function sendStatus(req: FastifyRequest, reply: FastifyReply, err: AiopsError): FastifyReply {
  const retry = err.details?.retryAfterSeconds;
  if (typeof retry === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retry))));
  const status = { code: grpcCode(err.statusCode), message: `${err.code}: ${err.message}` };
  reply.code(err.statusCode);
  if (isProtobuf(req)) {
    const { Status } = otlpTypes();
    return reply.header('content-type', 'application/x-protobuf').send(Buffer.from(Status.encode(Status.fromObject(status)).finish()));
  }
  return reply.header('content-type', 'application/json').send(status);
}

function toAiopsError(err: unknown, limit: number): AiopsError {
  if (isAiopsError(err)) return err;
  // A resource or scope attribute at fault spoils every record under it: the request is refused.
  if (err instanceof RecordError) return new AiopsError(err.reason === 'json_too_deep' ? 'JSON_TOO_DEEP' : 'VALIDATION_FAILED', err.message);
  const e = err as FastifyError;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AiopsError('PAYLOAD_TOO_LARGE', `The body is larger than the limit of ${limit} bytes (AIOPS_INGEST_BODY_LIMIT).`);
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AiopsError('UNSUPPORTED_MEDIA_TYPE', `This content type is not accepted; send one of ${MEDIA.join(', ')}.`);
  if (typeof e.statusCode === 'number' && e.statusCode < 500) return new AiopsError('BAD_REQUEST', `The request is malformed: ${e.message}`);
  throw err;
}

function decodeRequest(req: FastifyRequest, limit: number, type: protobuf.Type, what: string, limits: IngestLimits): unknown {
  const t = requireMediaType(req, MEDIA);
  const { body } = decodeContentEncoding(req, rawBody(req), limit);
  if (PROTOBUF.includes(t)) {
    try {
      return decodeMessage(type, body);
    } catch (err) {
      throw new AiopsError('BAD_REQUEST', `The body is not a valid ${what} protobuf message (${(err as Error).message}).`);
    }
  }
  const parsed = body.length === 0 ? {} : parseJsonWithin(utf8(body), limits, 'OTLP/JSON body');
  if (!isObject(parsed)) throw new AiopsError('BAD_REQUEST', `The OTLP/JSON body must be an ${what} object.`);
  return parsed;
}

interface Kind {
  path: '/v1/logs' | '/v1/metrics' | '/v1/traces';
  request: (t: ReturnType<typeof otlpTypes>) => protobuf.Type;
  response: (t: ReturnType<typeof otlpTypes>) => protobuf.Type;
  what: string;
  rejectedField: 'rejectedLogRecords' | 'rejectedDataPoints' | 'rejectedSpans';
  noun: string;
}

const KINDS: Kind[] = [
  { path: '/v1/logs', request: (t) => t.ExportLogsServiceRequest, response: (t) => t.ExportLogsServiceResponse, what: 'ExportLogsServiceRequest', rejectedField: 'rejectedLogRecords', noun: 'log records' },
  { path: '/v1/metrics', request: (t) => t.ExportMetricsServiceRequest, response: (t) => t.ExportMetricsServiceResponse, what: 'ExportMetricsServiceRequest', rejectedField: 'rejectedDataPoints', noun: 'data points' },
  { path: '/v1/traces', request: (t) => t.ExportTraceServiceRequest, response: (t) => t.ExportTraceServiceResponse, what: 'ExportTraceServiceRequest', rejectedField: 'rejectedSpans', noun: 'spans' },
];

interface Receivers {
  deltas: DeltaAccumulator;
  spans: SpanEdgeTracker;
}

/**
 * Decodes and maps a request in one synchronous step, so the decoded message (a graph of objects
 * per record) is garbage before the request waits on the bus.
 */
function decodeToBatch(req: FastifyRequest, limit: number, kind: Kind, types: ReturnType<typeof otlpTypes>, state: Receivers, limits: IngestLimits): Batch {
  const message = decodeRequest(req, limit, kind.request(types), kind.what, limits);
  const batch = new Batch();
  const octx = { tenant: requestTenant(req.headers['x-scope-orgid']), now: Date.now() };
  if (kind.path === '/v1/logs') otlpLogs(message, octx, batch);
  else if (kind.path === '/v1/metrics') otlpMetrics(message, octx, batch, state.deltas);
  else otlpTraces(message, octx, batch, state.spans);
  return batch;
}

export const otlpSource: HttpSource = {
  type: 'otlp',
  description: 'OTLP/HTTP logs, metrics and traces (POST /v1/logs, /v1/metrics, /v1/traces), protobuf or JSON, gzip; spans are read for the service topology.',
  register(app, ctx) {
    const state: Receivers = { deltas: new DeltaAccumulator(), spans: new SpanEdgeTracker() };
    const limit = ctx.config.bodyLimitBytes;
    void app.register(async (scope) => {
      scope.setErrorHandler((err, req, reply) => sendStatus(req, reply, toAiopsError(err, limit)));
      for (const kind of KINDS) {
        scope.post(kind.path, async (req, reply) => {
          const types = otlpTypes();
          const limitState = limitStateFor(ctx.config);
          const batch = decodeToBatch(req, limit, kind, types, state, limitState.limits);
          enforceLimits(batch, limitState, Date.now(), rawBody(req).length);
          await ctx.publisher.publish(batch, 'otlp');
          const rejected = batch.rejected.length;
          if (rejected > 0 && batch.accepted === 0) {
            throw new AiopsError('VALIDATION_FAILED', `All ${rejected} ${kind.noun} were rejected; first: ${batch.rejected[0]!.message}`);
          }
          const response = rejected > 0
            ? { partialSuccess: { [kind.rejectedField]: rejected, errorMessage: `${rejected} ${kind.noun} rejected; first: ${batch.rejected[0]!.message}` } }
            : {};
          if (isProtobuf(req)) {
            const t = kind.response(types);
            return reply.code(200).header('content-type', 'application/x-protobuf').send(Buffer.from(t.encode(t.fromObject(response)).finish()));
          }
          return reply.code(200).header('content-type', 'application/json').send(response);
        });
      }
    });
  },
};
