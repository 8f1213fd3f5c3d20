// The api stage: the query API and dashboard on AIOPS_API_HOST:AIOPS_API_PORT.
import type { RunningStage, StageContext, StageModule } from '../platform/runtime/stage.js';
import { buildApiApp } from './app.js';

export const apiStage: StageModule = {
  name: 'api',
  needsStore: true,
  description: 'Serve the query API (OpenAPI at /openapi.json), the dashboard, health and metrics.',
  async start(ctx: StageContext): Promise<RunningStage> {
    if (!ctx.store) throw new Error('api needs a store');
    const app = await buildApiApp({ store: ctx.store, metrics: ctx.metrics, logger: ctx.logger, apiKeys: ctx.config.api.apiKeys, bus: ctx.bus, requestTimeoutMs: ctx.config.api.requestTimeoutMs });
    await app.listen({ host: ctx.config.api.host, port: ctx.config.api.port });
    ctx.logger.info({ address: app.addresses() }, 'query API listening');
    let ready = true;
    return {
      name: 'api',
      ready: () => ready,
      async stop() {
        ready = false;
        await app.close();
      },
    };
  },
};
