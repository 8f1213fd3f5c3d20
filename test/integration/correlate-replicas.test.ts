// The correlate stage scales out by tenant: two replicas in one consumer group on real Kafka and
// ClickHouse share the tenants (each tenant's anomalies reach one replica, so its incident is not
// split), and when one replica dies without a last checkpoint, the other takes its tenant over
// from the last checkpoint and the offsets committed with it: the same incident goes on growing,
// with no anomaly lost (those folded after the checkpoint are replayed) or counted twice.
import pino from 'pino';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ClickHouseStore } from '../../platform/store/clickhouse-store.js';
import { tenantKey } from '../../platform/bus/bus.js';
import { loadConfig } from '../../platform/config/config.js';
import { runStages } from '../../platform/runtime/run-stages.js';
import { follow, startReplicas, testBus } from '../support/stage-replicas.js';
import { correlateStage } from '../../correlator/stage.js';
import { sinkStage } from '../../sink/stage.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import { stableId } from '../../platform/contracts/ids.js';
import type { Anomaly, Incident } from '../../platform/contracts/events.js';
import { clickhouseUrl, kafkaBrokers, requireServices } from './services.js';
import { waitFor } from '../support/stage-processes.js';

const available = await requireServices();
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const database = `aiops_itr_${run}`;
const PARTITIONS = 4;
const logger = pino({ level: 'silent' });
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

/** Partition the producer's default partitioner puts a key on. */
const partitionOf = (key: string): number => {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: '' } });
};

/** Two tenants whose records land on partitions of different parity: with two members, different replicas. */
function twoTenants(): [string, string] {
  const even = Array.from({ length: 100 }, (_, i) => `team-${i}`).find((t) => partitionOf(t) % 2 === 0)!;
  const odd = Array.from({ length: 100 }, (_, i) => `team-${i}`).find((t) => partitionOf(t) % 2 === 1)!;
  return [even, odd];
}

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
    const env = {
      AIOPS_KAFKA_BROKERS: kafkaBrokers().join(','),
      AIOPS_CLICKHOUSE_URL: clickhouseUrl(),
      AIOPS_CLICKHOUSE_DATABASE: database,
      AIOPS_KAFKA_TOPIC_PREFIX: `${database}.`,
      AIOPS_KAFKA_PARTITIONS: String(PARTITIONS),
      // A replica checkpoints (and commits) before a batch when a second has passed since the
      // last checkpoint, and every 10 s when idle.
      AIOPS_CHECKPOINT_INTERVAL_MS: '1000',
      AIOPS_OPS_PORT: '0',
      AIOPS_LOG_LEVEL: 'warn',
    };
    const config = loadConfig(env);
    const store = new ClickHouseStore({ url: clickhouseUrl(), database, username: 'default', password: '' });
    cleanup.push(() => store.close());
    await store.migrate();

    const producer = await testBus(config, 'it-producer', logger, cleanup);
    const seen = new Map<string, Incident>();
    await follow(producer, TOPICS.incidents, `it-incidents-${run}`, (inc) => {
      const known = seen.get(inc.id);
      if (!known || known.version < inc.version) seen.set(inc.id, inc);
    }, cleanup);

    // The sink stores incidents: a replica taking a tenant over reads the versions published
    // since the checkpoint from there.
    const sink = await runStages([sinkStage], config, { logger, store, opsServer: false });
    cleanup.push(() => sink.stop());
    const replicas = await startReplicas(correlateStage, config, 2, logger, cleanup);
    // Both replicas in the group, each with partitions: the group's assignment is visible to an admin.
    const adm = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await adm.connect();
    cleanup.push(() => adm.disconnect());
    await waitFor('two correlate replicas to share the partitions', async () => {
      const { groups } = await adm.describeGroups([`${config.kafka.topicPrefix}aiops-correlate`]);
      const g = groups[0];
      return g && g.state === 'Stable' && g.members.length === 2 && g.protocol === 'AiopsCoPartitionedAssigner' ? true : undefined;
    }, 60_000);

    const [t1, t2] = twoTenants();
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
