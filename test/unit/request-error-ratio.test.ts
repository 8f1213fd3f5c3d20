// The request error ratio of a counter family: statuses read after the HTTP and gRPC conventions,
// a 500 series created at the first error seen at once (not after its own warm-up), sporadic
// errors below the volume floor left alone.
import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../platform/contracts/events.js';
import { isErrorStatus, statusLabel, withoutStatus } from '../../platform/contracts/request-status.js';
import { requestsAdded, requestFamily } from '../../detectors/request-error-ratio.js';
import { SeriesBank, detectBatch } from '../../detectors/stage.js';

const T0 = Date.UTC(2026, 10, 1);
const SEC = 1_000;
const MIN = 60_000;

describe('request status', () => {
  it('reads HTTP and gRPC statuses: server errors only', () => {
    expect(statusLabel({ code: '200', route: '/api' })).toBe('code');
    expect(statusLabel({ 'http.response.status_code': '503' })).toBe('http.response.status_code');
    expect(statusLabel({ route: '/api' })).toBeUndefined();
    for (const v of ['500', '503', '5xx']) expect(isErrorStatus('code', v)).toBe(true);
    for (const v of ['200', '404', '429', '2', '14']) expect(isErrorStatus('code', v)).toBe(false);
    for (const v of ['UNAVAILABLE', 'Internal', 'DEADLINE_EXCEEDED', '14', '13']) expect(isErrorStatus('grpc_code', v)).toBe(true);
    for (const v of ['OK', 'NOT_FOUND', 'INVALID_ARGUMENT', '0', '5']) expect(isErrorStatus('grpc_code', v)).toBe(false);
    expect(withoutStatus({ code: '500', route: '/api' })).toEqual({ route: '/api' });
  });

  it('groups a request counter\'s status series into one family; other series have none', () => {
    const ok = requestFamily('checkout', 'http_requests_total', { code: '200', route: '/api' });
    const failed = requestFamily('checkout', 'http_requests_total', { code: '500', route: '/api' });
    expect(ok && failed && ok.key === failed.key).toBe(true);
    expect(failed).toMatchObject({ error: true, subject: 'http_requests_total:error_ratio{route="/api"}' });
    expect(ok!.error).toBe(false);
    expect(requestFamily('checkout', 'http_requests_total', { route: '/api' })).toBeUndefined();
    expect(requestFamily('checkout', 'process_cpu_seconds_total', { code: '500' })).toBeUndefined();
  });

  it('counts a counter sample\'s increase, a reset from zero, and a new series whole only once its family is known', () => {
    expect(requestsAdded({ ts: 0, value: 10 }, 15, 14, true)).toBe(4);
    expect(requestsAdded({ ts: 0, value: 10 }, 15, 3, true)).toBe(3);
    expect(requestsAdded(undefined, 15, 7, true)).toBe(7);
    expect(requestsAdded(undefined, 15, 7000, false)).toBeUndefined();
  });
});

/** Requests of one service at a 15 s scrape: `okPerScrape` 200s and, from `errorsFrom`, `errors(ts)` 500s a scrape. */
function traffic(until: number, okPerScrape: number, errorsFrom: number, errors: (ts: number) => number): MetricPoint[] {
  const out: MetricPoint[] = [];
  let ok = 0;
  let failed = 0;
  for (let ts = T0; ts < until; ts += 15 * SEC) {
    ok += okPerScrape + ((ts / SEC) % 3);
    out.push({ id: `ok-${ts}`, tenant: 'default', ts, service: 'checkout', name: 'http_requests_total', kind: 'counter', value: ok, labels: { code: '200', route: '/api' } });
    if (ts < errorsFrom) continue;
    failed += errors(ts);
    // prom-client creates the 500 series at the first error.
    if (failed > 0) out.push({ id: `err-${ts}`, tenant: 'default', ts, service: 'checkout', name: 'http_requests_total', kind: 'counter', value: failed, labels: { code: '500', route: '/api' } });
  }
  return out;
}

describe('request error ratio in the detector', () => {
  it('opens one golden episode when a new 500 series appears after a healthy hour', async () => {
    const faultAt = T0 + 60 * MIN;
    const points = traffic(faultAt + 10 * MIN, 20, faultAt, (ts) => (ts < faultAt + 5 * MIN ? 6 : 0));
    const out = await detectBatch(new SeriesBank(undefined), points, []);
    const ratio = out.filter((a) => a.subject === 'http_requests_total:error_ratio{route="/api"}');
    expect(new Set(ratio.map((a) => a.id)).size).toBe(1);
    const first = ratio[0]!;
    expect(first).toMatchObject({ service: 'checkout', significance: 'golden', direction: 'up' });
    // Seen within two minutes of the first error (the minute closes when the next one starts).
    expect(first.ts - faultAt).toBeLessThanOrEqual(2 * MIN);
    expect(Number(first.evidence.errors)).toBeGreaterThanOrEqual(3);
    // Nothing before the fault.
    expect(out.filter((a) => a.ts < faultAt)).toEqual([]);
  });

  it('leaves a sporadic error (one a quarter of an hour) alone', async () => {
    const from = T0 + 40 * MIN;
    const points = traffic(T0 + 120 * MIN, 20, from, (ts) => ((ts - from) % (15 * MIN) === 0 ? 1 : 0));
    const out = await detectBatch(new SeriesBank(undefined), points, []);
    expect(out.filter((a) => a.subject?.includes(':error_ratio'))).toEqual([]);
  });
});
