// NDJSON logs, metrics and change events: one JSON object per line. Valid lines are published,
// invalid ones are reported per line and sent to the dead-letter topic with the reason.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TOPICS, type TopicName } from '../../platform/contracts/index.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { decodeContentEncoding, isObject, isValidUtf8, rawBody, requireMediaType, sendError, utf8 } from '../http.js';
import { grantOf } from '../../platform/auth/index.js';
import { RecordError, requestTenant } from '../normalize.js';
import { Batch } from '../publisher.js';
import { changeFromJson, logFromJson, metricFromJson, type BuildContext } from '../records.js';
import {
  changeViolation, enforceLimits, jsonTooDeep, jsonTooDeepError, limitStateFor, logViolation, markRecordsChecked, metricViolation, type LimitState, type LimitViolation,
} from '../limits.js';
import type { HttpSource, SourceContext } from './source.js';

export const NDJSON_MEDIA_TYPES = ['application/x-ndjson', 'application/json-lines', 'application/jsonl', 'application/jsonlines', 'text/plain', 'application/json'] as const;

/** Most per-line errors listed in one response; the counts stay exact. */
const MAX_LINE_ERRORS = 1000;

type Kind = 'logs' | 'metrics' | 'changes';

type Add = (batch: Batch, o: Record<string, unknown>, ctx: BuildContext, limits: LimitState | undefined) => LimitViolation | undefined;

// Each builder holds the record to the record limits before keeping it, so a refusal names its line.
const KINDS: Record<Kind, { topic: TopicName; add: Add }> = {
  logs: { topic: TOPICS.logs, add: (b, o, c, l) => kept(b.logs, logFromJson(o, c), l && ((r) => logViolation(r, l, c.now))) },
  metrics: { topic: TOPICS.metrics, add: (b, o, c, l) => kept(b.metrics, metricFromJson(o, c), l && ((r) => metricViolation(r, l, c.now))) },
  changes: { topic: TOPICS.changes, add: (b, o, c, l) => kept(b.changes, changeFromJson(o, c), l && ((r) => changeViolation(r, l, c.now))) },
};

function kept<R>(into: R[], record: R, violation: ((r: R) => LimitViolation | undefined) | undefined): LimitViolation | undefined {
  const v = violation?.(record);
  if (v === undefined) into.push(record);
  return v;
}

/** Splits a body into lines; each line is checked for UTF-8 on its own so one bad line does not sink the rest. */
function eachLine(body: Buffer, visit: (n: number, text: string | undefined, raw: Buffer | string) => void): void {
  if (isValidUtf8(body)) {
    // The common case: one decode of the whole body, lines cut from the string.
    const text = body.toString('utf8');
    let n = 0;
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      n++;
      const line = text.slice(start, end);
      visit(n, line, line);
      start = end + 1;
    }
    return;
  }
  let n = 0;
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(0x0a, start);
    if (end === -1) end = body.length;
    n++;
    const raw = body.subarray(start, end);
    visit(n, isValidUtf8(raw) ? raw.toString('utf8') : undefined, raw);
    start = end + 1;
  }
}

