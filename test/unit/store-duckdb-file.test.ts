// The embedded store's file: a file from the previous schema keeps its data, a damaged file
// and a locked file fail at open with different advice, and a store that cannot write fails ping
// (what /readyz calls) until a write succeeds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { stableId } from '../../platform/contracts/ids.js';
import type { MetricPoint } from '../../platform/contracts/events.js';
import { DUCKDB_DIALECT } from '../../platform/store/dialect.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import { ANOMALIES_0001 } from '../../platform/store/migrations.js';
import { ALL_TABLES, ANOMALIES, type TableDef } from '../../platform/store/tables.js';

// The tables as migration 1 created them before 0002/0003: every table with its primary key, and
// anomalies in their 0001 layout.
const OLD_TABLES: TableDef<never>[] = ALL_TABLES.map((t) => (t === (ANOMALIES as unknown as TableDef<never>) ? ANOMALIES_0001 : t));
import { anomaly } from '../support/store-contract.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-duckdb-file-'));
  dirs.push(dir);
  return join(dir, 'aiops.duckdb');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const points = (n: number, from = 0): MetricPoint[] => Array.from({ length: n }, (_, i) => ({
  id: stableId('m', 't', from + i), tenant: 't', ts: 1_700_000_000_000 + (from + i) * 1000, service: 'api', name: 'latency', kind: 'gauge', value: i, labels: { i: String(i % 5) },
}));

/** A file as migration 1 left it before 0002/0003 (OLD_TABLES), with `fill` run on it before it is closed. */
async function writePreviousSchema(file: string, fill?: (conn: DuckDBConnection) => Promise<void>): Promise<void> {
  const old = await DuckDBInstance.create(file);
  const conn = await old.connect();
  await conn.run('CREATE TABLE schema_migrations (version BIGINT NOT NULL, name VARCHAR NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (version))');
  for (const t of OLD_TABLES) for (const s of DUCKDB_DIALECT.createTable({ ...t, appendOnly: false }, null)) await conn.run(s);
  await conn.run("INSERT INTO schema_migrations VALUES (1, '0001_initial_tables', 0)");
  await fill?.(conn);
  conn.closeSync();
  old.closeSync();
}

describe('DuckDB file', () => {
  it('moves a file from the previous schema (primary keys on every table) to append-only tables with its rows', async () => {
    const file = tempFile();
    await writePreviousSchema(file);
    const before = await DuckDbStore.open(file);
    expect(await before.migrate()).toEqual(['0002_anomaly_episodes', '0003_append_only_big_tables', '0004_notification_log']);
    await before.close();
    // Reopen as a fresh start would: rows written under the old schema are still there.
    const legacy = await DuckDBInstance.create(file);
    const c2 = await legacy.connect();
    await c2.run("INSERT INTO metrics SELECT 't', 'old_' || i::VARCHAR, DATE '2023-11-14', 1700000000000 + i, 'api', 'latency', 'gauge', 1.0, [], [] FROM range(10) r(i)");
    const keys = await c2.runAndReadAll("SELECT count(*) AS n FROM duckdb_constraints() WHERE table_name IN ('metrics', 'logs') AND constraint_type = 'PRIMARY KEY'");
    expect(Number(keys.getRowObjectsJson()[0]!.n)).toBe(0);
    c2.closeSync();
    legacy.closeSync();
    const store = await DuckDbStore.open(file);
    expect(await store.migrate()).toEqual([]);
    await store.insertMetrics(points(5));
    await store.insertMetrics(points(5));
    expect(await store.count('t', 'metrics')).toBe(15);
    await store.close();
  });

  it('keeps rows written before migration 0002', async () => {
    const file = tempFile();
    await writePreviousSchema(file, async (conn) => {
      await conn.run("INSERT INTO anomalies SELECT 't', 'an_' || i::VARCHAR, DATE '2023-11-14', 1700000000000 + i, 'api', 'metric', 'latency', 'robust', 0.9, 1, 1, 0, 2, 'up', [], [] FROM range(7) r(i)");
    });
    const store = await DuckDbStore.open(file);
    expect(await store.migrate()).toEqual(['0002_anomaly_episodes', '0003_append_only_big_tables', '0004_notification_log']);
    expect(await store.count('t', 'anomalies')).toBe(7);
    await store.insertAnomalies([anomaly('t', 1)]);
    expect(await store.count('t', 'anomalies')).toBe(8);
    expect((await store.queryAnomalies({ tenant: 't', limit: 100 })).items).toHaveLength(8);
    await store.close();
  });

  it('refuses a file truncated to half at open, naming the file and what to do', async () => {
    const file = tempFile();
    const store = await DuckDbStore.open(file);
    await store.migrate();
    for (let b = 0; b < 4; b++) {
      await store.insertMetrics(points(50_000, b * 50_000));
    }
    await store.close();
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const err = await DuckDbStore.open(file).then(() => null, (e: unknown) => e as { code: string; message: string });
    expect(err?.code).toBe('STORE_CORRUPT');
    expect(err?.message).toContain(file);
    expect(err?.message).toMatch(/restore it from a backup, or move it aside/i);
    expect(err?.message).not.toMatch(/another .*process/i);
  });

  it('refuses a file that is not a DuckDB file with the damaged-file advice', async () => {
    const file = tempFile();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, Buffer.alloc(20_000, 7));
    const err = await DuckDbStore.open(file).then(() => null, (e: unknown) => e as { code: string; message: string });
    expect(err?.code).toBe('STORE_CORRUPT');
    expect(err?.message).toContain(file);
  });

  it('says another process holds the file when one does', async () => {
    const file = tempFile();
    (await DuckDbStore.open(file)).close();
    const holder = spawn(process.execPath, ['--input-type=module', '-e',
      `import { DuckDBInstance } from '@duckdb/node-api'; const i = await DuckDBInstance.create(${JSON.stringify(file)}); await i.connect(); console.log('held'); setTimeout(() => {}, 60000);`], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => { if (d.toString().includes('held')) resolve(); });
        holder.on('exit', (c) => reject(new Error(`holder exited ${c}`)));
      });
      const err = await DuckDbStore.open(file).then(() => null, (e: unknown) => e as { code: string; message: string });
      expect(err?.code).toBe('STORE_LOCKED');
      expect(err?.message).toContain(file);
      expect(err?.message).toMatch(/another process holds/i);
    } finally {
      holder.kill();
    }
  });

  it('fails ping (readiness) with the reason while writes fail, and recovers with the next good write', async () => {
    const store = await DuckDbStore.open(tempFile());
    await store.migrate();
    await store.ping();
    // A write DuckDB refuses (a non-finite value in a NOT NULL integer column) stands in for a
    // damaged or full disk: the store must report it, not stay ready.
    const bad = { ...points(1)[0]!, ts: Number.NaN };
    await expect(store.insertMetrics([bad])).rejects.toThrow();
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNWRITABLE', message: expect.stringMatching(/cannot write/) });
    await store.insertMetrics(points(1));
    await store.ping();
    await store.close();
  });
});
