// `npm run bench:pipeline`: the whole pipeline fed over HTTP the way a shipper feeds it, NDJSON
// metric points on a 1 s grid (one point per series per second, so records/s is the number of
// series), at a stepped rate for a fixed time. Value steps are injected into probe series of
// their own services and timed from the 2xx of the request carrying a probe's first stepped
// point to its anomaly and its incident appearing in the API.
//
// Reports per rate step: records/s offered and accepted, how far behind the shipper fell, 429s,
// ingest latency; over the run: CPU per record in the first and the last window, record ->
// anomaly and record -> incident latency percentiles, RSS, store size. Results in
// bench/results/pipeline.json under BENCH_LABEL.
//
// Modes: BENCH_MODE=embedded (default: `aiops start`, in-process bus, DuckDB file) or
// BENCH_MODE=distributed (Kafka + ClickHouse from deploy/local/up.sh, each stage its own process,
// BENCH_DETECT_REPLICAS detect processes in one consumer group).
//   env: BENCH_RATES (records/s per step, default "5000,10000,20000"), BENCH_STEP_SECONDS
//        (default 60), BENCH_WARMUP_SECONDS (at the first rate, not measured; default 150: the
//        detectors' 120-point warm-up on a 1 s grid), BENCH_BATCH (points per request, 1000),
//        BENCH_CONCURRENCY (requests in flight, 8), BENCH_PROBE_EVERY_SECONDS (20),
//        BENCH_PROBE_HOLD_SECONDS (how long a step lasts, 60), BENCH_LABEL, BENCH_KEEP_SECONDS
//        (keep the pipeline up this long after the run, to look at it; default 0), BENCH_NODE_FLAGS
//        (extra node flags for the pipeline's processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
//        BENCH_SINK_BACKLOG_SECONDS (distributed: seconds of points at the top rate the sink drains
//        after the run, timed next to a bulk insert of the same rows; default 15),
//        BENCH_DETECT_BACKLOG_SECONDS (distributed: seconds of points at the top rate in each backlog
//        detect drains after the run with 1 and with 2 replicas; default 15).
// Targets (issue 13, embedded, 2 cores): >= 20k records/s sustained, CPU per record in the last
// window within 1.2x of the first, record -> anomaly p99 <= 2 s, record -> incident p99 <= 5 s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedEnv } from '../ingest/testing/embedded-env.js';
import { sinkVsBulk, type SinkVsBulkResult } from './lib/clickhouse-sink-vs-bulk.js';
import { detectScaling, type DetectScalingResult } from './lib/detect-scaling.js';
import { busPending, freePort, procSample, spawnAiops, spread, waitReady, writeLabelledResult, type PipelineProcess } from './lib/pipeline-process.js';


function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`${name}=${raw} is not a number >= ${min}`);
  return v;
}

