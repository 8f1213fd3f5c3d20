// `npm run bench:ingest`: records/s per core of the ingest receivers for OTLP-protobuf logs,
// Prometheus remote_write samples and NDJSON logs, into the in-process bus and (when
// AIOPS_KAFKA_BROKERS is set) into Kafka, with the raw kafkajs producer ceiling for the same
// records measured in the same run. Prints the figures and writes bench/results/ingest.json.
//   env: AIOPS_KAFKA_BROKERS (unset: Kafka figures are reported as not measured),
//        BENCH_SECONDS (default 3 per scenario), BENCH_BATCH (records per request, default 1000),
//        BENCH_CONCURRENCY (requests in flight, default 8),
//        BENCH_ONLY (comma-separated scenario names, e.g. otlp_protobuf_logs; default all),
//        BENCH_ROUNDS (default 3: each figure is the median of this many runs; for Kafka, each
//        round runs ingest and then the raw producer, so both see the same machine load),
//        BENCH_MICRO=1 (also the A/B micro-benchmarks that proved each hot-path change:
//        platform stableId vs ingest ids, stock protobufjs decoding vs ingest's, with the records
//        published into the in-process bus)
// Requests go through Fastify's inject() (no sockets), so the figures are the receivers' own cost:
// decode, normalise, validate, id, publish. "Per core" divides by this process's CPU seconds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sourceDir } from '../platform/runtime/source-dir.js';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import pino from 'pino';
import protobuf from 'protobufjs';
import type { Bus, OutgoingMessage, SubscribeOptions, Subscription } from '../platform/bus/bus.js';
import { KafkaBus } from '../platform/bus/kafka-bus.js';
import { MemoryBus } from '../platform/bus/memory-bus.js';
import { loadConfig } from '../platform/config/config.js';
import { TOPICS, stableId, type TopicName, type TopicPayloads } from '../platform/contracts/index.js';
import { createMetrics } from '../platform/telemetry/metrics.js';
import { buildIngestApp } from '../ingest/app.js';
import { canonicalAttributes, logId } from '../ingest/normalize.js';
import { otlpLogs } from '../ingest/otlp-map.js';
import { decodeMessage, otlpTypes } from '../ingest/proto/index.js';
import { Batch, DEFAULT_PUBLISHER_OPTIONS, Publisher } from '../ingest/publisher.js';
import { ndjsonLogs, otlpLogsProto, remoteWriteBody } from '../ingest/testing/seeds.js';

// The source folder even when run compiled from dist/bench: results go to bench/results.
const here = sourceDir(import.meta.url);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BROKERS = (process.env.AIOPS_KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const BENCH_PREFIX = 'bench.';
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const MICRO = process.env.BENCH_MICRO === '1';
/** Issue 3's targets. */
const TARGET_LOGS_PER_CORE = 150_000;
const TARGET_SHARE_OF_RAW = 0.5;

interface Scenario {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** A few distinct bodies, cycled. */
  bodies: Buffer[];
  records: number;
}

function scenarios(): Scenario[] {
  const series = Math.max(1, Math.round(BATCH / 10));
  const all: Scenario[] = [
    { name: 'otlp_protobuf_logs', url: '/v1/logs', headers: { 'content-type': 'application/x-protobuf' }, bodies: [0, 1, 2, 3].map((s) => otlpLogsProto(BATCH, s)), records: BATCH },
    { name: 'remote_write_samples', url: '/api/v1/write', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, bodies: [0, 1, 2, 3].map((s) => remoteWriteBody(series, 10, s)), records: series * 10 },
    { name: 'ndjson_logs', url: '/v1/ndjson/logs', headers: { 'content-type': 'application/x-ndjson' }, bodies: [0, 1, 2, 3].map((s) => ndjsonLogs(BATCH, s)), records: BATCH },
  ];
  return ONLY.length === 0 ? all : all.filter((s) => ONLY.includes(s.name));
}

/** Publishes to `bench.`-prefixed topics so the figures never mix with a running pipeline's data. */
class PrefixedBus implements Bus {
  readonly kind = 'kafka' as const;
  constructor(private readonly inner: Bus) {}
  connect() { return this.inner.connect(); }
  subscribe(o: SubscribeOptions): Promise<Subscription> { return this.inner.subscribe(o); }
  idle() { return this.inner.idle(); }
  close() { return this.inner.close(); }
  publish<K extends TopicName>(topic: K, messages: ReadonlyArray<OutgoingMessage<TopicPayloads[K]>>): Promise<void> {
    return this.inner.publish(`${BENCH_PREFIX}${topic}` as K, messages);
  }
}

/** Records the messages one request publishes, for the raw-producer ceiling on the same records. */
class CapturingBus extends MemoryBus {
  captured: Array<{ topic: string; messages: Array<{ key: string; value: string }> }> = [];
  override async publish<K extends TopicName>(topic: K, messages: ReadonlyArray<OutgoingMessage<TopicPayloads[K]>>): Promise<void> {
    this.captured.push({ topic: `${BENCH_PREFIX}${topic}`, messages: messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value) })) });
  }
}

