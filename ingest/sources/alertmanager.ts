// Alertmanager webhook receiver (payload version 4): alerts people already have become
// Anomaly records (signal 'alert') the correlator folds into incidents. Firing alerts score 1;
// resolved ones are forwarded with score 0 and evidence status=resolved.
import { Anomaly as AnomalySchema, TOPICS, type Anomaly, type Attributes } from '../../platform/contracts/index.js';
import { grantOf, isTenantName } from '../../platform/auth/index.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { decodeContentEncoding, isObject, rawBody, requireMediaType, utf8 } from '../http.js';
import { RecordError, ingestId, attributeValue, parseTimestamp, requestTenant } from '../normalize.js';
import { Batch } from '../publisher.js';
import { checked } from '../records.js';
import { limitStateFor, parseJsonWithin } from '../limits.js';
import { replyWithReport } from './ndjson.js';
import type { HttpSource } from './source.js';

function labelsOf(v: unknown, field: string): Attributes {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new RecordError('invalid_field', `${field}: expected an object of strings`);
  const out: Attributes = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== null) out[k.slice(0, 256)] = attributeValue(x);
  return out;
}

/** alertname{label="value",...} with labels sorted, as in Prometheus. */
export function alertSubject(labels: Attributes): string {
  const name = labels.alertname ?? 'alert';
  const rest = Object.keys(labels).filter((k) => k !== 'alertname').sort().map((k) => `${k}=${JSON.stringify(labels[k])}`);
  const s = `${name}{${rest.join(',')}}`;
  return s.length > 1024 ? s.slice(0, 1024) : s;
}

const ZERO_TIME = /^0001-01-01/;

export function alertToAnomaly(
  alert: unknown, group: Record<string, unknown>, tenantDefault: string, now: number,
  /** Whether the request's key may write a tenant the `tenant` label names (default: any). */
  mayWrite: (tenant: string) => boolean = () => true,
): Anomaly {
  if (!isObject(alert)) throw new RecordError('not_an_object', 'alert: expected an object');
  const labels = { ...labelsOf(group.commonLabels, 'commonLabels'), ...labelsOf(alert.labels, 'labels') };
  if (!labels.alertname) throw new RecordError('missing_field', 'labels.alertname: required');
  const annotations = labelsOf(alert.annotations, 'annotations');
  const status = alert.status ?? group.status;
  if (status !== 'firing' && status !== 'resolved') throw new RecordError('invalid_field', `status: ${JSON.stringify(status)} is neither firing nor resolved`);
  const firing = status === 'firing';
  const startsAt = parseTimestamp(alert.startsAt, now, 'startsAt');
  const endsRaw = typeof alert.endsAt === 'string' && !ZERO_TIME.test(alert.endsAt) ? alert.endsAt : undefined;
  const ts = firing ? startsAt : parseTimestamp(endsRaw, now, 'endsAt');
  // The `tenant` label routes an alert only into a tenant the key opens; otherwise it is ignored
  // (kept as label.tenant in the evidence) and the alert stays in the request's tenant, so one
  // tenant's Alertmanager cannot put alerts into another tenant's open incident.
  const tenant = isTenantName(labels.tenant) && mayWrite(labels.tenant) ? labels.tenant : tenantDefault;
  const service = (labels.service || labels.job || labels.app || 'unknown_service').slice(0, 256);
  const subject = alertSubject(labels);
  const evidence: Attributes = { status, ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [`label.${k}`.slice(0, 256), v])) };
  for (const [k, v] of Object.entries(annotations)) evidence[`annotation.${k}`.slice(0, 256)] = v;
  const fingerprint = typeof alert.fingerprint === 'string' ? alert.fingerprint : '';
  if (fingerprint) evidence.fingerprint = fingerprint.slice(0, 8192);
  if (typeof alert.generatorURL === 'string' && alert.generatorURL) evidence.generatorURL = alert.generatorURL.slice(0, 8192);
  if (typeof group.receiver === 'string') evidence.receiver = group.receiver.slice(0, 8192);
  evidence.startsAt = new Date(startsAt).toISOString();
  if (endsRaw) evidence.endsAt = endsRaw.slice(0, 64);
  const id = ingestId('anm', tenant, 'alertmanager', fingerprint || subject, startsAt, status);
  return checked(AnomalySchema, {
    id, tenant, ts, service, signal: 'alert', subject, detector: 'alertmanager',
    score: firing ? 1 : 0, observed: firing ? 1 : 0, expected: 0, lower: 0, upper: 0,
    direction: firing ? 'up' : 'none', evidence,
  });
}

export const alertmanagerSource: HttpSource = {
  type: 'alertmanager',
  description: 'Alertmanager webhook, payload version 4 (POST /v1/alertmanager): alerts become Anomaly records with signal alert.',
  register(app, ctx) {
    app.post('/v1/alertmanager', async (req, reply) => {
      requireMediaType(req, ['application/json'], 'application/json');
      const { body } = decodeContentEncoding(req, rawBody(req), ctx.config.bodyLimitBytes);
      const group = parseJsonWithin(utf8(body), limitStateFor(ctx.config).limits, 'Alertmanager webhook body');
      if (!isObject(group)) throw new AiopsError('BAD_REQUEST', 'The Alertmanager webhook body must be a JSON object.');
      if (group.version !== '4') throw new AiopsError('BAD_REQUEST', `Alertmanager webhook version ${JSON.stringify(group.version)} is not supported; this receiver reads version "4".`);
      if (!Array.isArray(group.alerts)) throw new AiopsError('BAD_REQUEST', 'alerts: required, an array of alerts.');
      const tenant = requestTenant(req.headers['x-scope-orgid']);
      const now = Date.now();
      const batch = new Batch();
      group.alerts.forEach((a: unknown, i: number) => {
        try {
          batch.anomalies.push(alertToAnomaly(a, group, tenant, now, grantOf(req)?.mayUse));
        } catch (err) {
          if (!(err instanceof RecordError)) throw err;
          batch.reject({ line: i + 1, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.anomalies, payload: JSON.stringify(a) ?? '', tenant });
        }
      });
      if (group.alerts.length === 0) return reply.code(200).send({ accepted: 0, rejected: 0, errors: [] });
      return replyWithReport(req, reply, ctx, batch, 'alertmanager');
    });
  },
};
