import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as JsonMetricExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { TOPICS, type LogRecord, type MetricPoint } from '../../platform/contracts/index.js';
import { ingestHarness, listenOnLoopback, type Harness } from '../../ingest/testing/harness.js';
import { otlpTypes } from '../../ingest/proto/index.js';

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await ingestHarness();
  base = await listenOnLoopback(h);
});
afterAll(async () => {
  await h.close();
});

const resource = resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'node-7', 'service.namespace': 'shop', 'service.version': '1.4.2' });

async function sendLogs(exporter: JsonLogExporter | ProtoLogExporter, marker: string): Promise<LogRecord[]> {
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('test-scope');
  const t = new Date('2024-05-01T12:00:00.123Z');
  logger.emit({ timestamp: t, severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: `slow payment ${marker}`, attributes: { route: '/pay', attempt: 3, ok: false } });
  logger.emit({ timestamp: t, severityNumber: SeverityNumber.ERROR2, body: { msg: `structured ${marker}`, code: 502 } });
  logger.emit({ timestamp: t, severityText: 'debug', body: `text severity ${marker}` });
  await provider.forceFlush();
  await provider.shutdown();
  await h.bus.idle();
  return h.values<LogRecord>(TOPICS.logs).filter((l) => l.body.includes(marker));
}

function checkLogs(logs: LogRecord[]): void {
  expect(logs).toHaveLength(3);
  const slow = logs.find((l) => l.body.startsWith('slow'))!;
  expect(slow).toMatchObject({ tenant: 'default', service: 'checkout', host: 'node-7', severity: 'warn', ts: Date.parse('2024-05-01T12:00:00.123Z') });
  expect(slow.attributes).toMatchObject({ route: '/pay', attempt: '3', ok: 'false', namespace: 'shop', 'service.version': '1.4.2' });
  const structured = logs.find((l) => l.body.includes('structured'))!;
  expect(structured.severity).toBe('error');
  expect(JSON.parse(structured.body)).toMatchObject({ code: 502 });
  expect(logs.find((l) => l.body.startsWith('text'))!.severity).toBe('debug');
}

describe('OTLP/HTTP logs from the OpenTelemetry JS SDK', () => {
  it('receives HTTP/JSON exports normalised with service, host, timestamp, severity and attributes', async () => {
    checkLogs(await sendLogs(new JsonLogExporter({ url: `${base}/v1/logs` }), 'json'));
  });

  it('receives HTTP/protobuf exports, gzip-compressed too', async () => {
    checkLogs(await sendLogs(new ProtoLogExporter({ url: `${base}/v1/logs` }), 'proto'));
    checkLogs(await sendLogs(new ProtoLogExporter({ url: `${base}/v1/logs`, compression: CompressionAlgorithm.GZIP }), 'gzproto'));
    checkLogs(await sendLogs(new JsonLogExporter({ url: `${base}/v1/logs`, compression: CompressionAlgorithm.GZIP }), 'gzjson'));
  });
});

async function sendMetrics(exporter: JsonMetricExporter | ProtoMetricExporter, service: string, rounds = 1): Promise<MetricPoint[]> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service, 'host.name': 'node-1' }), readers: [reader] });
  const meter = provider.getMeter('m');
  const counter = meter.createCounter('requests_total');
  const gauge = meter.createGauge('queue_depth');
  const updown = meter.createUpDownCounter('inflight');
  const hist = meter.createHistogram('latency_ms', { advice: { explicitBucketBoundaries: [10, 100] } });
  for (let r = 0; r < rounds; r++) {
    counter.add(5, { route: '/pay' });
    gauge.record(17, { queue: 'q1' });
    updown.add(2);
    hist.record(5);
    hist.record(50);
    hist.record(500);
    await provider.forceFlush();
  }
  await provider.shutdown();
  await h.bus.idle();
  return h.values<MetricPoint>(TOPICS.metrics).filter((m) => m.service === service);
}

