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
});
