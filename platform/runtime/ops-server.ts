// /metrics, /healthz and /readyz for stages that have no HTTP server of their own.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { authorizeMetrics, KeyRing } from '../auth/index.js';
import { isAiopsError } from '../errors/aiops-error.js';
import { errorBody } from '../errors/error-body.js';
import { isAddressInUse, portInUseError } from './port-in-use.js';
import type { StageName } from './stage.js';

export { DEFAULT_OPS_PORT, STAGE_OPS_PORTS, defaultOpsPort } from './ops-ports.js';

export async function startOpsServer(host: string, port: number, registry: Registry, ready: () => boolean, keys = new KeyRing([]), reason: () => string | undefined = () => undefined): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  // /metrics names tenants and services: the same key rule as on ingest and the API.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.split('?')[0] !== '/metrics') return;
    try {
      authorizeMetrics(keys, req.headers, { realm: 'aiops-ops', legacyVariable: 'AIOPS_API_KEYS' });
    } catch (err) {
      if (!isAiopsError(err)) throw err;
      if (err.code === 'UNAUTHORIZED') reply.header('www-authenticate', String(err.details?.wwwAuthenticate ?? 'Bearer'));
      return reply.code(err.statusCode).send(errorBody(err));
    }
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => (ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready', reason: reason() ?? 'stages starting' })));
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close().catch(() => {});
    throw isAddressInUse(err) ? portInUseError(host, port, 'AIOPS_OPS_PORT', err) : err;
  }
  return app;
}