const MODE = process.env.BENCH_MODE ?? 'embedded';
if (MODE !== 'embedded' && MODE !== 'distributed') throw new Error(`BENCH_MODE=${MODE}: use embedded or distributed`);
const RATES = (process.env.BENCH_RATES ?? '5000,10000,20000').split(',').map((r) => {
  const v = Number(r);
  if (!Number.isInteger(v) || v < 1) throw new Error(`BENCH_RATES: ${r} is not a positive integer`);
  return v;
});
const STEP_SECONDS = envNumber('BENCH_STEP_SECONDS', 60, 5);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 150, 0);
const BATCH = envNumber('BENCH_BATCH', 1000, 1);
const CONCURRENCY = envNumber('BENCH_CONCURRENCY', 8, 1);
const PROBE_EVERY_S = envNumber('BENCH_PROBE_EVERY_SECONDS', 20, 1);
const PROBE_HOLD_S = envNumber('BENCH_PROBE_HOLD_SECONDS', 60, 1);
/** Distributed only: seconds of points (at the top rate) in the backlog the sink drains for its comparison with a bulk insert. */
const SINK_BACKLOG_SECONDS = envNumber('BENCH_SINK_BACKLOG_SECONDS', 15, 1);
/** Distributed only: seconds of points (at the top rate) in each backlog detect drains with 1 and 2 replicas. */
const DETECT_BACKLOG_SECONDS = envNumber('BENCH_DETECT_BACKLOG_SECONDS', 15, 1);
const DETECT_REPLICAS = envNumber('BENCH_DETECT_REPLICAS', 1, 1);
const NODE_FLAGS = ['--max-semi-space-size=64', ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '')];
const LABEL = process.env.BENCH_LABEL ?? `${MODE}${MODE === 'distributed' ? `-detect${DETECT_REPLICAS}` : ''}`;
/** A probe not in the API this long after its step is counted missed. */
const PROBE_TIMEOUT_MS = 60_000;
const TARGETS = { recordsPerSecond: 20_000, cpuPerRecordDrift: 1.2, anomalyP99Ms: 2_000, incidentP99Ms: 5_000, sinkToBulk: 0.7, detectTwoToOne: 1.7 };

const MEASURED_SECONDS = RATES.length * STEP_SECONDS;
const PROBES = Math.max(1, Math.floor((MEASURED_SECONDS - PROBE_HOLD_S / 2) / PROBE_EVERY_S));
const SERVICES = 100;

