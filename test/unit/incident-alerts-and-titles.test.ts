// External alerts and what a person reads: a critical Alertmanager alert opens an incident on
// its own, Alertmanager's resolve resolves an incident made of alerts alone, and the title and
// reasons say what broke, by how much and who feels it (or that nobody knows, without a topology).
import { describe, expect, it } from 'vitest';
import { DEFAULT_GROUPER_CONFIG, IncidentGrouper } from '../../correlator/incident-grouper.js';
import { phrase } from '../../correlator/incident-title.js';
import { TopologyGraph } from '../../correlator/topology-graph.js';
import { alertToAnomaly } from '../../ingest/sources/alertmanager.js';
import type { Anomaly, Incident } from '../../platform/contracts/events.js';

const T0 = Date.UTC(2026, 10, 30, 10, 42);
const MIN = 60_000;
const config = { ...DEFAULT_GROUPER_CONFIG, minAnomalies: 3, graceMs: 0 };
const shop = new TopologyGraph({
  tenant: 'default', version: 1,
  services: [{ name: 'frontend', userFacing: true }, { name: 'checkout', userFacing: true }, { name: 'payments' }],
  edges: [{ from: 'frontend', to: 'checkout' }, { from: 'checkout', to: 'payments' }],
});
const none = new TopologyGraph();

/** An Alertmanager webhook alert as ingest turns it into an anomaly. */
function alert(status: 'firing' | 'resolved', labels: Record<string, string>, startsAt = T0, endsAt?: number): Anomaly {
  return alertToAnomaly({
    status, labels: { alertname: 'HighErrorRate', ...labels }, annotations: {}, startsAt: new Date(startsAt).toISOString(),
    endsAt: endsAt ? new Date(endsAt).toISOString() : '0001-01-01T00:00:00Z', fingerprint: `fp-${labels.service}-${labels.alertname ?? 'HighErrorRate'}`,
  }, { version: '4', status }, 'default', T0);
}

let n = 0;
function metric(service: string, subject: string, minute: number, observed: number, expected: number, half = expected / 4): Anomaly {
  return {
    id: `an_${n++}`, tenant: 'default', ts: T0 + minute * MIN, service, signal: 'metric', subject, detector: 'sustained-deviation', score: 0.9,
    observed, expected, lower: expected - half, upper: expected + half, direction: observed >= expected ? 'up' : 'down', evidence: {},
  };
}

function run(g: IncidentGrouper, graph: TopologyGraph, anomalies: Anomaly[], now: number): Incident[] {
  g.add(anomalies, graph, 0);
  return g.flush(graph, [], now, 10 ** 13);
}

describe('external alerts open and resolve incidents', () => {
  it('opens and publishes an incident for one critical Alertmanager alert, below the minimum size', () => {
    const g = new IncidentGrouper(config);
    const out = run(g, shop, [alert('firing', { service: 'checkout', severity: 'critical' })], T0);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ status: 'open', services: ['checkout'], anomalyCount: 1 });
  });

  it('still waits for the minimum size for alerts below critical', () => {
    const g = new IncidentGrouper(config);
    expect(run(g, shop, [alert('firing', { service: 'checkout', severity: 'warning' })], T0)).toEqual([]);
    expect(run(g, shop, [alert('firing', { service: 'checkout', severity: 'warning', alertname: 'HighLatency' }, T0 + MIN)], T0 + MIN)).toEqual([]);
  });

  it('resolves an incident of alerts alone when Alertmanager resolves the last of them, not after the quiet timeout', () => {
    const g = new IncidentGrouper(config);
    run(g, shop, [alert('firing', { service: 'checkout', severity: 'critical' }), alert('firing', { service: 'frontend', severity: 'critical' }, T0 + MIN)], T0 + MIN);
    expect(run(g, shop, [alert('resolved', { service: 'checkout', severity: 'critical' }, T0, T0 + 5 * MIN)], T0 + 5 * MIN)).toEqual([]);
    const out = run(g, shop, [alert('resolved', { service: 'frontend', severity: 'critical' }, T0 + MIN, T0 + 6 * MIN)], T0 + 6 * MIN);
    expect(out.map((i) => [i.status, i.resolvedAt])).toEqual([['resolved', T0 + 6 * MIN]]);
    expect(out[0]!.groupingReasons.join('\n')).toMatch(/every external alert in it resolved/);
  });

  it('keeps an incident open that also holds a detector\'s anomaly when its alerts resolve: those must go quiet too', () => {
    const g = new IncidentGrouper(config);
    run(g, shop, [alert('firing', { service: 'checkout', severity: 'critical' }), metric('payments', 'latency_p99_ms', 1, 800, 200)], T0 + MIN);
    expect(run(g, shop, [alert('resolved', { service: 'checkout', severity: 'critical' }, T0, T0 + 5 * MIN)], T0 + 5 * MIN)).toEqual([]);
    const later = g.flush(shop, [], T0 + MIN + DEFAULT_GROUPER_CONFIG.resolveAfterMs + 1, 10 ** 13);
    expect(later.map((i) => i.status)).toEqual(['resolved']);
  });
});

