// Red-team: the real embedded process (`aiops start`) is killed mid-burst (kill -9, then SIGTERM);
// every metric point it acknowledged must be in the store after a restart, point by point.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableLog } from '../../platform/bus/durable-log.js';
import { TOPICS } from '../../platform/contracts/index.js';
import { embeddedEnv } from '../../ingest/testing/embedded-env.js';
import { freePort, spawnStage, waitFor, type StageProcess } from '../support/stage-processes.js';
import { ackedBurst, missing } from '../support/acked-burst.js';

const dirs: string[] = [];
const running: StageProcess[] = [];

afterAll(async () => {
  for (const p of running) await p.kill9().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function startEmbedded(dataDir: string): Promise<{ proc: StageProcess; ingest: string }> {
  const [ingestPort, apiPort] = [await freePort(), await freePort()];
  const proc = spawnStage('start', embeddedEnv(dataDir, ingestPort, apiPort));
  running.push(proc);
  const ingest = `http://127.0.0.1:${ingestPort}`;
  await waitFor('embedded ingest ready', async () => ((await fetch(`${ingest}/readyz`)).ok ? true : undefined), 30_000, 250);
  return { proc, ingest };
}

async function storedValues(dataDir: string): Promise<Set<number>> {
  const db = await DuckDBInstance.create(join(dataDir, 'aiops.duckdb'));
  const conn = await db.connect();
  const reader = await conn.runAndReadAll(`SELECT DISTINCT value FROM metrics WHERE name = 'crash_probe'`);
  const out = new Set<number>(reader.getRows().map((r) => Number(r[0])));
  conn.closeSync();
  db.closeSync();
  return out;
}

/** Points still in the durable log past the sink's commit: not lost, replayed at the next start. */
async function pendingValues(dataDir: string): Promise<Set<number>> {
  const log = DurableLog.open(join(dataDir, 'bus'));
  const from = log.committed('aiops-sink', TOPICS.metrics) ?? 0;
  const out = new Set<number>();
  for (const r of log.read(TOPICS.metrics, from)) out.add(Number((r.value as { value: number }).value));
  await log.close();
  return out;
}

/** Restarts on the same data directory, lets the log replay, stops with SIGTERM and times the exit. */
async function restartAndStop(dataDir: string): Promise<number> {
  const { proc } = await startEmbedded(dataDir);
  await new Promise((r) => setTimeout(r, 8_000));
  const t0 = Date.now();
  await proc.stop();
  return Date.now() - t0;
}

describe('embedded mode: nothing acknowledged is lost', () => {
  it('kill -9 mid-burst, restart: every acknowledged point is stored', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aiops-crash-'));
    dirs.push(dataDir);
    const { proc, ingest } = await startEmbedded(dataDir);
    const acked = await ackedBurst(ingest, 30_000, () => proc.kill9());
    const exitMs = await restartAndStop(dataDir);
    const stored = await storedValues(dataDir);
    const kept = new Set([...stored, ...(await pendingValues(dataDir))]);
    console.log(`kill -9: acknowledged ${acked.size}, stored ${stored.size}, not yet stored ${missing(acked, stored).length}, lost ${missing(acked, kept).length}; restart stop took ${exitMs} ms`);
    expect(acked.size).toBeGreaterThanOrEqual(30_000);
    expect(missing(acked, kept).length).toBe(0);
  }, 90_000);

  it('SIGTERM mid-burst: exits within 10 s and every acknowledged point is stored after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aiops-term-'));
    dirs.push(dataDir);
    const { proc, ingest } = await startEmbedded(dataDir);
    let exitMs = 0;
    const acked = await ackedBurst(ingest, 30_000, async () => {
      const t0 = Date.now();
      await proc.stop();
      exitMs = Date.now() - t0;
    });
    await restartAndStop(dataDir);
    const stored = await storedValues(dataDir);
    const kept = new Set([...stored, ...(await pendingValues(dataDir))]);
    console.log(`SIGTERM: acknowledged ${acked.size}, stored ${stored.size}, not yet stored ${missing(acked, stored).length}, lost ${missing(acked, kept).length}; exited in ${exitMs} ms`);
    expect(exitMs).toBeLessThan(10_000);
    expect(missing(acked, kept).length).toBe(0);
  }, 90_000);
});
