// How much of a symptom each node carries over a case window, in a unit that adds up along calls:
// failed requests for availability, request-seconds for mean latency. Rates and means are not
// comparable across nodes of different traffic: a load balancer that one caller reaches shows a
// 12% error rate while the service behind it, serving every caller, shows 3%, yet the service
// failed more requests than the load balancer passed on. Counts are what propagate: a callee's
// failures include those its callers see through it. (See ServiceEvidence.impact.)
import type { MetricsTable, RcaAlert, SeriesColumn } from './scenario.js';

export interface NodeImpact {
  /** What the numbers count, for the ranker's reasons. */
  unit: string;
  byNode: Map<string, number>;
}

/** What each request of a row carries of the symptom: its failure share, or its mean latency. */
type PerRequest = (value: number) => number;

/**
 * The per-request value behind the alert's metric, or undefined when there is none: only a mean
 * (a success rate is the mean of success) times a count is a total; a quantile times a count is not.
 */
function perRequestOf(alert: RcaAlert, column: SeriesColumn): { unit: string; perRequest: PerRequest } | undefined {
  const m = alert.metric.toLowerCase();
  const agg = (alert.agg ?? 'average').toLowerCase();
  if (agg !== 'average' && agg !== 'mean') return undefined;
  if (m.startsWith('availability') || m.startsWith('success')) {
    // Percent or ratio: whichever scale the column uses.
    const full = column.values.some((v) => v > 1) ? 100 : 1;
    return { unit: 'failed requests', perRequest: (v) => (full - v) / full };
  }
  if (m.startsWith('latency') || m.includes('duration')) return { unit: 'request-seconds', perRequest: (v) => v };
  return undefined;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

/**
 * Per node with the alert's metric and a request count: the largest excess over the window of
 * requests × (per-request value − its usual level), the usual level being the quietest row
 * before the alert (a fault often starts before the alert fires, so the quietest rather than the
 * average). Multiplying the excess, not the value, keeps a mere rise in traffic out of it. A row
 * without a request count takes the window's median count (requests move little; the metric is
 * what the fault moves).
 */
export function impactByNode(t: MetricsTable, alert: RcaAlert): NodeImpact | undefined {
  const metric = alert.metric.toLowerCase();
  const agg = (alert.agg ?? 'average').toLowerCase();
  const requests = new Map<string, SeriesColumn>();
  for (const c of t.columns) if (c.metric.toLowerCase() === 'requests' && (!requests.has(c.node) || c.stat.toLowerCase() === 'sum')) requests.set(c.node, c);
  let unit: string | undefined;
  const byNode = new Map<string, number>();
  for (const c of t.columns) {
    if (c.metric.toLowerCase() !== metric || c.stat.toLowerCase() !== agg) continue;
    const req = requests.get(c.node);
    const how = perRequestOf(alert, c);
    if (!req || !how) continue;
    unit = how.unit;
    const usualCount = median(req.values.filter((v) => !Number.isNaN(v)));
    const rows: Array<{ per: number; n: number; before: boolean }> = [];
    for (let r = 0; r < t.ts.length; r++) {
      const v = c.values[r]!;
      const n = Number.isNaN(req.values[r]!) ? usualCount : req.values[r]!;
      if (!Number.isNaN(v) && !Number.isNaN(n)) rows.push({ per: how.perRequest(v), n, before: t.ts[r]! < alert.ts });
    }
    if (rows.length === 0) continue;
    const before = rows.filter((x) => x.before);
    const usual = Math.min(...(before.length > 0 ? before : rows).map((x) => x.per));
    byNode.set(c.node, Math.max(0, ...rows.map((x) => x.n * (x.per - usual))));
  }
  return unit === undefined ? undefined : { unit, byNode };
}
