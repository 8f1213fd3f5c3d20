/**
 * npm run bench:live: the embedded pipeline, the three-service app, Prometheus + node-exporter on loopback;
 * a healthy warm-up, then each fault on one service with recovery in between; records every remote_write body
 * (bench/live/recordings/) with the schedule beside it and writes bench/results/live.json.
 * npm run bench:live -- --replay FILE: the same report from a recording, replayed at full speed into a fresh
 * pipeline (bench/results/live-replay.json).
 */
import { execFileSync } from 'node:child_process';
import { createServer, request } from 'node:http';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS, NO_FAULT, startApp, startTraffic, type Fault, type ServiceName } from './app.js';
import { startPipeline } from './pipeline.js';
import { countSeries, readRecording, readSchedule, reduceRecording, schedulePath } from './recording.js';
import { replayRecording } from './replay.js';
import { buildReport, type FaultWindow } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const TOPOLOGY = join(HERE, 'topology.json');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
};
const strOpt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('--help')) {
  console.log(`npm run bench:live -- [--warmup-min 15] [--fault-min 3] [--recover-min 2] [--rps 20]
  Starts pipeline, app, Prometheus; healthy warm-up, then faults latency/errors/cpu on payments/checkout;
  records bench/live/recordings/live-<time>.ndjson (+ .meta.json, the schedule); writes bench/results/live.json.
npm run bench:live -- --reduce FILE --out PREFIX
  Keeps the app's and node-exporter's series of a recording: PREFIX.ndjson.br and PREFIX.meta.json (test fixtures).
npm run bench:live -- --replay FILE [--out bench/results/live-replay.json]
  Replays a recording (.ndjson, .ndjson.gz or .ndjson.br, with its .meta.json beside it) at full speed into a
  fresh embedded pipeline and writes the same report.`);
  process.exit(0);
}
const WARMUP_MS = opt('warmup-min', 15) * 60_000;
const FAULT_MS = opt('fault-min', 3) * 60_000;
const RECOVER_MS = opt('recover-min', 2) * 60_000;
const RPS = opt('rps', 20);
const PORTS = { api: 18180, ingest: 18118, ops: 18164, recorder: 18119 };
/** Its own ports, so a replay can run beside a live run. */
const REPLAY_PORTS = { api: 18280, ingest: 18218, ops: 18264 };

