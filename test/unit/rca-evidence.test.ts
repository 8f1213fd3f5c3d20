// The RCA harness's per-node impact (bench/rca/impact.ts) and its choice of evidence: only the
// statistic the alert is on, and only deviations around the alert name a cause.
import { describe, expect, it } from 'vitest';
import { impactByNode } from '../../bench/rca/impact.js';
import { rankWithAlert, topologyOf } from '../../bench/rca/harness.js';
import type { MetricsTable } from '../../bench/rca/scenario.js';
import type { Anomaly } from '../../platform/contracts/events.js';

const T = 1_681_800_000_000;
const STEP = 300_000;
const ts = [0, 1, 2, 3, 4].map((i) => T + i * STEP);
const col = (node: string, metric: string, stat: string, values: number[]) => ({ node, metric, stat, values });

// lb: a load balancer one caller reaches (60 requests); search: the service behind it (780).
const table: MetricsTable = {
  ts,
  columns: [
    col('lb', 'availability', 'Average', [100, 100, 88, 84, 100]),
    col('lb', 'requests', 'Sum', [60, 60, 60, 56, 60]),
    col('search', 'availability', 'Average', [100, 99, 97, 96.75, 99.6]),
    col('search', 'requests', 'Sum', [780, 780, 780, NaN, 780]),
    col('search', 'latency', 'Average', [0.01, 0.012, 0.03, 0.02, 0.01]),
    col('search', 'latency', 'p90', [0.02, 0.02, 0.5, 0.2, 0.02]),
  ],
};

describe('impactByNode', () => {
  it('counts failed requests beyond the quietest row before the alert', () => {
    const impact = impactByNode(table, { node: 'web', metric: 'availability', agg: 'Average', ts: ts[2]! - 60_000 })!;
    expect(impact.unit).toBe('failed requests');
    expect(impact.byNode.get('lb')).toBeCloseTo(0.16 * 56, 6);
    // Row 3 has no request count: the window's median (780) stands in.
    expect(impact.byNode.get('search')).toBeCloseTo(0.0325 * 780, 6);
  });

  it('counts request-seconds for a mean latency and nothing for a quantile', () => {
    const alert = { node: 'web', metric: 'latency', agg: 'Average', ts: ts[2]! - 60_000 };
    const impact = impactByNode(table, alert)!;
    expect(impact.unit).toBe('request-seconds');
    expect(impact.byNode.get('search')).toBeCloseTo(780 * (0.03 - 0.01), 6);
    expect(impactByNode(table, { ...alert, agg: 'p90' })).toBeUndefined();
  });

  it('a rise in traffic alone carries no impact', () => {
    const busier: MetricsTable = { ts, columns: [col('api', 'latency', 'Average', [0.1, 0.1, 0.1, 0.1, 0.1]), col('api', 'requests', 'Sum', [100, 100, 300, 300, 100])] };
    expect(impactByNode(busier, { node: 'web', metric: 'latency', agg: 'Average', ts: ts[2]! - 60_000 })!.byNode.get('api')).toBe(0);
  });
});

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
});
