// The ingest HTTP app, built apart from listen() so tests drive it with inject(). Health and
// readiness routes are open, /metrics needs an all-tenant key when keys are set; the receivers sit
// in one scope with tenant- and scope-bound keys (platform/auth) and per-key limits.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { AiopsError, isAiopsError } from '../platform/errors/aiops-error.js';
import { authorize, authorizeMetrics, bindGrant, KeyRing, legacyKeys, parseAuthorization, TENANT_HEADER, type AuthRealm, type Grant } from '../platform/auth/index.js';
import type { StageContext } from '../platform/runtime/stage.js';
import { sendError } from './http.js';
import { requestTimeoutOptions } from '../platform/runtime/request-timeout.js';
import { DEFAULT_PUBLISHER_OPTIONS, Publisher, type PublisherOptions } from './publisher.js';
import { HTTP_SOURCES } from './sources/index.js';
import type { SourceContext } from './sources/source.js';

export interface IngestAppOptions {
  /** /readyz answers 200 only while this returns true (default: always). */
  isReady?: () => boolean;
  publisher?: Partial<PublisherOptions>;
  /** A publisher shared with other receivers (the syslog listeners), instead of a new one. */
  sharedPublisher?: Publisher;
}

type AppContext = Pick<StageContext, 'config' | 'logger' | 'metrics' | 'bus'>;

/** Token bucket per key: `rate` requests per second with a burst of one second's worth. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly rate: number) {}

  /** 0 when the request may pass, else the seconds until it would. */
  take(key: string, now = Date.now()): number {
    if (this.rate <= 0) return 0;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 10_000) this.buckets.clear();
      b = { tokens: this.rate, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.rate, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.rate;
  }
}

/** The key in an Authorization header (Bearer, or Basic with the key as password). */
export function presentedKey(header: string | undefined): string | undefined {
  return parseAuthorization(header)?.key;
}

const REALM: AuthRealm = { realm: 'aiops-ingest', legacyVariable: 'AIOPS_INGEST_API_KEYS' };

/** The keys ingest accepts: AIOPS_KEYS_FILE plus the deprecated AIOPS_INGEST_API_KEYS (all tenants, ingest scope). */
export function ingestKeyRing(config: AppContext['config']): KeyRing {
  return new KeyRing([...config.auth.keys, ...legacyKeys('AIOPS_INGEST_API_KEYS', config.ingest.apiKeys)]);
}

export async function buildIngestApp(ctx: AppContext, options: IngestAppOptions = {}): Promise<FastifyInstance> {
  const cfg = ctx.config.ingest;
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: cfg.bodyLimitBytes,
    ...requestTimeoutOptions(cfg.requestTimeoutMs ?? 30_000),
    // Keys are only compared, never logged; request ids help correlate 4xx reports.
    requestIdHeader: 'x-request-id',
  });
  const publisher = options.sharedPublisher ?? new Publisher(ctx.bus, ctx.metrics, ctx.logger, { ...DEFAULT_PUBLISHER_OPTIONS, ...options.publisher });
  const isReady = options.isReady ?? (() => true);

  app.setErrorHandler((err: FastifyError | AiopsError, req, reply) => {
    if (isAiopsError(err)) {
      if (err.statusCode >= 500) ctx.logger.warn({ code: err.code, url: req.url }, err.message);
      return sendError(reply, err);
    }
    const e = err as FastifyError;
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, new AiopsError('PAYLOAD_TOO_LARGE', `The body is larger than the limit of ${cfg.bodyLimitBytes} bytes (AIOPS_INGEST_BODY_LIMIT).`));
    }
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, new AiopsError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not accepted here.`));
    }
    const status = e.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(reply, new AiopsError('BAD_REQUEST', `The request is malformed: ${e.message}`));
    }
    ctx.logger.error({ err, url: req.url }, 'ingest request failed');
    ctx.metrics.errors.inc({ stage: 'ingest', component: 'http', error_type: 'internal' });
    return sendError(reply, new AiopsError('INTERNAL', 'The request failed inside ingest; see the server log.'));
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, new AiopsError('NOT_FOUND', `No ingest route ${req.method} ${req.url.split('?')[0]}; see the ingest endpoints in the README.`)),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => (isReady() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' })));
  const ring = ingestKeyRing(ctx.config);
  const refused = (reply: FastifyReply, err: unknown): void => {
    if (!isAiopsError(err)) return;
    if (err.code === 'UNAUTHORIZED') {
      ctx.metrics.errors.inc({ stage: 'ingest', component: 'http', error_type: 'unauthorized' });
      reply.header('www-authenticate', String(err.details?.wwwAuthenticate ?? 'Bearer'));
    } else if (err.code === 'TENANT_FORBIDDEN' || err.code === 'SCOPE_FORBIDDEN') {
      ctx.metrics.errors.inc({ stage: 'ingest', component: 'http', error_type: 'forbidden' });
    }
  };
  app.get('/metrics', async (req, reply) => {
    try {
      authorizeMetrics(ring, req.headers, REALM);
    } catch (err) {
      refused(reply, err);
      throw err;
    }
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  const limiter = new RateLimiter(cfg.rateLimitPerSecond);
  await app.register(async (scope) => {
    // Every receiver gets the raw bytes: each source checks its own content type and encoding.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.addHook('onRequest', async (req, reply) => {
      let grant: Grant;
      try {
        grant = authorize(ring, req.headers, 'ingest', REALM);
      } catch (err) {
        refused(reply, err);
        throw err;
      }
      bindGrant(req, grant);
      // The sources read the tenant from this header: writing the resolved one back means the
      // key's single tenant or the Basic-auth user applies to every source without each one
      // re-deciding, and no source can fall back to `default` for a name the key did not open.
      req.headers[TENANT_HEADER] = grant.tenant;
      const who = grant.key?.name ?? 'anonymous';
      const wait = limiter.take(who);
      if (wait > 0) {
        ctx.metrics.errors.inc({ stage: 'ingest', component: 'http', error_type: 'rate_limited' });
        throw new AiopsError('RATE_LIMITED', `Too many requests for this key (limit ${cfg.rateLimitPerSecond}/s, AIOPS_INGEST_RATE_LIMIT); retry after the time in Retry-After.`, { retryAfterSeconds: wait });
      }
      // Admission before the body is read: parsing requests that would be refused anyway kept the
      // event loop from the consumers that bring the queue back under its limit, and from the API.
      const refusal = publisher.refusal('http');
      if (refusal) throw refusal;
    });
    for (const source of HTTP_SOURCES) {
      const sctx: SourceContext = { config: cfg, logger: ctx.logger.child({ component: source.type }), metrics: ctx.metrics, publisher };
      source.register(scope, sctx);
    }
  });
  return app;
}
