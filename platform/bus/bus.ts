// One bus interface for both modes. Duties: publish resolves only once every message is
// acknowledged (in-process: accepted into the queue; Kafka: acks from all in-sync replicas);
// a subscriber's offsets advance only after its handler resolved (at-least-once).
import type { TopicName, TopicPayloads } from '../contracts/topics.js';

export interface OutgoingMessage<T> {
  /** Partition key: the series or the service, so one owner sees a key's records in order. */
  key: string;
  value: T;
}

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
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface Bus {
  readonly kind: 'memory' | 'kafka';
  connect(): Promise<void>;
  publish<K extends TopicName>(topic: K, messages: ReadonlyArray<OutgoingMessage<TopicPayloads[K]>>): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Resolves when every queued record has been handled (in-process only; Kafka resolves at once). */
  idle(): Promise<void>;
  close(): Promise<void>;
}