describe('titles and reasons a person reads', () => {
  it('says what broke on the root cause, by how much, since when, and whom it affects', () => {
    const g = new IncidentGrouper(config);
    const out = run(g, shop, [
      metric('payments', 'latency_p99_ms{route="/pay"}', 0, 800, 200),
      metric('payments', 'error_ratio', 1, 0.3, 0.01, 0.02),
      metric('checkout', 'latency_p99_ms', 2, 600, 300),
      metric('frontend', 'latency_p99_ms', 3, 500, 300),
    ], T0 + 3 * MIN);
    const inc = out[0]!;
    expect(inc.rootCauses[0]!.service).toBe('payments');
    expect(inc.title).toBe('payments: error ratio 30%, latency p99 x4 since 10:42 UTC, affects checkout (user-facing), frontend (user-facing)');
  });

  it('names the alert for an alert-only incident, and its reasons neither rank it among one nor quote a 0.0 deviation', () => {
    const g = new IncidentGrouper(config);
    const inc = run(g, shop, [alert('firing', { service: 'checkout', severity: 'critical' })], T0)[0]!;
    expect(inc.title).toBe('checkout: HighErrorRate firing since 10:42 UTC (user-facing)');
    const reasons = inc.rootCauses[0]!.reasons.join('\n');
    expect(reasons).not.toMatch(/of 1 services/);
    expect(reasons).not.toMatch(/0\.0 band half-widths/);
    expect(reasons).toMatch(/no deviation from a band/);
  });

  it('without a topology calls no service user-facing, and says that it does not know', () => {
    const g = new IncidentGrouper(config);
    const inc = run(g, none, [metric('api', 'latency_p95_ms', 0, 900, 100), metric('api', 'latency_p95_ms', 1, 900, 100), metric('db', 'cpu_usage', 1, 95, 40)], T0 + MIN)[0]!;
    expect(inc.userFacing).toEqual([]);
    expect(inc.title).toMatch(/; user-facing unknown \(no topology\)$/);
    expect(inc.groupingReasons.join('\n')).toMatch(/which services are user-facing is unknown/);
  });

  it('phrases drops, percentages and plain values as well as ratios', () => {
    const base = { signal: 'metric' as const, deviation: 5 };
    expect(phrase({ ...base, subject: 'requests_total', observed: 20, expected: 100, direction: 'down' })).toBe('requests down to 20% of usual');
    expect(phrase({ ...base, subject: 'cpu_percent', observed: 97.4, expected: 40, direction: 'up' })).toBe('cpu 97%');
    expect(phrase({ ...base, subject: 'queue_depth', observed: 13, expected: 10, direction: 'up' })).toBe('queue depth 13 (usual 10)');
  });
});
