// Impact in the live pipeline: the detect stage notes a service's request volume on its metric
// anomalies, the correlator turns the excess per request into failed requests or request-seconds,
// and an incident holding an alert ranks by them.
import { describe, expect, it } from 'vitest';
import { RequestVolumes, VOLUME_MAX_AGE_MS, isRequestVolume } from '../../detectors/request-volume.js';
import { SeriesBank, detectBatch } from '../../detectors/stage.js';
import { impactOf } from '../../correlator/request-impact.js';
import { IncidentGrouper, DEFAULT_GROUPER_CONFIG } from '../../correlator/incident-grouper.js';
import { TopologyGraph } from '../../correlator/topology-graph.js';
import type { Anomaly, MetricPoint } from '../../platform/contracts/events.js';

const T = 1_700_000_000_000;

describe('isRequestVolume', () => {
  it('knows the usual request counters and count gauges, not their look-alikes', () => {
    for (const n of ['requests', 'requests_sum', 'http_requests_total', 'calls_total', 'traces_spanmetrics_calls_total', 'http_server_requests_seconds_count', 'http_server_request_duration_seconds_count']) expect(isRequestVolume(n), n).toBe(true);
    for (const n of ['http_request_duration_seconds_bucket', 'http_request_duration_seconds_sum', 'requests_in_flight', 'latency_average', 'errors_total']) expect(isRequestVolume(n), n).toBe(false);
  });
});

describe('RequestVolumes', () => {
  it("sums the latest value at or before the time over a service's series, and forgets stale ones", () => {
    const v = new RequestVolumes();
    v.record('t', 'api', 'api|http_requests_total{code="200"}', 'per_second', T, 90);
    v.record('t', 'api', 'api|http_requests_total{code="500"}', 'per_second', T, 10);
    v.record('t', 'api', 'api|http_requests_total{code="200"}', 'per_second', T + 60_000, 120);
    expect(v.at('t', 'api', T + 30_000)).toEqual({ requests: 100, basis: 'per_second' });
    expect(v.at('t', 'api', T + 60_000)).toEqual({ requests: 130, basis: 'per_second' });
    expect(v.at('t', 'api', T - 1)).toBeUndefined();
    expect(v.at('t', 'api', T + 60_000 + VOLUME_MAX_AGE_MS + 1)).toBeUndefined();
    expect(v.at('other', 'api', T)).toBeUndefined();
  });

  it('does not add per-second rates to per-sample counts: the basis most series use wins', () => {
    const v = new RequestVolumes();
    v.record('t', 'api', 'a', 'per_point', T, 500);
    v.record('t', 'api', 'b', 'per_second', T, 2);
    v.record('t', 'api', 'c', 'per_second', T, 3);
    expect(v.at('t', 'api', T)).toEqual({ requests: 5, basis: 'per_second' });
  });
});

const anomaly = (subject: string, observed: number, expected: number, evidence: Record<string, string>, signal: Anomaly['signal'] = 'metric') => ({ signal, subject, observed, expected, evidence });

describe('impactOf', () => {
  it('counts failed requests from a success ratio, in percent or as a share of 1', () => {
    expect(impactOf(anomaly('availability_average', 96, 100, { requests: '200' }))).toEqual({ unit: 'failed requests', value: 8 });
    expect(impactOf(anomaly('success_ratio', 0.96, 1, { requests: '200' }))!.value).toBeCloseTo(8, 9);
    expect(impactOf(anomaly('http_error_ratio', 0.05, 0.01, { requests: '10', requests_basis: 'per_second' }))).toEqual({ unit: 'failed requests/s', value: expect.closeTo(0.4, 9) as number });
  });

  it('counts request-seconds from a mean latency and nothing from a quantile', () => {
    expect(impactOf(anomaly('latency_average', 0.3, 0.1, { requests: '50' }))).toEqual({ unit: 'request-seconds', value: expect.closeTo(10, 9) as number });
    expect(impactOf(anomaly('latency_p90', 0.3, 0.1, { requests: '50' }))).toBeUndefined();
    expect(impactOf(anomaly('http_server_duration_mean{quantile="0.9"}', 0.3, 0.1, { requests: '50' }))).toBeUndefined();
  });

  it('is zero for a service doing better than usual, and absent without a request count, off a metric or on a non-request series', () => {
    expect(impactOf(anomaly('availability_average', 100, 98, { requests: '200' }))!.value).toBe(0);
    expect(impactOf(anomaly('availability_average', 96, 100, {}))).toBeUndefined();
    expect(impactOf(anomaly('log_error_ratio', 0.5, 0.01, { requests: '200' }, 'log'))).toBeUndefined();
    expect(impactOf(anomaly('cpu_utilization', 0.9, 0.2, { requests: '200' }))).toBeUndefined();
  });
});

