// Restarts never page twice: the correlate stage keeps a notification log in the store, so a
// restarted process knows which incidents it already paged (no second trigger when they change
// again) and still resolves them, exactly once, when they go quiet, even when the tenant sends
// nothing after the restart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../cli/stage-registry.js';
import { loadConfig, type AiopsConfig } from '../../platform/config/config.js';
import type { Anomaly } from '../../platform/contracts/events.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import { runStages, type Pipeline } from '../../platform/runtime/run-stages.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const receiver = await startWebhookReceiver();
const { received, url: hook } = receiver;
afterAll(() => receiver.close());

const TENANTS = ['default', 'acme'];
let seq = 0;
/** A latency anomaly on db at wall time: event time and wall time move together. */
const an = (tenant: string): Anomaly => ({
  id: `an_${tenant}_${seq++}`, tenant, ts: Date.now(), service: 'db', signal: 'metric', subject: 'latency', detector: 'sustained-deviation',
  score: 0.9, observed: 900, expected: 100, lower: 50, upper: 150, direction: 'up', evidence: {},
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(received.map((r) => [r.kind, r.incident.tenant, r.incident.version]))}`);
    await sleep(100);
  }
}

const kinds = (kind: string) => received.filter((r) => r.kind === kind);
const perIncident = (kind: string) => receiver.countPerIncident(kind);

describe('notifications across restarts of the correlate stage', () => {
  it('sends no second trigger over 10 restarts with open incidents, and one resolve per trigger', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aiops-notify-restart-'));
    const config: AiopsConfig = loadConfig({}, {
      AIOPS_DATA_DIR: dataDir, AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb', AIOPS_NOTIFY_WEBHOOK_URLS: hook,
      AIOPS_NOTIFY_GROUP_WAIT_MS: '0', AIOPS_CORRELATOR_RESOLVE_AFTER_MS: '8000', AIOPS_CHECKPOINT_INTERVAL_MS: '1000',
    });
    // No wall-clock grace before a quiet incident resolves (60 s by default).
    Object.assign(config.correlator, { graceMs: 0 });
    const logger = createLogger('silent', { role: 'test' });
    const start = () => runStages([STAGES.sink, STAGES.correlate], config, { logger, opsServer: false });
    const incidentVersions = async (p: Pipeline) => {
      const pages = await Promise.all(TENANTS.map((t) => p.store!.queryIncidents({ tenant: t, limit: 10 })));
      return pages.flatMap((pg) => pg.items);
    };

    let pipeline = await start();
    try {
      for (const t of TENANTS) {
        await pipeline.bus.publish(TOPICS.topology, [{ key: t, value: { tenant: t, version: 1, services: [{ name: 'web', userFacing: true }, { name: 'db' }], edges: [{ from: 'web', to: 'db' }] } }]);
        await pipeline.bus.publish(TOPICS.anomalies, [an(t), an(t), an(t)].map((a) => ({ key: t, value: a })));
      }
      await until('a trigger per tenant', () => kinds('trigger').length >= TENANTS.length);

      for (let restart = 1; restart <= 10; restart++) {
        await pipeline.stop();
        pipeline = await start();
        const before = new Map((await incidentVersions(pipeline)).map((i) => [i.id, i.version]));
        // The open incidents change again after the restart: before the log, each was paged anew.
        for (const t of TENANTS) await pipeline.bus.publish(TOPICS.anomalies, [{ key: t, value: an(t) }]);
        await until(`restart ${restart}: both incidents republished`, async () => {
          const now = await incidentVersions(pipeline);
          return now.length === TENANTS.length && now.every((i) => i.status === 'open' && i.version > (before.get(i.id) ?? 0));
        });
        // A few notification ticks (every second with a group wait of 0) for a trigger to go out.
        await sleep(1_500);
      }
      const triggersAfterRestarts = kinds('trigger').length;

      // One more restart, then nothing more arrives: the restarted stage resolves both.
      await pipeline.stop();
      pipeline = await start();
      await until('a resolve per incident', () => kinds('resolve').length >= TENANTS.length, 40_000);
      // And a restart after the resolves sends none again.
      await pipeline.stop();
      pipeline = await start();
      await sleep(3_000);

      expect({ triggersAfterRestarts, triggers: [...perIncident('trigger').values()] }).toEqual({ triggersAfterRestarts: TENANTS.length, triggers: [1, 1] });
      expect([...perIncident('resolve')].sort()).toEqual([...perIncident('trigger')].sort());
      expect(new Set(received.map((r) => r.incident.tenant))).toEqual(new Set(TENANTS));
    } finally {
      await pipeline.stop();
    }
  }, 180_000);
});
