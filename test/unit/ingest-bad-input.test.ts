// Issue 3, bad input on every endpoint: malformed bodies, wrong content types, truncated snappy,
// invalid UTF-8, oversize bodies (413), far-out timestamps and missing fields each get a 4xx whose
// message names the problem; the server keeps serving; valid records in the same request are kept
// where the format permits (NDJSON lines, OTLP records, Loki entries, remote_write samples,
// deploy arrays, Alertmanager alerts). Also: remote_write and Loki protobuf bodies written with
// protobufjs's Writer from the upstream field numbers, independent of ingest/proto.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { TOPICS, type LogRecord, type MetricPoint } from '../../platform/contracts/index.js';
import { ingestHarness, type Harness } from '../../ingest/testing/harness.js';
import { seedRequests, type SeedRequest } from '../../ingest/testing/seeds.js';
import { otlpTypes } from '../../ingest/proto/index.js';

const LIMIT = 64 * 1024;
const T = Date.parse('2024-05-01T12:00:00Z');
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
const FAR_NS = '99999999999999999999';
const FAR_MS = 1.7e18;

let h: Harness;
beforeAll(async () => {
  h = await ingestHarness({ AIOPS_INGEST_BODY_LIMIT: String(LIMIT) });
});
afterAll(async () => {
  await h.close();
});

const post = (url: string, contentType: string, payload: Buffer | string, encoding?: string) =>
  h.app.inject({ method: 'POST', url, headers: { 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) }, payload });

/** The error text of a reply: JSON {message} or, for OTLP protobuf, a google.rpc.Status. */
function messageOf(res: { headers: Record<string, unknown>; rawPayload: Buffer; body: string }): string {
  if (String(res.headers['content-type'] ?? '').includes('protobuf')) return String(otlpTypes().Status.decode(res.rawPayload).toJSON().message ?? '');
  try {
    return String((JSON.parse(res.body) as { message?: unknown }).message ?? '');
  } catch {
    return res.body;
  }
}

const seeds = seedRequests(7);
const isJson = (s: SeedRequest) => s.contentType === 'application/json' || s.contentType === 'application/x-ndjson';
const snappied = (s: SeedRequest) => s.encoding === 'snappy' || s.name === 'loki-proto';

/** After every bad request the same endpoint still takes a good one. */
async function stillServes(s: SeedRequest): Promise<void> {
  const res = await post(s.url, s.contentType, s.body, s.encoding);
  expect(res.statusCode, `${s.name} after a bad request: ${res.body}`).toBeLessThan(300);
}

describe('bad input on every HTTP endpoint', () => {
  it.each(seeds.map((s) => [s.name, s] as const))('%s: wrong content type -> 415 naming it', async (_n, s) => {
    const res = await post(s.url, 'text/csv', s.body, s.encoding);
    expect(res.statusCode).toBe(415);
    expect(messageOf(res)).toMatch(/content.type|text\/csv/i);
    await stillServes(s);
  });

  it.each(seeds.map((s) => [s.name, s] as const))('%s: oversize body -> 413 naming the limit', async (_n, s) => {
    const res = await post(s.url, s.contentType, Buffer.alloc(LIMIT + 1, 0x20), s.encoding);
    expect(res.statusCode).toBe(413);
    expect(messageOf(res)).toMatch(new RegExp(`${LIMIT}|limit`));
    await stillServes(s);
  });

  it.each(seeds.map((s) => [s.name, s] as const))('%s: malformed body -> 400 naming the problem', async (_n, s) => {
    let bad: Buffer;
    if (isJson(s) && s.encoding === 'gzip') bad = Buffer.from('not gzip at all');
    else if (isJson(s)) bad = Buffer.from('{"truncated": [');
    else if (snappied(s)) bad = Buffer.from(snappy.compress(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])));
    else bad = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const res = await post(s.url, s.contentType, bad, s.encoding);
    expect(res.statusCode).toBe(400);
    expect(messageOf(res)).toMatch(/not valid|not a valid|malformed|invalid/i);
    await stillServes(s);
  });

  it.each(seeds.filter((s) => !s.encoding).map((s) => [s.name, s] as const))('%s: invalid UTF-8 -> 4xx naming UTF-8', async (_n, s) => {
    let bad: Buffer;
    if (isJson(s)) {
      // The seed with one string's bytes replaced by an invalid sequence.
      const text = s.body.toString('utf8');
      const at = text.indexOf('"', text.indexOf(':') + 1) + 1;
      bad = Buffer.concat([s.body.subarray(0, at), Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]), s.body.subarray(at)]);
    } else {
      const { ExportLogsServiceRequest } = otlpTypes();
      const w = protobuf.Writer.create();
      // ExportLogsServiceRequest.resourceLogs[0].scopeLogs[0].logRecords[0].severityText = <invalid bytes>
      const rec = protobuf.Writer.create().uint32((3 << 3) | 2).bytes(Buffer.from([0x57, 0xff, 0x41, 0x52, 0x4e])).finish();
      const scope = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(rec).finish();
      const rl = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(scope).finish();
      w.uint32((1 << 3) | 2).bytes(rl);
      bad = Buffer.from(w.finish());
      expect(() => ExportLogsServiceRequest.decode(bad)).toThrow();
      if (s.url !== '/v1/logs') return;
    }
    const res = await post(s.url, s.contentType, bad, s.encoding);
    if (s.url.startsWith('/v1/ndjson/') && res.statusCode === 200) {
      // NDJSON accepts the other lines and reports the bad one.
      expect(res.json().rejected).toBe(1);
      expect(res.json().errors[0].message).toMatch(/UTF-8/);
    } else {
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(messageOf(res) + res.body).toMatch(/UTF-?8/i);
    }
    await stillServes(s);
  });

  it.each(seeds.filter(snappied).map((s) => [s.name, s] as const))('%s: truncated snappy -> 400 naming snappy', async (_n, s) => {
    const res = await post(s.url, s.contentType, s.body.subarray(0, s.body.length - 3), s.encoding);
    expect(res.statusCode).toBe(400);
    expect(messageOf(res)).toMatch(/snappy/);
    await stillServes(s);
  });
});

