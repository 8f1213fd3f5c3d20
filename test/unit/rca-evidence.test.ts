// The RCA harness's choice of evidence: only the statistic the alert is on, only deviations around
// the alert name a cause, and services compared by impact when their anomalies carry a request count.
import { describe, expect, it } from 'vitest';
import { rankWithAlert, topologyOf } from '../../bench/rca/harness.js';
import type { Anomaly } from '../../platform/contracts/events.js';

const T = 1_681_800_000_000;
const STEP = 300_000;
const ts = [0, 1, 2, 3, 4].map((i) => T + i * STEP);
const col = (node: string, metric: string, stat: string, values: number[]) => ({ node, metric, stat, values });

describe('rankWithAlert', () => {
  const graph = topologyOf({
    nodes: ['web', 'lb', 'search'],
    edges: [
      ['web', 'lb'],
      ['web', 'search'],
    ],
  });

  const anomaly = (service: string, subject: string, observed: number, expected: number, half: number): Anomaly => ({
    id: `${service}-${subject}`,
    tenant: 't',
    ts: ts[2]!,
    service,
    signal: 'metric',
    subject,
    detector: 'sustained-deviation',
    score: 1,
    observed,
    expected,
    lower: expected - half,
    upper: expected + half,
    direction: 'up',
    evidence: {},
  });
  const alert: Anomaly = { ...anomaly('web', 'latency_average', 0, 0, 0), id: 'alert', signal: 'alert', detector: 'alert' };

  it('takes only the statistic the alert is on as evidence: a low-traffic p90 jump does not outrank the mean', () => {
    const anomalies = [anomaly('search', 'latency_average', 0.03, 0.01, 0.002), anomaly('lb', 'latency_p90', 1.0, 0.02, 0.01), anomaly('lb', 'latency_average', 0.02, 0.015, 0.004)];
    const { ranked, named } = rankWithAlert(anomalies, alert, 'latency', graph, { noiseDeviation: 1 });
    expect(named).toBe(true);
    expect(ranked[0]).toBe('search');
  });

  it('names no cause from a deviation that was over more than one sampling interval before the alert', () => {
    const early = { ...anomaly('search', 'latency_average', 0.03, 0.01, 0.002), ts: alert.ts - 2 * STEP };
    expect(rankWithAlert([early], alert, 'latency', graph, { noiseDeviation: 1, namingWindowMs: STEP }).named).toBe(false);
    expect(rankWithAlert([{ ...early, ts: alert.ts - STEP }], alert, 'latency', graph, { noiseDeviation: 1, namingWindowMs: STEP }).named).toBe(true);
    expect(rankWithAlert([early], alert, 'latency', graph, { noiseDeviation: 1 }).named).toBe(true);
  });

  it('ranks its best guess when no deviation goes beyond normal noise, without naming it', () => {
    const weak = [anomaly('search', 'latency_average', 0.014, 0.01, 0.002), anomaly('lb', 'latency_average', 0.0165, 0.015, 0.001)];
    const { ranked, named } = rankWithAlert(weak, alert, 'latency', graph, { noiseDeviation: 4 });
    expect(named).toBe(false);
    expect(ranked[0]).toBe('search');
  });

  it('compares services by impact when their anomalies carry a request count: the load balancer deviates more, the service behind it fails more requests', () => {
    const down = (service: string, observed: number, half: number): Anomaly => ({
      ...anomaly(service, 'availability_average', observed, 100, half),
      direction: 'down',
      evidence: { requests_basis: 'per_point' },
    });
    const availabilityAlert: Anomaly = { ...alert, subject: 'availability_average', direction: 'down' };
    // lb: 16% of 56 requests failed (9); search: 3.25% of 780 (25), on a band 10x tighter for lb.
    const anomalies = [down('lb', 84, 0.1), down('search', 96.75, 1)];
    anomalies[0]!.evidence.requests = '56';
    anomalies[1]!.evidence.requests = '780';
    const byImpact = rankWithAlert(anomalies, availabilityAlert, 'availability', graph, { noiseDeviation: 1 });
    expect(byImpact.ranked[0]).toBe('search');
    // The same anomalies without request counts fall back to deviations, where lb leads.
    const bare = anomalies.map((a) => ({ ...a, evidence: {} }));
    expect(rankWithAlert(bare, availabilityAlert, 'availability', graph, { noiseDeviation: 1 }).ranked[0]).toBe('lb');
  });
});
