// Readiness probe used by deploy/local/*.sh:  node deploy/local/probe.mjs kafka <host:port> [--warmup]
// Exit 0: the broker answered a metadata request (admin listTopics) through kafkajs.
// --warmup additionally waits until a fresh broker can hand out producer ids (idempotent producer
// InitProducerId) and has a group coordinator (creates __consumer_offsets), so the first test does not
// see kafkajs logging retriable COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE errors.
// Exit 1: not ready (message on stderr).  Exit 3: kafkajs is not installed (npm ci not run yet).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [what, target, flag] = process.argv.slice(2);
const warmup = flag === '--warmup';

if (what !== 'kafka' || !target) {
  process.stderr.write('usage: node deploy/local/probe.mjs kafka <host:port> [--warmup]\n');
  process.exit(2);
}

let kafkajs;
try {
  kafkajs = createRequire(path.join(repo, 'package.json'))('kafkajs');
} catch {
  process.stderr.write('kafkajs not installed (run npm ci); skipping metadata probe\n');
  process.exit(3);
}

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({
  clientId: 'aiops-probe',
  brokers: [target],
  connectionTimeout: 2000,
  requestTimeout: 5000,
  retry: { retries: 0 },
  logLevel: process.env.AIOPS_PROBE_DEBUG ? logLevel.DEBUG : logLevel.NOTHING,
});
const admin = kafka.admin();
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  const topics = await admin.listTopics();
  if (warmup) {
    // Separate client with patient retries: the errors below are retriable on a fresh broker.
    const patient = new Kafka({
      clientId: 'aiops-probe-warmup',
      brokers: [target],
      connectionTimeout: 2000,
      requestTimeout: 10000,
      retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2000 },
      logLevel: process.env.AIOPS_PROBE_DEBUG ? logLevel.DEBUG : logLevel.NOTHING,
    });
    const producer = patient.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect(); // InitProducerId: COORDINATOR_LOAD_IN_PROGRESS until the broker has a producer-id block
    await producer.disconnect();
    const warmAdmin = patient.admin();
    await warmAdmin.connect();
    await warmAdmin.listTopics(); // loads metadata; describeGroups right after connect() finds "No brokers in the broker pool"
    await warmAdmin.describeGroups(['aiops-warmup']); // FindCoordinator: creates __consumer_offsets, then waits for it
    await warmAdmin.disconnect();
  }
  process.stdout.write(
    `kafka ok: cluster ${cluster.clusterId}, controller ${cluster.controller}, ${cluster.brokers.length} broker(s), ${topics.length} topic(s)\n`,
  );
  await admin.disconnect();
  process.exit(0);
} catch (err) {
  process.stderr.write(`kafka not ready: ${err instanceof Error ? err.message : String(err)}\n`);
  await admin.disconnect().catch(() => {});
  process.exit(1);
}
