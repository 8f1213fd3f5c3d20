import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOPICS, type ChangeEvent, type DeadLetter, type LogRecord, type MetricPoint } from '../../platform/contracts/index.js';
import { ingestHarness, type Harness } from '../../ingest/testing/harness.js';

const nd = (rows: unknown[]): string => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');

describe('NDJSON receivers', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await ingestHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const post = (kind: string, payload: string | Buffer, type = 'application/x-ndjson', headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: `/v1/ndjson/${kind}`, headers: { 'content-type': type, ...headers }, payload });

  it('publishes log lines normalised, with default tenant, stable ids and mapped severities', async () => {
    const body = nd([
      { ts: 1714564800000, service: 'checkout', severity: 'WARNING', body: 'slow payment', attributes: { route: '/pay', code: 502 } },
      { ts: '2024-05-01T12:00:01.500Z', service: 'checkout', level: 17, message: 'failed' },
      { service: 'cart', body: 'no ts' },
    ]);
    const res = await post('logs', body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 3, rejected: 0, errors: [] });
    await h.bus.idle();
    const logs = h.values<LogRecord>(TOPICS.logs);
    expect(logs).toHaveLength(3);
    expect(logs[0]).toMatchObject({ tenant: 'default', ts: 1714564800000, service: 'checkout', severity: 'warn', body: 'slow payment', attributes: { route: '/pay', code: '502' } });
    expect(logs[1]).toMatchObject({ ts: Date.parse('2024-05-01T12:00:01.500Z'), severity: 'error', body: 'failed' });
    expect(logs[2]!.ts).toBeGreaterThan(Date.now() - 60_000);
    expect(h.seen.get(TOPICS.logs)![0]!.key).toBe('checkout');
    // A re-sent record gets the same id.
    await post('logs', nd([{ ts: 1714564800000, service: 'checkout', severity: 'WARNING', body: 'slow payment', attributes: { route: '/pay', code: 502 } }]));
    await h.bus.idle();
    expect(h.values<LogRecord>(TOPICS.logs)[3]!.id).toBe(logs[0]!.id);
  });

  it('accepts the valid lines, reports each invalid line and dead-letters it with the reason', async () => {
    const body = nd([
      { ts: 1714564800000, service: 'a', body: 'ok' },
      '{not json',
      { ts: 1714564800000, body: 'no service' },
      { ts: 1.7e18, service: 'a', body: 'nanoseconds' },
      '',
      { ts: 1714564800000, service: 'a', severity: 'loud', body: 'x' },
      '[1,2]',
      { ts: 1714564800001, service: 'a', body: 'ok too' },
    ]);
    const res = await post('logs', body);
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.accepted).toBe(2);
    expect(report.rejected).toBe(5);
    expect(report.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 4, 6, 7]);
    expect(report.errors[0].message).toMatch(/not valid JSON/);
    expect(report.errors[1].message).toMatch(/service: required/);
    expect(report.errors[2].message).toMatch(/nanoseconds/);
    expect(report.errors[3].message).toMatch(/not a known severity/);
    await h.bus.idle();
    const dead = h.values<DeadLetter>(TOPICS.deadLetter);
    expect(dead).toHaveLength(5);
    expect(dead[0]).toMatchObject({ sourceTopic: TOPICS.logs, payload: '{not json' });
    expect(dead[1]!.reason).toMatch(/service: required/);
  });

  it('answers 400 naming the problem when no line is valid', async () => {
    const res = await post('logs', '{"service":"a"}\n');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', accepted: 0, rejected: 1 });
    expect(res.json().message).toMatch(/line 1: body: required/);
    const empty = await post('logs', '');
    expect(empty.statusCode).toBe(400);
  });

  it('keeps valid lines when another line is not UTF-8', async () => {
    const payload = Buffer.concat([
      Buffer.from(JSON.stringify({ ts: 1, service: 'a', body: 'fine' }) + '\n'),
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]),
    ]);
    const res = await post('logs', payload);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: 1, errors: [{ line: 2, message: 'the line is not valid UTF-8' }] });
  });

  it('publishes metrics keyed by series and change events', async () => {
    const m = await post('metrics', nd([
      { ts: 1714564800000, service: 'api', name: 'latency_ms', value: 12.5, labels: { route: '/pay' } },
      { ts: 1714564800000, service: 'api', name: 'requests_total', kind: 'counter', value: '42' },
      { ts: 1714564800000, service: 'api', name: 'bad', value: 'NaN' },
    ]), 'application/json-lines');
    expect(m.json()).toMatchObject({ accepted: 2, rejected: 1 });
    const c = await post('changes', nd([{ ts: '2024-05-01T12:00:00Z', service: 'api', kind: 'deploy', summary: 'v1.2.3', attributes: { version: '1.2.3' } }]), 'text/plain');
    expect(c.json()).toMatchObject({ accepted: 1, rejected: 0 });
    await h.bus.idle();
    const metrics = h.values<MetricPoint>(TOPICS.metrics);
    expect(metrics[0]).toMatchObject({ name: 'latency_ms', kind: 'gauge', value: 12.5, labels: { route: '/pay' }, tenant: 'default' });
    expect(metrics[1]).toMatchObject({ kind: 'counter', value: 42 });
    expect(h.seen.get(TOPICS.metrics)![0]!.key).toContain('latency_ms');
    expect(h.values<ChangeEvent>(TOPICS.changes)[0]).toMatchObject({ service: 'api', kind: 'deploy', summary: 'v1.2.3', source: 'ndjson', ts: Date.parse('2024-05-01T12:00:00Z') });
  });

  it('accepts a JSON array with application/json and gzip bodies', async () => {
    const { gzipSync } = await import('node:zlib');
    const arr = await post('logs', JSON.stringify([{ ts: 1, service: 'a', body: 'x' }, { ts: 2, service: 'a', body: 'y' }]), 'application/json');
    expect(arr.json()).toMatchObject({ accepted: 2 });
    const gz = await post('logs', gzipSync(Buffer.from(nd([{ ts: 1, service: 'a', body: 'z' }]))), 'application/x-ndjson', { 'content-encoding': 'gzip' });
    expect(gz.json()).toMatchObject({ accepted: 1 });
    const badGz = await post('logs', Buffer.from('not gzip'), 'application/x-ndjson', { 'content-encoding': 'gzip' });
    expect(badGz.statusCode).toBe(400);
    expect(badGz.json().message).toMatch(/not valid gzip/);
  });

  it('refuses a wrong content type with 415 and an oversize body with 413', async () => {
    const wrong = await post('logs', '{}', 'application/xml');
    expect(wrong.statusCode).toBe(415);
    expect(wrong.json().message).toMatch(/application\/x-ndjson/);
    const big = await post('logs', 'x'.repeat(h.config.ingest.bodyLimitBytes + 1));
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 503 with Retry-After when the bus is down, and nothing is acknowledged', async () => {
    h.bus.unavailable = true;
    const res = await post('logs', nd([{ ts: 1, service: 'a', body: 'x' }]));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json().code).toBe('BUS_UNAVAILABLE');
  });

  it('serves health, readiness and metrics', async () => {
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    await post('logs', nd([{ ts: 1, service: 'a', body: 'x' }]));
    const m = await h.app.inject({ url: '/metrics' });
    expect(m.body).toMatch(/aiops_component_received_events_total\{stage="ingest",component="ndjson"\} 1/);
    expect((await h.app.inject({ url: '/nope' })).statusCode).toBe(404);
  });
});