describe('far-out timestamps and missing fields: 4xx naming the problem, valid records kept', () => {
  const ndjson = (kind: string, lines: unknown[]) => post(`/v1/ndjson/${kind}`, 'application/x-ndjson', lines.map((l) => JSON.stringify(l)).join('\n'));
  const json = (url: string, body: unknown) => post(url, 'application/json', JSON.stringify(body));

  it('NDJSON logs, metrics and changes', async () => {
    const logs = await ndjson('logs', [{ ts: T, service: 'a', body: 'kept-nd' }, { ts: 1e20, service: 'a', body: 'x' }, { ts: T, body: 'no service' }]);
    expect(logs.statusCode).toBe(200);
    expect(logs.json()).toMatchObject({ accepted: 1, rejected: 2 });
    expect(logs.json().errors.map((e: { message: string }) => e.message).join(' ')).toMatch(/out of range.*service: required/s);
    const metrics = await ndjson('metrics', [{ ts: 1e20, service: 'a', name: 'm', value: 1 }, { ts: T, service: 'a', name: 'm' }]);
    expect(metrics.statusCode).toBe(400);
    expect(metrics.json().message).toMatch(/out of range/);
    expect(metrics.json().errors[1].message).toMatch(/value: required/);
    const changes = await ndjson('changes', [{ ts: T, service: 'a' }]);
    expect(changes.statusCode).toBe(400);
    expect(changes.json().message).toMatch(/summary: required/);
  });

  it('OTLP/JSON logs and metrics', async () => {
    const res = (name: string, extra: unknown[]) => ({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'far' } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: ns(T), body: { stringValue: name } }, ...extra] }] }] });
    const logs = await json('/v1/logs', res('kept-otlp', [{ timeUnixNano: FAR_NS, body: { stringValue: 'x' } }]));
    expect(logs.statusCode).toBe(200);
    expect(logs.json().partialSuccess).toMatchObject({ rejectedLogRecords: 1 });
    expect(logs.json().partialSuccess.errorMessage).toMatch(/timeUnixNano.*out of range/);
    const metrics = await json('/v1/metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [
      { name: 'kept_gauge', gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: 1 }, { timeUnixNano: FAR_NS, asDouble: 2 }] } },
      { gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: 3 }] } },
      { name: 'no_value', gauge: { dataPoints: [{ timeUnixNano: ns(T) }] } },
    ] }] }] });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.json().partialSuccess).toMatchObject({ rejectedDataPoints: 3 });
    expect(metrics.json().partialSuccess.errorMessage).toMatch(/out of range/);
    const none = await json('/v1/metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: 3 }] } }] }] }] });
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toMatch(/metric name: required/);
    const noValue = await json('/v1/metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'v', sum: { dataPoints: [{ timeUnixNano: ns(T) }] } }] }] }] });
    expect(noValue.json().message).toMatch(/neither asDouble nor asInt/);
  });

  it('OTLP/JSON traces', async () => {
    const span = (over: object) => ({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 's', kind: 2, startTimeUnixNano: ns(T), ...over });
    const body = (spans: object[]) => ({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'far' } }] }, scopeSpans: [{ spans }] }] });
    const some = await json('/v1/traces', body([span({}), span({ startTimeUnixNano: FAR_NS }), span({ traceId: undefined })]));
    expect(some.statusCode).toBe(200);
    expect(Number(some.json().partialSuccess.rejectedSpans)).toBe(2);
    expect(some.json().partialSuccess.errorMessage).toMatch(/startTimeUnixNano.*out of range/);
    const none = await json('/v1/traces', body([span({ spanId: 'cd' })]));
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toMatch(/spanId: expected 8 bytes/);
  });

  it('Loki JSON and remote_write', async () => {
    const loki = await json('/loki/api/v1/push', { streams: [{ stream: { app: 'l' }, values: [[ns(T), 'kept-loki'], [FAR_NS, 'far'], [ns(T)]] }] });
    expect(loki.statusCode).toBe(200);
    expect(loki.json()).toMatchObject({ accepted: 1, rejected: 2 });
    expect(loki.json().errors[0].message).toMatch(/out of range/);
    const { WriteRequest } = (await import('../../ingest/proto/index.js')).prometheusTypes();
    const rw = await post('/api/v1/write', 'application/x-protobuf', Buffer.from(snappy.compress(WriteRequest.encode(WriteRequest.fromObject({ timeseries: [
      { labels: [{ name: '__name__', value: 'kept_rw' }, { name: 'job', value: 'j' }], samples: [{ value: 1, timestamp: T }, { value: 2, timestamp: FAR_MS }] },
      { labels: [{ name: 'job', value: 'nameless' }], samples: [{ value: 1, timestamp: T }] },
    ] })).finish())), 'snappy');
    expect(rw.statusCode).toBe(200);
    expect(rw.json()).toMatchObject({ accepted: 1, rejected: 2 });
    expect(rw.json().errors.map((e: { message: string }) => e.message).join(' ')).toMatch(/out of range.*__name__/s);
  });

  it('change webhooks and Alertmanager', async () => {
    const pd = await json('/v1/changes/pagerduty', { payload: { summary: 's', timestamp: '5000-01-01T00:00:00Z', source: 'x' } });
    expect(pd.statusCode).toBe(400);
    expect(pd.json().message).toMatch(/out of range/);
    const deploy = await json('/v1/changes/deploy', [{ service: 'kept-deploy', version: '1', ts: T }, { version: '2', ts: T }, { service: 'b', ts: 1e20 }]);
    expect(deploy.statusCode).toBe(200);
    expect(deploy.json()).toMatchObject({ accepted: 1, rejected: 2 });
    expect(deploy.json().errors.map((e: { message: string }) => e.message).join(' ')).toMatch(/service: required.*out of range/s);
    const am = await json('/v1/alertmanager', { version: '4', status: 'firing', commonLabels: {}, alerts: [
      { status: 'firing', labels: { alertname: 'Kept', service: 'a' }, annotations: {}, startsAt: new Date(T).toISOString(), fingerprint: 'k' },
      { status: 'firing', labels: { alertname: 'Far', service: 'a' }, annotations: {}, startsAt: '5000-01-01T00:00:00Z', fingerprint: 'f' },
      { status: 'firing', labels: { service: 'a' }, annotations: {}, startsAt: new Date(T).toISOString() },
    ] });
    expect(am.statusCode).toBe(200);
    expect(am.json()).toMatchObject({ accepted: 1, rejected: 2 });
    expect(am.json().errors.map((e: { message: string }) => e.message).join(' ')).toMatch(/out of range.*alertname: required/s);
  });

  it('the kept records are on the bus and every rejected one is dead-lettered with its reason', async () => {
    await h.bus.idle();
    const logs = h.values<LogRecord>(TOPICS.logs).map((l) => l.body);
    expect(logs).toEqual(expect.arrayContaining(['kept-nd', 'kept-otlp', 'kept-loki']));
    const metrics = h.values<MetricPoint>(TOPICS.metrics).map((m) => m.name);
    expect(metrics).toEqual(expect.arrayContaining(['kept_gauge', 'kept_rw']));
    const reasons = h.values<{ reason: string }>(TOPICS.deadLetter).map((d) => d.reason).join('\n');
    expect(reasons).toMatch(/timestamp_out_of_range/);
    expect(reasons).toMatch(/missing_field/);
  });
});

