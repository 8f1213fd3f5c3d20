// The api stage: the query API and dashboard on AIOPS_API_HOST:AIOPS_API_PORT.
import type { RunningStage, StageContext, StageModule } from '../platform/runtime/stage.js';
import { warnAboutKeys } from '../platform/auth/index.js';
import { apiKeyRing, buildApiApp } from './app.js';

export const apiStage: StageModule = {
  name: 'api',
  needsStore: true,
  description: 'Serve the query API (OpenAPI at /openapi.json), the dashboard, health and metrics.',
  async start(ctx: StageContext): Promise<RunningStage> {
    if (!ctx.store) throw new Error('api needs a store');
    const keys = { apiKeys: ctx.config.api.apiKeys, keys: ctx.config.auth.keys };
    warnAboutKeys(ctx.logger, { stage: 'api', host: ctx.config.api.host, ring: apiKeyRing(keys), legacyVariable: 'AIOPS_API_KEYS' });
    const app = await buildApiApp({ store: ctx.store, metrics: ctx.metrics, logger: ctx.logger, ...keys, bus: ctx.bus, requestTimeoutMs: ctx.config.api.requestTimeoutMs });
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