describe('NDJSON under a slow bus', () => {
  it('refuses up front with 429 and Retry-After once the bus is over its high-water mark', async () => {
    const h = await ingestHarness({}, { bus: { highWaterMark: 1 }, publisher: { timeoutMs: 100 } });
    try {
      // The recorder's queue fills to the high-water mark and the handler never gets to drain it
      // synchronously, so the second request waits on backpressure.
      const first = h.app.inject({ method: 'POST', url: '/v1/ndjson/logs', headers: { 'content-type': 'application/x-ndjson' }, payload: nd([{ ts: 1, service: 'a', body: 'x' }]) });
      await h.bus.subscribe({ group: 'stuck', topics: [TOPICS.logs], handler: () => new Promise(() => {}) });
      expect((await first).statusCode).toBe(200);
      const r1 = await h.app.inject({ method: 'POST', url: '/v1/ndjson/logs', headers: { 'content-type': 'application/x-ndjson' }, payload: nd([{ ts: 2, service: 'a', body: 'y' }]) });
      const r2 = await h.app.inject({ method: 'POST', url: '/v1/ndjson/logs', headers: { 'content-type': 'application/x-ndjson' }, payload: nd([{ ts: 3, service: 'a', body: 'z' }]) });
      // Over its high-water mark the bus is overloaded: ingest refuses before publishing anything
      // (it used to publish, wait for the 100 ms publish timeout and answer 503).
      expect([r1.statusCode, r2.statusCode]).toEqual([429, 429]);
      for (const r of [r1, r2]) expect(r.headers['retry-after']).toBeDefined();
    } finally {
      await h.close();
    }
  });
});
