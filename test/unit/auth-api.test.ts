// The tenant and scope matrix on the query API: every read and every verdict with a bound key
// reaches only its tenants; scopes separate reading from posting feedback.
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiApp } from '../../api/app.js';
import { MemoryBus } from '../../platform/bus/memory-bus.js';
import type { IncomingMessage } from '../../platform/bus/bus.js';
import { loadConfig } from '../../platform/config/config.js';
import { TOPICS } from '../../platform/contracts/index.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';
import { opsKeyRing } from '../../platform/auth/index.js';
import { startOpsServer } from '../../platform/runtime/ops-server.js';
import { KEYS, basic, bearer, writeKeysFile } from '../support/auth-keys.js';
import { anomaly, incident } from '../support/store-contract.js';

let app: FastifyInstance;
let store: DuckDbStore;
let bus: MemoryBus;
const feedback: IncomingMessage[] = [];
const shopIncident = incident('shop', 1);
const billingIncident = incident('billing', 2);
const shopAnomaly = anomaly('shop', 1);
const billingAnomaly = anomaly('billing', 2);

beforeAll(async () => {
  store = await DuckDbStore.open(':memory:');
  await store.migrate();
  await store.insertAnomalies([shopAnomaly, billingAnomaly]);
  await store.upsertIncidents([shopIncident, billingIncident]);
  bus = new MemoryBus();
  await bus.subscribe({ group: 'test', topics: [TOPICS.feedback], handler: async (batch) => void feedback.push(...batch) });
  const config = loadConfig({}, { AIOPS_KEYS_FILE: writeKeysFile() });
  app = await buildApiApp({ store, metrics: createMetrics(false), logger: pino({ level: 'silent' }), apiKeys: ['legacy-api-key'], keys: config.auth.keys, bus });
});
afterAll(async () => {
  await app.close();
  await bus.close();
  await store.close();
});

