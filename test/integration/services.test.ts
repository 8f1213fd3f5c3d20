// Proves the real services the distributed mode relies on work end to end from Node:
// Kafka through kafkajs (idempotent producer, acks=-1, consumer group) and ClickHouse through @clickhouse/client.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { clickhouseClientOptions, kafkaBrokers, requireServices } from './services.js';

const services = await requireServices();
const runId = `${Date.now()}_${randomUUID().slice(0, 8)}`;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe.skipIf(!services.kafka)('Kafka (real broker)', () => {
  const kafka = new Kafka({
    clientId: 'aiops-it-services',
    brokers: kafkaBrokers(),
    connectionTimeout: 5000,
    requestTimeout: 15000,
    logLevel: logLevel.WARN,
  });
  const topic = `aiops-it-services-${runId}`;
  const admin = kafka.admin();
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  });

  it('produces with an idempotent producer (acks=-1) and consumes the message back on a fresh topic', async () => {
    await admin.connect();
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    expect(await admin.listTopics()).toContain(topic);

    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const key = `k-${runId}`;
    const value = JSON.stringify({ runId, kind: 'services-test', at: new Date().toISOString() });
    const acks = await producer.send({ topic, acks: -1, messages: [{ key, value, headers: { source: 'it' } }] });
    expect(acks).toHaveLength(1);
    expect(acks[0]?.errorCode).toBe(0);
    expect(acks[0]?.topicName).toBe(topic);

    consumer = kafka.consumer({
      groupId: `aiops-it-services-${runId}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 250, // a long-poll fetch in flight delays disconnect() by up to this much
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = new Promise<{ key: string; value: string; source: string }>((resolve) => {
      void consumer!.run({
        eachMessage: async ({ message }) => {
          resolve({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            source: message.headers?.source?.toString() ?? '',
          });
        },
      });
    });
    const got = await withTimeout(received, 60_000, `consume from ${topic}`);
    expect(got).toEqual({ key, value, source: 'it' });

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets).toHaveLength(1);
    expect(offsets[0]?.high).toBe('1');
  });
});

describe.skipIf(!services.clickhouse)('ClickHouse (real server)', () => {
  const table = `aiops_it_services_${runId}`;
  let client: ClickHouseClient;

  afterAll(async () => {
    if (!client) return;
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` }).catch(() => undefined);
    await client.close();
  });

  it('creates a table, inserts JSONEachRow with explicit columns, reads it back with FINAL, drops it', async () => {
    client = createClient(clickhouseClientOptions());
    expect((await client.ping()).success).toBe(true);

    await client.command({
      query: `CREATE TABLE ${table} (
        day Date,
        ts DateTime,
        id UInt64,
        service String,
        tags Array(String),
        score Float64,
        version UInt32
      ) ENGINE = ReplacingMergeTree(version) PARTITION BY day ORDER BY (service, id)`,
    });

    await client.insert({
      table,
      format: 'JSONEachRow',
      columns: ['day', 'ts', 'id', 'service', 'tags', 'score', 'version'],
      values: [
        { day: '2024-05-01', ts: '2024-05-01 10:00:00', id: 1, service: 'api', tags: ['a', 'b'], score: 0.5, version: 1 },
        { day: '2024-05-01', ts: '2024-05-01 10:00:05', id: 1, service: 'api', tags: ['c'], score: 0.9, version: 2 },
        { day: '2024-05-02', ts: '2024-05-02 00:00:00', id: '18446744073709551615', service: 'db', tags: [], score: 1.25, version: 1 },
      ],
    });

    const rows = await (
      await client.query({
        query: `SELECT day, ts, id, service, tags, score, version FROM ${table} FINAL ORDER BY service, id`,
        format: 'JSONEachRow',
      })
    ).json<{ day: string; ts: string; id: string; service: string; tags: string[]; score: number; version: number }>();

    expect(rows).toEqual([
      { day: '2024-05-01', ts: '2024-05-01 10:00:05', id: '1', service: 'api', tags: ['c'], score: 0.9, version: 2 },
      { day: '2024-05-02', ts: '2024-05-02 00:00:00', id: '18446744073709551615', service: 'db', tags: [], score: 1.25, version: 1 },
    ]);

    const parts = await (
      await client.query({
        query: `SELECT partition FROM system.parts WHERE database = currentDatabase() AND table = '${table}' AND active GROUP BY partition ORDER BY partition`,
        format: 'JSONEachRow',
      })
    ).json<{ partition: string }>();
    expect(parts.map((p) => p.partition)).toEqual(['2024-05-01', '2024-05-02']);

    await client.command({ query: `DROP TABLE ${table}` });
    const left = await (
      await client.query({ query: `EXISTS TABLE ${table}`, format: 'JSONEachRow' })
    ).json<{ result: number }>();
    expect(left).toEqual([{ result: 0 }]);
  });
});
