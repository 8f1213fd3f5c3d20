// The ingest stage: HTTP receivers (and syslog listeners when enabled) that normalise records
// to the contracts and publish them on the bus.
import type { FastifyInstance } from 'fastify';
import type { RunningStage, StageContext, StageModule } from '../platform/runtime/stage.js';
import { warnAboutKeys } from '../platform/auth/index.js';
import { buildIngestApp, ingestKeyRing } from './app.js';
import { DEFAULT_PUBLISHER_OPTIONS, Publisher } from './publisher.js';
import { limitStateFor } from './limits.js';
import { SyslogListeners } from './syslog.js';

export { buildIngestApp } from './app.js';
export type { IngestAppOptions } from './app.js';
export { HTTP_SOURCES } from './sources/index.js';

export interface RunningIngest extends RunningStage {
  /** The HTTP port actually bound (differs from the config when it asked for 0). */
  readonly port: number;
  readonly syslogTcpPort: number;
  readonly syslogUdpPort: number;
}

export const ingestStage: StageModule = {
  name: 'ingest',
  needsStore: false,
  description: 'Receives OTLP/HTTP, Prometheus remote_write, Loki push, syslog, NDJSON, change events and Alertmanager webhooks; publishes normalised records on the bus.',
  async start(ctx: StageContext): Promise<RunningIngest> {
    let ready = false;
    let stopping = false;
    const { syslogTcpPort, syslogUdpPort } = ctx.config.ingest;
    const ports = { tcp: syslogTcpPort || undefined, udp: syslogUdpPort || undefined };
    warnAboutKeys(ctx.logger, { stage: 'ingest', host: ctx.config.ingest.host, ring: ingestKeyRing(ctx.config), legacyVariable: 'AIOPS_INGEST_API_KEYS' });
    const publisher = new Publisher(ctx.bus, ctx.metrics, ctx.logger, DEFAULT_PUBLISHER_OPTIONS);
    const app: FastifyInstance = await buildIngestApp(ctx, { isReady: () => ready && !stopping, sharedPublisher: publisher });
    const syslog = new SyslogListeners({
      host: ctx.config.ingest.host,
      tcpPort: ports.tcp,
      udpPort: ports.udp,
      maxFrameBytes: Math.min(ctx.config.ingest.bodyLimitBytes, 1024 * 1024),
      publisher,
      logger: ctx.logger.child({ component: 'syslog' }),
      metrics: ctx.metrics,
      limits: limitStateFor(ctx.config.ingest),
      timeZone: ctx.config.ingest.syslogTimeZone,
    });
    const { host, port } = ctx.config.ingest;
    await app.listen({ host, port });
    try {
      await syslog.start();
    } catch (err) {
      await app.close();
      throw err;
    }
    const address = app.server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    ctx.logger.info({ host, port: bound }, 'ingest listening');
    ready = true;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      await Promise.all([app.close(), syslog.stop()]);
    };
    ctx.signal.addEventListener('abort', () => void stop(), { once: true });
    return {
      name: 'ingest',
      port: bound,
      syslogTcpPort: syslog.tcpPort,
      syslogUdpPort: syslog.udpPort,
      ready: () => ready && !stopping,
      stop,
    };
  },
};
