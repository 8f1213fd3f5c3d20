// The query API, built apart from listen() so tests drive it with inject().
import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Store } from '../platform/store/store.js';
import type { PipelineMetrics } from '../platform/telemetry/metrics.js';
import { AiopsError, isAiopsError } from '../platform/errors/aiops-error.js';
import { errorBody } from '../platform/errors/error-body.js';
import { type SchemaError, validationMessage } from './validation-message.js';
import { authorize, authorizeMetrics, bindGrant, grantOf, KeyRing, legacyKeys, type AuthRealm, type KeySpec } from '../platform/auth/index.js';
import {
  AnomalyListQuery, AnomalyPage, ErrorBody, FeedbackAccepted, FeedbackRequest, IncidentDetail, IncidentDetailQuery, IncidentListQuery, IncidentPage, ServiceList, TopologyBody, AlertListQuery, AlertPage } from './schemas.js';
import type { Bus } from '../platform/bus/bus.js';
import type { Feedback } from '../platform/contracts/events.js';
import { stableId } from '../platform/contracts/ids.js';
import { TOPICS } from '../platform/contracts/topics.js';
import { DASHBOARD_HTML } from './dashboard.js';
import { requestTimeoutOptions } from '../platform/runtime/request-timeout.js';

export interface ApiOptions {
  store: Store;
  metrics: PipelineMetrics;
  logger: Logger;
  /** Deprecated AIOPS_API_KEYS: all-tenant keys with the read and feedback scopes. */
  apiKeys: string[];
  /** Keys bound to tenants and scopes (AIOPS_KEYS_FILE, already checked by loadConfig). */
  keys?: readonly KeySpec[];
  /** Other stages in this process: readiness is theirs too. */
  ready?: () => boolean;
  /** Where POST /v1/feedback publishes verdicts (absent: the endpoint answers 503). */
  bus?: Bus;
  /** A request not fully received in this time is answered 408 (AIOPS_REQUEST_TIMEOUT_MS; 0 = none). */
  requestTimeoutMs?: number;
}

const REALM: AuthRealm = { realm: 'aiops-api', legacyVariable: 'AIOPS_API_KEYS' };

/** The keys the query API accepts: AIOPS_KEYS_FILE plus the deprecated AIOPS_API_KEYS. */
export function apiKeyRing(options: Pick<ApiOptions, 'apiKeys' | 'keys'>): KeyRing {
  return new KeyRing([...(options.keys ?? []), ...legacyKeys('AIOPS_API_KEYS', options.apiKeys)]);
}

export async function buildApiApp(options: ApiOptions): Promise<FastifyInstance> {
  const app = await buildTyped(options);
  return app as unknown as FastifyInstance;
}

