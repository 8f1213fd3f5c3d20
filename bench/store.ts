// `npm run bench:store`: the store's metric insert alone, in 1,000-point batches, from an empty
// table up to BENCH_ROWS, on DuckDB (a temp file) and, when AIOPS_CLICKHOUSE_URL is set, on
// ClickHouse (a throwaway database). Prints microseconds of wall time per point for the first
// 250k rows and for the last 250k before each milestone, so a write cost that grows with the
// table shows as a rising figure. Then, when the store has retention, a steady load over
// simulated days with a short retention, printing the DuckDB file size after each day: it must
// stop growing once the oldest day is deleted each day.
// The store's retention is run as the sink's timer would, with AIOPS_RETENTION_METRICS=2d.
//   env: BENCH_STORES (comma-separated: duckdb, clickhouse; default duckdb plus clickhouse when
//        AIOPS_CLICKHOUSE_URL is set), BENCH_ROWS (default 3000000), BENCH_BATCH (default 1000),
//        BENCH_LABEL (key under which the run is saved in bench/results/store.json, default
//        "after"; the run before a change is saved as "before"), BENCH_RETENTION_DAYS (simulated
//        days of steady load, default 8; 0 skips), BENCH_DAY_ROWS (points per simulated day,
//        default 250000).
// Point ids are computed before the clock starts: the figure is the store's cost alone.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stableId } from '../platform/contracts/ids.js';
import type { MetricPoint } from '../platform/contracts/events.js';
import { ClickHouseStore } from '../platform/store/clickhouse-store.js';
import { DuckDbStore } from '../platform/store/duckdb-store.js';
import type { Store } from '../platform/store/store.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROWS = Number(process.env.BENCH_ROWS ?? 3_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const LABEL = process.env.BENCH_LABEL ?? 'after';
const RETENTION_DAYS = Number(process.env.BENCH_RETENTION_DAYS ?? 8);
const DAY_ROWS = Number(process.env.BENCH_DAY_ROWS ?? 250_000);
const CH_URL = (process.env.AIOPS_CLICKHOUSE_URL ?? '').trim();
const STORES = (process.env.BENCH_STORES ?? (CH_URL ? 'duckdb,clickhouse' : 'duckdb')).split(',').map((s) => s.trim()).filter(Boolean);
const WINDOW = 250_000;
const DAY_MS = 86_400_000;
const SERIES = 1000;

/** One batch: SERIES series, one point each at ts (a 1 s grid), ids as ingest makes them. */
function batch(tenant: string, ts: number, size: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let i = 0; i < size; i++) {
    const service = `svc-${i % 50}`;
    const name = `metric_${Math.floor(i / 50) % 40}`;
    const labels = { instance: `i-${i % 7}` };
    out.push({ id: stableId('m', tenant, service, name, labels.instance, ts), tenant, ts, service, name, kind: 'gauge', value: Math.sin(ts / 1000 + i), labels });
  }
  return out;
}

interface Milestone {
  rows: number;
  usPerPointLastWindow: number;
  fileMiB: number | null;
}

interface GrowthResult {
  store: string;
  rows: number;
  batch: number;
  usPerPointFirst250k: number;
  milestones: Milestone[];
  seconds: number;
}

interface RetentionDay {
  day: number;
  rowsStored: number;
  fileMiB: number | null;
  usPerPoint: number;
  retentionMs: number;
}

interface Opened {
  store: Store;
  /** Bytes on disk (DuckDB file plus WAL); null for ClickHouse. */
  size(): number | null;
  drop(): Promise<void>;
}