describe('protobuf bodies written from the upstream field numbers, not from ingest/proto', () => {
  const field = (n: number, wire: number) => (n << 3) | wire;
  const msg = (write: (w: protobuf.Writer) => void): Uint8Array => {
    const w = protobuf.Writer.create();
    write(w);
    return w.finish();
  };

  it('remote_write: prompb WriteRequest{timeseries=1: TimeSeries{labels=1: Label{name=1,value=2}, samples=2: Sample{value=1 double, timestamp=2 int64}}}', async () => {
    const label = (name: string, value: string) => msg((w) => w.uint32(field(1, 2)).string(name).uint32(field(2, 2)).string(value));
    const sample = (value: number, ts: number) => msg((w) => w.uint32(field(1, 1)).double(value).uint32(field(2, 0)).int64(ts));
    const series = msg((w) => {
      for (const l of [label('__name__', 'upstream_requests_total'), label('job', 'api'), label('code', '200')]) w.uint32(field(1, 2)).bytes(l);
      w.uint32(field(2, 2)).bytes(sample(41, T)).uint32(field(2, 2)).bytes(sample(42, T + 15_000));
    });
    const body = msg((w) => w.uint32(field(1, 2)).bytes(series));
    const res = await post('/api/v1/write', 'application/x-protobuf', Buffer.from(snappy.compress(body)), 'snappy');
    expect(res.statusCode).toBe(204);
    await h.bus.idle();
    const points = h.values<MetricPoint>(TOPICS.metrics).filter((p) => p.name === 'upstream_requests_total');
    expect(points.map((p) => [p.ts, p.value])).toEqual([[T, 41], [T + 15_000, 42]]);
    expect(points[0]).toMatchObject({ service: 'api', kind: 'counter', labels: { job: 'api', code: '200' } });
  });

  it('Loki: logproto PushRequest{streams=1: StreamAdapter{labels=1, entries=2: EntryAdapter{timestamp=1 Timestamp{seconds=1,nanos=2}, line=2}}}', async () => {
    const ts = msg((w) => w.uint32(field(1, 0)).int64(T / 1000).uint32(field(2, 0)).int32(7_000_000));
    const entry = msg((w) => w.uint32(field(1, 2)).bytes(ts).uint32(field(2, 2)).string('level=warn upstream loki line'));
    const stream = msg((w) => w.uint32(field(1, 2)).string('{service="loki-up", host="n9"}').uint32(field(2, 2)).bytes(entry));
    const body = msg((w) => w.uint32(field(1, 2)).bytes(stream));
    const res = await post('/loki/api/v1/push', 'application/x-protobuf', Buffer.from(snappy.compress(body)));
    expect(res.statusCode).toBe(204);
    await h.bus.idle();
    const log = h.values<LogRecord>(TOPICS.logs).find((l) => l.service === 'loki-up');
    expect(log).toMatchObject({ host: 'n9', ts: T + 7, severity: 'warn', body: 'level=warn upstream loki line' });
  });

  it('invalid UTF-8 in a protobuf string field: 400 naming UTF-8 (remote_write label, Loki line)', async () => {
    const invalid = Buffer.from([0x61, 0xff, 0x62, 0xed, 0xa0, 0x80]);
    const label = msg((w) => w.uint32(field(1, 2)).string('__name__').uint32(field(2, 2)).bytes(invalid));
    const series = msg((w) => w.uint32(field(1, 2)).bytes(label).uint32(field(2, 2)).bytes(msg((x) => x.uint32(field(1, 1)).double(1).uint32(field(2, 0)).int64(T))));
    const rw = await post('/api/v1/write', 'application/x-protobuf', Buffer.from(snappy.compress(msg((w) => w.uint32(field(1, 2)).bytes(series)))), 'snappy');
    expect(rw.statusCode).toBe(400);
    expect(rw.json().message).toMatch(/UTF-?8/i);
    const line = Buffer.concat([Buffer.from('a line longer than twelve bytes '), invalid]);
    const entry = msg((w) => w.uint32(field(1, 2)).bytes(msg((x) => x.uint32(field(1, 0)).int64(T / 1000))).uint32(field(2, 2)).bytes(line));
    const stream = msg((w) => w.uint32(field(1, 2)).string('{app="bad-utf8"}').uint32(field(2, 2)).bytes(entry));
    const loki = await post('/loki/api/v1/push', 'application/x-protobuf', Buffer.from(snappy.compress(msg((w) => w.uint32(field(1, 2)).bytes(stream)))));
    expect(loki.statusCode).toBe(400);
    expect(loki.json().message).toMatch(/UTF-?8/i);
  });
});
