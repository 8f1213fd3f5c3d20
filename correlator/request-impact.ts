// How much of a per-request symptom one anomaly carries, in a unit that adds up along calls:
// failed requests for a success or error ratio, request-seconds for a mean latency. The detect
// stage notes the service's request volume on the anomaly (evidence `requests`); the excess per
// request is the distance from the expected value in the harmful direction. Rates and means are
// not comparable across services of different traffic (a load balancer one caller reaches shows
// 12% errors while the service behind it, serving every caller, shows 3%), but the service behind
// failed more requests than the load balancer passed on: counts are what propagate.
import type { Anomaly } from '../platform/contracts/events.js';

export interface RequestImpact {
  /** What `value` counts, e.g. "failed requests" or "request-seconds/s" (per second of traffic). */
  unit: string;
  value: number;
}

/** Quantiles and extremes are not per-request means: a p90 times a count is no total. */
const NOT_A_MEAN = /(^|[_{,.])(p\d{1,3}|quantile|percentile|max|min|maximum|minimum)([_}=,.]|$)/;
const MEAN = /(^|_)(avg|average|mean)(_|\{|$)/;

type Kind = { unit: string; excess: (observed: number, expected: number, scale: number) => number; ratio: boolean };

function kindOf(subject: string): Kind | undefined {
  const s = subject.toLowerCase();
  if (NOT_A_MEAN.test(s)) return undefined;
  const name = s.split('{')[0]!;
  if (/(availability|success)/.test(name)) return { unit: 'failed requests', excess: (o, e, k) => (e - o) / k, ratio: true };
  if (/(error|fail)[a-z_]*(ratio|percent|pct|share)/.test(name)) return { unit: 'failed requests', excess: (o, e, k) => (o - e) / k, ratio: true };
  if (/(latency|duration|response_time)/.test(name) && MEAN.test(name)) {
    return { unit: /(_ms|millis)/.test(name) ? 'request-milliseconds' : 'request-seconds', excess: (o, e) => o - e, ratio: false };
  }
  return undefined;
}

/**
 * The anomaly's impact, or undefined when it is not on a per-request mean (a quantile, a CPU
 * gauge, a log ratio) or carries no request volume. Never negative: a service doing better than
 * usual carries none of the symptom.
 */
export function impactOf(a: Pick<Anomaly, 'signal' | 'subject' | 'observed' | 'expected' | 'evidence'>): RequestImpact | undefined {
  if (a.signal !== 'metric') return undefined;
  const requests = Number(a.evidence.requests);
  if (a.evidence.requests === undefined || !Number.isFinite(requests) || requests < 0) return undefined;
  const kind = kindOf(a.subject);
  if (!kind || !Number.isFinite(a.observed) || !Number.isFinite(a.expected)) return undefined;
  // A ratio in percent or as a share of 1: whichever scale the values are on.
  const scale = kind.ratio && Math.max(a.observed, a.expected) > 1.000001 ? 100 : 1;
  const perSecond = a.evidence.requests_basis === 'per_second';
  return { unit: perSecond ? `${kind.unit}/s` : kind.unit, value: requests * Math.max(0, kind.excess(a.observed, a.expected, scale)) };
}
