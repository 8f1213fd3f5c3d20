// Validates bus records against their topic's schema before a stage sees them. A bad record is
// counted and sent to the dead-letter topic with the reason; it never stops the consumer.
import type { TopicName, TopicPayloads } from '../contracts/topics.js';
import { TOPICS, TOPIC_SCHEMAS } from '../contracts/topics.js';
import { validate } from '../contracts/validate.js';
import { stableId } from '../contracts/ids.js';
import { DEFAULT_TENANT } from '../contracts/common.js';
import type { DeadLetter } from '../contracts/events.js';
import type { Bus, IncomingMessage } from './bus.js';

export type TypedRecord = { [K in TopicName]: { topic: K; key: string; value: TopicPayloads[K]; partition: number } }[TopicName];

export interface ConsumeOptions {
  bus: Bus;
  group: string;
  topics: TopicName[];
  fromBeginning?: boolean;
  onInvalid?: (topic: TopicName, reason: string) => void;
  handler: (records: TypedRecord[]) => Promise<void>;
  /** See SubscribeOptions. */
  coPartitioned?: boolean;
  manualCommit?: boolean;
  onAssigned?: (partitions: ReadonlySet<number>) => void;
}

export async function consumeValidated(options: ConsumeOptions) {
  const { bus } = options;
  return bus.subscribe({
    group: options.group,
    topics: options.topics,
    fromBeginning: options.fromBeginning ?? true,
    ...(options.coPartitioned ? { coPartitioned: true } : {}),
    ...(options.manualCommit ? { manualCommit: true } : {}),
    ...(options.onAssigned ? { onAssigned: options.onAssigned } : {}),
    handler: async (batch: IncomingMessage[]) => {
      const good: TypedRecord[] = [];
      const dead: Array<{ key: string; value: DeadLetter }> = [];
      for (const m of batch) {
        const result = validate(TOPIC_SCHEMAS[m.topic], m.value);
        if (result.ok) {
          good.push({ topic: m.topic, key: m.key, value: result.value, partition: m.partition } as TypedRecord);
        } else {
          options.onInvalid?.(m.topic, result.error);
          const payload = safeStringify(m.value);
          dead.push({
            key: m.key,
            value: {
              id: stableId('dl', m.topic, m.partition, m.offset),
              tenant: DEFAULT_TENANT,
              ts: Date.now(),
              sourceTopic: m.topic,
              reason: result.error,
              payload: payload.slice(0, 65536),
            },
          });
        }
      }
      if (dead.length > 0) await bus.publish(TOPICS.deadLetter, dead);
      if (good.length > 0) await options.handler(good);
    },
  });
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
