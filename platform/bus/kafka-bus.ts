// The distributed mode's bus on kafkajs: idempotent producer with acks from all in-sync
// replicas, keyed partitions, consumer groups, and offsets committed only after the handler
// resolved (at-least-once).
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type Producer, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { AiopsError } from '../errors/aiops-error.js';
import { TOPICS, type TopicName, type TopicPayloads } from '../contracts/topics.js';
import type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from './bus.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  partitions: number;
  replicationFactor: number;
  logger: Logger;
  /** Prepended to every topic name, so environments (or test runs) can share one cluster. */
  topicPrefix?: string;
  /** How long to wait for a broker before giving up at start. */
  connectTimeoutMs?: number;
}

function kafkaLogCreator(logger: Logger) {
  return () => (entry: LogEntry) => {
    const { message, ...rest } = entry.log;
    const ctx = { component: 'kafkajs', namespace: entry.namespace, ...rest };
    if (entry.level <= logLevel.ERROR) logger.error(ctx, message);
    else if (entry.level === logLevel.WARN) logger.warn(ctx, message);
  };
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly consumers = new Set<Consumer>();

  private readonly prefix: string;

  constructor(private readonly options: KafkaBusOptions) {
    this.prefix = options.topicPrefix ?? '';
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectTimeoutMs ?? 3_000,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(options.logger),
      retry: { retries: 5, initialRetryTime: 200 },
    });
  }

  async connect(): Promise<void> {
    try {
      this.admin = this.kafka.admin();
      await this.admin.connect();
      await this.ensureTopics();
      this.producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      });
      await this.producer.connect();
    } catch (err) {
      await this.close().catch(() => {});
      throw new AiopsError(
        'KAFKA_UNREACHABLE',
        `Kafka at ${this.options.brokers.join(',')} is unreachable (${err instanceof Error ? err.message : String(err)}); check AIOPS_KAFKA_BROKERS and that the brokers run (npm run services:up starts a local one).`,
        undefined,
        { cause: err },
      );
    }
  }

  /** Creates the versioned topics that are missing; existing topics are left as they are. */
  private async ensureTopics(): Promise<void> {
    const admin = this.admin!;
    const existing = new Set(await admin.listTopics());
    const missing = Object.values(TOPICS).map((t) => this.physical(t)).filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    // Several stage processes may race to create the topics; what matters is that they exist after.
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: this.options.partitions,
        replicationFactor: this.options.replicationFactor,
      })),
    }).catch(() => false);
    const now = new Set(await admin.listTopics());
    const still = missing.filter((t) => !now.has(t));
    if (still.length > 0) throw new Error(`could not create topics ${still.join(', ')}`);
  }

  async publish<K extends TopicName>(topic: K, messages: ReadonlyArray<OutgoingMessage<TopicPayloads[K]>>): Promise<void> {
    if (messages.length === 0) return;
    if (!this.producer) throw new AiopsError('BUS_UNAVAILABLE', 'The Kafka producer is not connected.');
    await this.producer.send({
      topic: this.physical(topic),
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value) })),
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: options.group,
      allowAutoTopicCreation: false,
      // Generous: a busy host must not turn slow heartbeats into a rebalance storm.
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 60_000,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics.map((t) => this.physical(t)), fromBeginning: options.fromBeginning ?? true });
    const logical = new Map(options.topics.map((t) => [this.physical(t), t]));
    this.consumers.add(consumer);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const decoded: IncomingMessage[] = batch.messages.map((m) => {
          let value: unknown;
          try {
            value = m.value ? JSON.parse(m.value.toString('utf8')) : null;
          } catch {
            value = { __undecodable: m.value?.toString('base64') ?? '' };
          }
          return { topic: logical.get(batch.topic)!, key: m.key?.toString('utf8') ?? '', value, partition: batch.partition, offset: m.offset };
        });
        await options.handler(decoded);
        const last = batch.messages[batch.messages.length - 1]!;
        // Without resolveOffset kafkajs keeps fetching from the last resolved position, so the
        // consumer would stall on the same batch. Commit only after the handler resolved: a crash
        // before this line replays the batch.
        resolveOffset(last.offset);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
        await heartbeat();
      },
    });
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  private physical(topic: TopicName): string {
    return `${this.prefix}${topic}`;
  }

  async idle(): Promise<void> {}

  async close(): Promise<void> {
    for (const c of this.consumers) await c.disconnect().catch(() => {});
    this.consumers.clear();
    await this.producer?.disconnect().catch(() => {});
    await this.admin?.disconnect().catch(() => {});
  }
}
