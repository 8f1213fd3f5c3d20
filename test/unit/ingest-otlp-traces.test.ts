import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { TOPICS, type MetricPoint, type ServiceEdge } from '../../platform/contracts/index.js';
import { ingestHarness, listenOnLoopback, type Harness } from '../../ingest/testing/harness.js';
import { EdgeReporter, SPAN_KIND, SpanEdgeTracker, edgeFromMetric, type SpanFacts } from '../../ingest/service-edges.js';

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await ingestHarness();
  base = await listenOnLoopback(h);
});
afterAll(async () => {
  await h.close();
});

function provider(service: string, exporter: SpanExporter): BasicTracerProvider {
  return new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
}

/** frontend calls `${prefix}-checkout` (exported by its own SDK, in its own request), which calls a database named by peer.service. */
async function sendTrace(makeExporter: () => SpanExporter, prefix: string): Promise<ServiceEdge[]> {
  const front = provider(`${prefix}-frontend`, makeExporter());
  const back = provider(`${prefix}-checkout`, makeExporter());
  const client = front.getTracer('t').startSpan('GET /checkout', { kind: SpanKind.CLIENT });
  const parent = trace.setSpanContext(context.active(), client.spanContext());
  const server = back.getTracer('t').startSpan('POST /checkout', { kind: SpanKind.SERVER }, parent);
  const db = back.getTracer('t').startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'peer.service': `${prefix}-orders-db` } }, trace.setSpan(context.active(), server));
  db.end();
  server.end();
  await back.forceFlush();
  client.end(); // the parent arrives after its child, in another request
  await front.forceFlush();
  await front.shutdown();
  await back.shutdown();
  await h.bus.idle();
  return h.values<ServiceEdge>(TOPICS.edges).filter((e) => e.from.startsWith(prefix));
}

function pairs(edges: ServiceEdge[]): string[] {
  return edges.map((e) => `${e.from}->${e.to}`).sort();
}

describe('OTLP/HTTP traces from the OpenTelemetry JS SDK', () => {
  it('learns service calls from HTTP/protobuf exports: parent and child spans from separate requests, and peer.service', async () => {
    const edges = await sendTrace(() => new ProtoTraceExporter({ url: `${base}/v1/traces` }), 'p');
    expect(pairs(edges)).toEqual(['p-checkout->p-orders-db', 'p-frontend->p-checkout']);
    for (const e of edges) expect(e).toMatchObject({ tenant: 'default', source: 'traces', count: 1 });
    expect(edges.find((e) => e.to === 'p-checkout')!.evidence).toContain('POST /checkout');
  });

  it('learns the same calls from HTTP/JSON exports', async () => {
    const edges = await sendTrace(() => new JsonTraceExporter({ url: `${base}/v1/traces` }), 'j');
    expect(pairs(edges)).toEqual(['j-checkout->j-orders-db', 'j-frontend->j-checkout']);
  });

  it('rejects spans with malformed ids through partialSuccess and keeps the rest', async () => {
    const span = (traceId: string, spanId: string) => ({ traceId, spanId, name: 's', kind: 2, startTimeUnixNano: '1714564800000000000' });
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }] }, scopeSpans: [{ spans: [
      span('0123456789abcdef0123456789abcdef', '0123456789abcdef'), span('abc', '0123456789abcdef'), span('0123456789abcdef0123456789abcdef', ''),
    ] }] }] };
    const res = await h.app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(200);
    const json = res.json<{ partialSuccess: { rejectedSpans: number; errorMessage: string } }>();
    expect(Number(json.partialSuccess.rejectedSpans)).toBe(2);
    expect(json.partialSuccess.errorMessage).toContain('traceId');
  });
});

function span(over: Partial<SpanFacts>): SpanFacts {
  return { tenant: 't', traceId: 'a'.repeat(32), spanId: '1'.repeat(16), parentSpanId: undefined, service: 's', kind: SPAN_KIND.server, name: 'op', ts: 1, peerService: undefined, ...over };
}