describe('the detect stage notes request volume on anomalies', () => {
  it("a latency anomaly carries its service's request rate from the counter sampled with it", async () => {
    const bank = new SeriesBank(undefined);
    const points: MetricPoint[] = [];
    for (let i = 0; i < 400; i++) {
      const ts = T + i * 60_000;
      const latency = i >= 390 ? 2 : 0.1 + 0.01 * Math.sin(i);
      points.push({ id: `l${i}`, tenant: 't', ts, service: 'api', name: 'latency_average', kind: 'gauge', value: latency, labels: {} });
      // 50 requests/s: the counter grows 3,000 a minute.
      points.push({ id: `r${i}`, tenant: 't', ts, service: 'api', name: 'http_requests_total', kind: 'counter', value: 3_000 * i, labels: {} });
    }
    const out = await detectBatch(bank, points, []);
    const hit = out.filter((a) => a.subject === 'latency_average' && a.ts >= T + 390 * 60_000);
    expect(hit.length).toBeGreaterThan(0);
    for (const a of hit) expect(a.evidence).toMatchObject({ requests: '50', requests_basis: 'per_second' });
    expect(impactOf(hit[0]!)!.unit).toBe('request-seconds/s');
  });
});

describe('an incident holding an alert ranks by impact', () => {
  // web calls lb (a load balancer only web reaches) and search (which every caller uses).
  const graph = new TopologyGraph({
    tenant: 't',
    version: 1,
    services: [{ name: 'web', userFacing: true }, { name: 'lb' }, { name: 'search' }],
    edges: [
      { from: 'web', to: 'lb' },
      { from: 'web', to: 'search' },
    ],
  });
  const down = (service: string, observed: number, half: number, requests?: number): Anomaly => ({
    id: `${service}-${observed}`,
    tenant: 't',
    ts: T,
    service,
    signal: 'metric',
    subject: 'availability_average',
    detector: 'sustained-deviation',
    score: 1,
    observed,
    expected: 100,
    lower: 100 - half,
    upper: 100 + half,
    direction: 'down',
    evidence: requests === undefined ? {} : { requests: String(requests), requests_basis: 'per_point' },
  });
  const alert: Anomaly = { ...down('web', 0, 0), id: 'alert', signal: 'alert', detector: 'alert', ts: T + 10_000, observed: 0, expected: 0, lower: 0, upper: 0, evidence: {} };
  const rank = (anomalies: Anomaly[]) => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1, graceMs: 0 });
    g.add([...anomalies, alert], graph, 0);
    return g.flush(graph, [], T + 20_000, 0).find((i) => i.anomalyIds.includes('alert'))!.rootCauses;
  };

  it('the service failing the most requests ranks first, though the load balancer deviates more', () => {
    // lb: 16% of 56 requests (9 failed) on a tight band; search: 3.25% of 780 (25 failed).
    const ranked = rank([down('lb', 84, 0.1, 56), down('search', 96.75, 1, 780)]);
    expect(ranked[0]!.service).toBe('search');
    expect(ranked[0]!.reasons.join(' ')).toMatch(/25\.35 failed requests beyond its usual \(the strength compared\)/);
    // Without request counts the ranker compares deviations, where lb leads.
    expect(rank([down('lb', 84, 0.1), down('search', 96.75, 1)])[0]!.service).toBe('lb');
  });
});
