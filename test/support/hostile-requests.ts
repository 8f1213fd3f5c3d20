// A seeded generator of hostile requests: well-formed enough to reach the mapping code, with
// values aimed at its edges (non-finite and > 2^53 numbers, impossible and far-future dates,
// deep nesting, wide label sets, long strings). Used by test/unit/ingest-fuzz.test.ts; the same
// seed gives the same requests, so a failure reproduces.
import snappy from 'snappyjs';
import { lokiTypes, otlpTypes, prometheusTypes } from '../../ingest/proto/index.js';

import { mulberry32, type Rnd } from './random.js';

export { mulberry32, type Rnd };


/** encodeURIComponent, with lone surrogates (which it cannot encode) as U+FFFD. */
const enc = (s: string): string => encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

export interface HostileRequest {
  kind: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: Buffer | string;
}

const NUMBERS = ['Infinity', '-Infinity', 'NaN', '1e400', '-1e400', String(2 ** 53), String(2 ** 53 + 2), '18446744073709551616', '-1', '0', '-0', '1.5', '0x10', '1e3', ' 5', '5 ', '', '00000000000000000001', '9'.repeat(400)];
const DATES = ['2024-02-30T00:00:00Z', '2023-02-29T12:00:00Z', '2024-04-31T00:00:00Z', '2024-13-01T00:00:00Z', '2024-00-10T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '3000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2024-05-01T12:00:00+25:00', '2024-05-01T12:00:00.999999999999Z', '2024-05-01', 'now', '0001-01-01T00:00:00Z'];
const T = Date.parse('2024-05-01T12:00:00Z');

/** A timestamp field: epoch ms (near, far future, huge, negative, non-finite) or a date string. */
function hostileTs(rnd: Rnd): unknown {
  const r = rnd();
  if (r < 0.25) return pick(rnd, DATES);
  if (r < 0.45) return pick(rnd, [Date.now() + 3_600_000, Date.now() + 11 * 60_000, 32503680000000, 32503680000001, 1.7e18, -1, 2 ** 53, 2 ** 64, T]);
  if (r < 0.6) return pick(rnd, NUMBERS);
  return T + Math.floor(rnd() * 1000);
}

/** Nanosecond timestamp strings for OTLP and Loki. */
function hostileNs(rnd: Rnd): string {
  return pick(rnd, ['99999999999999999999', '18446744073709551615', `${Date.now() + 3_600_000}000000`, `${Date.now() + 30_000}000000`, `${T}000000`, '-1', '1e30', 'NaN', '0', '', '1'.repeat(25), `${T}000000.5`]);
}

function nestedJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** A nesting depth: mostly near the limit, sometimes far beyond it (100k levels). */
function hostileDepth(rnd: Rnd): number {
  return pick(rnd, [1, 10, 63, 64, 65, 66, 200, 1000, 20_000, 100_000]);
}

function width(rnd: Rnd): number {
  return pick(rnd, [0, 1, 1, 5, 29, 30, 31, 100, 600]);
}

function hostileString(rnd: Rnd): string {
  return pick(rnd, ['', 'x', 'a'.repeat(257), 'v'.repeat(1025), 'v'.repeat(2049), 'v'.repeat(70_000), '\u0000', '\ud800', '🚀'.repeat(600), '__proto__', 'constructor', '{app="x"}', '"', '\\']);
}

function labels(rnd: Rnd, n: number, salt: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) out[`l${i}`] = `v${salt}`;
  if (rnd() < 0.2) out[hostileString(rnd)] = hostileString(rnd);
  return out;
}

const json = (url: string, body: string, kind: string, ct = 'application/json'): HostileRequest => ({ kind, method: 'POST', url, headers: { 'content-type': ct }, payload: body });

function ndjson(rnd: Rnd, salt: number): HostileRequest {
  const kind = pick(rnd, ['logs', 'metrics', 'changes'] as const);
  const lines: string[] = [];
  for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) {
    const r = rnd();
    if (r < 0.15) {
      lines.push(`{"service":"a","body":${nestedJson(hostileDepth(rnd))},"name":"m","value":1,"summary":"s"}`);
      continue;
    }
    const o: Record<string, unknown> = kind === 'logs'
      ? { service: 'svc', body: `line ${salt}`, ts: hostileTs(rnd), severity: pick(rnd, ['info', 99, 'Infinity', 1e400]), attributes: labels(rnd, width(rnd), salt) }
      : kind === 'metrics'
        ? { service: 'svc', name: `m${salt % 50}`, value: pick(rnd, [1, '1e400', 'NaN', 2 ** 53, -0, 'Infinity', '5']), ts: hostileTs(rnd), labels: labels(rnd, width(rnd), salt) }
        : { service: 'svc', summary: `deploy ${salt}`, kind: 'deploy', ts: hostileTs(rnd), attributes: labels(rnd, width(rnd), salt) };
    if (rnd() < 0.1) o.tenant = hostileString(rnd);
    lines.push(JSON.stringify(o));
  }
  return json(`/v1/ndjson/${kind}`, lines.join('\n'), `ndjson-${kind}`, 'application/x-ndjson');
}