const FAULTS: { name: string; service: ServiceName; fault: Partial<Fault> }[] = [
  { name: 'latency', service: 'payments', fault: { latencyMs: 400 } },
  { name: 'errors', service: 'checkout', fault: { errorRate: 0.3 } },
  { name: 'cpu', service: 'payments', fault: { cpuBusyPct: 80, latencyMs: 100 } },
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void => { console.error(msg); };

async function replayMain(file: string): Promise<void> {
  const out = resolve(strOpt('out') ?? join(REPO, 'bench/results/live-replay.json'));
  const r = await replayRecording({ repo: REPO, recording: resolve(file), ports: REPLAY_PORTS, topologyFile: TOPOLOGY, log });
  const result = {
    command: `npm run bench:live -- ${args.join(' ')}`.trim(), measuredAt: new Date().toISOString(), recording: file,
    bodies: r.bodies, refusedBodies: r.refused, points: r.points, pipelineCpuSeconds: r.pipelineCpuSeconds, wallSeconds: r.wallSeconds,
    pointsPerPipelineCpuSecond: r.pipelineCpuSeconds > 0 ? r.points / r.pipelineCpuSeconds : null,
    recordedMinutes: (r.schedule.faults.at(-1)?.endMs ?? r.schedule.healthyEndMs) / 60_000 - r.schedule.healthyStartMs / 60_000,
    ...r.report, incidentEpisodes: r.incidentEpisodes,
  };
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
}

async function liveMain(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aiops-live-'));
  const recDir = join(HERE, 'recordings');
  mkdirSync(recDir, { recursive: true });
  const recFile = join(recDir, `live-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`);
  const metaFile = schedulePath(recFile);
  const stopAll: (() => Promise<void> | void)[] = [];
  try {
    const pipeline = await startPipeline({ repo: REPO, dataDir, ports: PORTS, topologyFile: TOPOLOGY });
    stopAll.push(() => pipeline.stop());

    // Recorder: a pass-through in front of ingest, so the replay gets exactly what Prometheus sent.
    const recorder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        appendFileSync(recFile, JSON.stringify({ at: Date.now(), body: body.toString('base64') }) + '\n');
        const fwd = request({ host: '127.0.0.1', port: PORTS.ingest, path: req.url, method: 'POST', headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502); r.pipe(res);
        });
        fwd.on('error', () => { res.writeHead(502); res.end(); });
        fwd.end(body);
      });
    });
    await new Promise<void>((r) => recorder.listen(PORTS.recorder, '127.0.0.1', r));
    stopAll.push(() => new Promise<void>((r) => recorder.close(() => r())));

    const app = await startApp(DEFAULT_PORTS);
    stopAll.push(async () => { for (const s of app.values()) await s.stop(); });
    const totalMs = WARMUP_MS + FAULTS.length * (FAULT_MS + RECOVER_MS) + 60_000;
    const traffic = startTraffic(DEFAULT_PORTS.frontend, { baseRps: RPS, periodMs: 20 * 60_000, durationMs: totalMs, maxRps: RPS * 3 },
      () => app.get('frontend')?.fault.dropTraffic === true);
    stopAll.push(() => traffic.stop());

    const promEnv = { ...process.env, AIOPS_SERVICES_DIR: join(dataDir, 'services'), AIOPS_INGEST_PORT: String(PORTS.recorder), AIOPS_METRICS_PORT: String(PORTS.api) };
    execFileSync('bash', [join(REPO, 'deploy/local/prometheus.sh'), 'start'], { env: promEnv, stdio: 'inherit' });
    stopAll.push(() => { execFileSync('bash', [join(REPO, 'deploy/local/prometheus.sh'), 'stop'], { env: promEnv, stdio: 'inherit' }); });

    const healthyStartMs = Date.now();
    const phase = async (label: string, ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const inc = await pipeline.incidents().catch(() => []);
        log(`[live] ${label}: ${Math.round((end - Date.now()) / 1000)} s left, incidents so far ${inc.length}`);
        await sleep(Math.min(30_000, Math.max(0, end - Date.now())));
      }
    };
    await phase('healthy warm-up', WARMUP_MS);
    const healthyEndMs = Date.now();
    const windows: FaultWindow[] = [];
    // The schedule is written beside the recording as it happens, so a replay can score a run that died later.
    const writeMeta = (): void => writeFileSync(metaFile, JSON.stringify({ healthyStartMs, healthyEndMs, faults: windows }, null, 2));
    writeMeta();
    for (const f of FAULTS) {
      const svc = app.get(f.service);
      if (!svc) continue;
      const startMs = Date.now();
      svc.fault = { ...NO_FAULT, ...f.fault };
      await phase(`fault ${f.name} on ${f.service}`, FAULT_MS);
      svc.fault = { ...NO_FAULT };
      windows.push({ name: f.name, service: f.service, startMs, endMs: Date.now() });
      writeMeta();
      await phase('recovery', RECOVER_MS);
    }
    const [incidents, anomalies] = await Promise.all([pipeline.incidents(), pipeline.anomalies()]);
    const bodies = readRecording(recFile);
    const report = buildReport({ healthyStartMs, healthyEndMs, faults: windows, seriesIn: (from, to) => countSeries(bodies, from, to), dataEndMs: Date.now(), incidents, anomalies });
    const out = { command: `npm run bench:live -- ${args.join(' ')}`.trim(), measuredAt: new Date().toISOString(),
      warmupMin: WARMUP_MS / 60_000, faultMin: FAULT_MS / 60_000, recoverMin: RECOVER_MS / 60_000, rps: RPS, recording: recFile, ...report };
    writeFileSync(join(REPO, 'bench/results/live.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(JSON.stringify(out, null, 2));
  } finally {
    for (const stop of stopAll.reverse()) { try { await stop(); } catch (err) { log(`[live] cleanup: ${(err as Error).message}`); } }
  }
}

function reduceMain(file: string): void {
  const prefix = strOpt('out');
  if (!prefix) throw new Error('--reduce needs --out PREFIX');
  const packed = reduceRecording(readRecording(file));
  writeFileSync(`${prefix}.ndjson.br`, packed);
  writeFileSync(`${prefix}.meta.json`, JSON.stringify(readSchedule(file), null, 2) + '\n');
  console.log(`${prefix}.ndjson.br: ${(packed.length / 1e6).toFixed(2)} MB`);
}

const replayFile = strOpt('replay');
const reduceFile = strOpt('reduce');
if (replayFile) await replayMain(replayFile);
else if (reduceFile) reduceMain(reduceFile);
else await liveMain();
