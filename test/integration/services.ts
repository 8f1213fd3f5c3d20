// Where the integration tests find the real Kafka and ClickHouse, and whether they are up.
//
// Start them with `npm run services:up` (deploy/local/up.sh). Under CI=true a missing service is an
// error (the suite must not pass by skipping); elsewhere tests skip loudly.
//
//   const services = await requireServices();
//   describe.skipIf(!services.kafka)('...', () => { ... });
import { Kafka, logLevel } from 'kafkajs';
import type { ClickHouseClientConfigOptions } from '@clickhouse/client';

export interface ServiceAvailability {
  kafka: boolean;
  clickhouse: boolean;
}

const START_HINT = 'Start them with `npm run services:up` (bash deploy/local/up.sh)';

/** Broker list from AIOPS_KAFKA_BROKERS (comma-separated), default 127.0.0.1:9092. */
export function kafkaBrokers(): string[] {
  const raw = process.env.AIOPS_KAFKA_BROKERS ?? '127.0.0.1:9092';
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  return brokers.length > 0 ? brokers : ['127.0.0.1:9092'];
}

/** ClickHouse HTTP endpoint from AIOPS_CLICKHOUSE_URL, default http://127.0.0.1:8123 (no trailing slash). */
export function clickhouseUrl(): string {
  const raw = (process.env.AIOPS_CLICKHOUSE_URL ?? '').trim() || 'http://127.0.0.1:8123';
  return raw.replace(/\/+$/, '');
}

/**
 * createClient options known to work against both the local ClickHouse 18.16 and current servers
 * (see deploy/local/COMPAT.md). Spread them and add your own: `createClient({ ...clickhouseClientOptions(), ... })`.
 */
export function clickhouseClientOptions(): ClickHouseClientConfigOptions {
  return {
    url: clickhouseUrl(),
    application: 'aiops-pipeline-tests',
    compression: { request: false, response: false },
    request_timeout: 30_000,
  };
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message !== err.message ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}

/** null when the broker answers a metadata request, else why not. */
export async function probeKafka(brokers: string[] = kafkaBrokers()): Promise<string | null> {
  const kafka = new Kafka({
    clientId: 'aiops-it-probe',
    brokers,
    connectionTimeout: 1500,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.listTopics();
    return null;
  } catch (err) {
    return describeError(err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** null when GET /ping answers "Ok.", else why not. */
export async function probeClickHouse(url: string = clickhouseUrl()): Promise<string | null> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(3000) });
    const body = await res.text();
    if (res.ok && body.startsWith('Ok.')) return null;
    return `GET /ping answered HTTP ${res.status}: ${body.slice(0, 200)}`;
  } catch (err) {
    return describeError(err);
  }
}

/**
 * Probe Kafka and ClickHouse. With CI=true, throws naming each missing service and how to start it;
 * otherwise warns on the console and returns what is available so the caller can skip.
 */
export async function requireServices(): Promise<ServiceAvailability> {
  const brokers = kafkaBrokers();
  const url = clickhouseUrl();
  const [kafkaErr, chErr] = await Promise.all([probeKafka(brokers), probeClickHouse(url)]);

  const missing: string[] = [];
  if (kafkaErr !== null) missing.push(`Kafka at ${brokers.join(',')} (AIOPS_KAFKA_BROKERS): ${kafkaErr}`);
  if (chErr !== null) missing.push(`ClickHouse at ${url} (AIOPS_CLICKHOUSE_URL): ${chErr}`);

  if (missing.length > 0) {
    const message = `integration services unavailable — ${missing.join('; ')}. ${START_HINT}.`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`[integration] SKIPPING tests that need them: ${message}`);
  }
  return { kafka: kafkaErr === null, clickhouse: chErr === null };
}
