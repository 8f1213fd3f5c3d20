// What the correlate-replica integration tests share: a config on fresh topics and a fresh
// ClickHouse database, a migrated store, a producer, the newest version of every incident
// published, the sink (a replica taking a tenant over reads versions from the store), and a wait
// for the consumer group to settle with a number of members.
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { loadConfig, type AiopsConfig } from '../../platform/config/config.js';
import type { Incident } from '../../platform/contracts/events.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import { runStages } from '../../platform/runtime/run-stages.js';
import { ClickHouseStore } from '../../platform/store/clickhouse-store.js';
import { sinkStage } from '../../sink/stage.js';
import { clickhouseUrl, kafkaBrokers } from '../integration/services.js';
import { waitFor } from './stage-processes.js';
import { follow, testBus } from './stage-replicas.js';
import type { KafkaBus } from '../../platform/bus/kafka-bus.js';

export interface CorrelateHarness {
  config: AiopsConfig;
  store: ClickHouseStore;
  producer: KafkaBus;
  /** Newest version of each incident published, by id. */
  seen: Map<string, Incident>;
  /** Waits for the correlate group to be Stable with `members` members on the co-partitioned assigner. */
  stableWith(members: number): Promise<void>;
}

export async function correlateHarness(run: string, partitions: number, env: Record<string, string>, logger: Logger, cleanup: Array<() => Promise<unknown>>): Promise<CorrelateHarness> {
  const database = `aiops_it_${run}`;
  const config = loadConfig({
    AIOPS_KAFKA_BROKERS: kafkaBrokers().join(','),
    AIOPS_CLICKHOUSE_URL: clickhouseUrl(),
    AIOPS_CLICKHOUSE_DATABASE: database,
    AIOPS_KAFKA_TOPIC_PREFIX: `${database}.`,
    AIOPS_KAFKA_PARTITIONS: String(partitions),
    AIOPS_OPS_PORT: '0',
    AIOPS_LOG_LEVEL: 'warn',
    ...env,
  });
  const store = new ClickHouseStore({ url: clickhouseUrl(), database, username: 'default', password: '' });
  cleanup.push(() => store.close());
  await store.migrate();

  const producer = await testBus(config, 'it-producer', logger, cleanup);
  const seen = new Map<string, Incident>();
  await follow(producer, TOPICS.incidents, `it-incidents-${run}`, (inc) => {
    const known = seen.get(inc.id);
    if (!known || known.version < inc.version) seen.set(inc.id, inc);
  }, cleanup);
  const sink = await runStages([sinkStage], config, { logger, store, opsServer: false });
  cleanup.push(() => sink.stop());

  const adm = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await adm.connect();
  cleanup.push(() => adm.disconnect());
  const stableWith = async (members: number) => {
    await waitFor(`${members} correlate replicas to share the partitions`, async () => {
      const { groups } = await adm.describeGroups([`${config.kafka.topicPrefix}aiops-correlate`]);
      const g = groups[0];
      return g && g.state === 'Stable' && g.members.length === members && g.protocol === 'AiopsCoPartitionedAssigner' ? true : undefined;
    }, 60_000);
  };
  return { config, store, producer, seen, stableWith };
}