/** An AnyValue `depth` levels deep, as an OTLP/JSON text (no recursion). */
function anyValueJson(depth: number): string {
  return '{"arrayValue":{"values":['.repeat(depth) + '{"stringValue":"x"}' + ']}}'.repeat(depth);
}

function otlpJson(rnd: Rnd, salt: number): HostileRequest {
  const signal = pick(rnd, ['logs', 'metrics', 'traces'] as const);
  const attrs = Array.from({ length: width(rnd) }, (_, i) => `{"key":"k${i}","value":{"stringValue":"v${salt}"}}`).join(',');
  const deep = rnd() < 0.3 ? anyValueJson(hostileDepth(rnd)) : `{"intValue":"${pick(rnd, NUMBERS)}"}`;
  const resource = `{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}${rnd() < 0.2 ? `,{"key":"deep","value":${deep}}` : ''}]}`;
  let body: string;
  if (signal === 'logs') {
    body = `{"resourceLogs":[{"resource":${resource},"scopeLogs":[{"logRecords":[{"timeUnixNano":"${hostileNs(rnd)}","body":${deep},"attributes":[${attrs}]}]}]}]}`;
  } else if (signal === 'metrics') {
    const point = `{"timeUnixNano":"${hostileNs(rnd)}","asDouble":${pick(rnd, ['1', '1e308', '"Infinity"', '"NaN"', 'null'])},"attributes":[${attrs}]}`;
    body = `{"resourceMetrics":[{"resource":${resource},"scopeMetrics":[{"metrics":[{"name":"m${salt % 50}","gauge":{"dataPoints":[${point}]}}]}]}]}`;
  } else {
    body = `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"spans":[{"traceId":"${'a'.repeat(32)}","spanId":"${'b'.repeat(16)}","name":"s","kind":${pick(rnd, [2, 3, 99, -1])},"startTimeUnixNano":"${hostileNs(rnd)}","endTimeUnixNano":"${hostileNs(rnd)}","attributes":[${attrs}]}]}]}]}`;
  }
  return json(`/v1/${signal}`, body, `otlp-json-${signal}`);
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** OTLP logs protobuf whose log body is an AnyValue `depth` arrays deep, written outside in. */
export function deepAnyValueLogsProto(depth: number): Buffer {
  const leaf = [0x0a, 0x01, 0x78];
  const sizes = [leaf.length];
  for (let k = 1; k <= depth; k++) {
    const arrayValue = 1 + varint(sizes[k - 1]!).length + sizes[k - 1]!;
    sizes.push(1 + varint(arrayValue).length + arrayValue);
  }
  const bytes: number[] = [];
  const field = (tag: number, len: number) => {
    bytes.push(tag);
    for (const b of varint(len)) bytes.push(b);
  };
  const body = sizes[depth]!;
  const logRecord = 1 + varint(body).length + body;
  const scopeLogs = 1 + varint(logRecord).length + logRecord;
  field(0x0a, 1 + varint(scopeLogs).length + scopeLogs);
  field(0x12, scopeLogs);
  field(0x12, logRecord);
  field(0x2a, body);
  for (let k = depth; k >= 1; k--) {
    const inner = sizes[k - 1]!;
    field(0x2a, 1 + varint(inner).length + inner);
    field(0x0a, inner);
  }
  for (const b of leaf) bytes.push(b);
  return Buffer.from(bytes);
}

function otlpProto(rnd: Rnd, salt: number): HostileRequest {
  const headers = { 'content-type': 'application/x-protobuf' };
  if (rnd() < 0.3) return { kind: 'otlp-proto-deep', method: 'POST', url: '/v1/logs', headers, payload: deepAnyValueLogsProto(pick(rnd, [10, 65, 1000, 5000, 20_000])) };
  const t = otlpTypes();
  const attributes = Array.from({ length: width(rnd) }, (_, i) => ({ key: `k${i}`, value: { stringValue: `v${salt}` } }));
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: pick(rnd, ['svc', 'x'.repeat(300), '']) } }] };
  const ts = pick(rnd, [{ low: -1, high: -1, unsigned: true }, { low: 0, high: 0x7fffffff }, `${Date.now() + 3_600_000}000000`, `${T}000000`, 0]);
  const signal = pick(rnd, ['logs', 'metrics', 'traces'] as const);
  let payload: Uint8Array;
  if (signal === 'logs') {
    payload = t.ExportLogsServiceRequest.encode(t.ExportLogsServiceRequest.fromObject({ resourceLogs: [{ resource, scopeLogs: [{ logRecords: [{ timeUnixNano: ts, severityNumber: pick(rnd, [0, 9, 25, -1]), body: { stringValue: `b${salt}` }, attributes }] }] }] })).finish();
  } else if (signal === 'metrics') {
    const point = { timeUnixNano: ts, asDouble: pick(rnd, [1, Infinity, NaN, 1e308, -0]), attributes };
    const metric = rnd() < 0.5 ? { name: `m${salt % 50}`, gauge: { dataPoints: [point] } } : { name: `h${salt % 50}`, histogram: { aggregationTemporality: pick(rnd, [1, 2, 7]), dataPoints: [{ ...point, count: 3, sum: 1, bucketCounts: [1, 2], explicitBounds: pick(rnd, [[1], [], [Infinity], [2, 1]]) }] } };
    payload = t.ExportMetricsServiceRequest.encode(t.ExportMetricsServiceRequest.fromObject({ resourceMetrics: [{ resource, scopeMetrics: [{ metrics: [metric] }] }] })).finish();
  } else {
    payload = t.ExportTraceServiceRequest.encode(t.ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource, scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(pick(rnd, [8, 0, 3]), 2), name: 's', kind: 2, startTimeUnixNano: ts, endTimeUnixNano: ts, attributes }] }] }] })).finish();
  }
  return { kind: `otlp-proto-${signal}`, method: 'POST', url: `/v1/${signal}`, headers, payload: Buffer.from(payload) };
}

