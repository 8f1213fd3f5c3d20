/**
 * npm run bench:live: the embedded pipeline, the three-service app, Prometheus + node-exporter on loopback;
 * a healthy warm-up, then each fault on one service with recovery in between; records every remote_write body
 * (bench/live/recordings/) and writes bench/results/live.json.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, request } from 'node:http';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS, NO_FAULT, startApp, startTraffic, type Fault, type ServiceName } from './app.js';
import { buildReport, type FaultWindow, type IncidentView, type AnomalyView } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
};
if (args.includes('--help')) {
  console.log(`npm run bench:live -- [--warmup-min 15] [--fault-min 3] [--recover-min 2] [--rps 20]
Starts pipeline, app, Prometheus; healthy warm-up, then faults latency/errors/cpu on payments/checkout; writes bench/results/live.json.`);
  process.exit(0);
}
const WARMUP_MS = opt('warmup-min', 15) * 60_000;
const FAULT_MS = opt('fault-min', 3) * 60_000;
const RECOVER_MS = opt('recover-min', 2) * 60_000;
const RPS = opt('rps', 20);
const PORTS = { api: 18180, ingest: 18118, ops: 18164, recorder: 18119 };

const FAULTS: { name: string; service: ServiceName; fault: Partial<Fault> }[] = [
  { name: 'latency', service: 'payments', fault: { latencyMs: 400 } },
  { name: 'errors', service: 'checkout', fault: { errorRate: 0.3 } },
  { name: 'cpu', service: 'payments', fault: { cpuBusyPct: 80, latencyMs: 100 } },
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function getJson(path: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${PORTS.api}${path}`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}
async function listAll<T>(path: string, max = 50): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < max; page++) {
    const body = (await getJson(`${path}${path.includes('?') ? '&' : '?'}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as { items?: T[]; data?: T[]; nextCursor?: string };
    out.push(...(body.items ?? body.data ?? []));
    if (!body.nextCursor) break;
    cursor = body.nextCursor;
  }
  return out;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aiops-live-'));
  const recDir = join(HERE, 'recordings');
  mkdirSync(recDir, { recursive: true });
  const recFile = join(recDir, `live-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`);
  const stopAll: (() => Promise<void> | void)[] = [];
  try {
    const pipeline: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'start'], {
      cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, AIOPS_DATA_DIR: dataDir, AIOPS_API_PORT: String(PORTS.api), AIOPS_INGEST_PORT: String(PORTS.ingest),
        AIOPS_OPS_PORT: String(PORTS.ops), AIOPS_TOPOLOGY_FILE: join(HERE, 'topology.json'), AIOPS_LOG_LEVEL: 'warn' },
    });
    stopAll.push(() => { pipeline.kill('SIGTERM'); });
    for (let i = 0; i < 120; i++) { try { await getJson('/v1/incidents'); break; } catch { await sleep(1000); } }

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
        const inc = await listAll<IncidentView>('/v1/incidents').catch(() => []);
        console.error(`[live] ${label}: ${Math.round((end - Date.now()) / 1000)} s left, incidents so far ${inc.length}`);
        await sleep(Math.min(30_000, Math.max(0, end - Date.now())));
      }
    };
    await phase('healthy warm-up', WARMUP_MS);
    const healthyEndMs = Date.now();
    const windows: FaultWindow[] = [];
    for (const f of FAULTS) {
      const svc = app.get(f.service);
      if (!svc) continue;
      const startMs = Date.now();
      svc.fault = { ...NO_FAULT, ...f.fault };
      await phase(`fault ${f.name} on ${f.service}`, FAULT_MS);
      svc.fault = { ...NO_FAULT };
      windows.push({ name: f.name, service: f.service, startMs, endMs: Date.now() });
      await phase('recovery', RECOVER_MS);
    }
    const incidents = await listAll<IncidentView>('/v1/incidents');
    const full = await Promise.all(incidents.map((i) => getJson(`/v1/incidents/${i.id}`).catch(() => i) as Promise<IncidentView>));
    const anomalies = await listAll<AnomalyView>('/v1/anomalies');
    const seriesCount = await fetch(`http://127.0.0.1:19090/api/v1/query?query=count(%7B__name__%3D~%22.%2B%22%7D)`)
      .then((r) => r.json() as Promise<{ data?: { result?: { value?: [number, string] }[] } }>)
      .then((b) => Number(b.data?.result?.[0]?.value?.[1] ?? 0)).catch(() => 0);
    const report = buildReport({ healthyStartMs, healthyEndMs, series: seriesCount, faults: windows, incidents: full, anomalies });
    writeFileSync(recFile.replace(/\.ndjson$/, '.meta.json'), JSON.stringify({ healthyStartMs, healthyEndMs, series: seriesCount, faults: windows }, null, 2));
    const out = { command: `npm run bench:live -- ${args.join(' ')}`.trim(), measuredAt: new Date().toISOString(),
      warmupMin: WARMUP_MS / 60_000, faultMin: FAULT_MS / 60_000, recoverMin: RECOVER_MS / 60_000, rps: RPS, recording: recFile, ...report };
    writeFileSync(join(REPO, 'bench/results/live.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(JSON.stringify(out, null, 2));
  } finally {
    for (const stop of stopAll.reverse()) { try { await stop(); } catch (err) { console.error(`[live] cleanup: ${(err as Error).message}`); } }
  }
}

await main();
