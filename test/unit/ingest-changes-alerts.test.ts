import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOPICS, type Anomaly, type ChangeEvent } from '../../platform/contracts/index.js';
import { ingestHarness, type Harness } from '../../ingest/testing/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await ingestHarness();
});
afterEach(async () => {
  await h.close();
});

const post = (url: string, body: unknown, type = 'application/json') =>
  h.app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

describe('change events', () => {
  it('accepts PagerDuty change events', async () => {
    const res = await post('/v1/changes/pagerduty', {
      routing_key: 'R0123',
      payload: {
        summary: 'Build Success: Increase snapshot create timeout to 30 seconds',
        timestamp: '2020-07-17T08:42:58.315+0000',
        source: 'acme-build-pipeline',
        custom_details: { service: 'snapshots', build_number: 2, build_state: 'passed' },
      },
      links: [{ href: 'https://ci.example/build/2', text: 'details' }],
    });
    expect(res.statusCode).toBe(200);
    await h.bus.idle();
    const [c] = h.values<ChangeEvent>(TOPICS.changes);
    expect(c).toMatchObject({ service: 'snapshots', kind: 'deploy', source: 'pagerduty', ts: Date.parse('2020-07-17T08:42:58.315Z'), tenant: 'default', attributes: { build_number: '2', link: 'https://ci.example/build/2', source: 'acme-build-pipeline' } });
    const alias = await post('/v2/change/enqueue', { payload: { summary: 'x', source: 'svc-a' } });
    expect(alias.statusCode).toBe(200);
    const bad = await post('/v1/changes/pagerduty', { routing_key: 'R' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/payload: required/);
  });

  it('accepts a plain deploy webhook, one object or an array', async () => {
    const res = await post('/v1/changes/deploy', [
      { service: 'checkout', version: 'v2.3.1', environment: 'prod', commit: 'abc123', ts: 1714564800000 },
      { service: 'cart', kind: 'config', summary: 'raised pool size' },
      { version: 'no service' },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 1, errors: [{ line: 3 }] });
    await h.bus.idle();
    const changes = h.values<ChangeEvent>(TOPICS.changes);
    expect(changes[0]).toMatchObject({ service: 'checkout', kind: 'deploy', summary: 'deployed checkout v2.3.1 to prod', source: 'webhook', attributes: { version: 'v2.3.1', commit: 'abc123' } });
    expect(changes[1]).toMatchObject({ kind: 'config', summary: 'raised pool size' });
    expect((await post('/v1/changes/deploy', 'not json')).json().message).toMatch(/not valid JSON/);
    expect((await post('/v1/changes/deploy', '{}', 'text/xml')).statusCode).toBe(415);
  });
});

describe('Alertmanager webhook', () => {
  const payload = {
    version: '4', groupKey: '{}:{alertname="HighLatency"}', truncatedAlerts: 0, status: 'firing', receiver: 'aiops',
    groupLabels: { alertname: 'HighLatency' }, commonLabels: { alertname: 'HighLatency', severity: 'page' }, commonAnnotations: {}, externalURL: 'http://am:9093',
    alerts: [
      { status: 'firing', labels: { alertname: 'HighLatency', service: 'checkout', route: '/pay', severity: 'page' }, annotations: { summary: 'p99 above 2s' }, startsAt: '2024-05-01T12:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prom/graph', fingerprint: 'f1' },
      { status: 'resolved', labels: { alertname: 'HighLatency', job: 'cart', severity: 'page' }, annotations: {}, startsAt: '2024-05-01T11:00:00Z', endsAt: '2024-05-01T11:30:00Z', fingerprint: 'f2' },
      { status: 'firing', labels: { severity: 'page' }, annotations: {}, startsAt: '2024-05-01T12:00:00Z' },
    ],
  };

  it('publishes firing alerts as score-1 anomalies and resolved ones with score 0', async () => {
    const res = await post('/v1/alertmanager', payload);
    expect(res.statusCode).toBe(200);
    // The third alert inherits alertname from commonLabels, so all three are accepted.
    expect(res.json()).toMatchObject({ accepted: 3, rejected: 0 });
    await h.bus.idle();
    const [firing, resolved] = h.values<Anomaly>(TOPICS.anomalies);
    expect(firing).toMatchObject({
      signal: 'alert', detector: 'alertmanager', score: 1, service: 'checkout', ts: Date.parse('2024-05-01T12:00:00Z'),
      subject: 'HighLatency{route="/pay",service="checkout",severity="page"}', direction: 'up',
      evidence: { status: 'firing', 'annotation.summary': 'p99 above 2s', fingerprint: 'f1', 'label.route': '/pay' },
    });
    expect(resolved).toMatchObject({ score: 0, service: 'cart', ts: Date.parse('2024-05-01T11:30:00Z'), evidence: { status: 'resolved' } });
    // Keyed by tenant: the correlate replica owning the tenant sees all of its alerts.
    expect(h.seen.get(TOPICS.anomalies)![0]!.key).toBe('default');
  });

  it('refuses other payload versions and reports alerts without a name', async () => {
    const v3 = await post('/v1/alertmanager', { ...payload, version: '3' });
    expect(v3.statusCode).toBe(400);
    expect(v3.json().message).toMatch(/version "3"/);
    const noName = await post('/v1/alertmanager', { ...payload, commonLabels: {}, alerts: [payload.alerts[2]] });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().message).toMatch(/alertname: required/);
  });
});