describe('OTLP/HTTP metrics from the OpenTelemetry JS SDK', () => {
  it('turns gauges, sums and histograms into series (HTTP/JSON, cumulative)', async () => {
    const points = await sendMetrics(new JsonMetricExporter({ url: `${base}/v1/metrics` }), 'svc-json');
    const by = (name: string, extra: Record<string, string> = {}) => points.find((p) => p.name === name && Object.entries(extra).every(([k, v]) => p.labels[k] === v));
    expect(by('requests_total')).toMatchObject({ kind: 'counter', value: 5, labels: { route: '/pay', host: 'node-1' } });
    expect(by('queue_depth')).toMatchObject({ kind: 'gauge', value: 17, labels: { queue: 'q1' } });
    expect(by('inflight')).toMatchObject({ kind: 'gauge', value: 2 });
    expect(by('latency_ms_count')).toMatchObject({ kind: 'counter', value: 3 });
    expect(by('latency_ms_sum')).toMatchObject({ value: 555 });
    expect(by('latency_ms_bucket', { le: '10' })!.value).toBe(1);
    expect(by('latency_ms_bucket', { le: '100' })!.value).toBe(2);
    expect(by('latency_ms_bucket', { le: '+Inf' })!.value).toBe(3);
    expect(points[0]!.ts).toBeGreaterThan(Date.now() - 60_000);
  });

  it('accumulates delta sums into counters (HTTP/protobuf, gzip)', async () => {
    const points = await sendMetrics(new ProtoMetricExporter({
      url: `${base}/v1/metrics`,
      compression: CompressionAlgorithm.GZIP,
      temporalityPreference: AggregationTemporalityPreference.DELTA,
    }), 'svc-delta', 3);
    const totals = points.filter((p) => p.name === 'requests_total').map((p) => p.value);
    expect(totals).toEqual([5, 10, 15]);
    expect(points.filter((p) => p.name === 'latency_ms_count').map((p) => p.value)).toEqual([3, 6, 9]);
  });
});

describe('OTLP/HTTP partial success and errors', () => {
  const json = (body: unknown, url = '/v1/logs') => h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const ns = (iso: string) => String(BigInt(Date.parse(iso)) * 1_000_000n);

  it('keeps valid records and reports the rejected count in partial_success', async () => {
    const res = await json({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'p' } }] }, scopeLogs: [{ logRecords: [
      { timeUnixNano: ns('2024-05-01T00:00:00Z'), severityNumber: 9, body: { stringValue: 'fine' }, traceId: '5b8efff798038103d269b633813fc60c' },
      { timeUnixNano: '99999999999999999999', body: { stringValue: 'far future' } },
    ] }] }] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ partialSuccess: { rejectedLogRecords: 1 } });
    expect(res.json().partialSuccess.errorMessage).toMatch(/out of range/);
    await h.bus.idle();
    const fine = h.values<LogRecord>(TOPICS.logs).find((l) => l.body === 'fine')!;
    expect(fine).toMatchObject({ service: 'p', severity: 'info', sessionId: '5b8efff798038103d269b633813fc60c', ts: Date.parse('2024-05-01T00:00:00Z') });
  });

  it('answers a protobuf partial_success to a protobuf request', async () => {
    const { ExportLogsServiceRequest, ExportLogsServiceResponse } = otlpTypes();
    const msg = ExportLogsServiceRequest.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [
      { timeUnixNano: 1_714_521_600_000_000_000, body: { stringValue: 'ok' } },
      { timeUnixNano: 1_714_521_600_000_000_000, body: { stringValue: 'x'.repeat(70_000) } },
    ] }] }] });
    const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.from(ExportLogsServiceRequest.encode(msg).finish()) });
    expect(res.statusCode).toBe(200);
    const decoded = ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(res.rawPayload), { longs: Number });
    expect(decoded.partialSuccess.rejectedLogRecords).toBe(1);
    expect(decoded.partialSuccess.errorMessage).toMatch(/body: 70000 characters/);
  });

  it('answers 400 with a google.rpc.Status naming the problem for malformed bodies', async () => {
    const bad = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]) });
    expect(bad.statusCode).toBe(400);
    const status = otlpTypes().Status.decode(bad.rawPayload).toJSON();
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/not a valid ExportLogsServiceRequest protobuf/);
    const badJson = await h.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: '{"resourceMetrics": [' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().message).toMatch(/not valid JSON/);
    const wrongType = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    expect(wrongType.statusCode).toBe(415);
    const badGzip = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync('{"resourceLogs":[]}').subarray(0, 10) });
    expect(badGzip.statusCode).toBe(400);
    const bomb = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync(Buffer.alloc(h.config.ingest.bodyLimitBytes + 10, 0x20)) });
    expect(bomb.statusCode).toBe(413);
    const allBad = await json({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '99999999999999999999' }] }] }] });
    expect(allBad.statusCode).toBe(400);
  });

  it('answers 503 with Retry-After and UNAVAILABLE when the bus is down', async () => {
    h.bus.unavailable = true;
    try {
      const res = await json({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json().code).toBe(14);
    } finally {
      h.bus.unavailable = false;
    }
  });
});