async function buildTyped(options: ApiOptions) {
  const { store, metrics } = options;
  const app = Fastify({
    // The stage's logger already carries `stage`; a child adding it again printed it twice.
    loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }),
    ...requestTimeoutOptions(options.requestTimeoutMs ?? 30_000),
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(swagger, {
    openapi: {
      info: { title: 'aiops query API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic', description: 'The tenant as user, the key as password.' } } },
      security: options.apiKeys.length > 0 || (options.keys ?? []).length > 0 ? [{ bearer: [] }, { basic: [] }] : [],
    },
  });
  app.addSchema(ErrorBody);

  // Every error body is errorBody's {statusCode, code, message}, the same as ingest's.
  const fail = (reply: FastifyReply, err: AiopsError) => reply.code(err.statusCode).send(errorBody(err));
  app.setErrorHandler((err: FastifyError | AiopsError, req, reply) => {
    if (isAiopsError(err)) return fail(reply, err);
    const fe = err as FastifyError;
    if (fe.validation) {
      const context = fe.validationContext ?? 'request';
      const data = context === 'querystring' ? req.query : context === 'body' ? req.body : context === 'params' ? req.params : undefined;
      return fail(reply, new AiopsError('VALIDATION_FAILED', validationMessage(context, fe.validation as SchemaError[], data)));
    }
    const status = fe.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ statusCode: status, code: 'BAD_REQUEST', message: fe.message });
    req.log.error({ err }, 'request failed');
    return fail(reply, new AiopsError('INTERNAL', 'Internal error; see the server log.'));
  });
  app.setNotFoundHandler((req, reply) => fail(reply, new AiopsError('NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}; the endpoints are in /openapi.json and the README "Query API".`)));

  const ring = apiKeyRing(options);
  const open = new Set(['/healthz', '/readyz', '/', '/openapi.json', '/favicon.ico']);
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    try {
      if (path === '/metrics') return authorizeMetrics(ring, req.headers, REALM);
      if (open.has(path)) return;
      const scope = req.method === 'POST' && path === '/v1/feedback' ? 'feedback' : 'read';
      bindGrant(req, authorize(ring, req.headers, scope, REALM));
    } catch (err) {
      if (isAiopsError(err) && err.code === 'UNAUTHORIZED') reply.header('www-authenticate', String(err.details?.wwwAuthenticate ?? 'Bearer'));
      throw err;
    }
  });
  app.addHook('preValidation', async (req) => {
    const props = (req.routeOptions.schema?.querystring as { properties?: Record<string, { type?: string; minimum?: number; maximum?: number }> } | undefined)?.properties;
    if (props && req.query && typeof req.query === 'object') checkIntegerParams(req.query as Record<string, unknown>, props);
  });
  /** The tenant the auth hook resolved: only a tenant the key opens ever reaches the store. */
  const tenantOf = (req: object): string => {
    const grant = grantOf(req);
    if (!grant) throw new AiopsError('UNAUTHORIZED');
    return grant.tenant;
  };
  const errors = { 400: { $ref: 'ErrorBody#' }, 401: { $ref: 'ErrorBody#' }, 403: { $ref: 'ErrorBody#' } };

  app.get('/v1/incidents', {
    schema: { summary: 'List incidents, newest first', querystring: IncidentListQuery, response: { 200: IncidentPage, ...errors } },
  }, async (req) => {
    const q = req.query;
    return store.queryIncidents({ tenant: tenantOf(req), ...q });
  });

  app.get('/v1/incidents/:id', {
    schema: {
      summary: 'One incident with its newest anomalies (episodes), newest first; the rest through GET /v1/anomalies?incident=<id>&cursor=<anomaliesNextCursor>',
      params: Type.Object({ id: Type.String({ maxLength: 256 }) }), querystring: IncidentDetailQuery,
      response: { 200: IncidentDetail, 404: { $ref: 'ErrorBody#' }, ...errors },
    },
  }, async (req) => {
    const tenant = tenantOf(req);
    const incident = await store.getIncident(tenant, req.params.id);
    if (!incident) throw new AiopsError('NOT_FOUND', `No incident ${req.params.id} for tenant ${tenant}.`);
    // Every id the incident holds, newest first by time: a long incident shows what is happening now.
    const page = await store.queryAnomalies({ tenant, ids: incident.anomalyIds, limit: req.query.anomalies });
    return { incident, anomalies: page.items, ...(page.nextCursor ? { anomaliesNextCursor: page.nextCursor } : {}) };
  });

  app.get('/v1/anomalies', {
    schema: { summary: 'List anomalies, newest first', querystring: AnomalyListQuery, response: { 200: AnomalyPage, ...errors } },
  }, async (req) => {
    const tenant = tenantOf(req);
    const { incident, ...q } = req.query;
    let ids: string[] | undefined;
    if (incident !== undefined) {
      const inc = await store.getIncident(tenant, incident);
      if (!inc) throw new AiopsError('NOT_FOUND', `No incident ${incident} for tenant ${tenant}.`);
      ids = inc.anomalyIds;
    }
    return store.queryAnomalies({ tenant, ...q, ...(ids ? { ids } : {}) });
  });

  app.get('/v1/alerts', {
    schema: { summary: 'List alerts (deduplicated anomalies and ingested Alertmanager alerts), most recently seen first', querystring: AlertListQuery, response: { 200: AlertPage, ...errors } },
  }, async (req) => store.queryAlerts({ tenant: tenantOf(req), ...req.query }));

  app.get('/v1/services', { schema: { summary: 'Services with anomaly counts', response: { 200: ServiceList, ...errors } } }, async (req) => ({
    items: await store.listServices(tenantOf(req)),
  }));

  // A tenant with no topology yet (no file, no learned call) gets an empty one at version 0, not
  // `null`: clients and the dashboard read one shape, and "none" is not an error.
  app.get('/v1/topology', { schema: { summary: 'The current service topology (version 0, no services or edges, when there is none yet)', response: { 200: TopologyBody, ...errors } } }, async (req) => {
    const tenant = tenantOf(req);
    return (await store.getTopology(tenant)) ?? { tenant, version: 0, services: [], edges: [] };
  });

  app.post('/v1/feedback', {
    schema: {
      summary: 'Mark a window as a false positive (those alarm patterns get less sensitive) or as an incident (kept out of the baselines)',
      body: FeedbackRequest,
      response: { 202: FeedbackAccepted, 404: { $ref: 'ErrorBody#' }, 503: { $ref: 'ErrorBody#' }, ...errors },
    },
  }, async (req, reply) => {
    const tenant = tenantOf(req);
    const b = req.body;
    let service = b.service;
    let subject = b.subject;
    let from = b.from;
    let to = b.to;
    if (b.anomalyId !== undefined) {
      const a = (await store.queryAnomalies({ tenant, ids: [b.anomalyId], limit: 1 })).items[0];
      if (!a) throw new AiopsError('NOT_FOUND', `No anomaly ${b.anomalyId} for tenant ${tenant}.`);
      if (service !== undefined && service !== a.service) throw new AiopsError('BAD_REQUEST', `Anomaly ${b.anomalyId} is on service ${a.service}, not ${service}.`);
      service = a.service;
      subject ??= a.subject;
      from ??= a.ts;
      to ??= Math.max(a.ts, from);
    }
    if (service === undefined) throw new AiopsError('BAD_REQUEST', 'Name the anomaly (anomalyId) or the service (service, with from and to) the verdict is about.');
    if (from === undefined || to === undefined) throw new AiopsError('BAD_REQUEST', 'A verdict on a service needs its window: from and to, in milliseconds since the epoch.');
    if (to < from) throw new AiopsError('BAD_REQUEST', `The window ends (to=${to}) before it starts (from=${from}).`);
    if (!options.bus) throw new AiopsError('BUS_UNAVAILABLE', 'This API process has no bus to send feedback on; send it to an api stage started by `aiops api` or `aiops start`.');
    const ts = Date.now();
    const feedback: Feedback = { id: stableId('fb', tenant, service, subject ?? '', b.kind, from, to, ts), tenant, ts, service, kind: b.kind, from, to };
    if (subject !== undefined) feedback.subject = subject;
    if (b.anomalyId !== undefined) feedback.anomalyId = b.anomalyId;
    if (b.note !== undefined) feedback.note = b.note;
    await options.bus.publish(TOPICS.feedback, [{ key: service, value: feedback }]);
    return reply.code(202).send(feedback);
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await store.ping();
    } catch (err) {
      return reply.code(503).send({ status: 'not ready', reason: (err as Error).message });
    }
    if (options.ready && !options.ready()) return reply.code(503).send({ status: 'not ready', reason: 'stages starting' });
    return { status: 'ready' };
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  // Browsers ask for it with every dashboard load; there is none, and "none" is not a 404 in the log.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) => reply.code(204).send());
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(DASHBOARD_HTML));
  return app;
}

