// Ingest limits: each refusal names its limit with a stable code, per record where the format
// reports partial success, per request otherwise, and counts in the discard counter by reason.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { TOPICS, type DeadLetter, type MetricPoint } from '../../platform/contracts/index.js';
import { ingestHarness, type Harness } from '../../ingest/testing/harness.js';
import { jsonTooDeep } from '../../ingest/limits.js';
import { parseTimestamp, RecordError } from '../../ingest/normalize.js';
import { parseSyslog, SyslogListeners } from '../../ingest/syslog.js';
import { LimitState, DEFAULT_INGEST_LIMITS } from '../../ingest/limits.js';
import { DEFAULT_PUBLISHER_OPTIONS, Publisher } from '../../ingest/publisher.js';
import { MemoryBus } from '../../platform/bus/memory-bus.js';
import { createSocket } from 'node:dgram';
import { fingerprintOf } from '../../correlator/alert-deduper.js';
import { buildApiApp } from '../../api/app.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';
import type { Anomaly } from '../../platform/contracts/events.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ndjson = (objs: unknown[]): string => objs.map((o) => JSON.stringify(o)).join('\n');
const post = (url: string, payload: string | Buffer, headers: Record<string, string> = {}) =>
  h!.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-ndjson', ...headers }, payload });

async function discarded(reason: string): Promise<number> {
  const m = await h!.metrics.registry.getSingleMetric('aiops_component_discarded_events_total')!.get();
  return m.values.filter((v) => v.labels.reason === reason).reduce((a, v) => a + v.value, 0);
}

/** `depth` arrays nested in one another, as text, without recursion. */
const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/**
 * An OTLP ExportLogsServiceRequest whose one log body is an AnyValue nested `depth` arrays deep,
 * as protobuf bytes written outside in (protobufjs would recurse building it).
 */
function deepAnyValueLogs(depth: number): Buffer {
  const leaf = [0x0a, 0x01, 0x78]; // AnyValue{string_value: "x"}
  // sizes[k]: bytes of the AnyValue at nesting level k (0 = innermost).
  const sizes = [leaf.length];
  for (let k = 1; k <= depth; k++) {
    const arrayValue = 1 + varint(sizes[k - 1]!).length + sizes[k - 1]!; // ArrayValue{values: [inner]}
    sizes.push(1 + varint(arrayValue).length + arrayValue); // AnyValue{array_value}
  }
  const bytes: number[] = [];
  const field = (tag: number, len: number) => bytes.push(tag, ...varint(len));
  const body = sizes[depth]!;
  const logRecord = 1 + varint(body).length + body;
  const scopeLogs = 1 + varint(logRecord).length + logRecord;
  const resourceLogs = 1 + varint(scopeLogs).length + scopeLogs;
  field(0x0a, resourceLogs); // ExportLogsServiceRequest.resource_logs = 1
  field(0x12, scopeLogs); // ResourceLogs.scope_logs = 2
  field(0x12, logRecord); // ScopeLogs.log_records = 2
  field(0x2a, body); // LogRecord.body = 5
  for (let k = depth; k >= 1; k--) {
    const inner = sizes[k - 1]!;
    const arrayValue = 1 + varint(inner).length + inner;
    field(0x2a, arrayValue); // AnyValue.array_value = 5
    field(0x0a, inner); // ArrayValue.values = 1
  }
  bytes.push(...leaf);
  return Buffer.from(bytes);
}

/** Sends headers and then one byte of body every 50 ms; the server's answer and when it came. */
async function dripped(port: number, path: string): Promise<{ answer: string; took: number }> {
  const t0 = Date.now();
  const answer = await new Promise<string>((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    });
    let got = '';
    const drip = setInterval(() => sock.write(' '), 50);
    const stop = setTimeout(() => sock.destroy(), 5_000);
    sock.on('data', (d) => (got += d.toString()));
    sock.on('close', () => {
      clearInterval(drip);
      clearTimeout(stop);
      resolve(got);
    });
    sock.on('error', (e) => {
      clearInterval(drip);
      if (!got) reject(e);
    });
  });
  return { answer, took: Date.now() - t0 };
}