async function open(kind: string, tag: string): Promise<Opened> {
  if (kind === 'duckdb') {
    const dir = mkdtempSync(join(tmpdir(), 'aiops-bench-store-'));
    const file = join(dir, 'aiops.duckdb');
    const store = await DuckDbStore.open(file);
    await store.migrate();
    const size = () => [file, `${file}.wal`].reduce((n, f) => n + (existsSync(f) ? statSync(f).size : 0), 0);
    return { store, size, drop: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const database = `aiops_bench_${tag}_${Date.now().toString(36)}`;
  const options = { url: CH_URL || 'http://127.0.0.1:8123', database, username: process.env.AIOPS_CLICKHOUSE_USER ?? 'default', password: process.env.AIOPS_CLICKHOUSE_PASSWORD ?? '' };
  const store = new ClickHouseStore(options);
  await store.migrate();
  return {
    store,
    size: () => null,
    drop: async () => {
      await store.close();
      const { createClient } = await import('@clickhouse/client');
      const admin = createClient({ url: options.url, username: options.username, password: options.password, compression: { request: false, response: false } });
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await admin.close();
    },
  };
}

const mib = (b: number | null): number | null => (b === null ? null : Math.round((b / 1048576) * 10) / 10);
const round = (x: number): number => Math.round(x * 10) / 10;

async function growth(kind: string): Promise<GrowthResult> {
  const o = await open(kind, 'growth');
  const start = Date.UTC(2026, 0, 1);
  const milestones: Milestone[] = [];
  const marks = [250_000, 500_000, 1_000_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000, 4_000_000, 5_000_000].filter((m) => m <= ROWS);
  if (!marks.includes(ROWS)) marks.push(ROWS);
  const perBatch: number[] = []; // microseconds per batch, in order
  let rows = 0;
  const t0 = process.hrtime.bigint();
  const usPerPoint = (lastRows: number): number => {
    const n = Math.min(perBatch.length, Math.ceil(lastRows / BATCH));
    const us = perBatch.slice(perBatch.length - n).reduce((x, y) => x + y, 0);
    return round(us / Math.min(rows, n * BATCH));
  };
  let first = 0;
  try {
    for (let b = 0; rows < ROWS; b++) {
      const points = batch('bench', start + b * 1000, Math.min(BATCH, ROWS - rows));
      const s = process.hrtime.bigint();
      await o.store.insertMetrics(points);
      perBatch.push(Number(process.hrtime.bigint() - s) / 1000);
      rows += points.length;
      if (rows === Math.min(WINDOW, ROWS)) first = usPerPoint(WINDOW);
      if (marks.includes(rows)) {
        const m = { rows, usPerPointLastWindow: usPerPoint(WINDOW), fileMiB: mib(o.size()) };
        milestones.push(m);
        console.log(`${kind}: ${rows.toLocaleString('en')} rows, ${m.usPerPointLastWindow} us/point over the last 250k${m.fileMiB === null ? '' : `, file ${m.fileMiB} MiB`}`);
      }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { store: kind, rows, batch: BATCH, usPerPointFirst250k: first, milestones, seconds: round(seconds) };
  } finally {
    await o.drop();
  }
}

/** Steady load: DAY_ROWS points a simulated day, 2 days' retention applied after each day. */
async function steady(kind: string): Promise<RetentionDay[]> {
  const o = await open(kind, 'retention');
  try {
    const days: RetentionDay[] = [];
    const start = Date.UTC(2026, 0, 1);
    const step = DAY_MS / (DAY_ROWS / BATCH);
    for (let d = 0; d < RETENTION_DAYS; d++) {
      let ns = 0n;
      for (let b = 0; b < DAY_ROWS / BATCH; b++) {
        const points = batch('bench', Math.floor(start + d * DAY_MS + b * step), BATCH);
        const s = process.hrtime.bigint();
        await o.store.insertMetrics(points);
        ns += process.hrtime.bigint() - s;
      }
      const r0 = Date.now();
      await o.store.applyRetention({ metrics: { defaultMs: 2 * DAY_MS, tenants: {} } }, start + (d + 1) * DAY_MS);
      const retentionMs = Date.now() - r0;
      const day = { day: d + 1, rowsStored: await o.store.count('bench', 'metrics'), fileMiB: mib(o.size()), usPerPoint: round(Number(ns) / 1000 / DAY_ROWS), retentionMs };
      days.push(day);
      console.log(`${kind} retention 2d: day ${day.day}, ${day.rowsStored.toLocaleString('en')} rows kept, ${day.usPerPoint} us/point${day.fileMiB === null ? '' : `, file ${day.fileMiB} MiB`}, retention pass ${retentionMs} ms`);
    }
    return days;
  } finally {
    await o.drop();
  }
}

const results: Record<string, unknown> = {};
for (const kind of STORES) {
  // BENCH_ROWS=0 or BENCH_RETENTION_DAYS=0 skips a phase and keeps its saved figures.
  const g = ROWS > 0 ? { growth: await growth(kind) } : {};
  const r = RETENTION_DAYS > 0 ? { retention: await steady(kind) } : {};
  results[kind] = { ...g, ...r };
}
const out = resolve(here, 'results', 'store.json');
mkdirSync(dirname(out), { recursive: true });
const previous: Record<string, unknown> = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
const label = (previous[LABEL] as Record<string, unknown> | undefined) ?? {};
for (const [k, v] of Object.entries(results)) results[k] = { ...(label[k] as object | undefined), ...(v as object) };
previous[LABEL] = { ...label, ...results, measuredAt: new Date().toISOString(), command: `BENCH_LABEL=${LABEL} BENCH_ROWS=${ROWS} BENCH_STORES=${STORES.join(',')} npm run bench:store` };
writeFileSync(out, `${JSON.stringify(previous, null, 2)}\n`);
console.log(`wrote ${out}`);
