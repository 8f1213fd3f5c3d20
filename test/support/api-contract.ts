// The query API's behaviour, run against any store: filters reach the store as literal
// values, pagination works through HTTP, auth and tenant headers are enforced.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApiApp } from '../../api/app.js';
import type { Store } from '../../platform/store/store.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';
import { INJECTION_CORPUS } from './injection-corpus.js';
import { anomaly, incident } from './store-contract.js';

export function apiContract(name: string, openStore: () => Promise<Store>): void {
  describe(`query API on ${name}`, () => {
    const build = async (apiKeys: string[] = []): Promise<{ app: FastifyInstance; store: Store }> => {
      const store = await openStore();
      const app = await buildApiApp({ store, metrics: createMetrics(false), logger: pino({ level: 'silent' }), apiKeys });
      return { app, store };
    };

    it('passes every injection-corpus value through HTTP filters as a literal', async () => {
      const { app, store } = await build();
      const tenant = `api_inject_${name.toLowerCase()}`;
      await store.insertAnomalies(INJECTION_CORPUS.map((v, i) => anomaly(tenant, i, { subject: v })));
      await store.upsertIncidents(INJECTION_CORPUS.map((v, i) => incident(tenant, i, { services: [v], title: `t${i}` })));
      for (const [i, v] of INJECTION_CORPUS.entries()) {
        const q = new URLSearchParams({ service: v }).toString();
        const res = await app.inject({ method: 'GET', url: `/v1/incidents?${q}`, headers: { 'x-scope-orgid': tenant } });
        expect(res.statusCode, `service=${JSON.stringify(v.slice(0, 40))}`).toBe(200);
        expect(res.json().items.map((x: { title: string }) => x.title)).toEqual([`t${i}`]);
        const res2 = await app.inject({ method: 'GET', url: `/v1/anomalies?${new URLSearchParams({ subject: v })}`, headers: { 'x-scope-orgid': tenant } });
        expect(res2.statusCode).toBe(200);
        expect(res2.json().items.map((x: { subject: string }) => x.subject)).toEqual([v]);
      }
      await app.close();
    });

    it('pages incidents through HTTP with nextCursor', async () => {
      const { app, store } = await build();
      const tenant = `api_paging_${name.toLowerCase()}`;
      await store.upsertIncidents(Array.from({ length: 5 }, (_, i) => incident(tenant, i)));
      const titles: string[] = [];
      let url = '/v1/incidents?limit=2';
      for (let guard = 0; guard < 10; guard++) {
        const body = (await app.inject({ method: 'GET', url, headers: { 'x-scope-orgid': tenant } })).json();
        titles.push(...body.items.map((x: { title: string }) => x.title));
        if (!body.nextCursor) break;
        url = `/v1/incidents?limit=2&cursor=${encodeURIComponent(body.nextCursor)}`;
      }
      expect(titles).toEqual(['incident 4', 'incident 3', 'incident 2', 'incident 1', 'incident 0']);
      await app.close();
    });

    it('returns one incident with its anomalies, and 404 with a code for an unknown id', async () => {
      const { app, store } = await build();
      const tenant = `api_detail_${name.toLowerCase()}`;
      const an = [anomaly(tenant, 1), anomaly(tenant, 2)];
      await store.insertAnomalies(an);
      const inc = incident(tenant, 1, { anomalyIds: an.map((a) => a.id) });
      await store.upsertIncidents([inc]);
      const res = await app.inject({ method: 'GET', url: `/v1/incidents/${inc.id}`, headers: { 'x-scope-orgid': tenant } });
      expect(res.statusCode).toBe(200);
      expect(res.json().anomalies.map((a: { id: string }) => a.id).sort()).toEqual(an.map((a) => a.id).sort());
      const missing = await app.inject({ method: 'GET', url: '/v1/incidents/nope', headers: { 'x-scope-orgid': tenant } });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('NOT_FOUND');
      await app.close();
    });

    it('shows a long incident\'s newest anomalies first, as many as asked, and pages on to the oldest', async () => {
      const { app, store } = await build();
      const tenant = `api_long_${name.toLowerCase()}`;
      const an = Array.from({ length: 30 }, (_, i) => anomaly(tenant, i));
      await store.insertAnomalies(an);
      // Ids in the order they joined: the oldest first, as the grouper appends them.
      await store.upsertIncidents([incident(tenant, 1, { anomalyIds: an.map((a) => a.id) })]);
      const id = incident(tenant, 1).id;
      const headers = { 'x-scope-orgid': tenant };
      const first = (await app.inject({ method: 'GET', url: `/v1/incidents/${id}?anomalies=10`, headers })).json();
      const newest = [...an].sort((a, b) => b.ts - a.ts);
      expect(first.anomalies.map((a: { id: string }) => a.id)).toEqual(newest.slice(0, 10).map((a) => a.id));
      const rest = (await app.inject({ method: 'GET', url: `/v1/anomalies?incident=${id}&limit=100&cursor=${encodeURIComponent(first.anomaliesNextCursor)}`, headers })).json();
      expect(rest.items.map((a: { id: string }) => a.id)).toEqual(newest.slice(10).map((a) => a.id));
      const all = (await app.inject({ method: 'GET', url: `/v1/incidents/${id}`, headers })).json();
      expect(all.anomalies).toHaveLength(30);
      expect(all.anomaliesNextCursor).toBeUndefined();
      expect((await app.inject({ method: 'GET', url: `/v1/incidents/${id}?anomalies=1001`, headers })).statusCode).toBe(400);
      await app.close();
    });

    it('rejects bad filters, bad cursors, bad tenants and missing keys with coded 4xx', async () => {
      const { app } = await build(['s3cret']);
      const auth = { authorization: 'Bearer s3cret' };
      expect((await app.inject({ method: 'GET', url: '/v1/incidents' })).json().code).toBe('UNAUTHORIZED');
      expect((await app.inject({ method: 'GET', url: '/v1/incidents?limit=0', headers: auth })).json().code).toBe('VALIDATION_FAILED');
      expect((await app.inject({ method: 'GET', url: '/v1/incidents?status=maybe', headers: auth })).statusCode).toBe(400);
      const badCursor = await app.inject({ method: 'GET', url: '/v1/incidents?cursor=zzz', headers: auth });
      expect(badCursor.statusCode).toBe(400);
      expect(badCursor.json().code).toBe('BAD_CURSOR');
      const badTenant = await app.inject({ method: 'GET', url: '/v1/incidents', headers: { ...auth, 'x-scope-orgid': "a'b" } });
      expect(badTenant.statusCode).toBe(400);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: auth });
      expect(metrics.body).toContain('aiops_component_received_events_total');
      const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/incidents', '/v1/incidents/{id}', '/v1/anomalies', '/v1/services', '/v1/topology']));
      await app.close();
    });
  });
}
