// The tenant and scope matrix on ingest: a key writes only its tenants, only with the ingest
// scope, through every receiver; record-level tenant fields and alert labels never widen it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../platform/contracts/index.js';
import { ingestHarness, type Harness } from '../../ingest/testing/harness.js';
import { KEYS, basic, bearer, writeKeysFile } from '../support/auth-keys.js';

const NOW_NS = `${Date.now()}000000`;
const alertBody = (labels: Record<string, string>) => JSON.stringify({
  version: '4', status: 'firing', receiver: 'aiops', groupLabels: {}, commonLabels: {}, commonAnnotations: {},
  alerts: [{ status: 'firing', labels: { alertname: 'HighLatency', service: 'checkout', ...labels }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: 'f1' }],
});

/** One request per receiver, with a body each accepts when the key may write. */
const RECEIVERS: Array<{ url: string; type: string; body: string; accepted?: number[] }> = [
  { url: '/v1/ndjson/logs', type: 'application/x-ndjson', body: JSON.stringify({ service: 'checkout', body: 'hello' }) },
  { url: '/v1/ndjson/metrics', type: 'application/x-ndjson', body: JSON.stringify({ service: 'checkout', name: 'latency', value: 1 }) },
  { url: '/v1/ndjson/changes', type: 'application/x-ndjson', body: JSON.stringify({ service: 'checkout', kind: 'deploy', summary: 'v2' }) },
  { url: '/v1/logs', type: 'application/json', body: JSON.stringify({ resourceLogs: [] }) },
  { url: '/v1/metrics', type: 'application/json', body: JSON.stringify({ resourceMetrics: [] }) },
  { url: '/v1/traces', type: 'application/json', body: JSON.stringify({ resourceSpans: [] }) },
  { url: '/loki/api/v1/push', type: 'application/json', body: JSON.stringify({ streams: [{ stream: { service: 'checkout' }, values: [[NOW_NS, 'hello']] }] }), accepted: [200, 204] },
  // remote_write wants snappy protobuf: an empty body is refused by the handler (400), which is
  // reached only once the key was let through.
  { url: '/api/v1/write', type: 'application/x-protobuf', body: '', accepted: [400] },
  { url: '/v1/changes/deploy', type: 'application/json', body: JSON.stringify({ service: 'checkout', version: 'v2' }) },
  { url: '/v1/changes/pagerduty', type: 'application/json', body: JSON.stringify({ payload: { summary: 'deploy v2', source: 'ci', custom_details: { service: 'checkout' } } }) },
  { url: '/v1/alertmanager', type: 'application/json', body: alertBody({}) },
];

let h: Harness;
beforeAll(async () => {
  h = await ingestHarness({ AIOPS_KEYS_FILE: writeKeysFile(), AIOPS_INGEST_API_KEYS: 'legacy-ingest-key' });
});
afterAll(async () => h.close());

const post = (url: string, type: string, body: string, headers: Record<string, string>) =>
  h.app.inject({ method: 'POST', url, headers: { 'content-type': type, ...headers }, payload: body });

