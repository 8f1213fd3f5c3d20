// Service-to-service calls seen in what ingest receives, for the correlator's topology: trace
// spans (a span whose parent span belongs to another service; a client span naming its
// peer.service) and metric labels that name both ends of a call (the OpenTelemetry Collector's
// service-graph connector, Istio, Linkerd). Observations are folded per edge so that a busy
// edge costs one record a minute on the bus, not one per span.
import type { Attributes, MetricPoint, ServiceEdge } from '../platform/contracts/index.js';
import { ingestId } from './normalize.js';

export interface EdgeObservation {
  tenant: string;
  from: string;
  to: string;
  source: ServiceEdge['source'];
  ts: number;
  evidence: string;
}

/** OTLP SpanKind numbers. */
export const SPAN_KIND = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export interface SpanFacts {
  tenant: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  service: string;
  kind: number;
  name: string;
  ts: number;
  /** The peer.service attribute of a client or producer span. */
  peerService: string | undefined;
}

/** A Map that forgets its oldest entries beyond `max` (insertion order). */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.max) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}

interface WaitingChild {
  service: string;
  name: string;
  ts: number;
}

/**
 * Joins spans to their parents across requests: services export their spans separately, so a
 * child often arrives before or after its parent. Recent spans and children still waiting for
 * their parent are kept in bounded maps; an ingest replica sees both ends when it receives whole
 * traces (one replica, or a Collector routing by trace id with its loadbalancing exporter).
 */
export class SpanEdgeTracker {
  private readonly spans: BoundedMap<string, string>;
  private readonly waiting: BoundedMap<string, WaitingChild[]>;

  constructor(maxSpans = 200_000, maxWaiting = 100_000) {
    this.spans = new BoundedMap(maxSpans);
    this.waiting = new BoundedMap(maxWaiting);
  }

  /** The calls these spans reveal; spans are registered first, so their order does not matter. */
  observe(spans: readonly SpanFacts[]): EdgeObservation[] {
    const out: EdgeObservation[] = [];
    for (const s of spans) {
      const key = spanKey(s.tenant, s.traceId, s.spanId);
      this.spans.set(key, s.service);
      const children = this.waiting.get(key);
      if (children) {
        this.waiting.delete(key);
        for (const c of children) pushCall(out, s.tenant, s.service, c.service, c.ts, c.name);
      }
      if (s.peerService && (s.kind === SPAN_KIND.client || s.kind === SPAN_KIND.producer)) {
        pushCall(out, s.tenant, s.service, s.peerService, s.ts, `${s.name} (peer.service)`);
      }
    }
    for (const s of spans) {
      // A consumer's parent is a producer: a queue in between, not a call whose faults surface in the caller.
      if (!s.parentSpanId || s.kind === SPAN_KIND.consumer) continue;
      const parentKey = spanKey(s.tenant, s.traceId, s.parentSpanId);
      const parent = this.spans.get(parentKey);
      if (parent !== undefined) {
        pushCall(out, s.tenant, parent, s.service, s.ts, s.name);
      } else {
        const list = this.waiting.get(parentKey);
        const child = { service: s.service, name: s.name, ts: s.ts };
        if (list) {
          if (list.length < 16 && !list.some((c) => c.service === s.service)) list.push(child);
        } else {
          this.waiting.set(parentKey, [child]);
        }
      }
    }
    return out;
  }
}

function spanKey(tenant: string, traceId: string, spanId: string): string {
  return `${tenant}\u001f${traceId}\u001f${spanId}`;
}

function pushCall(out: EdgeObservation[], tenant: string, from: string, to: string, ts: number, name: string): void {
  if (from === to || from === '' || to === '') return;
  out.push({ tenant, from, to: to.slice(0, 256), source: 'traces', ts, evidence: `span ${name.slice(0, 200)}` });
}

