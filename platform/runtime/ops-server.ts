// /metrics, /healthz and /readyz for stages that have no HTTP server of their own.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export async function startOpsServer(host: string, port: number, registry: Registry, ready: () => boolean, reason: () => string | undefined = () => undefined): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => (ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready', reason: reason() ?? 'stages starting' })));
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  await app.listen({ host, port });
  return app;
}
