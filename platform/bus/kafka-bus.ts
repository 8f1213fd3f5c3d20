// The distributed mode's bus on kafkajs: idempotent producer with acks from all in-sync
// replicas, keyed partitions, consumer groups, and offsets committed only after the handler
// resolved (at-least-once).
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type Producer, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { AiopsError } from '../errors/aiops-error.js';
import { TOPICS, type TopicName, type TopicPayloads } from '../contracts/topics.js';
import type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from './bus.js';
import { coPartitionedAssigner } from './co-partitioned-assigner.js';
import { isRetriedByKafkajs } from './kafka-retriable.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  partitions: number;
  replicationFactor: number;
  logger: Logger;
  /** Prepended to every topic name and consumer group, so environments (or test runs) can share one cluster. */
  topicPrefix?: string;
  /** How long to wait for a broker before giving up at start. */
  connectTimeoutMs?: number;
}

/**
 * The producer is idempotent with bounded retries on purpose: a publish must fail within ingest's
 * timeout (503, the client retries; records carry stable ids, so the sink stores a retry once)
 * rather than retry for ever and pile up sends while Kafka is down. kafkajs warns about that
 * choice at every start; it is a decision, not news, so it goes to debug.
 */
const DELIBERATE = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

/**
 * A consumer crash is told once, by the CRASH event in subscribe (restarting or stopped); kafkajs'
 * own lines about it say the same at error level. A response without a match is the late answer
 * to a request that already timed out and was retried.
 */
function toldElsewhere(namespace: string, message: string): boolean {
  // kafkajs logs this on the path where it refreshes metadata and retries the send; if the
  // retries run out, publish rejects and the caller says so once.
  if (namespace === 'Producer') return message.startsWith('Failed to send messages: ');
  if (namespace === 'Consumer') return message.startsWith('Crash: ') || message.startsWith('Restarting the consumer in ');
  return namespace === 'RequestQueue' && message === 'Response without match';
}

/**
 * kafkajs logs every failed connection attempt as an error. While connecting at start those
 * attempts end in one KAFKA_UNREACHABLE (with the last cause), so they go to debug; once
 * connected, kafkajs' errors and warnings are the log's, except a response error that kafkajs
 * itself retries (a leader election just after topics were created): it logs each attempt as an
 * error, and if the retries run out the caller gets the error and logs it once.
 */
export function kafkaLogCreator(logger: Logger, connecting: () => boolean) {
  return () => (entry: LogEntry) => {
    const { message, ...rest } = entry.log;
    const ctx = { component: 'kafkajs', namespace: entry.namespace, ...rest };
    const retried = typeof rest.error === 'string' && isRetriedByKafkajs(rest.error);
    const quiet = DELIBERATE.has(message) || connecting() || retried || toldElsewhere(entry.namespace, message);
    if (entry.level > logLevel.WARN || quiet) logger.debug(ctx, message);
    else if (entry.level <= logLevel.ERROR) logger.error(ctx, message);
    else logger.warn(ctx, message);
  };
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly consumers = new Set<Consumer>();

  private readonly prefix: string;
  private connecting = true;

  constructor(private readonly options: KafkaBusOptions) {
    this.prefix = options.topicPrefix ?? '';
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectTimeoutMs ?? 3_000,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(options.logger, () => this.connecting),
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
      this.connecting = false;
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
    const all = Object.values(TOPICS).map((t) => this.physical(t));
    const missing = all.filter((t) => !existing.has(t));
    if (missing.length === 0) return this.waitForLeaders(all);
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
    // Another process may have created them a moment ago, before their leaders were elected.
    await this.waitForLeaders(all);
  }

  private async waitForLeaders(topics: readonly string[], timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const meta = await this.admin!.fetchTopicMetadata({ topics: [...topics] }).catch(() => undefined);
      const leaderless = meta?.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (meta && leaderless!.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`topics without a partition leader after ${timeoutMs} ms: ${(leaderless ?? []).map((t) => t.name).join(', ') || topics.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
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

  /** Co-partitioned topics must have one partition count, or equal keys land on different numbers. */
  private async checkCoPartitioned(topics: readonly string[]): Promise<void> {
    if (!this.admin) throw new AiopsError('BUS_UNAVAILABLE', 'The Kafka admin client is not connected.');
    const meta = await this.admin.fetchTopicMetadata({ topics: [...topics] });
    const counts = meta.topics.map((t) => `${t.name} (${t.partitions.length})`);
    if (new Set(meta.topics.map((t) => t.partitions.length)).size > 1) {
      throw new AiopsError('CONFIG_INVALID', `Topics ${counts.join(', ')} are consumed together and must have the same number of partitions; add partitions so they match (kafka-topics.sh --alter --partitions N).`);
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const physical = options.topics.map((t) => this.physical(t));
    if (options.coPartitioned) await this.checkCoPartitioned(physical);
    const consumer = this.kafka.consumer({
      // Prefixed like the topics: environments sharing a cluster must not share a group, or one
      // environment's members would be handed the other's partitions.
      groupId: `${this.prefix}${options.group}`,
      allowAutoTopicCreation: false,
      // Generous: a busy host must not turn slow heartbeats into a rebalance storm.
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 60_000,
      maxWaitTimeInMs: 200,
      ...(options.coPartitioned ? { partitionAssigners: [coPartitionedAssigner] } : {}),
    });
    // With manualCommit: per topic and partition, the offset after the last handled record.
    const handled = new Map<string, { topic: string; partition: number; offset: string }>();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const owned = new Set<number>();
      for (const list of Object.values(payload.memberAssignment)) for (const p of list) owned.add(p);
      // After a rebalance kafkajs resumes every assigned partition from its committed offset (a
      // new OffsetManager), so what was handled before is delivered again; committing it now
      // would let the commit run ahead of the subscriber's state.
      handled.clear();
      options.onAssigned?.(owned);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const ctx = { component: 'kafkajs', group: options.group, err: payload.error };
      // kafkajs restarts after a retriable error (a coordinator move, a closed connection on a
      // busy broker): the group rejoins and resumes from committed offsets, nothing is lost.
      if (payload.restart) this.options.logger.info(ctx, `consumer of ${options.group} restarts after a recoverable Kafka error: ${payload.error.message}`);
      else this.options.logger.error(ctx, `consumer of ${options.group} stopped: ${payload.error.message}`);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: physical, fromBeginning: options.fromBeginning ?? true });
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
        const next = { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() };
        if (options.manualCommit) handled.set(`${batch.topic}\u0000${batch.partition}`, next);
        else await consumer.commitOffsets([next]);
        await heartbeat();
      },
    });
    let stopped = false;
    return {
      stop: async () => {
        stopped = true;
        handled.clear();
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
      commit: async () => {
        if (stopped || handled.size === 0) return;
        const offsets = [...handled.values()];
        handled.clear();
        try {
          await consumer.commitOffsets(offsets);
        } catch (err) {
          // A rebalance took the partitions: their new owner replays from the last commit, which
          // is what at-least-once promises (the subscriber's state dedups by record id).
          this.options.logger.warn({ code: 'COMMIT_SKIPPED', group: options.group, err: (err as Error).message }, 'offsets not committed (partitions reassigned); they will be replayed');
        }
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
