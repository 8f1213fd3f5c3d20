import { describe, expect, it } from 'vitest';
import { ingestHarness } from '../../ingest/testing/harness.js';
import { RateLimiter, presentedKey } from '../../ingest/app.js';

const line = JSON.stringify({ ts: 1, service: 'a', body: 'x' });

describe('ingest API keys and rate limits', () => {
  it('requires a configured key on receivers and metrics but not on health', async () => {
    const h = await ingestHarness({ AIOPS_INGEST_API_KEYS: 'key-one,key-two' });
    try {
      const post = (headers: Record<string, string>) => h.app.inject({ method: 'POST', url: '/v1/ndjson/logs', headers: { 'content-type': 'application/x-ndjson', ...headers }, payload: line });
      const none = await post({});
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/Bearer/);
      expect(none.json().message).toMatch(/Authorization: Bearer/);
      const wrong = await post({ authorization: 'Bearer nope' });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().message).toMatch(/not one of AIOPS_INGEST_API_KEYS/);
      expect((await post({ authorization: 'Bearer key-two' })).statusCode).toBe(200);
      expect((await post({ authorization: `Basic ${Buffer.from('promtail:key-one').toString('base64')}` })).statusCode).toBe(200);
      expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      // /metrics names every tenant: with keys set it needs one (these all-tenant keys will do).
      expect((await h.app.inject({ url: '/metrics' })).statusCode).toBe(401);
      expect((await h.app.inject({ url: '/metrics', headers: { authorization: 'Bearer key-one' } })).statusCode).toBe(200);
      // OTLP answers in its own error format.
      const otlp = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json' }, payload: '{}' });
      expect(otlp.statusCode).toBe(401);
      expect(otlp.json()).toMatchObject({ code: 16 });
    } finally {
      await h.close();
    }
  });

  it('limits requests per key with 429 and Retry-After, each key on its own budget', async () => {
    const h = await ingestHarness({ AIOPS_INGEST_API_KEYS: 'a,b', AIOPS_INGEST_RATE_LIMIT: '3' });
    try {
      const post = (key: string) => h.app.inject({ method: 'POST', url: '/v1/ndjson/logs', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}` }, payload: line });
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await post('a')).statusCode);
      expect(codes.slice(0, 3)).toEqual([200, 200, 200]);
      expect(codes.slice(3)).toEqual([429, 429]);
      const limited = await post('a');
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.json().code).toBe('RATE_LIMITED');
      expect((await post('b')).statusCode).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('refills the token bucket over time', () => {
    const r = new RateLimiter(2);
    expect(r.take('k', 0)).toBe(0);
    expect(r.take('k', 0)).toBe(0);
    expect(r.take('k', 0)).toBeCloseTo(0.5);
    expect(r.take('k', 500)).toBe(0);
    expect(new RateLimiter(0).take('k')).toBe(0);
  });

  it('reads Bearer and Basic credentials only', () => {
    expect(presentedKey('Bearer abc')).toBe('abc');
    expect(presentedKey('bearer  abc ')).toBe('abc');
    expect(presentedKey(`Basic ${Buffer.from('u:p').toString('base64')}`)).toBe('p');
    expect(presentedKey('Token abc')).toBeUndefined();
    expect(presentedKey(undefined)).toBeUndefined();
  });
});