function remoteWrite(rnd: Rnd, salt: number): HostileRequest {
  const { WriteRequest } = prometheusTypes();
  const n = width(rnd);
  const ls = [{ name: '__name__', value: pick(rnd, [`m${salt % 50}`, '', 'x'.repeat(300)]) }, { name: 'job', value: 'api' }];
  for (let i = 0; i < n; i++) ls.push({ name: `l${i}`, value: rnd() < 0.05 ? 'v'.repeat(2049) : `v${salt}` });
  const timestamp = pick(rnd, [Date.now(), Date.now() + 3_600_000, 32503680000001, -1, 2 ** 53, T]);
  const value = pick(rnd, [1, Infinity, NaN, -0, 1e308]);
  const body = WriteRequest.encode(WriteRequest.fromObject({ timeseries: [{ labels: ls, samples: [{ value, timestamp }] }] })).finish();
  return { kind: 'remote-write', method: 'POST', url: '/api/v1/write', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, payload: Buffer.from(snappy.compress(body)) };
}

function loki(rnd: Rnd, salt: number): HostileRequest {
  const n = width(rnd);
  const labelText = `{app="web"${Array.from({ length: Math.min(n, 1000) }, (_, i) => `, l${i}="v${salt}"`).join('')}}`;
  if (rnd() < 0.5) {
    const entry = rnd() < 0.2 ? nestedJson(hostileDepth(rnd)) : JSON.stringify([hostileNs(rnd), `line ${salt}`]);
    return json('/loki/api/v1/push', `{"streams":[{"stream":${JSON.stringify(labels(rnd, n, salt))},"values":[${entry}]}]}`, 'loki-json');
  }
  const { PushRequest } = lokiTypes();
  const seconds = pick(rnd, [Math.floor(Date.now() / 1000) + 3600, T / 1000, -1, 2 ** 40, 0]);
  const body = PushRequest.encode(PushRequest.fromObject({ streams: [{ labels: rnd() < 0.1 ? hostileString(rnd) : labelText, entries: [{ timestamp: { seconds, nanos: pick(rnd, [0, 1, 999_999_999, -1]) }, line: `l${salt}` }] }] })).finish();
  return { kind: 'loki-proto', method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.from(snappy.compress(body)) };
}

function alertmanager(rnd: Rnd, salt: number): HostileRequest {
  const l = { alertname: `A${salt % 20}`, ...labels(rnd, width(rnd), salt) };
  const alerts = rnd() < 0.15 ? nestedJson(hostileDepth(rnd)) : JSON.stringify([{ status: pick(rnd, ['firing', 'resolved', 'x']), labels: l, startsAt: hostileTs(rnd), endsAt: pick(rnd, DATES) }]);
  return json('/v1/alertmanager', `{"version":"4","status":"firing","alerts":${alerts}}`, 'alertmanager');
}

