// Under overload a request is refused before its body is read: the 429 costs no parsing and
// publishes nothing (not even a dead letter for a body that would have been invalid).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TOPICS } from '../../platform/contracts/index.js';
import { ingestHarness, type Harness } from '../../ingest/testing/harness.js';

const RECEIVERS = [
  { url: '/v1/ndjson/logs', type: 'application/x-ndjson' },
  { url: '/v1/ndjson/metrics', type: 'application/x-ndjson' },
  { url: '/v1/logs', type: 'application/x-protobuf' },
  { url: '/v1/metrics', type: 'application/json' },
  { url: '/api/v1/write', type: 'application/x-protobuf' },
  { url: '/loki/api/v1/push', type: 'application/json' },
  { url: '/v1/alertmanager', type: 'application/json' },
  { url: '/v1/changes/deploy', type: 'application/json' },
];
/** Not valid in any receiver's format: parsed, it is a 4xx and (NDJSON) a dead letter. */
const GARBAGE = '{"ts": oops\n\u0000\u0001not json';

describe('ingest refuses before reading the body when the bus is behind', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await ingestHarness({}, { bus: { highWaterMark: 1 } });
  });
  afterEach(async () => {
    await h.close();
  });

  const post = (url: string, type: string, payload: string) => h.app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload });

  /** A group whose handler never returns holds its queue over the high-water mark of 1. */
  async function overload(): Promise<void> {
    await h.bus.subscribe({ group: 'stuck', topics: [TOPICS.logs], handler: () => new Promise(() => {}) });
    expect((await post('/v1/ndjson/logs', 'application/x-ndjson', JSON.stringify({ ts: 1, service: 'a', body: 'x' }))).statusCode).toBe(200);
    expect(h.bus.overloaded()).toBe(true);
  }

  it('answers a malformed body with its 4xx while the bus keeps up', async () => {
    for (const r of RECEIVERS) {
      const res = await post(r.url, r.type, GARBAGE);
      expect(res.statusCode, r.url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, r.url).toBeLessThan(500);
      expect(res.statusCode, r.url).not.toBe(429);
    }
  });

  it('answers every receiver 429 with Retry-After, parses nothing and publishes nothing', async () => {
    await overload();
    const publish = vi.spyOn(h.bus, 'publish');
    for (const r of RECEIVERS) {
      const res = await post(r.url, r.type, GARBAGE);
      expect(res.statusCode, r.url).toBe(429);
      expect(res.headers['retry-after'], r.url).toBe('1');
      // OTLP answers with a google.rpc.Status in the request's encoding, the others in JSON: the message is in both.
      expect(res.body, r.url).toContain('nothing in this request was published');
    }
    expect(publish).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 20));
    expect(h.seen.get(TOPICS.deadLetter) ?? []).toEqual([]);
    const counted = await h.metrics.registry.getSingleMetricAsString('aiops_component_errors_total').catch(() => '');
    expect(counted).toMatch(/error_type="backpressure"[^\n]* 8$/m);
  });
});