/** Deterministic noise in [-1, 1) from a series and a second (no state per series). */
function noise(series: number, second: number): number {
  let h = Math.imul(series ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(second, 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2f);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 31 - 1;
}

/** Background series i: a latency gauge of one of SERVICES services, ~0.1 s with noise. */
function backgroundLine(i: number, ts: number, second: number): string {
  const v = 0.1 + 0.01 * (noise(i, second) + noise(i + 7919, second));
  return `{"ts":${ts},"service":"svc-${i % SERVICES}","name":"http_request_duration_seconds","kind":"gauge","labels":{"route":"/r${Math.floor(i / SERVICES)}"},"value":${v.toFixed(4)}}`;
}

interface Probe { index: number; service: string; stepAtSecond: number; stepTs?: number; ackAt?: number; anomalyMs?: number; incidentMs?: number }

/** A request's worth of points, built when a sender takes it (the queue holds only its description). */
interface Chunk { second: number; ts: number; from: number; to: number; probes: boolean }

interface RunContext {
  ingest: string;
  api: string;
  pids: () => number[];
  storeBytes: () => Promise<number | null>;
  /** Distributed only: the ClickHouse sink's rate next to a bulk insert of the same rows. */
  sinkVsBulk?: (notBefore: number) => Promise<SinkVsBulkResult>;
  /** Distributed only: detect's rate draining a backlog with 1 and with 2 replicas. */
  detectScaling?: () => Promise<DetectScalingResult>;
  stop: () => Promise<void>;
  output: () => string;
}

async function startEmbedded(dataDir: string): Promise<RunContext> {
  const [ingestPort, apiPort] = [await freePort(), await freePort()];
  const proc = spawnAiops('aiops start', ['start'], embeddedEnv(dataDir, ingestPort, apiPort), NODE_FLAGS);
  const ingest = `http://127.0.0.1:${ingestPort}`;
  const api = `http://127.0.0.1:${apiPort}`;
  await waitReady([ingest, api], [proc], 60_000);
  return {
    ingest, api,
    pids: () => [proc.child.pid!],
    storeBytes: async () => {
      try { return Number(execFileSync('du', ['-sb', dataDir], { encoding: 'utf8' }).split('\t')[0]); } catch { return null; }
    },
    stop: () => proc.stop(),
    output: () => proc.output(),
  };
}

async function startDistributed(dataDir: string): Promise<RunContext> {
  const brokers = process.env.AIOPS_KAFKA_BROKERS || '127.0.0.1:9092';
  const clickhouse = process.env.AIOPS_CLICKHOUSE_URL || 'http://127.0.0.1:8123';
  const database = `aiops_bench_${Date.now().toString(36)}`;
  const [ingestPort, apiPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    AIOPS_BUS: 'kafka', AIOPS_STORE: 'clickhouse',
    AIOPS_KAFKA_BROKERS: brokers, AIOPS_CLICKHOUSE_URL: clickhouse, AIOPS_CLICKHOUSE_DATABASE: database,
    AIOPS_KAFKA_TOPIC_PREFIX: `${database}.`, AIOPS_DATA_DIR: dataDir,
    AIOPS_INGEST_PORT: String(ingestPort), AIOPS_API_PORT: String(apiPort), AIOPS_OPS_PORT: '0', AIOPS_LOG_LEVEL: 'warn',
  };
  const procs: PipelineProcess[] = [];
  for (const name of ['sink', 'correlate', 'api', 'ingest']) procs.push(spawnAiops(name, [name], env, NODE_FLAGS));
  // Detect replicas each with their own ops port, so their /metrics can be read apart.
  let detects: PipelineProcess[] = [];
  const startDetect = async (replicas: number): Promise<{ urls: string[]; pids: number[] }> => {
    const urls: string[] = [];
    const pids: number[] = [];
    for (let k = 0; k < replicas; k++) {
      const opsPort = await freePort();
      const d = spawnAiops('detect', ['detect'], { ...env, AIOPS_OPS_PORT: String(opsPort) }, NODE_FLAGS);
      detects.push(d);
      urls.push(`http://127.0.0.1:${opsPort}/metrics`);
      pids.push(d.child.pid!);
    }
    return { urls, pids };
  };
  const stopDetect = async (): Promise<void> => {
    for (const d of detects) await d.stop();
    detects = [];
  };
  await startDetect(DETECT_REPLICAS);
  const ingest = `http://127.0.0.1:${ingestPort}`;
  const api = `http://127.0.0.1:${apiPort}`;
  await waitReady([ingest, api], [...procs, ...detects], 120_000);
  return {
    ingest, api,
    pids: () => [...procs, ...detects].map((p) => p.child.pid!),
    sinkVsBulk: (notBefore) => sinkVsBulk({
      ingest, clickhouseUrl: clickhouse, database, series: Math.max(...RATES), seconds: SINK_BACKLOG_SECONDS, batch: BATCH, line: backgroundLine, notBefore,
      stopSink: () => procs[0]!.stop(),
      startSink: () => { procs[0] = spawnAiops('sink', ['sink'], env, NODE_FLAGS); },
    }),
    detectScaling: () => detectScaling({
      ingest, brokers: brokers.split(','), prefix: `${database}.`, series: Math.max(...RATES), seconds: DETECT_BACKLOG_SECONDS, batch: BATCH, line: backgroundLine,
      replicas: [1, 2], stopDetect, startDetect,
    }),
    storeBytes: async () => {
      const sql = `SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database = '${database}' FORMAT JSON`;
      try {
        const res = await fetch(`${clickhouse}/?query=${encodeURIComponent(sql)}`);
        const body = (await res.json()) as { data: { b: string }[] };
        return Number(body.data[0]?.b ?? 0);
      } catch { return null; }
    },
    stop: async () => {
      await stopDetect();
      for (const p of [...procs].reverse()) await p.stop();
      await fetch(`${clickhouse}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${database}`)}`, { method: 'POST' }).catch(() => undefined);
    },
    output: () => [...procs, ...detects].map((p) => `--- ${p.name}\n${p.output().slice(-2000)}`).join('\n'),
  };
}

function cpuSecondsOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (procSample(pid)?.cpuSeconds ?? 0), 0);
}
function rssMiBOf(pids: readonly number[]): number {
  return Math.round(pids.reduce((sum, pid) => sum + (procSample(pid)?.rssMiB ?? 0), 0) * 10) / 10;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aiops-bench-pipeline-'));
  const run = MODE === 'embedded' ? await startEmbedded(dataDir) : await startDistributed(dataDir);
  try {
    await measure(run);
    const keep = envNumber('BENCH_KEEP_SECONDS', 0, 0);
    if (keep > 0) {
      console.log(`keeping the pipeline up for ${keep}s: API ${run.api}, ingest ${run.ingest}`);
      await new Promise((r) => setTimeout(r, keep * 1000));
    }
  } catch (err) {
    console.error(run.output());
    throw err;
  } finally {
    await run.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measure(run: RunContext): Promise<void> {
  const maxRate = Math.max(...RATES);
  const probes: Probe[] = Array.from({ length: PROBES }, (_, k) => ({
    index: maxRate + k, service: `probe-${k}`, stepAtSecond: WARMUP_SECONDS + Math.round(PROBE_HOLD_S / 2) + k * PROBE_EVERY_S,
  }));
  const probeLine = (p: Probe, ts: number, second: number): string => {
    const stepped = second >= p.stepAtSecond && second < p.stepAtSecond + PROBE_HOLD_S;
    const base = 0.1 + 0.01 * (noise(p.index, second) + noise(p.index + 7919, second));
    return `{"ts":${ts},"service":"${p.service}","name":"http_request_duration_seconds","kind":"gauge","labels":{"route":"/probe"},"value":${(stepped ? base * 10 : base).toFixed(4)}}`;
  };
  const totalSeconds = WARMUP_SECONDS + MEASURED_SECONDS;
  const rateAt = (second: number): number => (second < WARMUP_SECONDS ? RATES[0]! : RATES[Math.min(RATES.length - 1, Math.floor((second - WARMUP_SECONDS) / STEP_SECONDS))]!);
  console.log(`${MODE}: ${RATES.join(' -> ')} records/s, ${STEP_SECONDS}s each after ${WARMUP_SECONDS}s warm-up; ${PROBES} probes, one every ${PROBE_EVERY_S}s for ${PROBE_HOLD_S}s`);

  const queue: Chunk[] = [];
  const perSecond = new Map<number, { offered: number; accepted: number; refused: number; doneAt: number; parts: number; partsDone: number }>();
  const ingestMs: number[] = [];
  let maxBehindS = 0;
  let generated = 0;
  let stopping = false;
  const t0 = Date.now();
  const tsBase = Math.floor(t0 / 1000) * 1000;

  // One tick a second: the grid point of every active series, as chunk descriptions.
  const generator = (async () => {
    for (let second = 0; second < totalSeconds; second++) {
      const due = t0 + second * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const rate = rateAt(second);
      const ts = tsBase + second * 1000;
      const parts = Math.ceil(rate / BATCH);
      perSecond.set(second, { offered: rate + probes.length, accepted: 0, refused: 0, doneAt: 0, parts, partsDone: 0 });
      for (let c = 0; c < parts; c++) queue.push({ second, ts, from: c * BATCH, to: Math.min(rate, (c + 1) * BATCH), probes: c === 0 });
      generated = second + 1;
    }
  })();

  const buildBody = (c: Chunk): string => {
    const lines: string[] = [];
    for (let i = c.from; i < c.to; i++) lines.push(backgroundLine(i, c.ts, c.second));
    if (c.probes) for (const p of probes) lines.push(probeLine(p, c.ts, c.second));
    return lines.join('\n');
  };

  // Senders: a shipper's behaviour, retrying a refused request after its Retry-After.
  const sender = async () => {
    for (;;) {
      const c = queue.shift();
      if (!c) {
        if (generated >= totalSeconds || stopping) return;
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const body = buildBody(c);
      const records = c.to - c.from + (c.probes ? probes.length : 0);
      const s = perSecond.get(c.second)!;
      for (;;) {
        maxBehindS = Math.max(maxBehindS, (Date.now() - (t0 + c.second * 1000)) / 1000);
        const start = performance.now();
        let status = 0;
        let retryAfter = 1;
        try {
          const res = await fetch(`${run.ingest}/v1/ndjson/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
          await res.arrayBuffer();
          status = res.status;
          retryAfter = Number(res.headers.get('retry-after') ?? 1) || 1;
        } catch { status = 0; }
        if (status >= 200 && status < 300) {
          ingestMs.push(performance.now() - start);
          s.accepted += records;
          s.partsDone++;
          if (s.partsDone === s.parts) s.doneAt = Date.now();
          if (c.probes) {
            const ack = Date.now();
            for (const p of probes) if (c.second === p.stepAtSecond) { p.stepTs = c.ts; p.ackAt = ack; }
          }
          break;
        }
        if (status >= 400 && status < 500 && status !== 429) throw new Error(`ingest refused a bench request with ${status}: the bench's records are wrong`);
        s.refused += records;
        await new Promise((r) => setTimeout(r, Math.min(retryAfter, 2) * 1000));
      }
    }
  };

  // The probes' poller: the API asked every 100 ms for each probe stepped and not yet seen.
  const poller = (async () => {
    while (!stopping) {
      const now = Date.now();
      const open = probes.filter((p) => p.ackAt !== undefined && now - p.ackAt < PROBE_TIMEOUT_MS && (p.anomalyMs === undefined || p.incidentMs === undefined));
      await Promise.all(open.map(async (p) => {
        const from = p.stepTs! - 1000;
        if (p.anomalyMs === undefined) {
          const r = await fetch(`${run.api}/v1/anomalies?service=${p.service}&from=${from}&limit=1`).then((x) => x.json() as Promise<{ items?: unknown[] }>, () => ({ items: [] }));
          if ((r.items?.length ?? 0) > 0) p.anomalyMs = Date.now() - p.ackAt!;
        }
        if (p.incidentMs === undefined) {
          // Any incident listing the probe's service, whenever it opened: a probe's step may join
          // an incident that other anomalies opened earlier.
          const r = await fetch(`${run.api}/v1/incidents?service=${p.service}&limit=1`).then((x) => x.json() as Promise<{ items?: unknown[] }>, () => ({ items: [] }));
          if ((r.items?.length ?? 0) > 0) p.incidentMs = Date.now() - p.ackAt!;
        }
      }));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  // Resource samples every 5 s: CPU of the pipeline's processes, records accepted so far, RSS, store.
  // Embedded: the most records each consumer group had waiting, sampled with the rest.
  const maxPending = new Map<string, number>();
  const samples: { atS: number; cpuSeconds: number; accepted: number; rssMiB: number; storeBytes: number | null }[] = [];
  const acceptedSoFar = () => { let n = 0; for (const s of perSecond.values()) n += s.accepted; return n; };
  const sampleNow = async () => {
    samples.push({ atS: (Date.now() - t0) / 1000, cpuSeconds: cpuSecondsOf(run.pids()), accepted: acceptedSoFar(), rssMiB: rssMiBOf(run.pids()), storeBytes: await run.storeBytes() });
    if (MODE === 'embedded' && (Date.now() - t0) / 1000 >= WARMUP_SECONDS) {
      for (const [group, n] of await busPending(`${run.ingest}/metrics`).catch(() => new Map<string, number>())) {
        maxPending.set(group, Math.max(maxPending.get(group) ?? 0, n));
      }
    }
  };
  await sampleNow();
  const sampler = setInterval(() => { void sampleNow(); }, 5000);
  let lastReport = 0;
  const progress = setInterval(() => {
    const at = Math.floor((Date.now() - t0) / 1000);
    if (at - lastReport < 30) return;
    lastReport = at;
    const seen = probes.filter((p) => p.anomalyMs !== undefined).length;
    const last = samples.at(-1);
    console.log(`  ${at}s/${totalSeconds}s rate ${rateAt(Math.min(at, totalSeconds - 1))}/s, queue ${queue.length} requests, behind max ${maxBehindS.toFixed(1)}s, probes seen ${seen}/${probes.filter((p) => p.ackAt !== undefined).length}, RSS ${last?.rssMiB ?? '?'} MiB${maxPending.size ? `, most waiting ${[...maxPending].map(([g, n]) => `${g} ${n}`).join(' ')}` : ''}`);
  }, 1000);

  try {
    await Promise.all([generator, ...Array.from({ length: CONCURRENCY }, sender)]);
    // Let the last probes be seen (or time out) before stopping.
    const lastAck = Math.max(...probes.map((p) => p.ackAt ?? 0));
    while (Date.now() - lastAck < PROBE_TIMEOUT_MS && probes.some((p) => p.ackAt !== undefined && (p.anomalyMs === undefined || p.incidentMs === undefined))) {
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    stopping = true;
    clearInterval(sampler);
    clearInterval(progress);
  }
  await poller;
  await sampleNow();
  // Detect first: its backlogs must come before the sink's on the grid (detectors skip a
  // series' points older than its last).
  const scaling = run.detectScaling ? await run.detectScaling() : undefined;
  const sinkComparison = run.sinkVsBulk ? await run.sinkVsBulk(scaling?.nextTs ?? 0) : undefined;

  const steps = RATES.map((rate, k) => {
    const fromS = WARMUP_SECONDS + k * STEP_SECONDS;
    const inStep = [...perSecond.entries()].filter(([s]) => s >= fromS && s < fromS + STEP_SECONDS);
    const offered = inStep.reduce((a, [, v]) => a + v.offered, 0);
    const accepted = inStep.reduce((a, [, v]) => a + v.accepted, 0);
    const refused = inStep.reduce((a, [, v]) => a + v.refused, 0);
    // Behind: how long after its second each grid point was all acknowledged.
    const behind = inStep.map(([s, v]) => (v.doneAt ? (v.doneAt - (t0 + (s + 1) * 1000)) / 1000 : Infinity));
    const maxBehind = Math.max(0, ...behind);
    return {
      offeredPerSecond: rate + probes.length,
      acceptedPerSecond: Math.round(accepted / STEP_SECONDS),
      acceptedShare: offered ? Math.round((accepted / offered) * 1000) / 1000 : 0,
      refusedRecords: refused,
      maxSecondsBehind: Number.isFinite(maxBehind) ? Math.round(maxBehind * 10) / 10 : null,
      // Sustained: every point of the step acknowledged, never more than 5 s behind its second.
      sustained: accepted >= offered && Number.isFinite(maxBehind) && maxBehind <= 5,
    };
  });

  const measured = samples.filter((s) => s.atS >= WARMUP_SECONDS);
  const windowS = Math.min(300, MEASURED_SECONDS / 4);
  const cpuPerRecordUs = (fromS: number, toS: number): number | null => {
    const inside = measured.filter((s) => s.atS >= fromS && s.atS <= toS);
    if (inside.length < 2) return null;
    const a = inside[0]!;
    const b = inside.at(-1)!;
    return b.accepted > a.accepted ? Math.round(((b.cpuSeconds - a.cpuSeconds) / (b.accepted - a.accepted)) * 1e7) / 10 : null;
  };
  const endS = WARMUP_SECONDS + MEASURED_SECONDS;
  const first = cpuPerRecordUs(WARMUP_SECONDS, WARMUP_SECONDS + windowS);
  const last = cpuPerRecordUs(endS - windowS, endS);
  const stepped = probes.filter((p) => p.ackAt !== undefined);
  const anomaly = spread(stepped.filter((p) => p.anomalyMs !== undefined).map((p) => p.anomalyMs!));
  const incident = spread(stepped.filter((p) => p.incidentMs !== undefined).map((p) => p.incidentMs!));
  const topRate = steps.filter((s) => s.sustained).reduce((m, s) => Math.max(m, s.acceptedPerSecond), 0);
  const result = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    mode: MODE,
    ...(MODE === 'distributed' ? { detectReplicas: DETECT_REPLICAS } : {}),
    ...(maxPending.size ? { mostRecordsWaitingPerGroup: Object.fromEntries(maxPending) } : {}),
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
    settings: { rates: RATES, stepSeconds: STEP_SECONDS, warmupSeconds: WARMUP_SECONDS, batch: BATCH, concurrency: CONCURRENCY, probes: PROBES, probeEverySeconds: PROBE_EVERY_S, probeHoldSeconds: PROBE_HOLD_S },
    steps,
    highestSustainedRecordsPerSecond: topRate,
    // Comparable as drift only when the first and last windows run at one rate.
    cpuPerRecordUs: { firstWindow: first, lastWindow: last, windowSeconds: windowS, sameRate: RATES[0] === RATES.at(-1), lastToFirst: first && last ? Math.round((last / first) * 100) / 100 : null },
    pipelineCpuSecondsPerWallSecond: measured.length >= 2 ? Math.round(((measured.at(-1)!.cpuSeconds - measured[0]!.cpuSeconds) / (measured.at(-1)!.atS - measured[0]!.atS)) * 100) / 100 : null,
    recordToAnomalyMs: { ...anomaly, missed: stepped.length - anomaly.n },
    recordToIncidentMs: { ...incident, missed: stepped.length - incident.n },
    ingestLatencyMs: spread(ingestMs),
    ...(scaling ? { detectReplicasBacklogDrain: { backlogPoints: scaling.backlogPoints, recordsPerSecond: scaling.recordsPerSecond, recordsPerDetectCpuSecond: scaling.recordsPerCpuSecond, machineBusyCores: scaling.machineBusyCores, cores: cpus().length, twoToOne: scaling.mostToOne } } : {}),
    ...(sinkComparison ? { clickhouseSinkVsBulkInsert: sinkComparison } : {}),
    rssMiB: { start: samples[0]?.rssMiB ?? null, max: Math.max(...samples.map((s) => s.rssMiB)), end: samples.at(-1)?.rssMiB ?? null },
    storeBytes: { start: samples[0]?.storeBytes ?? null, end: samples.at(-1)?.storeBytes ?? null },
    targets: {
      recordsPerSecondToTarget: Math.round((topRate / TARGETS.recordsPerSecond) * 100) / 100,
      cpuDriftToLimit: first && last ? Math.round((last / first / TARGETS.cpuPerRecordDrift) * 100) / 100 : null,
      anomalyP99ToLimit: anomaly.p99 === null ? null : Math.round((anomaly.p99 / TARGETS.anomalyP99Ms) * 100) / 100,
      incidentP99ToLimit: incident.p99 === null ? null : Math.round((incident.p99 / TARGETS.incidentP99Ms) * 100) / 100,
      ...(scaling ? { detectTwoToOneToTarget: scaling.mostToOne === null ? null : Math.round((scaling.mostToOne / TARGETS.detectTwoToOne) * 100) / 100 } : {}),
      ...(sinkComparison ? { sinkToBulkToLimit: Math.round((sinkComparison.sinkToBulk / TARGETS.sinkToBulk) * 100) / 100 } : {}),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(`${MODE}: highest sustained ${topRate} records/s (target ${TARGETS.recordsPerSecond}); CPU/record ${first} -> ${last} us; record -> anomaly p99 ${anomaly.p99} ms (${result.recordToAnomalyMs.missed} missed), -> incident p99 ${incident.p99} ms (${result.recordToIncidentMs.missed} missed); RSS max ${result.rssMiB.max} MiB`);
  writeLabelledResult('pipeline.json', LABEL, result);
}

await main();
