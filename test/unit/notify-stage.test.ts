// The correlate stage pages: an incident reaches a webhook and PagerDuty (Events API v2, dedup
// key = incident id, owner team from the topology); a failed delivery is retried, not lost.
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../cli/stage-registry.js';
import { loadConfig } from '../../platform/config/config.js';
import type { Anomaly } from '../../platform/contracts/events.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import { runStages } from '../../platform/runtime/run-stages.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { alertToAnomaly } from '../../ingest/sources/alertmanager.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const received: Array<{ path: string; body: Record<string, unknown> }> = [];
let pagerDutyFailures = 1;
const server = createServer((req: IncomingMessage, res) => {
  let data = '';
  req.on('data', (c: Buffer) => (data += c.toString('utf8')));
  req.on('end', () => {
    if (req.url === '/pd' && pagerDutyFailures > 0) {
      pagerDutyFailures--;
      res.writeHead(500).end('try later');
      return;
    }
    received.push({ path: req.url ?? '', body: JSON.parse(data) as Record<string, unknown> });
    res.writeHead(req.url === '/pd' ? 202 : 200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const T0 = Date.UTC(2026, 10, 1);
const an = (service: string, minute: number): Anomaly => ({
  id: `an_${service}_${minute}`, tenant: 'default', ts: T0 + minute * 60_000, service, signal: 'metric', subject: 'latency', detector: 'sustained-deviation',
  score: 0.9, observed: 900, expected: 100, lower: 50, upper: 150, direction: 'up', evidence: {},
});

describe('notifications from the correlate stage', () => {
  it('sends the incident to the webhook and to PagerDuty, retrying a failed delivery', async () => {
    const config = loadConfig({}, {
      AIOPS_DATA_DIR: mkdtempSync(join(tmpdir(), 'aiops-notify-')), AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb',
      AIOPS_NOTIFY_WEBHOOK_URLS: `${base}/hook`, AIOPS_PAGERDUTY_ROUTING_KEY: 'routing-key-1', AIOPS_PAGERDUTY_URL: `${base}/pd`,
      AIOPS_NOTIFY_GROUP_WAIT_MS: '0',
    });
    const pipeline = await runStages([STAGES.sink, STAGES.correlate], config, { logger: createLogger('silent', { role: 'test' }), opsServer: false });
    try {
      await pipeline.bus.publish(TOPICS.topology, [{ key: 'default', value: {
        tenant: 'default', version: 1,
        services: [{ name: 'web', userFacing: true, team: 'web-team' }, { name: 'db', team: 'data', owner: 'data-oncall' }],
        edges: [{ from: 'web', to: 'db' }],
      } }]);
      await pipeline.bus.publish(TOPICS.anomalies, [an('db', 0), an('db', 1), an('web', 1), an('web', 2)].map((a) => ({ key: a.service, value: a })));
      await pipeline.bus.idle();
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !(received.some((r) => r.path === '/hook') && received.some((r) => r.path === '/pd'))) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await pipeline.stop();
    }
    const hook = received.find((r) => r.path === '/hook')!.body as { kind: string; incident: { id: string; rootCauses: Array<{ service: string }> }; owner: { team?: string } };
    expect(hook.kind).toBe('trigger');
    expect(hook.incident.rootCauses[0]!.service).toBe('db');
    expect(hook.owner).toEqual({ team: 'data', owner: 'data-oncall' });
    const pd = received.find((r) => r.path === '/pd')!.body as { routing_key: string; event_action: string; dedup_key: string; payload: { severity: string; group?: string; component?: string } };
    expect(pd).toMatchObject({ routing_key: 'routing-key-1', event_action: 'trigger', dedup_key: hook.incident.id });
    expect(pd.payload).toMatchObject({ severity: 'critical', group: 'data', component: 'db' });
    expect(pagerDutyFailures).toBe(0);
    // PagerDuty's retry did not resend to the webhook.
    expect(received.filter((r) => r.path === '/pd')).toHaveLength(1);
    expect(received.filter((r) => r.path === '/hook')).toHaveLength(1);
  });

  it('pages for one critical Alertmanager alert and resolves when Alertmanager resolves it', async () => {
    const receiver = await startWebhookReceiver();
    const config = loadConfig({}, {
      AIOPS_DATA_DIR: mkdtempSync(join(tmpdir(), 'aiops-notify-alert-')), AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb',
      AIOPS_NOTIFY_WEBHOOK_URLS: receiver.url, AIOPS_NOTIFY_GROUP_WAIT_MS: '0',
    });
    const pipeline = await runStages([STAGES.sink, STAGES.correlate], config, { logger: createLogger('silent', { role: 'test' }), opsServer: false });
    const startsAt = Date.now() - 60_000;
    const am = (status: 'firing' | 'resolved') => alertToAnomaly({
      status, labels: { alertname: 'CheckoutDown', service: 'checkout', severity: 'critical' }, startsAt: new Date(startsAt).toISOString(),
      endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z', fingerprint: 'fp-checkout-down',
    }, { version: '4', status }, 'default', Date.now());
    const until = async (ok: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    };
    try {
      await pipeline.bus.publish(TOPICS.anomalies, [{ key: 'default', value: am('firing') }]);
      await until(() => receiver.received.length > 0);
      await pipeline.bus.publish(TOPICS.anomalies, [{ key: 'default', value: am('resolved') }]);
      await until(() => receiver.received.length > 1);
    } finally {
      await pipeline.stop();
      await receiver.close();
    }
    expect(receiver.received.map((r) => [r.kind, r.incident.status])).toEqual([['trigger', 'open'], ['resolve', 'resolved']]);
    expect((receiver.received[0] as unknown as { summary: string }).summary).toMatch(/^checkout: CheckoutDown firing since /);
  });
});
