// Error-severity ratio per service, in one-minute event-time buckets. A bucket closes when a
// later record of the same service arrives; its error ratio then feeds a series detector.
import type { LogRecord } from '../platform/contracts/events.js';

export const BUCKET_MS = 60_000;
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
  const start = Math.floor(r.ts / BUCKET_MS) * BUCKET_MS;
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
    s.total += 1;
    if (r.severity === 'error' || r.severity === 'fatal') {
      s.errors += 1;
      if (s.samples.length < SAMPLE_LINES) s.samples.push(r.body.slice(0, 500));
    }
  }
  return { state: s, closed };
}

function close(s: BucketState): ClosedBucket {
  return { start: s.start, ratio: s.total > 0 ? s.errors / s.total : 0, total: s.total, errors: s.errors, samples: s.samples };
}
