// Keyset cursors: (timestamp, id) of the last row, base64url JSON, checked on the way back in.
import { AiopsError } from '../errors/aiops-error.js';

export interface Keyset {
  ts: number;
  id: string;
}

export function encodeCursor(k: Keyset): string {
  return Buffer.from(JSON.stringify([k.ts, k.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Keyset {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
      return { ts: parsed[0] as number, id: parsed[1] as string };
    }
  } catch {
    // fall through to the error below
  }
  throw new AiopsError('BAD_CURSOR');
}