export function decodeNdjson(
  body: Buffer, kind: Kind, ctx: BuildContext, batch: Batch, jsonArray: boolean,
  /** Whether the request's key may write a tenant a line names (default: any). */
  mayWrite: (tenant: string) => boolean = () => true,
  /** The ingest limits each record is held to as it is built (absent: only JSON depth 64). */
  state?: LimitState,
): void {
  const { topic, add } = KINDS[kind];
  const limits = state?.limits ?? { maxJsonDepth: 64 };
  if (state) markRecordsChecked(batch);
  const one = (n: number, value: unknown, payload: string): void => {
    try {
      if (!isObject(value)) throw new RecordError('not_an_object', `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
      // A line's own tenant never widens the key: a line naming a tenant the key does not open is
      // refused on its own (the rest of the request still counts), not re-filed under the header's.
      if (typeof value.tenant === 'string' && value.tenant !== ctx.tenant && !mayWrite(value.tenant)) {
        batch.reject({ line: n, code: 'TENANT_FORBIDDEN', reason: 'tenant_forbidden', message: `tenant ${JSON.stringify(value.tenant.slice(0, 64))} is not one this key may write`, topic, payload, tenant: ctx.tenant });
        return;
      }
      const v = add(batch, value, ctx, state);
      if (v) batch.reject({ line: n, code: v.code, reason: v.reason, message: v.message, topic, payload, tenant: ctx.tenant });
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      batch.reject({ line: n, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic, payload, tenant: ctx.tenant });
    }
  };
  if (jsonArray) {
    let parsed: unknown;
    const text = utf8(body, 'JSON array body');
    // The array itself is one level.
    if (jsonTooDeep(text, limits.maxJsonDepth + 1)) throw jsonTooDeepError(limits, 'JSON array body');
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new AiopsError('BAD_REQUEST', `The body is not a valid JSON array (${(err as Error).message}); send one object per line as NDJSON or a JSON array of objects.`);
    }
    if (!Array.isArray(parsed)) throw new AiopsError('BAD_REQUEST', 'A JSON body must be an array of objects or one object per line.');
    parsed.forEach((v, i) => one(i + 1, v, JSON.stringify(v) ?? ''));
    return;
  }
  eachLine(body, (n, text, raw) => {
    if (text === undefined) {
      batch.reject({ line: n, code: 'BAD_REQUEST', reason: 'invalid_utf8', message: 'the line is not valid UTF-8', topic, payload: (raw as Buffer).toString('base64'), tenant: ctx.tenant });
      return;
    }
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (isBlank(trimmed)) return;
    if (jsonTooDeep(trimmed, limits.maxJsonDepth)) {
      batch.reject({ line: n, code: 'JSON_TOO_DEEP', reason: 'json_too_deep', message: `the line nests arrays or objects more than ${limits.maxJsonDepth} levels deep (AIOPS_INGEST_MAX_JSON_DEPTH)`, topic, payload: trimmed.slice(0, 4096), tenant: ctx.tenant });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      batch.reject({ line: n, code: 'BAD_REQUEST', reason: 'invalid_json', message: `not valid JSON (${(err as Error).message})`, topic, payload: trimmed, tenant: ctx.tenant });
      return;
    }
    one(n, value, trimmed);
  });
}

/** True for '' and lines of white space only (String.prototype.trim's set), without allocating. */
function isBlank(s: string): boolean {
  if (s.length === 0) return true;
  const c = s.charCodeAt(0);
  // A JSON line starts with '{' (or another non-space): the fast answer.
  if (c > 0x20 && c < 0x7f) return false;
  return s.trim() === '';
}

/** Publishes a decoded batch and answers with the per-record report; 400 when nothing was valid. */
export async function replyWithReport(
  req: FastifyRequest, reply: FastifyReply, ctx: SourceContext, batch: Batch, component: string,
  /** Status when every record was accepted: 200 with the report, or 204 for clients that expect no body (Loki, remote_write). */
  cleanStatus: 200 | 204 = 200,
): Promise<FastifyReply> {
  enforceLimits(batch, limitStateFor(ctx.config), Date.now(), rawBody(req).length);
  await ctx.publisher.publish(batch, component);
  const report = {
    accepted: batch.accepted,
    rejected: batch.rejected.length,
    errors: batch.rejected.slice(0, MAX_LINE_ERRORS).map((r) => ({ line: r.line, code: r.code, message: r.message })),
  };
  if (batch.accepted === 0 && (batch.rejected.length > 0 || cleanStatus === 200)) {
    const first = batch.rejected[0];
    const message = first
      ? `No record was accepted: ${batch.rejected.length} rejected; first, ${component === 'ndjson' ? 'line' : 'record'} ${first.line}: ${first.message}`
      : 'The body holds no records; send one JSON object per line.';
    // Only refused tenants: the request as a whole is a cross-tenant write, so 403.
    const forbidden = batch.rejected.length > 0 && batch.rejected.every((r) => r.code === 'TENANT_FORBIDDEN');
    // Otherwise the first refusal's code names the limit or the problem (LABEL_LIMIT_EXCEEDED, TIMESTAMP_TOO_NEW, ...).
    return sendError(reply, new AiopsError(forbidden ? 'TENANT_FORBIDDEN' : first?.code ?? 'BAD_REQUEST', message), report);
  }
  if (cleanStatus === 204 && batch.rejected.length === 0) return reply.code(204).send();
  return reply.code(200).send(report);
}

export const ndjsonSource: HttpSource = {
  type: 'ndjson',
  description: 'NDJSON logs, metrics and change events (POST /v1/ndjson/{logs,metrics,changes}).',
  register(app, ctx) {
    for (const kind of Object.keys(KINDS) as Kind[]) {
      app.post(`/v1/ndjson/${kind}`, async (req, reply) => {
        const type = requireMediaType(req, NDJSON_MEDIA_TYPES, 'application/x-ndjson');
        const { body } = decodeContentEncoding(req, rawBody(req), ctx.config.bodyLimitBytes);
        const batch = new Batch();
        const build: BuildContext = { tenant: requestTenant(req.headers['x-scope-orgid']), now: Date.now() };
        const jsonArray = type === 'application/json' && body.length > 0 && firstNonSpace(body) === 0x5b;
        decodeNdjson(body, kind, build, batch, jsonArray, grantOf(req)?.mayUse, limitStateFor(ctx.config));
        return replyWithReport(req, reply, ctx, batch, 'ndjson');
      });
    }
  },
};

function firstNonSpace(b: Buffer): number {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return -1;
}
