// Replicas of one stage in this process, each with its own bus and store client, so a test can
// kill one the way a crash does: its consumer leaves the group and it can write nothing more,
// with no last checkpoint or commit (its stage is never stopped).
import type { Logger } from 'pino';
import { Partitioners } from 'kafkajs';
import type { AiopsConfig } from '../../platform/config/config.js';
import { runStages, type Pipeline } from '../../platform/runtime/run-stages.js';
import type { StageModule } from '../../platform/runtime/stage.js';
import { ClickHouseStore } from '../../platform/store/clickhouse-store.js';
import { KafkaBus } from '../../platform/bus/kafka-bus.js';
import type { TopicName, TopicPayloads } from '../../platform/contracts/topics.js';

export interface StageReplica {
  pipeline: Pipeline;
  /** Closes the replica's bus and store client; its in-memory state is simply abandoned. */
  kill(): Promise<void>;
}

export async function startReplicas(stage: StageModule, config: AiopsConfig, count: number, logger: Logger, cleanup: Array<() => Promise<unknown>>): Promise<StageReplica[]> {
  const replicas: StageReplica[] = [];
  for (let i = 0; i < count; i++) {
    const { url, database, username, password } = config.clickhouse;
    const store = new ClickHouseStore({ url, database, username, password });
    const pipeline = await runStages([stage], config, { logger, store, opsServer: false });
    cleanup.push(() => store.close());
    cleanup.push(() => pipeline.stop());
    replicas.push({
      pipeline,
      kill: async () => {
        await pipeline.bus.close();
        await store.close();
      },
    });
  }
  return replicas;
}

/** A connected bus on the test's topics, closed at cleanup. */
export async function testBus(config: AiopsConfig, clientId: string, logger: Logger, cleanup: Array<() => Promise<unknown>>): Promise<KafkaBus> {
  const bus = new KafkaBus({ brokers: config.kafka.brokers, clientId, partitions: config.kafka.partitions, replicationFactor: 1, topicPrefix: config.kafka.topicPrefix, logger });
  await bus.connect();
  cleanup.push(() => bus.close());
  return bus;
}

/** Calls `each` with every record of `topic`, from its start, in a group of its own. */
export async function follow<K extends TopicName>(bus: KafkaBus, topic: K, group: string, each: (value: TopicPayloads[K]) => void, cleanup: Array<() => Promise<unknown>>): Promise<void> {
  const sub = await bus.subscribe({
    group,
    topics: [topic],
    handler: async (batch) => {
      for (const m of batch) each(m.value as TopicPayloads[K]);
    },
  });
  cleanup.push(() => sub.stop());
}

/** Partition the producer's default partitioner puts a key on, among `partitions`. */
export function partitionOf(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: '' } });
}

/** Two tenants whose records land on partitions of different parity: with two members, different replicas. */
export function twoTenants(partitions: number): [string, string] {
  const names = Array.from({ length: 100 }, (_, i) => `team-${i}`);
  return [names.find((t) => partitionOf(t, partitions) % 2 === 0)!, names.find((t) => partitionOf(t, partitions) % 2 === 1)!];
}