const READS = (tenantIncident: string): string[] => [
  '/v1/incidents', `/v1/incidents/${tenantIncident}`, '/v1/anomalies', '/v1/alerts', '/v1/services', '/v1/topology',
];
const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });
const verdict = (headers: Record<string, string>, body: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/feedback', headers, payload: body });
const onService = { kind: 'false_positive', service: 'svc-1', from: 1, to: 2 };

describe('query API keys bound to tenants and scopes', () => {
  it('answers 401 without a key or with an unknown one, on every endpoint', async () => {
    for (const headers of [{}, bearer('wrong-key-000000000000'), { authorization: 'Basic' }]) {
      for (const url of READS(shopIncident.id)) {
        const res = await get(url, { ...headers, 'x-scope-orgid': 'shop' });
        expect(res.statusCode, url).toBe(401);
        expect(res.json().code).toBe('UNAUTHORIZED');
        expect(res.headers['www-authenticate']).toMatch(/Bearer realm="aiops-api"/);
      }
      expect((await verdict({ ...headers, 'x-scope-orgid': 'shop' }, onService)).statusCode).toBe(401);
    }
  });

  it('answers 403 TENANT_FORBIDDEN to every cross-tenant read', async () => {
    for (const headers of [
      { ...bearer(KEYS.shopRead), 'x-scope-orgid': 'billing' },
      { ...bearer(KEYS.shopAdmin), 'x-scope-orgid': 'billing' },
      basic('billing', KEYS.shopRead),
    ]) {
      for (const url of READS(billingIncident.id)) {
        const res = await get(url, headers);
        expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.json().code).toBe('TENANT_FORBIDDEN');
        expect(res.body).not.toContain(billingIncident.title);
      }
    }
  });

  it('answers 403 TENANT_FORBIDDEN to every cross-tenant verdict, by service or by anomaly id', async () => {
    for (const headers of [
      { ...bearer(KEYS.shopFeedback), 'x-scope-orgid': 'billing' },
      { ...bearer(KEYS.shopAdmin), 'x-scope-orgid': 'billing' },
      basic('billing', KEYS.shopFeedback),
    ]) {
      for (const body of [onService, { kind: 'incident', anomalyId: billingAnomaly.id }]) {
        const res = await verdict(headers, body);
        expect(res.statusCode, JSON.stringify(headers)).toBe(403);
        expect(res.json().code).toBe('TENANT_FORBIDDEN');
      }
    }
    // Within its own tenant, another tenant's anomaly id is simply not found.
    const other = await verdict({ ...bearer(KEYS.shopFeedback), 'x-scope-orgid': 'shop' }, { kind: 'incident', anomalyId: billingAnomaly.id });
    expect(other.statusCode).toBe(404);
    await bus.idle();
    expect(feedback).toHaveLength(0);
  });

  it('answers 403 SCOPE_FORBIDDEN to a key without the scope', async () => {
    for (const key of [KEYS.shopIngest, KEYS.shopFeedback]) {
      for (const url of READS(shopIncident.id)) {
        const res = await get(url, { ...bearer(key), 'x-scope-orgid': 'shop' });
        expect(res.statusCode, `${url} ${key}`).toBe(403);
        expect(res.json().code).toBe('SCOPE_FORBIDDEN');
      }
    }
    for (const key of [KEYS.shopIngest, KEYS.shopRead, KEYS.allRead]) {
      const res = await verdict({ ...bearer(key), 'x-scope-orgid': 'shop' }, onService);
      expect(res.statusCode, key).toBe(403);
      expect(res.json().code).toBe('SCOPE_FORBIDDEN');
    }
  });

  it('serves reads of its own tenants to a read (or admin) key, and only that tenant\'s data', async () => {
    for (const headers of [
      { ...bearer(KEYS.shopRead), 'x-scope-orgid': 'shop' },
      bearer(KEYS.shopRead),
      { authorization: `bearer ${KEYS.shopRead}` },
      basic('shop', KEYS.shopRead),
      basic('', KEYS.shopRead),
      bearer(KEYS.shopAdmin),
      { ...bearer(KEYS.allAdmin), 'x-scope-orgid': 'shop' },
      { ...bearer(KEYS.allRead), 'x-scope-orgid': 'shop' },
      { ...bearer('legacy-api-key'), 'x-scope-orgid': 'shop' },
    ]) {
      for (const url of READS(shopIncident.id)) {
        const res = await get(url, headers);
        expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(200);
        expect(res.body).not.toContain('billing');
      }
      const list = (await get('/v1/incidents', headers)).json();
      expect(list.items.map((i: { id: string }) => i.id)).toEqual([shopIncident.id]);
    }
    const billing = await get('/v1/incidents', { ...bearer(KEYS.allAdmin), 'x-scope-orgid': 'billing' });
    expect(billing.json().items.map((i: { id: string }) => i.id)).toEqual([billingIncident.id]);
  });

  it('accepts verdicts on its own tenant from a feedback (or admin) key and files them there', async () => {
    const before = feedback.length;
    const cases: Array<[Record<string, string>, Record<string, unknown>, string]> = [
      [bearer(KEYS.shopFeedback), onService, 'shop'],
      [basic('shop', KEYS.shopFeedback), { kind: 'incident', anomalyId: shopAnomaly.id }, 'shop'],
      [{ ...bearer(KEYS.shopAdmin), 'x-scope-orgid': 'shop' }, onService, 'shop'],
      [{ ...bearer(KEYS.allAdmin), 'x-scope-orgid': 'billing' }, { kind: 'incident', anomalyId: billingAnomaly.id }, 'billing'],
      [{ ...bearer('legacy-api-key'), 'x-scope-orgid': 'billing' }, onService, 'billing'],
    ];
    for (const [headers, body, tenant] of cases) {
      const res = await verdict(headers, body);
      expect(res.statusCode, JSON.stringify(headers)).toBe(202);
      expect(res.json().tenant).toBe(tenant);
    }
    await bus.idle();
    expect(feedback.slice(before).map((m) => (m.value as { tenant: string }).tenant)).toEqual(cases.map((c) => c[2]));
  });

  it('refuses an invalid tenant with 400 TENANT_INVALID', async () => {
    for (const bad of ['acme:prod', 'team a']) {
      const res = await get('/v1/incidents', { ...bearer(KEYS.allAdmin), 'x-scope-orgid': bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().code).toBe('TENANT_INVALID');
    }
    expect((await get('/v1/incidents', basic('team a', KEYS.shopRead))).json().code).toBe('TENANT_INVALID');
  });

  it('serves /metrics only to an all-tenant key; health, page and spec need none', async () => {
    expect((await get('/metrics', {})).statusCode).toBe(401);
    expect((await get('/metrics', bearer(KEYS.shopRead))).json().code).toBe('SCOPE_FORBIDDEN');
    expect((await get('/metrics', bearer(KEYS.shopAdmin))).json().code).toBe('SCOPE_FORBIDDEN');
    for (const key of [KEYS.allAdmin, KEYS.allRead, 'legacy-api-key']) {
      expect((await get('/metrics', bearer(key))).statusCode, key).toBe(200);
    }
    for (const url of ['/healthz', '/readyz', '/', '/openapi.json']) expect((await get(url, {})).statusCode, url).toBe(200);
  });
});

describe('ops server /metrics (detect, correlate, sink)', () => {
  it('applies the same key rule as ingest and the API when keys are set', async () => {
    const config = loadConfig({}, { AIOPS_KEYS_FILE: writeKeysFile(), AIOPS_INGEST_API_KEYS: 'legacy-ingest-key' });
    const ops = await startOpsServer('127.0.0.1', 0, createMetrics(false).registry, () => true, opsKeyRing(config));
    try {
      expect((await ops.inject({ url: '/metrics' })).statusCode).toBe(401);
      expect((await ops.inject({ url: '/metrics', headers: bearer(KEYS.shopRead) })).json().code).toBe('SCOPE_FORBIDDEN');
      for (const key of [KEYS.allAdmin, 'legacy-ingest-key']) expect((await ops.inject({ url: '/metrics', headers: bearer(key) })).statusCode, key).toBe(200);
      expect((await ops.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await ops.close();
    }
    const open = await startOpsServer('127.0.0.1', 0, createMetrics(false).registry, () => true);
    try {
      expect((await open.inject({ url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
