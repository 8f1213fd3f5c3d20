// The one JSON error body every HTTP server answers with (ingest, query API, ops port):
// `{statusCode, code, message}` plus whatever a route adds (ingest's partial-acceptance report).
import type { ErrorCode } from './catalogue.js';
import type { AiopsError } from './aiops-error.js';

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
}

export function errorBody(err: AiopsError): ErrorBody {
  return { statusCode: err.statusCode, code: err.code, message: err.message };
}
