// Takeovers never page twice: correlate replicas on real Kafka and ClickHouse share one
// notification log in the store. A replica that dies after paging (its newest anomalies only in
// uncommitted offsets), a tenant handed to a replica that joins, and a second death: each new
// owner replays what came after the checkpoint, republishes the incident, and sends no second
// trigger; when the incident goes quiet, its one resolve is sent by whoever owns it then.
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { tenantKey } from '../../platform/bus/bus.js';
import { startReplicas, twoTenants } from '../support/stage-replicas.js';
import { correlateHarness } from '../support/correlate-harness.js';
import type { Anomaly } from '../../platform/contracts/events.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { correlateStage } from '../../correlator/stage.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import { stableId } from '../../platform/contracts/ids.js';
import { requireServices } from './services.js';
import { waitFor } from '../support/stage-processes.js';

const available = await requireServices();
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const PARTITIONS = 4;
const logger = pino({ level: 'silent' });
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

let seq = 0;
/** At wall time, so the incident stays open while the test runs and resolves once it stops. */
function anomaly(tenant: string): Anomaly {
  const ts = Date.now();
  return {
    id: stableId('an', tenant, 'api|latency_p95', ts, seq++), tenant, ts, service: 'api', signal: 'metric', subject: 'latency_p95',
    detector: 'sustained-deviation', score: 0.9, observed: 900, expected: 100, lower: 50, upper: 150, direction: 'up', evidence: {},
  };
}

describe.skipIf(!available.kafka || !available.clickhouse)('notifications across correlate takeovers on real Kafka and ClickHouse', () => {
  it('sends one trigger and one resolve per incident through a crash, a hand-over and a second crash', async () => {
    const receiver = await startWebhookReceiver();
    cleanup.push(() => receiver.close());
    const { config, store, producer, seen, stableWith } = await correlateHarness(`n${run}`, PARTITIONS, {
      AIOPS_CHECKPOINT_INTERVAL_MS: '1000',
      AIOPS_NOTIFY_WEBHOOK_URLS: receiver.url,
      AIOPS_NOTIFY_GROUP_WAIT_MS: '0',
      // Long enough for two rebalances between anomalies; the test ends by waiting it out.
      AIOPS_CORRELATOR_RESOLVE_AFTER_MS: '45000',
    }, logger, cleanup);
    Object.assign(config.correlator, { graceMs: 0 });

    const [a, b] = await startReplicas(correlateStage, config, 2, logger, cleanup);
    await stableWith(2);
    const tenants = twoTenants(PARTITIONS);
    const publish = (n: number) => Promise.all(tenants.map((t) => producer.publish(TOPICS.anomalies, Array.from({ length: n }, () => anomaly(t)).map((x) => ({ key: tenantKey(x), value: x })))));
    const reach = (count: number, what: string) => waitFor(what, async () => {
      const incs = [...seen.values()];
      return tenants.every((t) => incs.some((i) => i.tenant === t && i.anomalyCount === count && i.status === 'open')) ? true : undefined;
    }, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify({ incidents: [...seen.values()].map((i) => [i.tenant, i.version, i.anomalyCount, i.status]), received: receiver.received.map((r) => [r.kind, r.incident.tenant]) })}`);
    });
    const triggers = () => receiver.received.filter((r) => r.kind === 'trigger').length;

    await publish(3);
    await reach(3, 'an incident of 3 anomalies per tenant');
    await waitFor('a trigger per tenant', async () => (triggers() >= 2 ? true : undefined), 30_000);

    // The next batch checkpoints the 3 and commits them; the 2 after exist only in memory and in
    // uncommitted offsets. Then replica a dies (no last checkpoint): b replays them.
    await new Promise((r) => setTimeout(r, 1_200));
    await publish(2);
    await reach(5, '5 anomalies per incident');
    await a!.kill();
    await publish(1);
    await reach(6, 'both incidents at 6 anomalies after the first takeover');

    // A third replica joins: one tenant is handed over to it cleanly. Then b dies as a did.
    const [c] = await startReplicas(correlateStage, config, 1, logger, cleanup);
    await stableWith(2);
    await publish(1);
    await reach(7, 'both incidents at 7 anomalies after the hand-over');
    await new Promise((r) => setTimeout(r, 1_200));
    await publish(1);
    await reach(8, 'both incidents at 8 anomalies');
    await b!.kill();
    await publish(1);
    await reach(9, 'both incidents at 9 anomalies after the second takeover');
    const triggersBeforeQuiet = triggers();

    // Quiet: c resolves both and sends each resolve once.
    await waitFor('a resolve per incident', async () => (receiver.countPerIncident('resolve').size >= 2 ? true : undefined), 120_000);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(c).toBeDefined();
    expect({ triggersBeforeQuiet, triggers: [...receiver.countPerIncident('trigger').values()] }).toEqual({ triggersBeforeQuiet: 2, triggers: [1, 1] });
    expect([...receiver.countPerIncident('resolve')].sort()).toEqual([...receiver.countPerIncident('trigger')].sort());
    // The log holds what was sent: one trigger and one resolve per incident.
    const log = (await Promise.all(tenants.map((t) => store.queryNotifications({ tenant: t, kinds: ['trigger', 'resolve'], limit: 100 })))).flat();
    expect(log.map((r) => r.kind).sort()).toEqual(['resolve', 'resolve', 'trigger', 'trigger']);
  }, 420_000);
});