/** Label pairs that name a call's two ends, by metric family. `unknown` ends are left out. */
const LABEL_PAIRS: ReadonlyArray<{ metric: RegExp; from: readonly string[]; to: readonly string[]; when?: (l: Attributes) => boolean }> = [
  // OpenTelemetry Collector servicegraph connector: traces_service_graph_request_total{client, server}.
  { metric: /^traces_service_graph_/, from: ['client'], to: ['server'] },
  // Istio standard metrics (istio_requests_total, istio_request_duration_milliseconds, ...).
  { metric: /^istio_/, from: ['source_canonical_service', 'source_workload', 'source_app'], to: ['destination_canonical_service', 'destination_workload', 'destination_service_name', 'destination_app'] },
  // Linkerd proxy metrics: outbound traffic of `deployment` to `dst_deployment`.
  { metric: /^(request_total|response_total|response_latency_ms)/, from: ['deployment'], to: ['dst_deployment', 'dst_service'], when: (l) => l.direction === 'outbound' },
];

// One test per point on the hot path; the family is looked up only for the few metrics that match.
const ANY_PAIR_METRIC = new RegExp(LABEL_PAIRS.map((p) => p.metric.source).join('|'));

function firstLabel(labels: Attributes, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined && v !== '' && v !== 'unknown') return v;
  }
  return undefined;
}

/** The call a metric point's labels name, if any. */
export function edgeFromMetric(p: MetricPoint): EdgeObservation | undefined {
  const labels = p.labels;
  // A peer_service label (the peer.service convention on client-side metrics) names the callee of the point's service.
  const peer = labels.peer_service ?? labels['peer.service'];
  if (peer !== undefined && peer !== '' && peer !== p.service) {
    return { tenant: p.tenant, from: p.service, to: peer.slice(0, 256), source: 'metrics', ts: p.ts, evidence: `${p.name} peer_service="${peer}"` };
  }
  if (!ANY_PAIR_METRIC.test(p.name)) return undefined;
  for (const pair of LABEL_PAIRS) {
    if (!pair.metric.test(p.name) || (pair.when && !pair.when(labels))) continue;
    const from = firstLabel(labels, pair.from);
    const to = firstLabel(labels, pair.to);
    if (from === undefined || to === undefined || from === to) return undefined;
    return { tenant: p.tenant, from: from.slice(0, 256), to: to.slice(0, 256), source: 'metrics', ts: p.ts, evidence: `${p.name} ${pair.from.find((n) => labels[n] === from)}="${from}" ${pair.to.find((n) => labels[n] === to)}="${to}"` };
  }
  return undefined;
}

interface Pending {
  at: number;
  count: number;
  ts: number;
  evidence: string;
}

/**
 * Turns observations into ServiceEdge records: the first sighting of an edge at once, then at most
 * one record per edge per `intervalMs` (wall clock) carrying the count since the previous one.
 */
export class EdgeReporter {
  private readonly edges: BoundedMap<string, Pending>;

  constructor(private readonly intervalMs = 60_000, maxEdges = 50_000) {
    this.edges = new BoundedMap(maxEdges);
  }

  report(observations: readonly EdgeObservation[], now = Date.now()): ServiceEdge[] {
    const out: ServiceEdge[] = [];
    for (const o of observations) {
      const key = edgeKey(o);
      const p = this.edges.get(key);
      if (p === undefined) {
        this.edges.set(key, { at: now, count: 0, ts: o.ts, evidence: o.evidence });
        out.push(record(o, 1, o.ts, o.evidence));
        continue;
      }
      p.count++;
      p.ts = Math.max(p.ts, o.ts);
      p.evidence = o.evidence;
      if (now - p.at >= this.intervalMs) {
        out.push(record(o, p.count, p.ts, p.evidence));
        p.at = now;
        p.count = 0;
      }
    }
    return out;
  }

  /** Forgets the edges of records the bus did not take, so the next sighting reports them again. */
  retract(records: readonly ServiceEdge[]): void {
    for (const r of records) this.edges.delete(edgeKey(r));
  }
}

function edgeKey(e: Pick<EdgeObservation, 'tenant' | 'source' | 'from' | 'to'>): string {
  return `${e.tenant}\u001f${e.source}\u001f${e.from}\u001f${e.to}`;
}

function record(o: EdgeObservation, count: number, ts: number, evidence: string): ServiceEdge {
  return { id: ingestId('edge', o.tenant, o.source, o.from, o.to, ts), tenant: o.tenant, ts, from: o.from, to: o.to, source: o.source, count, evidence: evidence.slice(0, 512) };
}