function changes(rnd: Rnd, salt: number): HostileRequest {
  if (rnd() < 0.5) return json('/v1/changes/deploy', JSON.stringify({ service: pick(rnd, ['api', '', 'x'.repeat(300)]), version: `1.${salt}`, ts: hostileTs(rnd) }), 'deploy');
  const details = rnd() < 0.2 ? nestedJson(hostileDepth(rnd)) : JSON.stringify({ service: 'api', ...labels(rnd, width(rnd), salt) });
  return json('/v1/changes/pagerduty', `{"routing_key":"r","payload":{"summary":"d${salt}","timestamp":${JSON.stringify(hostileTs(rnd))},"source":"ci","custom_details":${details}}}`, 'pagerduty');
}

/** One hostile ingest request, over every HTTP receiver. */
export function hostileIngestRequest(rnd: Rnd, salt: number): HostileRequest {
  const makers = [ndjson, otlpJson, otlpProto, remoteWrite, loki, alertmanager, changes];
  const req = pick(rnd, makers)(rnd, salt);
  if (rnd() < 0.05) req.headers['x-scope-orgid'] = hostileString(rnd);
  return req;
}

const TENANTS = ['default', 't1', '', ' ', 'a/b', 'x'.repeat(200), '..', '\u00e9'];

/** One hostile query API request: every parameter of every route, odd headers and bodies. */
export function hostileApiRequest(rnd: Rnd, salt: number): HostileRequest {
  const headers: Record<string, string> = {};
  if (rnd() < 0.1) headers['x-scope-orgid'] = pick(rnd, TENANTS);
  if (rnd() < 0.05) headers.authorization = pick(rnd, ['Bearer', 'Bearer x', 'Basic %%%', 'x'.repeat(5000)]);
  const r = rnd();
  if (r < 0.15) {
    const body = rnd() < 0.2
      ? `{"kind":"false_positive","note":${nestedJson(hostileDepth(rnd))}}`
      : JSON.stringify({ kind: pick(rnd, ['false_positive', 'incident', 'x']), service: pick(rnd, ['api', '', undefined]), anomalyId: pick(rnd, [undefined, 'nope', '']), from: pick(rnd, [0, 1, -1, 2 ** 53, 1e400, 'Infinity', undefined]), to: pick(rnd, [0, 5, 2 ** 60, undefined]) });
    return { kind: 'api-feedback', method: 'POST', url: '/v1/feedback', headers: { ...headers, 'content-type': pick(rnd, ['application/json', 'text/plain', 'application/json; charset=utf-8']) }, payload: body };
  }
  if (r < 0.25) return { kind: 'api-incident', method: 'GET', url: `/v1/incidents/${enc(pick(rnd, ['x', 'inc_1', '%00', '..', 'a'.repeat(300), `${salt}`]))}`, headers };
  const route = pick(rnd, ['/v1/incidents', '/v1/anomalies', '/v1/alerts', '/v1/services', '/v1/topology']);
  const params: string[] = [];
  for (const name of ['from', 'to', 'limit', 'cursor', 'status', 'service', 'subject', 'signal', 'incident', 'rootCause']) {
    if (rnd() < 0.35) {
      const v = name === 'cursor'
        ? pick(rnd, ['x', '', 'a'.repeat(1100), Buffer.from(JSON.stringify({ ts: pick(rnd, [1e400, 'x', 2 ** 53, -1]), id: 1 })).toString('base64url'), '%ff'])
        : name === 'from' || name === 'to' || name === 'limit'
          ? pick(rnd, NUMBERS)
          : hostileString(rnd).slice(0, 9000);
      params.push(`${name}=${enc(v)}`);
      if (rnd() < 0.05) params.push(`${name}=1`); // repeated parameter
    }
  }
  return { kind: 'api-query', method: 'GET', url: `${route}?${params.join('&')}`, headers };
}

/** A hostile syslog line (RFC 5424 / 3164 shapes with edge dates, PRIs and structured data). */
export function hostileSyslogLine(rnd: Rnd, salt: number): string {
  const pri = pick(rnd, ['<13>', '<0>', '<191>', '<192>', '<999>', '<-1>', '<>', '']);
  if (rnd() < 0.5) {
    const sd = pick(rnd, ['-', '[a b="c"]', '[a b="c\\"]', `[${'x'.repeat(40)} ${'k="v" '.repeat(500)}]`, '[[[[', '[a b="\u0000"]']);
    return `${pri}1 ${pick(rnd, [...DATES, '-'])} host app ${salt} - ${sd} msg ${salt}`;
  }
  return `${pri}${pick(rnd, ['Feb 30', 'Apr 31', 'Feb 29', 'Jan  1', 'Foo 12', 'Dec 99'])} ${pick(rnd, ['10:00:00', '24:00:00', '23:60:60', '1:2:3'])} host app[${salt}]: ${hostileString(rnd).slice(0, 2000)}`;
}
