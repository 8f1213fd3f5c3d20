// The correlate stage scales out by tenant: two replicas in one consumer group on real Kafka and
// ClickHouse share the tenants (each tenant's anomalies reach one replica, so its incident is not
// split), and when one replica dies without a last checkpoint, the other takes its tenant over
// from the last checkpoint and the offsets committed with it: the same incident goes on growing,
// with no anomaly lost (those folded after the checkpoint are replayed) or counted twice.
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { tenantKey } from '../../platform/bus/bus.js';
import { startReplicas, twoTenants } from '../support/stage-replicas.js';
import { correlateHarness } from '../support/correlate-harness.js';
import { correlateStage } from '../../correlator/stage.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import { stableId } from '../../platform/contracts/ids.js';
import type { Anomaly } from '../../platform/contracts/events.js';
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

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
function anomaly(tenant: string, i: number): Anomaly {
  const ts = T0 + i * 60_000;
  return {
    id: stableId('an', tenant, 'api|latency_p95', ts),
    tenant,
    ts,
    service: 'api',
    signal: 'metric',
    subject: 'latency_p95',
    detector: 'sustained-deviation',
    score: 0.9,
    observed: 900,
    expected: 100,
    lower: 50,
    upper: 150,
    direction: 'up',
    evidence: {},
  };
}

describe.skipIf(!available.kafka || !available.clickhouse)('correlate replicas on real Kafka and ClickHouse', () => {
  it('share the tenants, and one takes over a dead replica\'s tenant without losing or double-counting an anomaly', async () => {
    // A replica checkpoints (and commits) before a batch when a second has passed since the
    // last checkpoint, and every 10 s when idle.
    const { config, store, producer, seen, stableWith } = await correlateHarness(`r${run}`, PARTITIONS, { AIOPS_CHECKPOINT_INTERVAL_MS: '1000' }, logger, cleanup);
    const replicas = await startReplicas(correlateStage, config, 2, logger, cleanup);
    // Both replicas in the group, each with partitions: the group's assignment is visible to an admin.
    await stableWith(2);

    const [t1, t2] = twoTenants(PARTITIONS);
    const incidentOf = (tenant: string) => [...seen.values()].filter((i) => i.tenant === tenant);
    const publish = (tenant: string, from: number, to: number) =>
      producer.publish(TOPICS.anomalies, Array.from({ length: to - from }, (_, k) => anomaly(tenant, from + k)).map((a) => ({ key: tenantKey(a), value: a })));

    await publish(t1, 0, 5);
    await publish(t2, 0, 5);
    await waitFor('an incident of 5 anomalies per tenant', async () => (incidentOf(t1).some((i) => i.anomalyCount === 5) && incidentOf(t2).some((i) => i.anomalyCount === 5) ? true : undefined), 60_000);
    // Not split: one incident per tenant.
    expect(incidentOf(t1)).toHaveLength(1);
    expect(incidentOf(t2)).toHaveLength(1);
    const first = new Map([t1, t2].map((t) => [t, incidentOf(t)[0]!.id]));

    // The next batch first checkpoints the 5 anomalies and commits them, then folds 2 more that
    // exist only in the owner's memory and in uncommitted offsets.
    await new Promise((r) => setTimeout(r, 1_200));
    await publish(t1, 5, 7);
    await publish(t2, 5, 7);
    await waitFor('7 anomalies per incident', async () => ([t1, t2].every((t) => incidentOf(t).some((i) => i.anomalyCount === 7)) ? true : undefined), 60_000);
    const checkpoints = await Promise.all([t1, t2].map((t) => store.getCheckpoints(t, 'correlate.v1', ['grouper'])));
    expect(checkpoints.map((c) => c.length)).toEqual([1, 1]);
    // One replica dies: its consumer leaves the group and its store connection goes, with no last
    // checkpoint or commit (the stage is never stopped). The other now owns both tenants.
    await replicas[0]!.kill();
    await publish(t1, 7, 8);
    await publish(t2, 7, 8);
    await waitFor('both incidents to reach 8 anomalies after the takeover', async () => (
      [t1, t2].every((t) => incidentOf(t).some((i) => i.anomalyCount === 8)) ? true : undefined
    ), 90_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify([...seen.values()].map((i) => ({ tenant: i.tenant, id: i.id, v: i.version, n: i.anomalyCount })))}`);
    });
    for (const t of [t1, t2]) {
      const incs = incidentOf(t);
      expect(incs.map((i) => i.id)).toEqual([first.get(t)]);
      expect(incs[0]!.anomalyCount).toBe(8);
    }
    // What users read: the stored incident is the newest version, with all 8 anomalies.
    await waitFor('the store to hold the 8-anomaly versions', async () => {
      const stored = await Promise.all([t1, t2].map((t) => store.getIncident(t, first.get(t)!)));
      return stored.every((i) => i?.anomalyCount === 8) ? true : undefined;
    }, 30_000);
  }, 240_000);
});
