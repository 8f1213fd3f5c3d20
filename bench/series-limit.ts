// `npm run bench:series-limit`: what 200,000 metric series cost, in two processes of their own.
// 1. ingest: one-point series with the per-tenant active-series cap
//    (AIOPS_INGEST_MAX_SERIES_PER_TENANT, default 100,000) and with it lifted. NDJSON requests of
//    1,000 points through inject() into the in-process bus (no subscriber); heap after a forced gc
//    and RSS, before and after.
// 2. detect: the running detect stage (runStages, in-process bus, in-memory DuckDB store) fed
//    BENCH_POINTS points of each series through the bus; RSS after a forced gc minus the RSS of the
//    started, idle stage, per active series. Taken before the first checkpoint (the interval is an
//    hour): in the distributed layout the checkpoints live in ClickHouse, not in this process.
// Each part runs in a fresh child process, so one part's heap does not inflate the other's RSS.
// Prints the figures and writes bench/results/series-limit.json.
//   env: BENCH_SERIES (default 200000), BENCH_POINTS (detect part, default 3)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { ingestHarness } from '../ingest/testing/harness.js';
import { sourceDir } from '../platform/runtime/source-dir.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const SERIES = Number(process.env.BENCH_SERIES ?? 200_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 3);
const PART_FLAG = '--part';
// The source folder even when run compiled from dist/bench: results go to bench/results.
const here = sourceDir(import.meta.url);
const root = join(here, '..');

interface Memory {
  heapMB: number;
  arrayBuffersMB: number;
  rssMB: number;
}

async function settled(): Promise<Memory> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { heapMB: +(m.heapUsed / 1e6).toFixed(1), arrayBuffersMB: +(m.arrayBuffers / 1e6).toFixed(1), rssMB: +(m.rss / 1e6).toFixed(1) };
}

async function ingestRun(cap: string | undefined): Promise<Record<string, unknown>> {
  const h = await ingestHarness(cap ? { AIOPS_INGEST_MAX_SERIES_PER_TENANT: cap } : {}, { record: false });
  const before = await settled();
  let accepted = 0;
  let refused = 0;
  const now = Date.now();
  for (let s = 0; s < SERIES; s += 1000) {
    let body = '';
    for (let i = s; i < Math.min(SERIES, s + 1000); i++) body += `${JSON.stringify({ ts: now, service: 'api', name: 'one_point', value: i, labels: { series: String(i), pod: `pod-${i % 97}` } })}\n`;
    const res = await h.app.inject({ method: 'POST', url: '/v1/ndjson/metrics', headers: { 'content-type': 'application/x-ndjson' }, payload: body });
    const r = res.json() as { accepted: number; rejected: number };
    accepted += r.accepted;
    refused += r.rejected;
  }
  const after = await settled();
  await h.close();
  return { cap: cap ?? '100000 (default)', series: SERIES, accepted, refused, before, after, heapGrowthMB: +(after.heapMB - before.heapMB).toFixed(1) };
}

async function ingestPart(): Promise<unknown> {
  return [await ingestRun(undefined), await ingestRun('100000000')];
}

async function detectPart(): Promise<unknown> {
  // Loaded here: the ingest child does not need the detect stage and its store.
  const [{ loadConfig }, { MemoryBus }, { DuckDbStore }, { runStages }, { detectStage }, { TOPICS }] = await Promise.all([
    import('../platform/config/config.js'),
    import('../platform/bus/memory-bus.js'),
    import('../platform/store/duckdb-store.js'),
    import('../platform/runtime/run-stages.js'),
    import('../detectors/stage.js'),
    import('../platform/contracts/topics.js'),
  ]);
  const config = loadConfig({ AIOPS_CHECKPOINT_INTERVAL_MS: '3600000', AIOPS_LOG_LEVEL: 'warn', AIOPS_OPS_PORT: '0' });
  const bus = new MemoryBus();
  const store = await DuckDbStore.open(':memory:');
  await store.migrate();
  const pipeline = await runStages([detectStage], config, { bus, store, logger: pino({ level: 'warn' }), opsServer: false });
  const baseline = await settled();
  const t0 = Date.UTC(2026, 0, 1);
  const cpu0 = process.cpuUsage();
  // Prometheus-like series: one metric name, a few label values shared by many series.
  for (let p = 0; p < POINTS; p++) {
    const ts = t0 + p * 15_000;
    for (let s = 0; s < SERIES; s += 1000) {
      const batch = [];
      for (let i = s; i < Math.min(SERIES, s + 1000); i++) {
        const labels = { instance: `10.0.${(i >> 8) & 255}.${i & 255}:9100`, pod: `api-${i % 97}`, route: `/v1/items/${i % 13}`, series: String(i) };
        const value = { id: `mp-${i}-${p}`, tenant: 'bench', ts, service: `svc-${i % 7}`, name: 'http_request_duration_seconds_sum', kind: 'gauge' as const, value: 0.2 + (i % 11) / 100 + p / 1000, labels };
        batch.push({ key: 'bench', value });
      }
      await bus.publish(TOPICS.metrics, batch);
    }
    await bus.idle();
  }
  const cpu = process.cpuUsage(cpu0);
  const running = await settled();
  await pipeline.stop();
  await store.close();
  const perSeries = (mb: number) => Math.round((mb * 1e6) / SERIES);
  return {
    series: SERIES,
    pointsPerSeries: POINTS,
    baseline,
    running,
    rssBytesPerSeries: perSeries(running.rssMB - baseline.rssMB),
    heapBytesPerSeries: perSeries(running.heapMB - baseline.heapMB),
    arrayBufferBytesPerSeries: perSeries(running.arrayBuffersMB - baseline.arrayBuffersMB),
    cpuMicrosPerPoint: +((cpu.user + cpu.system) / (SERIES * POINTS)).toFixed(2),
  };
}

/** Runs one part in a child process started as the npm script does, and returns its JSON line. */
function child(part: 'ingest' | 'detect'): unknown {
  const r = spawnSync(process.execPath, ['bin/run.js', 'bench/series-limit.ts', PART_FLAG, part], { cwd: root, encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`series-limit ${part} part failed (exit ${r.status}): ${r.stdout}`);
  return (JSON.parse(line) as { result: unknown }).result;
}

const partAt = process.argv.indexOf(PART_FLAG);
if (partAt >= 0) {
  const part = process.argv[partAt + 1];
  const result = part === 'ingest' ? await ingestPart() : part === 'detect' ? await detectPart() : undefined;
  if (result === undefined) throw new Error(`unknown part ${String(part)} (ingest or detect)`);
  process.stdout.write(`${JSON.stringify({ result })}\n`);
  process.exit(0);
}
const ingest = child('ingest');
for (const r of ingest as unknown[]) console.log(`ingest: ${JSON.stringify(r)}`);
const detect = child('detect') as { rssBytesPerSeries: number; heapBytesPerSeries: number; arrayBufferBytesPerSeries: number };
console.log(`detect: ${JSON.stringify(detect)}`);
console.log(
  `detect stage, ${SERIES.toLocaleString('en-US')} active series x ${POINTS} points: ${detect.rssBytesPerSeries} B RSS per series ` +
    `(heap ${detect.heapBytesPerSeries} B, array buffers ${detect.arrayBufferBytesPerSeries} B)`,
);
const out = join(here, 'results', 'series-limit.json');
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, results: ingest, detect }, null, 2)}\n`);
console.log(`wrote ${out}`);