interface Figure {
  records: number;
  requests: number;
  wallSeconds: number;
  cpuSeconds: number;
  recordsPerSecond: number;
  recordsPerCpuSecond: number;
  refused: number;
}

async function drive(bus: Bus, s: Scenario, seconds: number, concurrency: number): Promise<Figure> {
  const app = await buildIngestApp({ config: loadConfig({}, { AIOPS_INGEST_BODY_LIMIT: String(64 * 1024 * 1024) }), logger: pino({ level: 'silent' }), metrics: createMetrics(false), bus });
  await app.ready();
  // Warm-up: JIT, protobuf codegen, Kafka metadata.
  for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: s.url, headers: s.headers, payload: s.bodies[i % s.bodies.length]! });
  let records = 0;
  let requests = 0;
  let refused = 0;
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (Date.now() < end) {
      const res = await app.inject({ method: 'POST', url: s.url, headers: s.headers, payload: s.bodies[n++ % s.bodies.length]! });
      requests++;
      if (res.statusCode >= 200 && res.statusCode < 300) records += s.records;
      else refused++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await app.close();
  return { records, requests, wallSeconds: wall, cpuSeconds, recordsPerSecond: records / wall, recordsPerCpuSecond: records / cpuSeconds, refused };
}

async function rawProducerCeiling(s: Scenario, seconds: number, concurrency: number): Promise<Figure> {
  // The exact messages ingest publishes for this scenario's bodies, sent with the bus's producer settings.
  const capture = new CapturingBus();
  const app = await buildIngestApp({ config: loadConfig({}, { AIOPS_INGEST_BODY_LIMIT: String(64 * 1024 * 1024) }), logger: pino({ level: 'silent' }), metrics: createMetrics(false), bus: capture });
  const perBody: Array<Array<{ topic: string; messages: Array<{ key: string; value: string }> }>> = [];
  for (const body of s.bodies) {
    capture.captured = [];
    await app.inject({ method: 'POST', url: s.url, headers: s.headers, payload: body });
    perBody.push(capture.captured);
  }
  await app.close();
  const kafka = new Kafka({ clientId: 'aiops-bench-raw', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const send = (i: number) => Promise.all(perBody[i % perBody.length]!.map((c) => producer.send({ topic: c.topic, acks: -1, messages: c.messages })));
  for (let i = 0; i < 3; i++) await send(i);
  let records = 0;
  let requests = 0;
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      await send(n++);
      requests++;
      records += s.records;
    }
  }));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await producer.disconnect();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { records, requests, wallSeconds: wall, cpuSeconds, recordsPerSecond: records / wall, recordsPerCpuSecond: records / cpuSeconds, refused: 0 };
}

async function ensureBenchTopics(): Promise<void> {
  const kafka = new Kafka({ clientId: 'aiops-bench-admin', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [TOPICS.logs, TOPICS.metrics, TOPICS.deadLetter].map((t) => `${BENCH_PREFIX}${t}`).filter((t) => !existing.has(t));
    if (wanted.length > 0) await admin.createTopics({ waitForLeaders: true, topics: wanted.map((topic) => ({ topic, numPartitions: 6, replicationFactor: 1 })) });
  } finally {
    await admin.disconnect();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};
/** The round whose per-core figure is the median (the lower middle one for an even count). */
const medianFigure = (fs: Figure[]): Figure => [...fs].sort((a, b) => a.recordsPerCpuSecond - b.recordsPerCpuSecond)[Math.floor((fs.length - 1) / 2)]!;

async function intoMemory(s: Scenario): Promise<Figure> {
  const bus = new MemoryBus();
  const sub = await bus.subscribe({ group: 'bench-sink', topics: [TOPICS.logs, TOPICS.metrics], handler: async () => {} });
  const f = await drive(bus, s, SECONDS, CONCURRENCY);
  await sub.stop();
  await bus.close();
  return f;
}

async function intoKafka(s: Scenario): Promise<Figure> {
  const kbus = new KafkaBus({ brokers: BROKERS, clientId: 'aiops-bench-ingest', partitions: 6, replicationFactor: 1, logger: pino({ level: 'silent' }) });
  await kbus.connect();
  try {
    return await drive(new PrefixedBus(kbus), s, SECONDS, CONCURRENCY);
  } finally {
    await kbus.close();
  }
}

/** CPU microseconds per unit of `f(i)`, best of `rounds`, alternating the variants so they share the load. */
async function abMicro(variants: Record<string, (i: number) => Promise<void> | void>, units: number, rounds = 7, iters = 40): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(variants)) {
      for (let i = 0; i < 5; i++) await f(i);
      const c0 = process.cpuUsage();
      for (let i = 0; i < iters; i++) await f(i);
      const c = process.cpuUsage(c0);
      best[name] = Math.min(best[name] ?? Infinity, (c.user + c.system) / iters / units);
    }
  }
  return best;
}

