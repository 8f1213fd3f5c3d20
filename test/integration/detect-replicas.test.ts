// Two detect replicas on real Kafka and ClickHouse share the series; one dies mid-stream (no last
// checkpoint, no last commit) and the other takes its partitions over from the checkpoints and the
// offsets committed with them. Every anomaly is then exactly what one uninterrupted detector
// reports, values included: no point was lost to a baseline or applied to it twice.
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ClickHouseStore } from '../../platform/store/clickhouse-store.js';
import { loadConfig } from '../../platform/config/config.js';
import { follow, startReplicas, testBus } from '../support/stage-replicas.js';
import { SeriesBank, detectBatch, detectStage } from '../../detectors/stage.js';
import { seriesKey } from '../../ingest/normalize.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import { stableId } from '../../platform/contracts/ids.js';
import type { Anomaly, MetricPoint } from '../../platform/contracts/events.js';
import { clickhouseUrl, kafkaBrokers, requireServices } from './services.js';
import { waitFor } from '../support/stage-processes.js';

const available = await requireServices();
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const database = `aiops_itd_${run}`;
const logger = pino({ level: 'silent' });
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

const SERIES = 60;
const POINTS = 300;
const STEP = 10_000;
const T0 = Date.UTC(2026, 10, 30, 0, 0, 0);
const TENANT = 'replicas';

/** Point i of series s: a noisy level, and a spike near the end in every third series. */
function point(s: number, i: number): MetricPoint {
  const ts = T0 + i * STEP;
  const noise = Math.sin(i * 0.7 + s) * 2 + Math.cos(i * 1.3 + s * 2);
  const spike = s % 3 === 0 && i >= 280 && i < 286 ? 60 : 0;
  const service = `svc-${s % 12}`;
  const name = `latency_ms_${s}`;
  return { id: stableId('mp', TENANT, service, name, ts), tenant: TENANT, ts, service, name, kind: 'gauge', value: 100 + s + noise + spike, labels: {} };
}

// An episode is published in versions (detectors/episodes.ts): each version is one record to match.
const key = (a: Anomaly) => `${a.id}#${a.episode?.version ?? 0}`;
const view = (a: Anomaly) => `${key(a)} ${a.observed} ${a.expected.toFixed(9)} ${a.score.toFixed(9)} ${a.episode?.points ?? 1}`;

describe.skipIf(!available.kafka || !available.clickhouse)('detect replicas on real Kafka and ClickHouse', () => {
  it('one dies mid-stream; the other resumes its series from checkpoint and commit, with the anomalies of an uninterrupted detector', async () => {
    // What one detector that sees every point once reports.
    const straight = new SeriesBank(undefined);
    const expected = new Map<string, string>();
    for (let i = 0; i < POINTS; i++) for (const a of await detectBatch(straight, Array.from({ length: SERIES }, (_, s) => point(s, i)), [])) expected.set(key(a), view(a));
    // Every spiking series opens at least one episode.
    expect(new Set([...expected.keys()].map((k) => k.split('#')[0])).size).toBeGreaterThanOrEqual(SERIES / 3);

    const config = loadConfig({
      AIOPS_KAFKA_BROKERS: kafkaBrokers().join(','),
      AIOPS_CLICKHOUSE_URL: clickhouseUrl(),
      AIOPS_CLICKHOUSE_DATABASE: database,
      AIOPS_KAFKA_TOPIC_PREFIX: `${database}.`,
      AIOPS_KAFKA_PARTITIONS: '4',
      // Checkpoints (and commits) only every 5 minutes of event time (30 points here): at the
      // kill, the last points a replica applied exist only in its memory.
      AIOPS_CHECKPOINT_INTERVAL_MS: '3600000',
      AIOPS_OPS_PORT: '0',
      AIOPS_LOG_LEVEL: 'warn',
    });
    const store = new ClickHouseStore({ url: clickhouseUrl(), database, username: 'default', password: '' });
    cleanup.push(() => store.close());
    await store.migrate();
    const bus = await testBus(config, 'it-detect-producer', logger, cleanup);
    const seen = new Map<string, string[]>();
    await follow(bus, TOPICS.anomalies, `it-anomalies-${run}`, (a) => seen.set(key(a), [...(seen.get(key(a)) ?? []), view(a)]), cleanup);

    const replicas = await startReplicas(detectStage, config, 2, logger, cleanup);
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i += 20) {
        const points: MetricPoint[] = [];
        for (let k = i; k < Math.min(to, i + 20); k++) for (let s = 0; s < SERIES; s++) points.push(point(s, k));
        await bus.publish(TOPICS.metrics, points.map((p) => ({ key: seriesKey(p.tenant, p.service, p.name, p.labels), value: p })));
      }
    };

    await publish(0, 240);
    await publish(240, 262);
    // Let both replicas fold it all.
    await new Promise((r) => setTimeout(r, 3_000));
    // One replica dies: its consumer leaves, its store connection goes; the stage is never stopped.
    await replicas[0]!.kill();
    await publish(260, POINTS);

    await waitFor('every anomaly of the uninterrupted detector', async () => ([...expected.keys()].every((id) => seen.has(id)) ? true : undefined), 120_000).catch(() => undefined);
    const missing = [...expected.keys()].filter((id) => !seen.has(id));
    const extra = [...seen.keys()].filter((id) => !expected.has(id));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    // A replay republishes an episode version with the same id and version; it must carry the same values.
    for (const [id, views] of seen) for (const v of views) expect(v).toBe(expected.get(id));
  }, 240_000);
});
