// Request-body helpers every HTTP source shares: content types, content encodings with a
// decompressed-size limit, strict UTF-8, and the error shape.
import { isUtf8 } from 'node:buffer';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AiopsError } from '../platform/errors/aiops-error.js';
import { errorBody } from '../platform/errors/error-body.js';

/** The media type without parameters, lower-cased ('' when absent). */
export function mediaType(req: FastifyRequest): string {
  const raw = req.headers['content-type'];
  if (!raw) return '';
  const semi = raw.indexOf(';');
  return (semi === -1 ? raw : raw.slice(0, semi)).trim().toLowerCase();
}

/** Returns the request's media type when it is one of `allowed`, else a 415 naming the accepted ones. */
export function requireMediaType(req: FastifyRequest, allowed: readonly string[], fallback?: string): string {
  const t = mediaType(req) || fallback || '';
  if (!allowed.includes(t)) {
    throw new AiopsError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Type ${t ? JSON.stringify(t) : '(missing)'} is not accepted on ${req.routeOptions.url ?? req.url}; send one of ${allowed.join(', ')}.`,
    );
  }
  return t;
}

function tooLarge(limit: number, what: string): AiopsError {
  return new AiopsError('PAYLOAD_TOO_LARGE', `The ${what} body is larger than the limit of ${limit} bytes (AIOPS_INGEST_BODY_LIMIT).`, { limit });
}

/** Undoes Content-Encoding (gzip, deflate, identity); the decoded body is held to the same byte limit. */
export function decodeContentEncoding(req: FastifyRequest, body: Buffer, limit: number, allowSnappy = false): { body: Buffer; snappy: boolean } {
  const enc = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return { body, snappy: false };
  if (enc === 'snappy' && allowSnappy) return { body, snappy: true };
  if (enc === 'gzip' || enc === 'x-gzip' || enc === 'deflate') {
    try {
      const out = enc === 'deflate' ? inflateSync(body, { maxOutputLength: limit }) : gunzipSync(body, { maxOutputLength: limit });
      return { body: out, snappy: false };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength|too large/i.test(e.message)) throw tooLarge(limit, 'decompressed');
      throw new AiopsError('BAD_REQUEST', `The body is not valid ${enc} data (${e.message}); send it uncompressed or fix Content-Encoding.`);
    }
  }
  throw new AiopsError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${JSON.stringify(enc)} is not supported; use gzip, deflate or identity${allowSnappy ? ' (or snappy)' : ''}.`);
}

export { tooLarge };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Strict UTF-8 check (no surrogates, no overlongs) without decoding: node's simdutf validator. */
export function isValidUtf8(buf: Uint8Array): boolean {
  return isUtf8(buf);
}

/** Decodes UTF-8 strictly: invalid bytes are a 400 rather than silently replaced. */
export function utf8(buf: Uint8Array, what = 'body'): string {
  try {
    return strictUtf8.decode(buf);
  } catch {
    throw new AiopsError('BAD_REQUEST', `The ${what} is not valid UTF-8; encode text as UTF-8.`);
  }
}

export function parseJson(text: string, what = 'body'): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AiopsError('BAD_REQUEST', `The ${what} is not valid JSON (${(err as Error).message}).`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The body Fastify collected: the catch-all parser hands every route a Buffer. */
export function rawBody(req: FastifyRequest): Buffer {
  const b = req.body;
  if (Buffer.isBuffer(b)) return b;
  return Buffer.alloc(0);
}

export function sendError(reply: FastifyReply, err: AiopsError, extra: Record<string, unknown> = {}): FastifyReply {
  const retry = err.details?.retryAfterSeconds;
  if (typeof retry === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retry))));
  return reply.code(err.statusCode).send({ ...errorBody(err), ...extra });
}
