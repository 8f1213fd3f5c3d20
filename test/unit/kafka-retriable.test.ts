import { describe, expect, it } from 'vitest';
import { isRetriedByKafkajs } from '../../platform/bus/kafka-retriable.js';
import { logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaLogCreator } from '../../platform/bus/kafka-bus.js';

describe('kafkajs response errors that kafkajs retries', () => {
  it('counts a leader election as retried', () => {
    expect(isRetriedByKafkajs('This server is not the leader for that topic-partition')).toBe(true);
  });
  it('does not count an authorization failure or an unknown message', () => {
    expect(isRetriedByKafkajs('Not authorized to access topics: [Topic authorization failed]')).toBe(false);
    expect(isRetriedByKafkajs('something else')).toBe(false);
  });
});

describe('kafkajs log lines in our log', () => {
  function levelsOf(entries: Array<{ namespace: string; level: number; message: string; error?: string }>, connecting = false) {
    const seen: string[] = [];
    const record = (level: string) => (_ctx: unknown, msg: string) => seen.push(`${level} ${msg}`);
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const log = kafkaLogCreator(logger as unknown as Logger, () => connecting)();
    for (const e of entries) {
      log({ namespace: e.namespace, level: e.level, label: 'x', log: { message: e.message, timestamp: '', logger: 'kafkajs', ...(e.error ? { error: e.error } : {}) } });
    }
    return seen;
  }

  it('sends what kafkajs retries to debug and keeps what it does not at error', () => {
    expect(levelsOf([
      { namespace: 'Producer', level: logLevel.ERROR, message: 'Failed to send messages: This server is not the leader for that topic-partition' },
      { namespace: 'Connection', level: logLevel.ERROR, message: 'Response ListOffsets(key: 2, version: 3)', error: 'This server is not the leader for that topic-partition' },
      { namespace: 'Connection', level: logLevel.ERROR, message: 'Response Produce(key: 0, version: 7)', error: 'Not authorized to access topics: [Topic authorization failed]' },
      { namespace: 'Producer', level: logLevel.ERROR, message: 'Not authorized to access topics: [Topic authorization failed]' },
      { namespace: 'Cluster', level: logLevel.WARN, message: 'something kafkajs warns about' },
    ])).toEqual([
      'debug Failed to send messages: This server is not the leader for that topic-partition',
      'debug Response ListOffsets(key: 2, version: 3)',
      'error Response Produce(key: 0, version: 7)',
      'error Not authorized to access topics: [Topic authorization failed]',
      'warn something kafkajs warns about',
    ]);
  });

  it('sends failed connection attempts to debug only while connecting', () => {
    const attempt = { namespace: 'Connection', level: logLevel.ERROR, message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' };
    expect(levelsOf([attempt], true)).toEqual([`debug ${attempt.message}`]);
    expect(levelsOf([attempt], false)).toEqual([`error ${attempt.message}`]);
  });
});
