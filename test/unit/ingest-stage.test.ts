import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { MemoryBus } from '../../platform/bus/memory-bus.js';
import { loadConfig } from '../../platform/config/config.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';
import { ingestStage } from '../../ingest/index.js';

describe('ingest stage', () => {
  it('listens on the configured host and port, serves NDJSON over real HTTP, and stops', async () => {
    const config = loadConfig({}, { AIOPS_INGEST_PORT: '0' });
    const bus = new MemoryBus();
    const controller = new AbortController();
    const stage = await ingestStage.start({ config, logger: pino({ level: 'silent' }), metrics: createMetrics(false), bus, store: undefined, signal: controller.signal });
    try {
      expect(stage.name).toBe('ingest');
      expect(ingestStage.needsStore).toBe(false);
      expect(stage.ready()).toBe(true);
      const port = (stage as unknown as { port: number }).port;
      expect(port).toBeGreaterThan(0);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const res = await fetch(`${base}/v1/ndjson/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: JSON.stringify({ ts: 1, service: 'a', body: 'hello' }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ accepted: 1 });
    } finally {
      await stage.stop();
    }
    expect(stage.ready()).toBe(false);
  });
});
