// Red-team, distributed mode: the ingest stage runs as its own process on real Kafka and is
// killed mid-burst (kill -9, then SIGTERM); every point it acknowledged must be on the metrics
// topic, counted point by point by reading the topic back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../platform/contracts/index.js';
import { ackedBurst, missing } from '../support/acked-burst.js';
import { freePort, spawnStage, waitFor, type StageProcess } from '../support/stage-processes.js';
import { kafkaBrokers, requireServices } from './services.js';

const available = await requireServices();
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const kafka = new Kafka({ clientId: `aiops-it-${run}`, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
const procs: StageProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const p of procs) await p.kill9().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (!available.kafka) return;
  // The cluster is shared: drop only this run's topics.
  const admin = kafka.admin();
  await admin.connect();
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(`aiops_it_${run}_`));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => {});
  await admin.disconnect();
});

async function startIngest(prefix: string): Promise<{ proc: StageProcess; ingest: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-kafka-crash-'));
  dirs.push(dir);
  const port = await freePort();
  const proc = spawnStage('ingest', {
    AIOPS_BUS: 'kafka',
    AIOPS_KAFKA_BROKERS: kafkaBrokers().join(','),
    AIOPS_KAFKA_TOPIC_PREFIX: prefix,
    AIOPS_KAFKA_PARTITIONS: '3',
    AIOPS_INGEST_PORT: String(port),
    AIOPS_OPS_PORT: '0',
    AIOPS_DATA_DIR: dir,
    AIOPS_LOG_LEVEL: 'warn',
  });
  procs.push(proc);
  const ingest = `http://127.0.0.1:${port}`;
  await waitFor('ingest on Kafka ready', async () => ((await fetch(`${ingest}/readyz`)).ok ? true : undefined), 60_000, 250).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.output().slice(-3000)}`);
  });
  return { proc, ingest };
}

/** Every `seq` label on the prefixed metrics topic, read from the start up to the current end. */
async function onTopic(prefix: string): Promise<Set<number>> {
  const topic = `${prefix}${TOPICS.metrics}`;
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const seen = new Set<number>();
  const reached = new Map<number, bigint>();
  const consumer = kafka.consumer({ groupId: `${prefix}count`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const done = () => [...ends].every(([p, end]) => end === 0n || (reached.get(p) ?? -1n) + 1n >= end);
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const point = JSON.parse(m.value!.toString('utf8')) as { labels: Record<string, string> };
        seen.add(Number(point.labels.seq));
      }
      const last = batch.messages.at(-1);
      if (last) reached.set(batch.partition, BigInt(last.offset));
    },
  });
  await waitFor(`the end of ${topic}`, async () => (done() ? true : undefined), 120_000, 200).finally(() => consumer.disconnect());
  return seen;
}

describe.skipIf(!available.kafka)('distributed mode: a killed ingest stage loses nothing it acknowledged', () => {
  it('kill -9 mid-burst: every acknowledged point is on the Kafka topic', async () => {
    const prefix = `aiops_it_${run}_k9.`;
    const { proc, ingest } = await startIngest(prefix);
    const acked = await ackedBurst(ingest, 20_000, () => proc.kill9());
    const stored = await onTopic(prefix);
    const lost = missing(acked, stored);
    console.log(`kafka kill -9: acknowledged ${acked.size}, on the topic ${stored.size}, lost ${lost.length}`);
    expect(acked.size).toBeGreaterThanOrEqual(20_000);
    expect(lost).toEqual([]);
  }, 180_000);

  it('SIGTERM mid-burst: exits within 10 s and every acknowledged point is on the Kafka topic', async () => {
    const prefix = `aiops_it_${run}_term.`;
    const { proc, ingest } = await startIngest(prefix);
    let exitMs = 0;
    const acked = await ackedBurst(ingest, 20_000, async () => {
      const t0 = Date.now();
      await proc.stop();
      exitMs = Date.now() - t0;
    });
    const stored = await onTopic(prefix);
    const lost = missing(acked, stored);
    console.log(`kafka SIGTERM: acknowledged ${acked.size}, on the topic ${stored.size}, lost ${lost.length}; exited in ${exitMs} ms (code ${proc.child.exitCode}, signal ${proc.child.signalCode})`);
    expect(acked.size).toBeGreaterThanOrEqual(20_000);
    expect(exitMs).toBeLessThan(10_000);
    expect(proc.child.signalCode).toBeNull();
    expect(lost).toEqual([]);
  }, 180_000);
});
