// Error-severity ratio per service, in one-minute event-time buckets. A bucket closes when a
// later record of the same service arrives; its error ratio then feeds a series detector.
import type { LogRecord } from '../platform/contracts/events.js';

export const BUCKET_MS = 60_000;
/**
 * Error lines a minute needs before its ratio may page: on a quiet service one error among four
 * lines is a ratio of 0.25, far outside a band learnt around 0, yet no symptom (the volume
 * condition of an `errors / requests > x and errors > n` alert rule). The ratio is still learnt.
 */
export const MIN_ERROR_LINES = 3;
const SAMPLE_LINES = 3;

export interface BucketState {
  start: number;
  total: number;
  errors: number;
  samples: string[];
}

export interface ClosedBucket {
  start: number;
  ratio: number;
  total: number;
  errors: number;
  samples: string[];
}

/** Adds one record to the service's bucket; returns the buckets it closed (in order). */
export function addToBucket(state: BucketState | undefined, r: LogRecord): { state: BucketState; closed: ClosedBucket[] } {
  const error = r.severity === 'error' || r.severity === 'fatal';
  return addCounts(state, r.ts, 1, error ? 1 : 0, error ? r.body.slice(0, 500) : undefined);
}

/**
 * Adds `total` events, `errors` of them errors, at `ts` to a one-minute bucket (log lines, or
 * requests from counter increases); returns the buckets it closed (in order). A count for a minute
 * already closed is dropped.
 */
export function addCounts(state: BucketState | undefined, ts: number, total: number, errors: number, sample?: string): { state: BucketState; closed: ClosedBucket[] } {
  const start = Math.floor(ts / BUCKET_MS) * BUCKET_MS;
  const closed: ClosedBucket[] = [];
  let s = state;
  if (s && start > s.start) {
    closed.push(close(s));
    // Empty minutes in between are real observations: no errors.
    for (let t = s.start + BUCKET_MS; t < start && closed.length < 60; t += BUCKET_MS) closed.push({ start: t, ratio: 0, total: 0, errors: 0, samples: [] });
    s = undefined;
  }
  if (!s || start < s.start) s = s && start < s.start ? s : { start, total: 0, errors: 0, samples: [] };
  if (start === s.start) {
    s.total += total;
    if (errors > 0) {
      s.errors += errors;
      if (sample !== undefined && s.samples.length < SAMPLE_LINES && !s.samples.includes(sample)) s.samples.push(sample);
    }
  }
  return { state: s, closed };
}

function close(s: BucketState): ClosedBucket {
  return { start: s.start, ratio: s.total > 0 ? s.errors / s.total : 0, total: s.total, errors: s.errors, samples: s.samples };
}
