// One bus interface for both modes. Duties: publish resolves only once every message is
// acknowledged (in-process: accepted into the queue; Kafka: acks from all in-sync replicas);
// a subscriber's offsets advance only after its handler resolved (at-least-once).
import type { TopicName, TopicPayloads } from '../contracts/topics.js';

export interface OutgoingMessage<T> {
  /** Partition key: the series, the service or the tenant, so one owner sees a key's records in order. */
  key: string;
  value: T;
}

/**
 * The partition key of what the correlate stage folds per tenant (anomalies, changes, topology
 * versions, learned edges): the tenant. With those topics co-partitioned, one correlate replica
 * owns each tenant and the replicas share the tenants.
 */
export const tenantKey = (record: { tenant: string }): string => record.tenant;

export interface IncomingMessage {
  topic: TopicName;
  key: string;
  /** Decoded but not yet validated: a subscriber validates before use (see consumeValidated). */
  value: unknown;
  partition: number;
  offset: string;
}

export interface SubscribeOptions {
  /** Consumer group: members of one group share the partitions; every group sees every record. */
  group: string;
  topics: TopicName[];
  fromBeginning?: boolean;
  handler: (batch: IncomingMessage[]) => Promise<void>;
  /**
   * Each member gets the same partition numbers of every topic (they must have equal partition
   * counts), so records keyed alike on different topics reach the same member.
   */
  coPartitioned?: boolean;
  /**
   * Offsets advance only when `Subscription.commit()` is called, once the subscriber's state
   * holding the handled records is durable; a crash or a rebalance replays from there. Default:
   * after each handled batch.
   */
  manualCommit?: boolean;
  /**
   * After each rebalance: the partition numbers this member now consumes (of any of its topics).
   * Not called on the in-process bus, where one member has everything.
   */
  onAssigned?: (partitions: ReadonlySet<number>) => void;
}

export interface Subscription {
  stop(): Promise<void>;
  /** With `manualCommit`: advances the offsets to every batch handled so far. Otherwise a no-op. */
  commit(): Promise<void>;
}

export interface Bus {
  readonly kind: 'memory' | 'kafka';
  connect(): Promise<void>;
  publish<K extends TopicName>(topic: K, messages: ReadonlyArray<OutgoingMessage<TopicPayloads[K]>>): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Resolves when every queued record has been handled (in-process only; Kafka resolves at once). */
  idle(): Promise<void>;
  /** True while the consumers are so far behind that new work should be refused (429) up front. */
  overloaded?(): boolean;
  /** Records waiting per consumer group (in-process only; Kafka's lag is the broker's to report). */
  pendingByGroup?(): ReadonlyMap<string, number>;
  close(): Promise<void>;
}
