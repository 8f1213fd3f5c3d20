// Change events from webhooks: PagerDuty's change-event shape (Events API v2) and a plain deploy
// webhook for CI/CD tools. Each becomes a ChangeEvent the correlator lines up with incidents.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChangeEvent as ChangeEventSchema, TOPICS, type Attributes, type ChangeEvent } from '../../platform/contracts/index.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { decodeContentEncoding, isObject, rawBody, requireMediaType, utf8 } from '../http.js';
import { RecordError, changeId, optionalString, parseTenant, parseTimestamp, requestTenant, requiredString, toAttributes } from '../normalize.js';
import { Batch } from '../publisher.js';
import { changeKind, checked } from '../records.js';
import { grantOf } from '../../platform/auth/index.js';
import { limitStateFor, parseJsonWithin } from '../limits.js';
import { replyWithReport } from './ndjson.js';
import type { HttpSource, SourceContext } from './source.js';



function jsonBody(req: FastifyRequest, ctx: SourceContext, what: string): unknown {
  requireMediaType(req, ['application/json'], 'application/json');
  const { body } = decodeContentEncoding(req, rawBody(req), ctx.config.bodyLimitBytes);
  return parseJsonWithin(utf8(body), limitStateFor(ctx.config).limits, what);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** PagerDuty change event: {routing_key, payload: {summary, timestamp, source, custom_details}, links}. */
export function pagerDutyChange(o: unknown, tenantDefault: string, now: number): ChangeEvent {
  if (!isObject(o)) throw new RecordError('not_an_object', 'expected a PagerDuty change event object');
  const p = o.payload;
  if (!isObject(p)) throw new RecordError('missing_field', 'payload: required (PagerDuty change events carry {payload: {summary, timestamp, source}})');
  const details = isObject(p.custom_details) ? p.custom_details : {};
  const tenant = parseTenant(details.tenant, tenantDefault);
  const summary = requiredString(p.summary, 'payload.summary', 1024);
  const ts = parseTimestamp(p.timestamp, now, 'payload.timestamp');
  const service = requiredString(str(details.service) ?? str(details.app) ?? str(details.component) ?? str(p.source), 'payload.source or custom_details.service', 256);
  const kind = changeKind(details.kind ?? details.change_type, 'deploy');
  const attributes: Attributes = toAttributes(details, 'payload.custom_details');
  if (typeof p.source === 'string') attributes.source = p.source.slice(0, 8192);
  const links = Array.isArray(o.links) ? o.links.filter(isObject) : [];
  if (links[0] && typeof links[0].href === 'string') attributes.link = links[0].href.slice(0, 8192);
  const id = changeId(tenant, service, ts, kind, summary, 'pagerduty');
  return checked(ChangeEventSchema, { id, tenant, ts, service, kind, summary, source: 'pagerduty', attributes });
}

const DEPLOY_FIELDS = ['version', 'environment', 'commit', 'author', 'url', 'revision', 'cluster', 'namespace', 'status'] as const;

/** Plain deploy webhook: {service, version?, environment?, commit?, author?, url?, ts?, summary?, kind?, attributes?}. */
export function deployChange(o: unknown, tenantDefault: string, now: number): ChangeEvent {
  if (!isObject(o)) throw new RecordError('not_an_object', 'expected a deploy event object');
  const tenant = parseTenant(o.tenant, tenantDefault);
  const service = requiredString(str(o.service) ?? str(o.app) ?? str(o.application), 'service', 256);
  const ts = parseTimestamp(o.ts ?? o.timestamp ?? o.time ?? o.finished_at ?? o.deployed_at, now);
  const kind = changeKind(o.kind ?? o.type, 'deploy');
  const attributes: Attributes = toAttributes(o.attributes);
  for (const f of DEPLOY_FIELDS) {
    const v = optionalString(o[f], f, 8192);
    if (v !== undefined) attributes[f] = v;
  }
  const summary = optionalString(o.summary ?? o.description ?? o.message, 'summary', 2048)
    ?? `${kind === 'deploy' ? 'deployed' : kind} ${service}${attributes.version ? ` ${attributes.version}` : ''}${attributes.environment ? ` to ${attributes.environment}` : ''}`.slice(0, 2048);
  const source = optionalString(o.source, 'source', 128) ?? 'webhook';
  const id = changeId(tenant, service, ts, kind, summary, source);
  return checked(ChangeEventSchema, { id, tenant, ts, service, kind, summary, source, attributes });
}

async function handle(
  req: FastifyRequest, reply: FastifyReply, ctx: SourceContext, component: string,
  build: (o: unknown, tenant: string, now: number) => ChangeEvent,
): Promise<FastifyReply> {
  const body = jsonBody(req, ctx, `${component} body`);
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw new AiopsError('BAD_REQUEST', 'The body holds no change events.');
  const tenant = requestTenant(req.headers['x-scope-orgid']);
  const now = Date.now();
  const batch = new Batch();
  items.forEach((item, i) => {
    try {
      const change = build(item, tenant, now);
      // As for NDJSON lines: a record's own tenant never widens the key (platform/auth).
      if (change.tenant !== tenant && grantOf(req)?.mayUse(change.tenant) === false) {
        batch.reject({ line: i + 1, code: 'TENANT_FORBIDDEN', reason: 'tenant_forbidden', message: `tenant ${JSON.stringify(change.tenant)} is not one this key may write`, topic: TOPICS.changes, payload: JSON.stringify(item) ?? '', tenant });
        return;
      }
      batch.changes.push(change);
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      batch.reject({ line: i + 1, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.changes, payload: JSON.stringify(item) ?? '', tenant });
    }
  });
  return replyWithReport(req, reply, ctx, batch, component);
}

export const changesSource: HttpSource = {
  type: 'changes',
  description: 'Change events: PagerDuty change-event shape (POST /v1/changes/pagerduty, /v2/change/enqueue) and a plain deploy webhook (POST /v1/changes/deploy).',
  register(app, ctx) {
    for (const path of ['/v1/changes/pagerduty', '/v2/change/enqueue']) {
      app.post(path, (req, reply) => handle(req, reply, ctx, 'pagerduty', pagerDutyChange));
    }
    app.post('/v1/changes/deploy', (req, reply) => handle(req, reply, ctx, 'deploy_webhook', deployChange));
  },
};