describe('ingest limits', () => {
  it('refuses a far-future point with the reason in the report and the dead letter, and keeps the rest', async () => {
    h = await ingestHarness();
    const now = Date.now();
    const res = await post('/v1/ndjson/metrics', ndjson([
      { service: 'api', name: 'cpu', value: 1, ts: now },
      { service: 'api', name: 'cpu', value: 2, ts: Date.parse('3000-01-01T00:00:00Z') - 1 },
      { service: 'api', name: 'cpu', value: 3, ts: now + 11 * 60_000 },
    ]));
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.accepted).toBe(1);
    expect(report.rejected).toBe(2);
    expect(report.errors.map((e: { code: string }) => e.code)).toEqual(['TIMESTAMP_TOO_NEW', 'TIMESTAMP_TOO_NEW']);
    // The report names the NDJSON lines refused.
    expect(report.errors.map((e: { line: number }) => e.line)).toEqual([2, 3]);
    expect(report.errors[0].message).toMatch(/AIOPS_INGEST_FUTURE_GRACE_MS/);
    await h.bus.idle();
    const dead = h.values<DeadLetter>(TOPICS.deadLetter);
    expect(dead).toHaveLength(2);
    expect(dead[0]!.reason).toMatch(/TIMESTAMP_TOO_NEW\/timestamp_too_new/);
    expect(JSON.parse(dead[0]!.payload).value).toBe(2);
    expect(h.values<MetricPoint>(TOPICS.metrics).map((m) => m.value)).toEqual([1]);
    expect(await discarded('timestamp_too_new')).toBe(2);
  });

  it('refuses a far-future OTLP log record in partialSuccess; a point within the grace passes', async () => {
    h = await ingestHarness({ AIOPS_INGEST_FUTURE_GRACE_MS: '60000' });
    const ns = (ms: number) => `${ms}000000`;
    const now = Date.now();
    const body = {
      resourceLogs: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web' } }] },
        scopeLogs: [{ logRecords: [{ timeUnixNano: ns(now + 30_000), body: { stringValue: 'ok' } }, { timeUnixNano: ns(now + 120_000), body: { stringValue: 'late clock' } }] }],
      }],
    };
    const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(200);
    expect(res.json().partialSuccess.rejectedLogRecords).toBe(1);
    expect(res.json().partialSuccess.errorMessage).toMatch(/ahead of the receive time/);
    await h.bus.idle();
    expect(h.values<DeadLetter>(TOPICS.deadLetter)[0]!.reason).toMatch(/TIMESTAMP_TOO_NEW/);
  });

  it('refuses too-old points only when AIOPS_INGEST_MAX_AGE_MS is set', async () => {
    h = await ingestHarness({ AIOPS_INGEST_MAX_AGE_MS: String(7 * 86_400_000) });
    const res = await post('/v1/ndjson/logs', ndjson([{ service: 'a', body: 'old', ts: Date.now() - 8 * 86_400_000 }]));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('TIMESTAMP_TOO_OLD');
    await h.close();
    h = await ingestHarness();
    expect((await post('/v1/ndjson/logs', ndjson([{ service: 'a', body: 'old', ts: '2024-05-01T00:00:00Z' }]))).statusCode).toBe(200);
  });

  it('refuses series over the labels-per-series and label-length limits, per record', async () => {
    h = await ingestHarness();
    const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
    const res = await post('/v1/ndjson/metrics', ndjson([
      { service: 'api', name: 'ok', value: 1, labels: labels(30) },
      { service: 'api', name: 'wide', value: 1, labels: labels(31) },
      { service: 'api', name: 'long', value: 1, labels: { k: 'v'.repeat(2049) } },
    ]));
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(1);
    expect(res.json().errors.map((e: { code: string }) => e.code)).toEqual(['LABEL_LIMIT_EXCEEDED', 'LABEL_LIMIT_EXCEEDED']);
    expect(await discarded('too_many_labels')).toBe(1);
    expect(await discarded('label_value_too_long')).toBe(1);
    // The case seen in review: one metric with 100k labels is refused, not stored.
    const huge = await post('/v1/ndjson/metrics', ndjson([{ service: 'api', name: 'huge', value: 1, labels: labels(100_000) }]));
    expect(huge.statusCode).toBe(400);
    expect(huge.json().code).toBe('LABEL_LIMIT_EXCEEDED');
  });

  it('caps active series per tenant: new series are refused, existing ones keep flowing, other tenants are untouched', async () => {
    h = await ingestHarness({ AIOPS_INGEST_MAX_SERIES_PER_TENANT: '3' });
    const point = (i: number, v = 1) => ({ service: 'api', name: 'm', value: v, labels: { i: String(i) } });
    expect((await post('/v1/ndjson/metrics', ndjson([point(0), point(1), point(2)]))).json().accepted).toBe(3);
    const over = await post('/v1/ndjson/metrics', ndjson([point(3), point(0, 2)]));
    expect(over.json().accepted).toBe(1);
    expect(over.json().errors[0].code).toBe('SERIES_LIMIT_EXCEEDED');
    expect(await discarded('per_tenant_series_limit')).toBe(1);
    const other = await post('/v1/ndjson/metrics', ndjson([point(3)]), { 'x-scope-orgid': 'other' });
    expect(other.json().accepted).toBe(1);
  });

  it('answers JSON nested 100k levels with 400, never 500 or a stack overflow, on every JSON receiver', async () => {
    h = await ingestHarness();
    const deep = nestedArrays(100_000);
    const line = await post('/v1/ndjson/logs', `{"service":"a","body":${deep}}`);
    expect(line.statusCode).toBe(400);
    expect(line.json().errors[0].code).toBe('JSON_TOO_DEEP');
    const array = await post('/v1/ndjson/logs', `[${deep}]`, { 'content-type': 'application/json' });
    expect(array.statusCode).toBe(400);
    expect(array.json().code).toBe('JSON_TOO_DEEP');
    for (const url of ['/loki/api/v1/push', '/v1/alertmanager', '/v1/changes/deploy', '/v1/logs', '/v1/metrics', '/v1/traces']) {
      const res = await h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: `{"x":${deep}}` });
      expect(res.statusCode, url).toBe(400);
      expect(res.body, url).toMatch(/JSON_TOO_DEEP/);
    }
    // 20k levels of OTLP AnyValue: as JSON a 400 before parsing, as protobuf a 4xx, not a 500.
    let anyJson = '{"stringValue":"x"}';
    for (let i = 0; i < 20_000; i++) anyJson = `{"arrayValue":{"values":[${anyJson}]}}`;
    const otlpJson = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json' }, payload: `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${anyJson}}]}]}]}` });
    expect(otlpJson.statusCode).toBe(400);
    for (const depth of [100, 2_000, 20_000]) {
      const proto = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/x-protobuf' }, payload: deepAnyValueLogs(depth) });
      expect(proto.statusCode, `depth ${depth}: ${proto.rawPayload.toString('latin1').slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(proto.statusCode, `depth ${depth}`).toBeLessThan(500);
    }
    // Still serving, and a shallow document passes.
    expect((await post('/v1/ndjson/logs', `{"service":"a","body":${nestedArrays(10)}}`)).statusCode).toBe(200);
  }, 60_000);

  it('measures nesting outside strings only', () => {
    expect(jsonTooDeep('{"a":"[[[[[[[[[["}', 3)).toBe(false);
    expect(jsonTooDeep('{"a":"\\"[[[[[[["}', 3)).toBe(false);
    expect(jsonTooDeep('[[[[]]]]', 3)).toBe(true);
    expect(jsonTooDeep('[[[]]]', 3)).toBe(false);
  });

  it('refuses impossible calendar dates in every timestamp parser', () => {
    for (const s of ['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T12:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T12:60:00Z']) {
      expect(() => parseTimestamp(s, 0), s).toThrow(RecordError);
      expect(() => parseSyslog(`<13>1 ${s} host app - - - hi`, Date.now()), s).toThrow(/TIMESTAMP/);
    }
    expect(parseTimestamp('2024-02-29T00:00:00Z', 0)).toBe(Date.UTC(2024, 1, 29));
    expect(parseSyslog('<13>1 2024-02-29T00:00:00Z host app - - - hi', Date.now()).ts).toBe(Date.UTC(2024, 1, 29));
    expect(() => parseSyslog('<13>Feb 30 10:00:00 host app: hi', Date.now())).toThrow(/not a date/);
    expect(() => parseSyslog('<13>Apr 31 10:00:00 host app: hi', Date.now())).toThrow(/not a date/);
  });

  it('refuses an alert with 100k labels per record; the fingerprint of such an alert does not overflow the stack', async () => {
    h = await ingestHarness();
    const labels: Record<string, string> = { alertname: 'Wide' };
    for (let i = 0; i < 100_000; i++) labels[`l${i}`] = 'v';
    const res = await h.app.inject({
      method: 'POST', url: '/v1/alertmanager', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels, startsAt: new Date().toISOString() }, { status: 'firing', labels: { alertname: 'Narrow' }, startsAt: new Date().toISOString() }] }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(1);
    expect(res.json().errors[0].code).toBe('LABEL_LIMIT_EXCEEDED');
    const evidence: Record<string, string> = { status: 'firing' };
    for (let i = 0; i < 100_000; i++) evidence[`label.l${i}`] = 'v';
    const a = { id: 'a', tenant: 't', ts: 1, service: 's', signal: 'alert', subject: 'Wide', detector: 'alertmanager', score: 1, observed: 1, expected: 0, lower: 0, upper: 0, direction: 'up', evidence } as Anomaly;
    const fp = fingerprintOf(a);
    expect(fp.fingerprint).toMatch(/^[0-9a-f]{24}$/);
    expect(Object.keys(fp.labels).length).toBeLessThanOrEqual(1000);
    // The same labels in another order: the same fingerprint.
    const reversed = Object.fromEntries(Object.entries(evidence).reverse());
    expect(fingerprintOf({ ...a, evidence: reversed }).fingerprint).toBe(fp.fingerprint);
  });

  it('rate-limits a tenant by records per second with 429 and Retry-After; another tenant still passes', async () => {
    h = await ingestHarness({ AIOPS_INGEST_TENANT_RECORDS_PER_SECOND: '10' });
    const lines = (n: number) => ndjson(Array.from({ length: n }, (_, i) => ({ service: 'a', body: `l${i}` })));
    expect((await post('/v1/ndjson/logs', lines(10), { 'x-scope-orgid': 'noisy' })).statusCode).toBe(200);
    const res = await post('/v1/ndjson/logs', lines(5), { 'x-scope-orgid': 'noisy' });
    expect(res.statusCode).toBe(429);
    expect(res.json().code).toBe('TENANT_RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await post('/v1/ndjson/logs', lines(5), { 'x-scope-orgid': 'quiet' })).statusCode).toBe(200);
  });

  it('refuses a request with more records than AIOPS_INGEST_MAX_RECORDS_PER_REQUEST with 413', async () => {
    h = await ingestHarness({ AIOPS_INGEST_MAX_RECORDS_PER_REQUEST: '5' });
    const res = await post('/v1/ndjson/logs', ndjson(Array.from({ length: 6 }, (_, i) => ({ service: 'a', body: `l${i}` }))));
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('TOO_MANY_RECORDS');
  });

  it('cuts off a slowly sent body with 408 after AIOPS_REQUEST_TIMEOUT_MS, on ingest and on the query API', async () => {
    h = await ingestHarness({ AIOPS_REQUEST_TIMEOUT_MS: '400' });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const ingest = await dripped((h.app.server.address() as { port: number }).port, '/v1/ndjson/logs');
    expect(ingest.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(ingest.took).toBeLessThan(2_000);
    const store = await DuckDbStore.open(':memory:');
    await store.migrate();
    const api = await buildApiApp({ store, metrics: createMetrics(false), logger: pino({ level: 'silent' }), apiKeys: [], requestTimeoutMs: 400 });
    try {
      await api.listen({ port: 0, host: '127.0.0.1' });
      const q = await dripped((api.server.address() as { port: number }).port, '/v1/feedback');
      expect(q.answer).toMatch(/^HTTP\/1\.1 408/);
      expect(q.took).toBeLessThan(2_000);
    } finally {
      await api.close();
      await store.close();
    }
  });
});

describe('syslog limits', () => {
  it('refuses a far-future syslog message to the dead letter with its reason; a current one passes', async () => {
    const bus = new MemoryBus();
    const seen: Array<{ topic: string; value: unknown }> = [];
    await bus.subscribe({ group: 'rec', topics: [TOPICS.logs, TOPICS.deadLetter], handler: async (b) => void seen.push(...b) });
    const logger = pino({ level: 'silent' });
    const metrics = createMetrics(false);
    const listeners = new SyslogListeners({ host: '127.0.0.1', tcpPort: undefined, udpPort: 0, maxFrameBytes: 65536, publisher: new Publisher(bus, metrics, logger, DEFAULT_PUBLISHER_OPTIONS), logger, metrics, limits: new LimitState(DEFAULT_INGEST_LIMITS) });
    await listeners.start();
    try {
      const sock = createSocket('udp4');
      const send = (m: string) => new Promise<void>((r) => sock.send(m, listeners.udpPort, '127.0.0.1', () => r()));
      await send(`<13>1 ${new Date(Date.now() + 3_600_000).toISOString()} h app - - - from-the-future`);
      await send(`<13>1 ${new Date().toISOString()} h app - - - on-time`);
      sock.close();
      for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      const logs = seen.filter((m) => m.topic === TOPICS.logs).map((m) => (m.value as { body: string }).body);
      expect(logs).toEqual(['on-time']);
      const dead = seen.filter((m) => m.topic === TOPICS.deadLetter).map((m) => m.value as DeadLetter);
      expect(dead).toHaveLength(1);
      expect(dead[0]!.reason).toMatch(/TIMESTAMP_TOO_NEW\/timestamp_too_new/);
    } finally {
      await listeners.stop();
      await bus.close();
    }
  });
});

describe('query API parameters', () => {
  it('answers 400 naming the parameter for non-finite, too-large and malformed values; never 500', async () => {
    const store = await DuckDbStore.open(':memory:');
    await store.migrate();
    const app = await buildApiApp({ store, metrics: createMetrics(false), logger: pino({ level: 'silent' }), apiKeys: [] });
    try {
      const bad: Array<[string, string]> = [];
      for (const path of ['/v1/incidents', '/v1/anomalies']) {
        for (const p of ['from', 'to']) for (const v of ['Infinity', '-Infinity', 'NaN', String(2 ** 53), '9007199254740993', '1e400', '-1', '1.5', 'x']) bad.push([path, `${p}=${encodeURIComponent(v)}`]);
      }
      for (const path of ['/v1/incidents', '/v1/anomalies', '/v1/alerts']) {
        for (const v of ['Infinity', 'NaN', String(2 ** 53), '0', '-5', '1e400']) bad.push([path, `limit=${encodeURIComponent(v)}`]);
        bad.push([path, `cursor=${'x'.repeat(2000)}`]);
      }
      for (const [path, q] of bad) {
        const res = await app.inject({ method: 'GET', url: `${path}?${q}` });
        expect(res.statusCode, `${path}?${q.slice(0, 40)}: ${res.body.slice(0, 200)}`).toBe(400);
        const name = q.slice(0, q.indexOf('='));
        expect(res.json().message, `${path}?${q.slice(0, 40)}`).toContain(name);
      }
      for (const q of ['cursor=not-a-cursor', 'cursor=%00%ff', `cursor=${encodeURIComponent(Buffer.from('{"ts":1e400}').toString('base64url'))}`]) {
        for (const path of ['/v1/incidents', '/v1/anomalies', '/v1/alerts']) {
          const res = await app.inject({ method: 'GET', url: `${path}?${q}` });
          expect(res.statusCode, `${path}?${q}: ${res.body.slice(0, 200)}`).toBe(400);
        }
      }
      expect((await app.inject({ method: 'GET', url: `/v1/incidents?from=0&to=32503680000000&limit=500` })).statusCode).toBe(200);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