/** A protobufjs root of the same .proto files as ingest's, without ingest's decoding changes. */
function stockOtlpRoot(): protobuf.Type {
  const dir = join(resolve(here), '..', 'ingest', 'proto', 'otlp');
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(dir, target.replace(/^.*[\\/]/, '')));
  root.loadSync(['otlp.proto', 'resource.proto', 'logs.proto', 'metrics.proto', 'status.proto'].map((f) => join(dir, f)), { keepCase: false });
  root.resolveAll();
  return root.lookupType('opentelemetry.proto.logs.v1.ExportLogsServiceRequest');
}

async function micro(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const bodies = [0, 1, 2, 3].map((i) => `GET /api/items/${i} 200 in ${i * 7} ms`);
  const attrs = { route: '/api/items', status: '200', severity_text: 'INFO' };
  const ids = await abMicro({
    'platform stableId (Hash object, one update per part)': (i) => { for (let k = 0; k < 1000; k++) stableId('log', 'default', 'checkout', 1714564800000 + k, 'info', bodies[i % 4]!, 'node-1', '', canonicalAttributes(attrs)); },
    'ingest logId (one template, one crypto.hash)': (i) => { for (let k = 0; k < 1000; k++) logId('default', 'checkout', 1714564800000 + k, 'info', bodies[i % 4]!, 'node-1', undefined, attrs); },
  }, 1000);
  out.stableIdMicrosecondsPerId = ids;
  const reqs = [0, 1, 2, 3].map((salt) => otlpLogsProto(1000, salt));
  const stock = stockOtlpRoot();
  const ingestType = otlpTypes().ExportLogsServiceRequest;
  const bus = new MemoryBus();
  await bus.subscribe({ group: 'bench-sink', topics: [TOPICS.logs], handler: async () => {} });
  const pub = new Publisher(bus, createMetrics(false), pino({ level: 'silent' }), DEFAULT_PUBLISHER_OPTIONS);
  const ctx = () => ({ tenant: 'default', now: Date.now() });
  const decode = await abMicro({
    'stock protobufjs decode': (i) => { stock.decode(reqs[i % 4]!); },
    'ingest decodeMessage (native strings over 12 bytes, own-member oneof setter)': (i) => { decodeMessage(ingestType, reqs[i % 4]!); },
    'stock decode + map + publish into the in-process bus': async (i) => { const b = new Batch(); otlpLogs(stock.decode(reqs[i % 4]!), ctx(), b); await pub.publish(b, 'otlp'); },
    'ingest decode + map + publish into the in-process bus': async (i) => { const b = new Batch(); otlpLogs(decodeMessage(ingestType, reqs[i % 4]!), ctx(), b); await pub.publish(b, 'otlp'); },
  }, 1000);
  out.otlpLogsMicrosecondsPerRecord = decode;
  await bus.close();
  for (const [k, v] of Object.entries({ ...ids, ...decode })) console.log(`${v.toFixed(2).padStart(7)} us  ${k}`);
  return out;
}

/**
 * The V8 heap flags this run has. The stages run with --max-semi-space-size=64 (package.json
 * scripts, the image's entry point): a young generation that holds a request's decoded records
 * until they are published, so they die there instead of being copied into the old generation.
 */
