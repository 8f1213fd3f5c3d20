// Every error we raise carries a stable code from the catalogue and a message naming the fix.
import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';

export class AiopsError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    const entry = ERROR_CATALOGUE[code];
    super(message ?? entry.message, options);
    this.name = 'AiopsError';
    this.code = code;
    this.statusCode = entry.status;
    this.details = details;
  }
}

export function isAiopsError(err: unknown): err is AiopsError {
  return err instanceof AiopsError;
}