/**
 * Integer query parameters as plain decimal digits, checked before schema validation: the
 * validator coerces `Infinity` and `1e400` to Infinity, which passes its integer and maximum
 * checks and reached the store as a number it cannot bind (a 500). The schema's range names
 * the allowed values in the 400.
 */
function checkIntegerParams(query: Record<string, unknown>, props: Record<string, { type?: string; minimum?: number; maximum?: number }>): void {
  for (const [name, schema] of Object.entries(props)) {
    if (schema.type !== 'integer' || !Object.hasOwn(query, name)) continue;
    const raw = query[name];
    const range = `an integer from ${schema.minimum ?? 0} to ${schema.maximum ?? Number.MAX_SAFE_INTEGER}`;
    if (Array.isArray(raw)) throw new AiopsError('VALIDATION_FAILED', `Query parameter ${name} is given ${raw.length} times; give it once, as ${range}.`);
    const text = String(raw);
    const n = Number(text);
    if (!/^-?\d{1,16}$/.test(text) || !Number.isSafeInteger(n) || (schema.minimum !== undefined && n < schema.minimum) || (schema.maximum !== undefined && n > schema.maximum)) {
      throw new AiopsError('VALIDATION_FAILED', `Query parameter ${name}=${JSON.stringify(text.slice(0, 32))} is out of range; expected ${range}.`);
    }
  }
}
