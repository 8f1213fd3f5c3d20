import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import snappy from 'snappyjs';
import { gzipSync } from 'node:zlib';
import { TOPICS, type LogRecord, type MetricPoint } from '../../platform/contracts/index.js';
import { ingestHarness, type Harness } from '../../ingest/testing/harness.js';
import { lokiTypes, prometheusTypes } from '../../ingest/proto/index.js';

let h: Harness;
beforeEach(async () => {
  h = await ingestHarness();
});
afterEach(async () => {
  await h.close();
});

const T = Date.parse('2024-05-01T12:00:00Z');

function writeRequest(obj: unknown): Buffer {
  const { WriteRequest } = prometheusTypes();
  return Buffer.from(snappy.compress(WriteRequest.encode(WriteRequest.fromObject(obj as Record<string, unknown>)).finish()));
}

const postWrite = (payload: Buffer, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/api/v1/write', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', ...headers }, payload });

const STALE = Buffer.from('7ff0000000000002', 'hex').readDoubleBE(0);

describe('Prometheus remote_write', () => {
  it('turns each sample of a snappy protobuf WriteRequest into a metric point', async () => {
    const res = await postWrite(writeRequest({
      timeseries: [
        { labels: [{ name: '__name__', value: 'http_requests_total' }, { name: 'job', value: 'api' }, { name: 'instance', value: 'h1:9100' }, { name: 'code', value: '500' }], samples: [{ value: 10, timestamp: T }, { value: 12, timestamp: T + 15_000 }] },
        { labels: [{ name: '__name__', value: 'queue_depth' }, { name: 'service', value: 'worker' }, { name: 'job', value: 'w' }], samples: [{ value: 3.5, timestamp: T }, { value: STALE, timestamp: T + 15_000 }] },
      ],
      metadata: [{ type: 2, metricFamilyName: 'queue_depth', help: 'depth' }],
    }));
    expect(res.statusCode).toBe(204);
    await h.bus.idle();
    const points = h.values<MetricPoint>(TOPICS.metrics);
    expect(points).toHaveLength(3);
    expect(points[0]).toMatchObject({ service: 'api', name: 'http_requests_total', kind: 'counter', value: 10, ts: T, labels: { job: 'api', instance: 'h1:9100', code: '500' }, tenant: 'default' });
    expect(points[1]).toMatchObject({ value: 12, ts: T + 15_000 });
    expect(points[2]).toMatchObject({ service: 'worker', name: 'queue_depth', kind: 'gauge', value: 3.5 });
    const m = await h.app.inject({ url: '/metrics' });
    expect(m.body).toMatch(/reason="stale_marker"\} 1/);
  });

  it('keeps valid samples and reports out-of-range ones; 400 when none is valid', async () => {
    const res = await postWrite(writeRequest({ timeseries: [
      { labels: [{ name: '__name__', value: 'x' }, { name: 'job', value: 'j' }], samples: [{ value: 1, timestamp: T }, { value: 1, timestamp: 1.7e18 }] },
    ] }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: 1 });
    expect(res.json().errors[0].message).toMatch(/out of range/);
    const none = await postWrite(writeRequest({ timeseries: [{ labels: [{ name: 'job', value: 'j' }], samples: [{ value: 1, timestamp: T }] }] }));
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toMatch(/__name__/);
  });

  it('answers 400 for truncated snappy and for bytes that are not a WriteRequest, 415 for other encodings', async () => {
    const good = writeRequest({ timeseries: [{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: 1, timestamp: T }] }] });
    const truncated = await postWrite(good.subarray(0, good.length - 3));
    expect(truncated.statusCode).toBe(400);
    expect(truncated.json().message).toMatch(/snappy/);
    const junk = await postWrite(Buffer.from(snappy.compress(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))));
    expect(junk.statusCode).toBe(400);
    expect(junk.json().message).toMatch(/WriteRequest/);
    expect((await postWrite(good, { 'content-encoding': 'gzip' })).statusCode).toBe(415);
    expect((await postWrite(good, { 'content-type': 'application/json' })).statusCode).toBe(415);
  });
});

const postLoki = (payload: Buffer | string, type: string, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': type, ...headers }, payload });

describe('Loki push', () => {
  it('accepts JSON pushes with labels, structured metadata and level detection', async () => {
    const ns = String(BigInt(T) * 1_000_000n + 123_456n);
    const body = { streams: [
      { stream: { service_name: 'payments', host: 'node-3', env: 'prod' }, values: [[ns, 'level=error msg="card declined"'], [ns, 'all good', { trace_id: 'abc123' }]] },
      { stream: { app: 'web', level: 'warn' }, values: [[ns, 'slow']] },
    ] };
    const res = await postLoki(JSON.stringify(body), 'application/json');
    expect(res.statusCode).toBe(204);
    const gz = await postLoki(gzipSync(JSON.stringify({ streams: [{ stream: { job: 'gz' }, values: [[ns, '{"level":"debug","m":1}']] }] })), 'application/json', { 'content-encoding': 'gzip' });
    expect(gz.statusCode).toBe(204);
    await h.bus.idle();
    const logs = h.values<LogRecord>(TOPICS.logs);
    expect(logs).toHaveLength(4);
    expect(logs[0]).toMatchObject({ service: 'payments', host: 'node-3', severity: 'error', ts: T, attributes: { env: 'prod' } });
    expect(logs[1]).toMatchObject({ severity: 'info', sessionId: 'abc123', attributes: { trace_id: 'abc123' } });
    expect(logs[2]).toMatchObject({ service: 'web', severity: 'warn' });
    expect(logs[3]).toMatchObject({ service: 'gz', severity: 'debug' });
  });

  it('accepts snappy protobuf pushes', async () => {
    const { PushRequest } = lokiTypes();
    const msg = PushRequest.fromObject({ streams: [{ labels: '{service="auth", host="n1", note="a \\"quoted\\" value"}', entries: [
      { timestamp: { seconds: T / 1000, nanos: 5_000_000 }, line: 'ERROR token expired', structuredMetadata: [{ name: 'user', value: 'u1' }] },
    ] }] });
    const res = await postLoki(Buffer.from(snappy.compress(PushRequest.encode(msg).finish())), 'application/x-protobuf');
    expect(res.statusCode).toBe(204);
    await h.bus.idle();
    const [log] = h.values<LogRecord>(TOPICS.logs);
    expect(log).toMatchObject({ service: 'auth', host: 'n1', ts: T + 5, body: 'ERROR token expired', attributes: { note: 'a "quoted" value', user: 'u1' } });
  });

  it('reports bad entries, keeps good ones, and names the problem for malformed bodies', async () => {
    const ns = String(BigInt(T) * 1_000_000n);
    const res = await postLoki(JSON.stringify({ streams: [{ stream: { app: 'a' }, values: [[ns, 'ok'], ['soon', 'bad ts'], [ns]] }] }), 'application/json');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: 2 });
    expect((await postLoki('{"streams": [', 'application/json')).json().message).toMatch(/not valid JSON/);
    expect((await postLoki('{"nope": 1}', 'application/json')).statusCode).toBe(400);
    expect((await postLoki(Buffer.from([0xff, 0xfe]), 'application/json')).json().message).toMatch(/UTF-8/);
    expect((await postLoki(Buffer.from([0x20, 0x00, 0x01]), 'application/x-protobuf')).statusCode).toBe(400);
    expect((await postLoki('x', 'text/plain')).statusCode).toBe(415);
  });
});
