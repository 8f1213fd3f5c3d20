// Valid example requests for every receiver: the fuzz test mutates them, the no-loss test and
// bench:ingest send them. Each knows how many records it carries.
import { gzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { lokiTypes, otlpTypes, prometheusTypes } from '../proto/index.js';

export interface SeedRequest {
  name: string;
  url: string;
  contentType: string;
  encoding?: string;
  body: Buffer;
  /** Records the request publishes when accepted (logs, points, changes or anomalies). */
  records: number;
}

const T = Date.parse('2024-05-01T12:00:00Z');
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

export function otlpLogsRequest(n: number, salt = 0) {
  return {
    resourceLogs: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'host.name', value: { stringValue: 'node-1' } }] },
      scopeLogs: [{ scope: { name: 'app' }, logRecords: Array.from({ length: n }, (_, i) => ({
        timeUnixNano: ns(T + i + salt * 1_000_000), severityNumber: 9 + (i % 12), severityText: 'INFO',
        body: { stringValue: `GET /api/items/${i} 200 in ${i % 97} ms salt=${salt}` },
        attributes: [{ key: 'route', value: { stringValue: '/api/items' } }, { key: 'status', value: { intValue: 200 } }],
      })) }],
    }],
  };
}

/** A frontend span and its checkout child (one trace), as two services would export them. */
export function otlpTracesRequest(salt = 0) {
  const traceId = (salt + 1).toString(16).padStart(32, '0');
  const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] });
  const span = (spanId: string, parentSpanId: string, name: string, kind: number) => ({
    traceId, spanId, parentSpanId, name, kind, startTimeUnixNano: ns(T + salt), endTimeUnixNano: ns(T + salt + 5),
    attributes: [{ key: 'http.route', value: { stringValue: name } }],
  });
  return {
    resourceSpans: [
      { resource: resource('frontend'), scopeSpans: [{ spans: [span('00000000000000a1', '', 'GET /cart', 3)] }] },
      { resource: resource('checkout'), scopeSpans: [{ spans: [span('00000000000000b2', '00000000000000a1', 'POST /cart', 2)] }] },
    ],
  };
}

export function otlpMetricsRequest(n: number, salt = 0) {
  return {
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
      scopeMetrics: [{ metrics: [
        { name: 'queue_depth', gauge: { dataPoints: Array.from({ length: n }, (_, i) => ({ timeUnixNano: ns(T + i + salt * 1_000_000), asDouble: i, attributes: [{ key: 'q', value: { stringValue: `q${i % 5}` } }] })) } },
      ] }],
    }],
  };
}

export function otlpLogsProto(n: number, salt = 0): Buffer {
  const { ExportLogsServiceRequest: T1 } = otlpTypes();
  return Buffer.from(T1.encode(T1.fromObject(otlpLogsRequest(n, salt))).finish());
}

export function remoteWriteBody(series: number, samplesPer: number, salt = 0): Buffer {
  const { WriteRequest } = prometheusTypes();
  const timeseries = Array.from({ length: series }, (_, s) => ({
    labels: [{ name: '__name__', value: 'http_requests_total' }, { name: 'job', value: 'api' }, { name: 'instance', value: `h${s}:9100` }, { name: 'code', value: String(200 + (s % 5)) }],
    samples: Array.from({ length: samplesPer }, (_, i) => ({ value: i * 10 + s, timestamp: T + (i + salt * 10_000) * 15_000 })),
  }));
  return Buffer.from(snappy.compress(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish()));
}

export function ndjsonLogs(n: number, salt = 0): Buffer {
  let s = '';
  for (let i = 0; i < n; i++) s += `${JSON.stringify({ ts: T + i + salt * 1_000_000, service: 'checkout', severity: i % 10 === 0 ? 'error' : 'info', body: `GET /api/items/${i} 200 salt=${salt}`, attributes: { route: '/api/items' } })}\n`;
  return Buffer.from(s);
}