function v8Flags(): string[] {
  const fromEnv = (process.env.NODE_OPTIONS ?? '').split(/\s+/);
  return [...process.execArgv, ...fromEnv].filter((a) => /^--max-(semi|old)-space-size=/.test(a));
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    node: process.version,
    v8Flags: v8Flags(),
    batch: BATCH,
    concurrency: CONCURRENCY,
    secondsPerScenario: SECONDS,
    rounds: ROUNDS,
    method: 'Fastify inject() into buildIngestApp; per core = records / CPU seconds of this process (GC threads included); each figure is the median round',
    targets: { logRecordsPerCoreIntoMemory: TARGET_LOGS_PER_CORE, shareOfRawProducerCeiling: TARGET_SHARE_OF_RAW },
    memory: {} as Record<string, unknown>,
    kafka: {} as Record<string, unknown>,
  };
  console.log(`node ${process.version} ${v8Flags().join(' ') || '(no V8 flags: run it as npm run bench:ingest, which sets the young generation the stages run with)'}`);
  console.log(`bench:ingest  batch=${BATCH} records/request  concurrency=${CONCURRENCY}  ${SECONDS}s per run, median of ${ROUNDS} rounds`);
  console.log('\n-- into the in-process bus (one consuming group) --');
  for (const s of scenarios()) {
    const runs: Figure[] = [];
    for (let r = 0; r < ROUNDS; r++) runs.push(await intoMemory(s));
    const f = medianFigure(runs);
    const isLogs = s.name.endsWith('_logs');
    const meets = isLogs ? f.recordsPerCpuSecond >= TARGET_LOGS_PER_CORE : undefined;
    (results.memory as Record<string, unknown>)[s.name] = { ...f, roundsPerCore: runs.map((x) => Math.round(x.recordsPerCpuSecond)), ...(isLogs ? { meetsTarget: meets } : {}) };
    console.log(`${s.name.padEnd(22)} ${fmt(f.recordsPerCpuSecond).padStart(10)} records/s per core   ${fmt(f.recordsPerSecond).padStart(10)} records/s wall   rounds ${runs.map((x) => fmt(x.recordsPerCpuSecond)).join(' / ')}${isLogs ? `   target ${fmt(TARGET_LOGS_PER_CORE)}: ${meets ? 'met' : 'NOT met'}` : ''}`);
  }

  console.log('\n-- into Kafka (bench.-prefixed topics), with the raw kafkajs producer ceiling --');
  if (BROKERS.length === 0) {
    console.log('not measured: AIOPS_KAFKA_BROKERS is not set (e.g. bash deploy/local/kafka.sh start; AIOPS_KAFKA_BROKERS=127.0.0.1:9092 npm run bench:ingest)');
    results.kafka = { measured: false, reason: 'AIOPS_KAFKA_BROKERS not set' };
  } else {
    try {
      await ensureBenchTopics();
      const kafkaResults: Record<string, unknown> = { measured: true, brokers: BROKERS };
      for (const s of scenarios()) {
        const ingestRuns: Figure[] = [];
        const rawRuns: Figure[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          ingestRuns.push(await intoKafka(s));
          rawRuns.push(await rawProducerCeiling(s, SECONDS, CONCURRENCY));
        }
        const shares = ingestRuns.map((x, i) => x.recordsPerSecond / rawRuns[i]!.recordsPerSecond);
        const share = median(shares);
        const viaIngest = medianFigure(ingestRuns);
        const raw = medianFigure(rawRuns);
        kafkaResults[s.name] = {
          ingest: viaIngest, rawProducer: raw,
          ingestShareOfRawCeiling: share,
          roundShares: shares.map((x) => Math.round(x * 100) / 100),
          ingestShareOfRawPerCore: median(ingestRuns.map((x, i) => x.recordsPerCpuSecond / rawRuns[i]!.recordsPerCpuSecond)),
          meetsTarget: share >= TARGET_SHARE_OF_RAW,
        };
        console.log(`${s.name.padEnd(22)} ingest ${fmt(viaIngest.recordsPerSecond).padStart(9)} records/s wall (${fmt(viaIngest.recordsPerCpuSecond)}/s per core)   raw producer ${fmt(raw.recordsPerSecond).padStart(9)} records/s wall (${fmt(raw.recordsPerCpuSecond)}/s per core)   ingest = ${(share * 100).toFixed(0)}% of ceiling (rounds ${shares.map((x) => `${(x * 100).toFixed(0)}%`).join(' / ')})${viaIngest.refused ? `   (${viaIngest.refused} refused)` : ''}`);
      }
      results.kafka = kafkaResults;
    } catch (err) {
      console.log(`not measured: Kafka at ${BROKERS.join(',')} failed (${(err as Error).message})`);
      results.kafka = { measured: false, reason: (err as Error).message };
    }
  }

  if (MICRO) {
    console.log('\n-- A/B micro-benchmarks of the hot-path changes (CPU us, best of 7) --');
    results.micro = await micro();
  }

  const out = join(resolve(here), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'ingest.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${join('bench', 'results', 'ingest.json')}`);
}

await main();
