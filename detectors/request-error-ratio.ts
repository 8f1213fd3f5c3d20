// The request error ratio of a counter family: server errors over all requests, per one-minute
// bucket, as an SRE's `sum(rate(x{code=~"5.."}[1m])) / sum(rate(x[1m]))` recording rule. The error
// series of a family are often created at the first error (prom-client and most clients create a
// label set when first used), so on their own they sit in warm-up right through the fault that
// created them; the family's ratio has been learning since its first request.
import type { Attributes } from '../platform/contracts/common.js';
import { isErrorStatus, statusLabel, withoutStatus } from '../platform/contracts/request-status.js';
import { counterIncrease, type CounterState } from './counter-rate.js';
import { isRequestVolume } from './request-volume.js';
import { seriesKey, seriesSubject } from './series-key.js';

/**
 * Failed requests a minute needs before its ratio may page (the volume condition of an
 * `errors / requests > x and errors > n` rule): 1 of 4 requests on a quiet service is no outage.
 */
export const MIN_ERROR_REQUESTS = 3;

export interface RequestFamily {
  /** The family's detector key: its service, `name:error_ratio` and its labels without the status. */
  key: string;
  /** `name:error_ratio{labels}`, the recording-rule naming convention. */
  subject: string;
  /** This series counts server errors. */
  error: boolean;
}

/** The error-ratio family of a request counter series with a status label, else undefined. */
export function requestFamily(service: string, name: string, labels: Attributes): RequestFamily | undefined {
  if (!isRequestVolume(name)) return undefined;
  const label = statusLabel(labels);
  if (label === undefined) return undefined;
  const rest = withoutStatus(labels);
  const ratioName = `${name}:error_ratio`;
  return { key: seriesKey(service, ratioName, rest), subject: seriesSubject(ratioName, rest), error: isErrorStatus(label, labels[label] ?? '') };
}

/**
 * Requests a counter sample adds: the counter's increase since the previous sample, or, for a
 * series the family did not have yet, its whole value (it was created at its first request).
 */
export function requestsAdded(prev: CounterState | undefined, ts: number, value: number, familyKnown: boolean): number | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  if (!prev) return familyKnown ? value : undefined;
  return counterIncrease(prev, ts, value);
}
