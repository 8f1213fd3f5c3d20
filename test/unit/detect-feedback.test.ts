// Operator feedback reaches the detectors: POST /v1/feedback publishes a verdict on the bus, the
// detect stage applies it once to the matching series (false positive: that alarm pattern gets
// less sensitive; incident: the window stays out of the baseline) and the checkpoint keeps it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../cli/stage-registry.js';
import { SeriesBank, detectBatch } from '../../detectors/stage.js';
import { SeriesDetector } from '../../detectors/metrics/series-detector.js';
import { loadConfig } from '../../platform/config/config.js';
import type { Anomaly, Feedback, MetricPoint } from '../../platform/contracts/events.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import { runStages } from '../../platform/runtime/run-stages.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import type { Store } from '../../platform/store/store.js';
import { createLogger } from '../../platform/telemetry/logger.js';

const T0 = Date.UTC(2026, 10, 1);
const STEP = 60_000;
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

/** A steady latency series with a spike at `spikeAt` (minutes). */
function points(service: string, n: number, spikeAt: number): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `p_${service}_${i}`, tenant: 'default', ts: T0 + i * STEP, service, name: 'latency_ms', kind: 'gauge' as const,
    value: i === spikeAt ? 900 : 100 + 5 * Math.sin(i / 7) + ((i * 7919) % 13) / 3, labels: {},
  }));
}

const verdict = (over: Partial<Feedback>): Feedback => ({ id: 'fb_1', tenant: 'default', ts: T0, service: 'api', subject: 'latency_ms', kind: 'false_positive', from: T0, to: T0 + 1000 * STEP, ...over });

describe('SeriesBank.applyFeedback', () => {
  it('applies a verdict to the matching series once, and to a series restored later', async () => {
    const store = await DuckDbStore.open(':memory:');
    stores.push(store);
    await store.migrate();
    const bank = new SeriesBank(store);
    await detectBatch(bank, [...points('api', 400, 300), ...points('web', 400, 300)], []);
    await bank.checkpoint();
    expect(bank.applyFeedback(verdict({}))).toEqual(['api|latency_ms']);
    expect(bank.applyFeedback(verdict({}))).toEqual([]); // a replay
    expect(bank.applyFeedback(verdict({ id: 'fb_2', subject: undefined, service: 'web', kind: 'incident' }))).toEqual(['web|latency_ms']);
    const tolerance = Math.max(...Object.values(bank.get('default', 'api|latency_ms').detector.tolerances()));
    expect(tolerance).toBeGreaterThan(1);
    // A process that had not loaded `api` yet: the kept verdict applies when the series is restored.
    const other = new SeriesBank(store);
    other.applyFeedback(verdict({ id: 'fb_3' }));
    await other.ensure(new Map([['default', ['api|latency_ms']]]));
    expect(Math.max(...Object.values(other.get('default', 'api|latency_ms').detector.tolerances()))).toBeGreaterThan(1);
  });
});

describe('feedback through the API and the bus', () => {
  it('lowers the sensitivity of the pattern an anomaly fired on, and the checkpoint keeps it', async () => {
    const config = loadConfig({}, { AIOPS_DATA_DIR: mkdtempSync(join(tmpdir(), 'aiops-fb-')), AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb', AIOPS_CHECKPOINT_INTERVAL_MS: '1000' });
    const pipeline = await runStages([STAGES.sink, STAGES.detect], config, { logger: createLogger('silent', { role: 'test' }), opsServer: false });
    try {
      await pipeline.bus.publish(TOPICS.metrics, points('checkout', 400, 320).map((p) => ({ key: 'checkout|latency_ms', value: p })));
      await pipeline.bus.idle();
      const anomalies = (await pipeline.store!.queryAnomalies({ tenant: 'default', service: 'checkout', limit: 10 })).items as Anomaly[];
      const spike = anomalies.find((a) => a.ts === T0 + 320 * STEP);
      expect(spike, 'the spike was flagged').toBeDefined();
      const { buildApiApp } = await import('../../api/app.js');
      const app = await buildApiApp({ store: pipeline.store!, metrics: pipeline.metrics, logger: createLogger('silent', { role: 'test' }), apiKeys: [], bus: pipeline.bus });
      const bad = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { kind: 'false_positive' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toMatch(/anomalyId|service/);
      const missing = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { kind: 'false_positive', anomalyId: 'an_nope' } });
      expect(missing.statusCode).toBe(404);
      const res = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { kind: 'false_positive', anomalyId: spike!.id, note: 'deploy warm-up' } });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ service: 'checkout', subject: 'latency_ms', from: spike!.ts, to: spike!.ts, kind: 'false_positive' });
      await pipeline.bus.idle();
      await app.close();
      // The next batch after the checkpoint interval writes the series' state.
      await new Promise((r) => setTimeout(r, 1100));
      const next = points('checkout', 401, -1)[400]!;
      await pipeline.bus.publish(TOPICS.metrics, [{ key: 'checkout|latency_ms', value: next }]);
      await pipeline.bus.idle();
      const [ckpt] = await pipeline.store!.getCheckpoints('default', 'detect.v1', ['checkout|latency_ms']);
      const saved = JSON.parse(ckpt!.state) as { detector: Parameters<typeof SeriesDetector.restore>[0]; feedback?: string[] };
      expect(saved.feedback).toEqual([res.json().id]);
      expect(Math.max(...Object.values(SeriesDetector.restore(saved.detector).tolerances()))).toBeGreaterThan(1);
    } finally {
      await pipeline.stop().catch(() => {});
    }
  });
});