describe('ingest keys bound to tenants and scopes', () => {
  it('answers 401 without a key or with an unknown one, on every receiver', async () => {
    for (const r of RECEIVERS) {
      for (const headers of [{}, bearer('not-a-key-at-all-000'), { authorization: 'Token x' }]) {
        const res = await post(r.url, r.type, r.body, headers);
        expect(res.statusCode, `${r.url} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/Bearer realm="aiops-ingest", Basic/);
      }
    }
  });

  it('answers 403 SCOPE_FORBIDDEN to a key without the ingest scope, on every receiver', async () => {
    for (const r of RECEIVERS) {
      for (const key of [KEYS.shopRead, KEYS.shopFeedback, KEYS.allRead]) {
        const res = await post(r.url, r.type, r.body, { ...bearer(key), 'x-scope-orgid': 'shop' });
        expect(res.statusCode, `${r.url} ${key}`).toBe(403);
        const text = res.body;
        expect(text, r.url).toMatch(/SCOPE_FORBIDDEN/);
      }
    }
  });

  it('answers 403 TENANT_FORBIDDEN to every cross-tenant write, by header or Basic user, on every receiver', async () => {
    for (const r of RECEIVERS) {
      for (const headers of [
        { ...bearer(KEYS.shopIngest), 'x-scope-orgid': 'billing' },
        { ...bearer(KEYS.shopBillingIngest), 'x-scope-orgid': 'payroll' },
        { ...bearer(KEYS.shopAdmin), 'x-scope-orgid': 'billing' },
        basic('billing', KEYS.shopIngest),
        // Two tenants on the key and none named: `default`, which it does not open.
        bearer(KEYS.shopBillingIngest),
      ]) {
        const res = await post(r.url, r.type, r.body, headers);
        expect(res.statusCode, `${r.url} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.body, r.url).toMatch(/TENANT_FORBIDDEN/);
      }
    }
    expect(h.seen.size).toBe(0);
  });

  it('accepts a key on its own tenants with the ingest scope (or admin), on every receiver', async () => {
    for (const r of RECEIVERS) {
      for (const headers of [
        { ...bearer(KEYS.shopIngest), 'x-scope-orgid': 'shop' },
        bearer(KEYS.shopIngest),
        { authorization: `bearer ${KEYS.shopIngest}` },
        { ...bearer(KEYS.shopBillingIngest), 'x-scope-orgid': 'billing' },
        basic('billing', KEYS.shopBillingIngest),
        basic('', KEYS.shopIngest),
        { ...bearer(KEYS.shopAdmin), 'x-scope-orgid': 'shop' },
        { ...bearer(KEYS.allAdmin), 'x-scope-orgid': 'anyone' },
        { ...bearer('legacy-ingest-key'), 'x-scope-orgid': 'anyone' },
      ]) {
        const res = await post(r.url, r.type, r.body, headers);
        expect(r.accepted ?? [200], `${r.url} ${JSON.stringify(headers)}: ${res.body}`).toContain(res.statusCode);
      }
    }
  });

  it('files records under the tenant the key resolves to: header, Basic user, or the key\'s only tenant', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [bearer(KEYS.shopIngest), 'shop'],
      [basic('billing', KEYS.shopBillingIngest), 'billing'],
      [{ ...bearer(KEYS.shopBillingIngest), 'x-scope-orgid': 'billing' }, 'billing'],
      [{ ...bearer(KEYS.allAdmin) }, 'default'],
      // The deprecated keys keep ignoring the Basic user, as Promtail set-ups relied on.
      [basic('promtail', 'legacy-ingest-key'), 'default'],
    ];
    for (const [headers, tenant] of cases) {
      const marker = `tenant-probe-${tenant}-${Math.random()}`;
      const res = await post('/v1/ndjson/logs', 'application/x-ndjson', JSON.stringify({ service: 'probe', body: marker }), headers);
      expect(res.statusCode).toBe(200);
      await h.bus.idle();
      const rec = h.values<{ tenant: string; body: string }>(TOPICS.logs).find((l) => l.body === marker);
      expect(rec?.tenant, JSON.stringify(headers)).toBe(tenant);
    }
  });

  it('refuses an invalid tenant header with 400 TENANT_INVALID instead of filing it under default', async () => {
    for (const bad of ['acme:prod', 'team a', 'x'.repeat(129)]) {
      const res = await post('/v1/ndjson/logs', 'application/x-ndjson', RECEIVERS[0]!.body, { ...bearer(KEYS.allAdmin), 'x-scope-orgid': bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json()).toMatchObject({ code: 'TENANT_INVALID' });
      expect(res.json().message).toMatch(/X-Scope-OrgID .* is not a tenant name/);
    }
    const both = await post('/v1/ndjson/logs', 'application/x-ndjson', RECEIVERS[0]!.body, { ...basic('shop', KEYS.shopBillingIngest), 'x-scope-orgid': 'billing' });
    expect(both.statusCode).toBe(400);
    expect(both.json().code).toBe('TENANT_INVALID');
    const badUser = await post('/v1/ndjson/logs', 'application/x-ndjson', RECEIVERS[0]!.body, basic('team a', KEYS.shopIngest));
    expect(badUser.json().code).toBe('TENANT_INVALID');
  });

  it('rejects NDJSON lines naming a tenant the key does not open, keeping the rest', async () => {
    const marker = `mixed-${Math.random()}`;
    const body = [
      JSON.stringify({ service: 'a', body: `${marker}-own` }),
      JSON.stringify({ service: 'a', body: `${marker}-other`, tenant: 'billing' }),
      JSON.stringify({ service: 'a', body: `${marker}-same`, tenant: 'shop' }),
    ].join('\n');
    const res = await post('/v1/ndjson/logs', 'application/x-ndjson', body, bearer(KEYS.shopIngest));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 1, errors: [{ line: 2, code: 'TENANT_FORBIDDEN' }] });
    const only = await post('/v1/ndjson/metrics', 'application/x-ndjson', JSON.stringify({ service: 'a', name: 'm', value: 1, tenant: 'billing' }), bearer(KEYS.shopIngest));
    expect(only.statusCode).toBe(403);
    expect(only.json().code).toBe('TENANT_FORBIDDEN');
    const deploy = await post('/v1/changes/deploy', 'application/json', JSON.stringify({ service: 'a', tenant: 'billing' }), bearer(KEYS.shopIngest));
    expect(deploy.statusCode).toBe(403);
    // A key opening both may route lines to either.
    const wide = await post('/v1/ndjson/logs', 'application/x-ndjson', JSON.stringify({ service: 'a', body: `${marker}-wide`, tenant: 'billing' }), bearer(KEYS.shopBillingIngest));
    expect(wide.statusCode).toBe(403); // no header: `default`, which this key does not open
    const wide2 = await post('/v1/ndjson/logs', 'application/x-ndjson', JSON.stringify({ service: 'a', body: `${marker}-wide`, tenant: 'billing' }), { ...bearer(KEYS.shopBillingIngest), 'x-scope-orgid': 'shop' });
    expect(wide2.statusCode).toBe(200);
    await h.bus.idle();
    const logs = h.values<{ tenant: string; body: string }>(TOPICS.logs).filter((l) => l.body.startsWith(marker));
    expect(logs.map((l) => [l.body.slice(marker.length), l.tenant]).sort()).toEqual([['-own', 'shop'], ['-same', 'shop'], ['-wide', 'billing']]);
  });

  it('ignores an Alertmanager tenant label the key does not open: the alert stays in the request tenant', async () => {
    const anomalies = () => h.values<{ tenant: string; evidence: Record<string, string> }>(TOPICS.anomalies);
    const before = anomalies().length;
    const res = await post('/v1/alertmanager', 'application/json', alertBody({ tenant: 'billing', probe: 'a' }), bearer(KEYS.shopIngest));
    expect(res.statusCode).toBe(200);
    const allowed = await post('/v1/alertmanager', 'application/json', alertBody({ tenant: 'billing', probe: 'b' }), { ...bearer(KEYS.shopBillingIngest), 'x-scope-orgid': 'shop' });
    expect(allowed.statusCode).toBe(200);
    await h.bus.idle();
    const got = anomalies().slice(before);
    expect(got.find((a) => a.evidence['label.probe'] === 'a')).toMatchObject({ tenant: 'shop', evidence: { 'label.tenant': 'billing' } });
    expect(got.find((a) => a.evidence['label.probe'] === 'b')?.tenant).toBe('billing');
    expect(got.filter((a) => a.tenant === 'billing')).toHaveLength(1);
  });

  it('serves /metrics only to an all-tenant key; health needs none', async () => {
    expect((await h.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/metrics', headers: bearer(KEYS.shopIngest) })).statusCode).toBe(403);
    expect((await h.app.inject({ url: '/metrics', headers: bearer(KEYS.shopBillingIngest) })).json().code).toBe('SCOPE_FORBIDDEN');
    expect((await h.app.inject({ url: '/metrics', headers: bearer(KEYS.shopAdmin) })).statusCode).toBe(403);
    for (const key of [KEYS.allAdmin, KEYS.allRead, 'legacy-ingest-key']) {
      const res = await h.app.inject({ url: '/metrics', headers: bearer(key) });
      expect(res.statusCode, key).toBe(200);
      expect(res.body).toContain('aiops_');
    }
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('ingest without keys', () => {
  it('stays open but refuses an invalid tenant header, as the API does', async () => {
    const open = await ingestHarness();
    try {
      const ok = await open.app.inject({ method: 'POST', url: '/v1/ndjson/logs', headers: { 'content-type': 'application/x-ndjson', 'x-scope-orgid': 'anyone' }, payload: RECEIVERS[0]!.body });
      expect(ok.statusCode).toBe(200);
      for (const bad of ['acme:prod', 'team a']) {
        const res = await open.app.inject({ method: 'POST', url: '/v1/ndjson/logs', headers: { 'content-type': 'application/x-ndjson', 'x-scope-orgid': bad }, payload: RECEIVERS[0]!.body });
        expect(res.statusCode, bad).toBe(400);
        expect(res.json().code).toBe('TENANT_INVALID');
      }
      expect((await open.app.inject({ url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
