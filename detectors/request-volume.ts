// How many requests a service serves, noted next to each of its metric anomalies (evidence
// `requests`), so the correlator can weigh a per-request symptom by the traffic it hits: a latency
// mean 0.2 s over on 100 requests is 20 request-seconds, a success ratio 4 points down on 140
// requests is 5.6 failed requests. Those counts add up along calls; rates and means do not (a
// load balancer one caller reaches shows a larger error rate than the service behind it, which
// serves every caller, yet fails fewer requests).
//
// Only series this process holds are seen: in distributed mode a service's request series may sit
// on another partition, and its anomalies then carry no volume (the ranker falls back to
// deviations). Not checkpointed: after a restart the volume is known again from the next point.

/** Metric names that count a service's requests (counters, or a gauge holding a count per point). */
const VOLUME_NAMES: readonly RegExp[] = [
  /(^|_)requests?(_total|_sum|_count)?$/, // requests, requests_sum, http_requests_total
  /(^|_)calls(_total)?$/, // OpenTelemetry span metrics: calls_total, traces_spanmetrics_calls_total
  /_requests?_(seconds|milliseconds)_count$/, // Micrometer: http_server_requests_seconds_count
  /(request|server)_duration(_seconds|_milliseconds|_ms)?_count$/, // histogram counts: http_server_request_duration_seconds_count
];

export function isRequestVolume(name: string): boolean {
  const n = name.toLowerCase();
  return VOLUME_NAMES.some((re) => re.test(n));
}

/** `per_second` from a counter (a rate), `per_point` from a gauge holding a count per sample. */
export type VolumeBasis = 'per_second' | 'per_point';

/** Points kept per volume series: enough to look back over a batch that spans a few samples. */
const HISTORY = 8;
/** A volume older than this (before the anomaly) says nothing about the anomaly's traffic. */
export const VOLUME_MAX_AGE_MS = 10 * 60_000;
/** Volume series held per process; the oldest seen are dropped beyond it. */
const MAX_SERIES = 200_000;

interface VolumeSeries {
  basis: VolumeBasis;
  ts: number[];
  values: number[];
}

export class RequestVolumes {
  /** tenant \0 service -> series key -> recent points. */
  private readonly byService = new Map<string, Map<string, VolumeSeries>>();
  private count = 0;

  record(tenant: string, service: string, seriesKey: string, basis: VolumeBasis, ts: number, value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    const id = `${tenant}\u0000${service}`;
    let series = this.byService.get(id);
    if (!series) {
      if (this.count >= MAX_SERIES) this.evictOldest();
      this.byService.set(id, (series = new Map()));
    }
    let s = series.get(seriesKey);
    if (!s) {
      series.set(seriesKey, (s = { basis, ts: [], values: [] }));
      this.count += 1;
    }
    s.basis = basis;
    s.ts.push(ts);
    s.values.push(value);
    if (s.ts.length > HISTORY) (s.ts.shift(), s.values.shift());
  }

  /**
   * The service's requests at `ts`: over its volume series of the basis most of them have, the
   * sum of each one's latest value at or before `ts` (not older than VOLUME_MAX_AGE_MS).
   * Undefined when no series has one.
   */
  at(tenant: string, service: string, ts: number): { requests: number; basis: VolumeBasis } | undefined {
    const series = this.byService.get(`${tenant}\u0000${service}`);
    if (!series) return undefined;
    const sums: Record<VolumeBasis, { n: number; sum: number }> = { per_second: { n: 0, sum: 0 }, per_point: { n: 0, sum: 0 } };
    for (const s of series.values()) {
      for (let i = s.ts.length - 1; i >= 0; i--) {
        if (s.ts[i]! > ts) continue;
        if (ts - s.ts[i]! <= VOLUME_MAX_AGE_MS) (sums[s.basis].n += 1, (sums[s.basis].sum += s.values[i]!));
        break;
      }
    }
    // Per-second rates and per-sample counts do not add up; the basis most series use wins.
    const basis: VolumeBasis = sums.per_second.n >= sums.per_point.n ? 'per_second' : 'per_point';
    return sums[basis].n === 0 ? undefined : { requests: sums[basis].sum, basis };
  }

  clear(): void {
    this.byService.clear();
    this.count = 0;
  }

  private evictOldest(): void {
    const first = this.byService.keys().next();
    if (first.done) return;
    this.count -= this.byService.get(first.value)!.size;
    this.byService.delete(first.value);
  }
}
