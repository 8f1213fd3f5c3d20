// Readiness probe used by deploy/local/*.sh:  node deploy/local/probe.mjs kafka <host:port>
// Exit 0: the broker answered a metadata request (admin listTopics) through kafkajs.
// Exit 1: not ready (message on stderr).  Exit 3: kafkajs is not installed (npm ci not run yet).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [what, target] = process.argv.slice(2);

if (what !== 'kafka' || !target) {
  process.stderr.write('usage: node deploy/local/probe.mjs kafka <host:port>\n');
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
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  const topics = await admin.listTopics();
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
