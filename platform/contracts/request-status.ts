// The status of a request counter's series, read from its labels after the Prometheus and
// OpenTelemetry conventions. A family's series differ by status (`code="200"`, `code="500"`): the
// request error ratio is their errors over their total, so ingest keys them to one partition and
// the detector adds them up per family (the series' labels without the status label).
import type { Attributes } from './common.js';

/** Status labels, first match wins: Prometheus client defaults, OpenTelemetry semantic conventions, gRPC. */
export const STATUS_LABELS: readonly string[] = [
  'code', 'status', 'status_code', 'http_status_code', 'http_response_status_code', 'http.response.status_code', 'http.status_code',
  'grpc_code', 'grpc_status', 'rpc_grpc_status_code', 'rpc.grpc.status_code',
];

/**
 * gRPC codes that are the server's failure (as the gRPC SLO conventions count them); client-side
 * codes (NOT_FOUND, INVALID_ARGUMENT, ...) are not. Names and their numbers.
 */
const GRPC_SERVER_ERRORS = new Set(['unknown', 'deadline_exceeded', 'unimplemented', 'internal', 'unavailable', 'data_loss', '2', '4', '12', '13', '14', '15']);

/** The status label a series carries, if any. */
export function statusLabel(labels: Attributes): string | undefined {
  for (const k of STATUS_LABELS) if (labels[k] !== undefined) return k;
  return undefined;
}

/** Whether a status value is a server error: HTTP 5xx, or a server-side gRPC code. */
export function isErrorStatus(label: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (label.includes('grpc')) return GRPC_SERVER_ERRORS.has(v);
  if (/^5\d\d$/.test(v) || v === '5xx') return true;
  // Some exporters label the gRPC outcome under `code`/`status` by name.
  return GRPC_SERVER_ERRORS.has(v) && !/^\d+$/.test(v);
}

/** The labels without the status label: the request family a series belongs to. */
export function withoutStatus(labels: Attributes): Attributes {
  const k = statusLabel(labels);
  if (k === undefined) return labels;
  const out: Attributes = {};
  for (const [name, v] of Object.entries(labels)) if (name !== k) out[name] = v;
  return out;
}
