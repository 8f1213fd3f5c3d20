// What a new user sees from the query API when something is off: validation errors that name the
// allowed values, one error body shape on ingest and the API, an empty topology instead of
// `null`, a quiet /favicon.ico, and process metrics named once (aiops_process_*, not doubled).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApiApp } from '../../api/app.js';
import { validationMessage } from '../../api/validation-message.js';
import { ingestHarness, type Harness } from '../../ingest/testing/harness.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';

let store: DuckDbStore;
let app: FastifyInstance;
let ingest: Harness;
beforeAll(async () => {
  store = await DuckDbStore.open(':memory:');
  await store.migrate();
  app = await buildApiApp({ store, metrics: createMetrics(false), logger: pino({ level: 'silent' }), apiKeys: [] });
  ingest = await ingestHarness();
});
afterAll(async () => {
  await app.close();
  await ingest.close();
  await store.close();
});

describe('query API answers', () => {
  it('names the allowed values of a query parameter, and the value given', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/incidents?status=maybe' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'querystring status must be one of open, resolved, merged (got "maybe").' });
    const alerts = await app.inject({ method: 'GET', url: '/v1/alerts?status=open' });
    expect(alerts.json().message).toBe('querystring status must be one of firing, resolved (got "open").');
    const signal = await app.inject({ method: 'GET', url: '/v1/anomalies?signal=trace' });
    expect(signal.json().message).toContain('signal must be one of metric, log, session, alert');
  });

  it('names the allowed values of a body field', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { kind: 'nope', anomalyId: 'a1' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(res.json().message).toMatch(/^body kind must be one of false_positive, incident \(got "nope"\)/);
  });

  it('answers an empty topology at version 0 for a tenant that has none', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/topology', headers: { 'x-scope-orgid': 'newcomer' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tenant: 'newcomer', version: 0, services: [], edges: [] });
  });

  it('answers /favicon.ico with 204 and no body', async () => {
    const res = await app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('gives ingest and API errors the same fields', async () => {
    const fromApi = (await app.inject({ method: 'GET', url: '/v1/incidents/nope' })).json() as Record<string, unknown>;
    const fromIngest = (await ingest.app.inject({ method: 'GET', url: '/v1/nothing-here' })).json() as Record<string, unknown>;
    expect(fromApi.code).toBe('NOT_FOUND');
    expect(fromIngest.code).toBe('NOT_FOUND');
    expect(Object.keys(fromApi).sort()).toEqual(['code', 'message', 'statusCode']);
    expect(Object.keys(fromIngest).sort()).toEqual(Object.keys(fromApi).sort());
    const unknownRoute = (await app.inject({ method: 'GET', url: '/v2/whatever' })).json() as Record<string, unknown>;
    expect(unknownRoute).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });
});

describe('validationMessage', () => {
  it('describes each field once and keeps other keywords readable', () => {
    const msg = validationMessage('body', [
      { instancePath: '/kind', keyword: 'const', params: { allowedValue: 'a' } },
      { instancePath: '/kind', keyword: 'const', params: { allowedValue: 'b' } },
      { instancePath: '/kind', keyword: 'anyOf', params: {}, message: 'must match a schema in anyOf' },
      { instancePath: '', keyword: 'required', params: { missingProperty: 'from' } },
      { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'colour' } },
      { instancePath: '/limit', keyword: 'maximum', params: { limit: 5 }, message: 'must be <= 5' },
    ], { kind: 'c' });
    expect(msg).toBe('body kind must be one of a, b (got "c"); body needs from; body has unknown property colour; body limit must be <= 5.');
  });
});

describe('process metrics', () => {
  it('are prefixed aiops_ once: aiops_process_cpu_seconds_total, never aiops_process_process_*', async () => {
    const text = await createMetrics(true).registry.metrics();
    expect(text).toMatch(/^aiops_process_cpu_seconds_total /m);
    expect(text).toMatch(/^aiops_nodejs_heap_size_used_bytes /m);
    expect(text).not.toMatch(/aiops_process_process_|aiops_process_nodejs_/);
  });
});

describe('learned topology edges', () => {
  it('move lastSeenAt forward with later calls once the refresh interval has passed', async () => {
    const { TenantTopology, REFRESH_INTERVAL_MS } = await import('../../correlator/tenant-topology.js');
    const T0 = Date.UTC(2026, 0, 1);
    const edge = (ts: number) => ({ id: `e${ts}`, tenant: 'default', ts, from: 'web', to: 'db', source: 'traces' as const, count: 1, evidence: 'GET /' });
    const t = new TenantTopology('default', null);
    t.observe(edge(T0));
    expect(t.due(T0)?.edges).toEqual([{ from: 'web', to: 'db', source: 'traces', lastSeenAt: T0 }]);
    t.observe(edge(T0 + 120_000));
    expect(t.due(T0 + 120_000)).toBeUndefined();
    expect(REFRESH_INTERVAL_MS).toBeLessThanOrEqual(300_000);
    expect(t.due(T0 + REFRESH_INTERVAL_MS)?.edges).toEqual([{ from: 'web', to: 'db', source: 'traces', lastSeenAt: T0 + 120_000 }]);
  });
});
