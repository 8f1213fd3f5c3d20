/**
 * The embedded pipeline the live bench and its replay run against: `aiops start` in a child process
 * with its own data dir and ports, and the query API calls the report needs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { AnomalyView, IncidentView } from './report.js';

export interface PipelinePorts { api: number; ingest: number; ops: number }

export interface Pipeline {
  ports: PipelinePorts;
  getJson(path: string): Promise<unknown>;
  /** Every page of a list endpoint. */
  listAll<T>(path: string, maxPages?: number): Promise<T[]>;
  /** Incidents with their root causes, merged ones left out. */
  incidents(): Promise<IncidentView[]>;
  anomalies(): Promise<AnomalyView[]>;
  /** Sum of one counter over the label sets that contain every `match` pair, from the API's /metrics. */
  counter(name: string, match?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startPipeline(opts: { repo: string; dataDir: string; ports: PipelinePorts; topologyFile: string; env?: Record<string, string> }): Promise<Pipeline> {
  const { ports } = opts;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(opts.repo, 'cli/main.ts'), 'start'], {
    cwd: opts.repo, stdio: ['ignore', 'ignore', 'inherit'],
    // Embedded whatever the caller's environment (a CI job exports its Kafka and ClickHouse).
    env: { ...process.env, AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb', AIOPS_KAFKA_BROKERS: '', AIOPS_CLICKHOUSE_URL: '', AIOPS_DATA_DIR: opts.dataDir, AIOPS_API_PORT: String(ports.api), AIOPS_INGEST_PORT: String(ports.ingest),
      AIOPS_OPS_PORT: String(ports.ops), AIOPS_TOPOLOGY_FILE: opts.topologyFile, AIOPS_LOG_LEVEL: 'warn', ...opts.env },
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const base = `http://127.0.0.1:${ports.api}`;
  const getJson = async (path: string): Promise<unknown> => {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json();
  };
  const listAll = async <T>(path: string, maxPages = 50): Promise<T[]> => {
    const out: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const body = (await getJson(`${path}${path.includes('?') ? '&' : '?'}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as { items?: T[]; nextCursor?: string };
      out.push(...(body.items ?? []));
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
    }
    return out;
  };
  const pipeline: Pipeline = {
    ports, getJson, listAll,
    // The list carries each incident whole (root causes included); merged ones are left out.
    incidents: () => listAll<IncidentView>('/v1/incidents'),
    anomalies: () => listAll<AnomalyView>('/v1/anomalies'),
    async counter(name, match = {}) {
      const text = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text());
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (Object.entries(match).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
      }
      return sum;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') child.kill('SIGKILL');
    },
  };
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`the pipeline exited during start (code ${child.exitCode})`);
    try { await getJson('/v1/incidents'); return pipeline; } catch { await sleep(1000); }
  }
  await pipeline.stop();
  throw new Error(`the pipeline did not answer on ${base} within 120 s`);
}
