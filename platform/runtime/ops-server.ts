// /metrics, /healthz and /readyz for stages that have no HTTP server of their own.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { authorizeMetrics, KeyRing } from '../auth/index.js';
import { isAiopsError } from '../errors/aiops-error.js';
import { isAddressInUse, portInUseError } from './port-in-use.js';
import type { StageName } from './stage.js';

/**
 * The ops port of a stage run alone (`aiops detect`), so the five stages of the distributed mode
 * run side by side on one host without setting anything; AIOPS_OPS_PORT overrides it. Only
 * detect, correlate and sink open one (ingest and api answer /metrics on their own port), but
 * every stage has a slot so the scheme stays one port per stage.
 */
export const STAGE_OPS_PORTS: Readonly<Record<StageName, number>> = { ingest: 9464, detect: 9465, correlate: 9466, sink: 9467, api: 9468 };
/** The ops port of `aiops start` (every stage in one process). */
export const DEFAULT_OPS_PORT = 9464;

export function defaultOpsPort(stages: readonly StageName[]): number {
  return stages.length === 1 ? STAGE_OPS_PORTS[stages[0]!] : DEFAULT_OPS_PORT;
}

export async function startOpsServer(host: string, port: number, registry: Registry, ready: () => boolean, keys = new KeyRing([])): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  // /metrics names tenants and services: the same key rule as on ingest and the API.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.split('?')[0] !== '/metrics') return;
    try {
      authorizeMetrics(keys, req.headers, { realm: 'aiops-ops', legacyVariable: 'AIOPS_API_KEYS' });
    } catch (err) {
      if (!isAiopsError(err)) throw err;
      if (err.code === 'UNAUTHORIZED') reply.header('www-authenticate', String(err.details?.wwwAuthenticate ?? 'Bearer'));
      return reply.code(err.statusCode).send({ code: err.code, message: err.message });
    }
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => (ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' })));
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