describe('SpanEdgeTracker', () => {
  it('joins a child to a parent seen later, and not across traces or tenants', () => {
    const t = new SpanEdgeTracker();
    expect(t.observe([span({ service: 'b', spanId: '2'.repeat(16), parentSpanId: '1'.repeat(16) })])).toEqual([]);
    expect(t.observe([span({ service: 'b2', traceId: 'b'.repeat(32), spanId: '3'.repeat(16), parentSpanId: '1'.repeat(16) })])).toEqual([]);
    const edges = t.observe([span({ service: 'a', tenant: 'other' }), span({ service: 'a', kind: SPAN_KIND.client })]);
    expect(edges.map((e) => `${e.from}->${e.to}`)).toEqual(['a->b']);
  });

  it('ignores calls within one service and a consumer under its producer', () => {
    const t = new SpanEdgeTracker();
    const edges = t.observe([
      span({ service: 'a' }),
      span({ service: 'a', spanId: '2'.repeat(16), parentSpanId: '1'.repeat(16) }),
      span({ service: 'worker', kind: SPAN_KIND.consumer, spanId: '3'.repeat(16), parentSpanId: '1'.repeat(16) }),
    ]);
    expect(edges).toEqual([]);
  });

  it('forgets the oldest spans beyond its bound', () => {
    const t = new SpanEdgeTracker(3, 10);
    t.observe(['1', '2', '3', '4'].map((d) => span({ service: 'a', spanId: d.repeat(16) })));
    expect(t.observe([span({ service: 'b', spanId: '9'.repeat(16), parentSpanId: '1'.repeat(16) })])).toEqual([]);
    expect(t.observe([span({ service: 'b', spanId: '8'.repeat(16), parentSpanId: '4'.repeat(16) })])).toHaveLength(1);
  });
});

describe('edges from metric labels', () => {
  const point = (name: string, service: string, labels: Record<string, string>): MetricPoint => ({ id: 'm', tenant: 'default', ts: 5, service, name, kind: 'counter', value: 1, labels });

  it('reads the service-graph connector, Istio, Linkerd outbound and peer_service labels', () => {
    expect(edgeFromMetric(point('traces_service_graph_request_total', 'otelcol', { client: 'web', server: 'api' }))).toMatchObject({ from: 'web', to: 'api', source: 'metrics' });
    expect(edgeFromMetric(point('istio_requests_total', 'istio', { source_workload: 'web-v1', source_canonical_service: 'web', destination_canonical_service: 'cart' }))).toMatchObject({ from: 'web', to: 'cart' });
    expect(edgeFromMetric(point('response_total', 'linkerd', { direction: 'outbound', deployment: 'web', dst_deployment: 'cart' }))).toMatchObject({ from: 'web', to: 'cart' });
    expect(edgeFromMetric(point('http_client_duration_ms_count', 'web', { peer_service: 'payments' }))).toMatchObject({ from: 'web', to: 'payments' });
  });

  it('leaves out inbound Linkerd traffic, unknown ends, self calls and ordinary metrics', () => {
    expect(edgeFromMetric(point('response_total', 'linkerd', { direction: 'inbound', deployment: 'web', dst_deployment: 'cart' }))).toBeUndefined();
    expect(edgeFromMetric(point('istio_requests_total', 'istio', { source_workload: 'unknown', destination_workload: 'cart' }))).toBeUndefined();
    expect(edgeFromMetric(point('traces_service_graph_request_total', 'o', { client: 'a', server: 'a' }))).toBeUndefined();
    expect(edgeFromMetric(point('http_requests_total', 'web', { client: 'a', server: 'b' }))).toBeUndefined();
  });

  it('publishes a metric edge from remote_write-style NDJSON points once, then folds repeats', async () => {
    const line = (ts: number) => JSON.stringify({ ts, service: 'otelcol', name: 'traces_service_graph_request_total', kind: 'counter', value: ts, labels: { client: 'mweb', server: 'mapi' } });
    for (const ts of [1_714_564_800_000, 1_714_564_815_000]) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/ndjson/metrics', headers: { 'content-type': 'application/x-ndjson' }, payload: `${line(ts)}\n` });
      expect(res.statusCode).toBe(200);
    }
    await h.bus.idle();
    const edges = h.values<ServiceEdge>(TOPICS.edges).filter((e) => e.from === 'mweb');
    expect(edges).toHaveLength(1);
    expect(edges[0]).toMatchObject({ to: 'mapi', source: 'metrics', evidence: 'traces_service_graph_request_total client="mweb" server="mapi"' });
  });
});

describe('EdgeReporter', () => {
  it('reports a new edge at once, then one record per interval with the count since the last', () => {
    const r = new EdgeReporter(60_000);
    const o = (ts: number) => ({ tenant: 't', from: 'a', to: 'b', source: 'traces' as const, ts, evidence: 'span x' });
    expect(r.report([o(1)], 0)).toHaveLength(1);
    expect(r.report([o(2), o(3)], 30_000)).toEqual([]);
    const later = r.report([o(4)], 61_000);
    expect(later).toHaveLength(1);
    expect(later[0]).toMatchObject({ count: 3, ts: 4 });
    r.retract(later);
    expect(r.report([o(5)], 62_000)).toMatchObject([{ count: 1, ts: 5 }]);
  });
});