export function seedRequests(salt = 0): SeedRequest[] {
  const { ExportMetricsServiceRequest, ExportTraceServiceRequest } = otlpTypes();
  // Spans are read for topology, not published as records: `records` counts none for them.
  const tracesJson = otlpTracesRequest(salt);
  const tracesProto = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({ resourceSpans: tracesJson.resourceSpans.map((rs) => ({
    ...rs, scopeSpans: rs.scopeSpans.map((ss) => ({ spans: ss.spans.map((sp) => ({ ...sp, traceId: Buffer.from(sp.traceId, 'hex'), spanId: Buffer.from(sp.spanId, 'hex'), parentSpanId: Buffer.from(sp.parentSpanId, 'hex') })) })),
  })) })).finish();
  const { PushRequest } = lokiTypes();
  const lokiProto = PushRequest.encode(PushRequest.fromObject({ streams: [{ labels: '{app="web", env="prod"}', entries: [
    { timestamp: { seconds: T / 1000 + salt, nanos: 1 }, line: `level=warn slow ${salt}` },
    { timestamp: { seconds: T / 1000 + salt, nanos: 2 }, line: `ok ${salt}` },
  ] }] })).finish();
  const alert = (status: string, name: string) => ({ status, labels: { alertname: name, service: 'checkout' }, annotations: { summary: 's' }, startsAt: new Date(T + salt * 1000).toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: `${name}${salt}` });
  return [
    { name: 'ndjson-logs', url: '/v1/ndjson/logs', contentType: 'application/x-ndjson', body: ndjsonLogs(3, salt), records: 3 },
    { name: 'ndjson-metrics', url: '/v1/ndjson/metrics', contentType: 'application/x-ndjson', body: Buffer.from(`${JSON.stringify({ ts: T + salt, service: 'api', name: 'latency_ms', value: 12, labels: { route: '/pay' } })}\n${JSON.stringify({ ts: T + salt, service: 'api', name: 'req_total', kind: 'counter', value: 5 })}\n`), records: 2 },
    { name: 'ndjson-changes', url: '/v1/ndjson/changes', contentType: 'application/x-ndjson', body: Buffer.from(JSON.stringify({ ts: T + salt, service: 'api', kind: 'deploy', summary: `v${salt}` })), records: 1 },
    { name: 'otlp-logs-proto', url: '/v1/logs', contentType: 'application/x-protobuf', body: otlpLogsProto(3, 2 * salt), records: 3 },
    { name: 'otlp-logs-json', url: '/v1/logs', contentType: 'application/json', body: Buffer.from(JSON.stringify(otlpLogsRequest(2, 2 * salt + 1))), records: 2 },
    { name: 'otlp-metrics-proto', url: '/v1/metrics', contentType: 'application/x-protobuf', body: Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(otlpMetricsRequest(2, 2 * salt))).finish()), records: 2 },
    { name: 'otlp-metrics-json-gzip', url: '/v1/metrics', contentType: 'application/json', encoding: 'gzip', body: gzipSync(JSON.stringify(otlpMetricsRequest(2, 2 * salt + 1))), records: 2 },
    { name: 'otlp-traces-proto', url: '/v1/traces', contentType: 'application/x-protobuf', body: Buffer.from(tracesProto), records: 0 },
    { name: 'otlp-traces-json', url: '/v1/traces', contentType: 'application/json', body: Buffer.from(JSON.stringify(tracesJson)), records: 0 },
    { name: 'remote-write', url: '/api/v1/write', contentType: 'application/x-protobuf', encoding: 'snappy', body: remoteWriteBody(2, 2, salt), records: 4 },
    { name: 'loki-json', url: '/loki/api/v1/push', contentType: 'application/json', body: Buffer.from(JSON.stringify({ streams: [{ stream: { app: 'web' }, values: [[ns(T + salt), 'level=error boom'], [ns(T + salt + 1), 'fine']] }] })), records: 2 },
    { name: 'loki-proto', url: '/loki/api/v1/push', contentType: 'application/x-protobuf', body: Buffer.from(snappy.compress(lokiProto)), records: 2 },
    { name: 'pagerduty', url: '/v1/changes/pagerduty', contentType: 'application/json', body: Buffer.from(JSON.stringify({ routing_key: 'r', payload: { summary: `deploy ${salt}`, timestamp: new Date(T + salt).toISOString(), source: 'ci', custom_details: { service: 'api' } } })), records: 1 },
    { name: 'deploy', url: '/v1/changes/deploy', contentType: 'application/json', body: Buffer.from(JSON.stringify({ service: 'api', version: `1.${salt}`, ts: T + salt })), records: 1 },
    { name: 'alertmanager', url: '/v1/alertmanager', contentType: 'application/json', body: Buffer.from(JSON.stringify({ version: '4', status: 'firing', receiver: 'aiops', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, alerts: [alert('firing', 'HighLatency'), alert('resolved', 'ErrorRate')] })), records: 2 },
  ];
}
