// Test double for the ingest stage: an in-process bus with a recording subscriber, silent
// logs and a fresh metrics registry. Used by test/unit/ingest-*.test.ts and bench/ingest.ts.
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { MemoryBus, type MemoryBusOptions } from '../../platform/bus/memory-bus.js';
import type { IncomingMessage } from '../../platform/bus/bus.js';
import { loadConfig, type AiopsConfig } from '../../platform/config/config.js';
import { TOPICS, type TopicName } from '../../platform/contracts/index.js';
import { createMetrics, type PipelineMetrics } from '../../platform/telemetry/metrics.js';
import { buildIngestApp, type IngestAppOptions } from '../app.js';

export interface Harness {
  app: FastifyInstance;
  bus: MemoryBus;
  config: AiopsConfig;
  metrics: PipelineMetrics;
  /** Every message the recording subscriber saw, per topic. */
  seen: Map<TopicName, IncomingMessage[]>;
  values<T = Record<string, unknown>>(topic: TopicName): T[];
  close(): Promise<void>;
}

export async function ingestHarness(
  env: Record<string, string> = {},
  options: IngestAppOptions & { bus?: MemoryBusOptions; record?: boolean } = {},
): Promise<Harness> {
  const config = loadConfig({}, env);
  const bus = new MemoryBus(options.bus);
  const metrics = createMetrics(false);
  const logger = pino({ level: 'silent' });
  const seen = new Map<TopicName, IncomingMessage[]>();
  const sub = options.record === false
    ? undefined
    : await bus.subscribe({
      group: 'test-recorder',
      topics: Object.values(TOPICS),
      handler: async (batch) => {
        for (const m of batch) {
          let list = seen.get(m.topic);
          if (!list) seen.set(m.topic, (list = []));
          list.push(m);
        }
      },
    });
  const app = await buildIngestApp({ config, logger, metrics, bus }, options);
  await app.ready();
  return {
    app,
    bus,
    config,
    metrics,
    seen,
    values: <T>(topic: TopicName) => (seen.get(topic) ?? []).map((m) => m.value as T),
    close: async () => {
      await app.close();
      await sub?.stop();
      await bus.close();
    },
  };
}

/** Binds the harness's app to a loopback port, for clients that speak real HTTP (SDK exporters); returns its base URL. */
export async function listenOnLoopback(h: Harness): Promise<string> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = h.app.server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}
