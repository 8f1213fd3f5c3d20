// The ingest stage: HTTP receivers (and syslog listeners when enabled) that normalise records
// to the contracts and publish them on the bus.
import type { FastifyInstance } from 'fastify';
import type { RunningStage, StageContext, StageModule } from '../platform/runtime/stage.js';
import { buildIngestApp } from './app.js';

export { buildIngestApp } from './app.js';
export type { IngestAppOptions } from './app.js';

export const ingestStage: StageModule = {
  name: 'ingest',
  needsStore: false,
  description: 'Receives OTLP/HTTP, Prometheus remote_write, Loki push, syslog, NDJSON, change events and Alertmanager webhooks; publishes normalised records on the bus.',
  async start(ctx: StageContext): Promise<RunningStage> {
    let ready = false;
    let stopping = false;
    const app: FastifyInstance = await buildIngestApp(ctx, { isReady: () => ready && !stopping });
    const { host, port } = ctx.config.ingest;
    await app.listen({ host, port });
    const address = app.server.address();
    ctx.logger.info({ address }, 'ingest listening');
    ready = true;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      await app.close();
    };
    ctx.signal.addEventListener('abort', () => void stop(), { once: true });
    const bound = typeof address === 'object' && address ? address.port : port;
    return {
      name: 'ingest',
      /** The HTTP port actually bound (differs from the config when it asked for 0). */
      port: bound,
      ready: () => ready && !stopping,
      stop,
    } as RunningStage & { port: number };
  },
};
