// The sharded layout's DDL and settings, checked without a server (test/integration/clickhouse-cluster.test.ts
// runs them on two real shards).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config/config.js';
import { clusterDialect, shardingKey } from '../../platform/store/clickhouse-cluster.js';
import { ClickHouseStore } from '../../platform/store/clickhouse-store.js';
import { CLICKHOUSE_DIALECT } from '../../platform/store/dialect.js';
import { MIGRATIONS } from '../../platform/store/migrations.js';
import { ALL_TABLES, ANOMALIES, INCIDENTS, METRICS, type TableDef } from '../../platform/store/tables.js';

const dialect = clusterDialect('prod');

describe('the sharded ClickHouse layout', () => {
  it('creates each table as a ReplacingMergeTree on every shard behind a Distributed table of its own name', () => {
    const [local, distributed, ...more] = dialect.createTable(INCIDENTS as unknown as TableDef<never>, 'aiops');
    expect(more).toEqual([]);
    expect(local).toMatch(/^CREATE TABLE IF NOT EXISTS aiops\.incidents_local ON CLUSTER prod \(.*\) ENGINE = ReplacingMergeTree\(version\) ORDER BY \(tenant, id\)$/);
    expect(distributed).toMatch(/^CREATE TABLE IF NOT EXISTS aiops\.incidents ON CLUSTER prod \(.*\) ENGINE = Distributed\(prod, aiops, incidents_local, cityHash64\(tenant, id\)\)$/);
    // The same columns on both sides, in the same order, as the single-server table has.
    const columns = (ddl: string) => /\((.*?)\) ENGINE/.exec(ddl)![1];
    expect(columns(distributed!)).toBe(columns(local!));
    expect(columns(local!)).toBe(columns(CLICKHOUSE_DIALECT.createTable(INCIDENTS as unknown as TableDef<never>, 'aiops')[0]!));
  });

  it('keeps day partitions on the shards, where retention drops them', () => {
    const [local, distributed] = dialect.createTable(METRICS as unknown as TableDef<never>, 'aiops');
    expect(local).toContain('PARTITION BY day');
    expect(distributed).not.toContain('PARTITION BY');
  });

  it('shards every table by columns of its key, so all versions and replays of a row meet on one shard', () => {
    for (const def of ALL_TABLES) {
      const columns = /^cityHash64\((.*)\)$/.exec(shardingKey(def))![1]!.split(', ');
      // Metric points go by series: every column of a series is fixed for a point's id.
      const allowed = def.name === METRICS.name ? ['tenant', 'service', 'name', 'label_keys', 'label_values'] : def.key;
      expect(columns, def.name).toEqual(allowed);
      if (def.version) expect(columns, `${def.name} must not shard by its version column`).not.toContain(def.version);
    }
    expect(shardingKey(ANOMALIES as unknown as TableDef<never>)).toBe('cityHash64(tenant, id)');
  });

  it('creates every migration table ON CLUSTER, and every CREATE as a local and a Distributed pair', () => {
    const statements = MIGRATIONS.flatMap((m) => m.statements(dialect, 'aiops'));
    const creates = statements.filter((s) => s.startsWith('CREATE'));
    expect(creates.length).toBeGreaterThan(0);
    for (const s of creates) expect(s).toContain(' ON CLUSTER prod ');
    expect(creates.filter((s) => s.includes('ENGINE = Distributed')).length).toBe(creates.length / 2);
  });

  it('refuses a cluster name that is not an identifier, or a cluster without the ClickHouse store', () => {
    expect(() => loadConfig({ AIOPS_CLICKHOUSE_URL: 'http://127.0.0.1:8123', AIOPS_CLICKHOUSE_CLUSTER: 'prod; DROP' })).toThrow(/AIOPS_CLICKHOUSE_CLUSTER: must be a cluster name/);
    expect(() => new ClickHouseStore({ url: 'http://127.0.0.1:1', database: 'aiops', username: 'default', password: '', cluster: 'a-b' })).toThrow(/AIOPS_CLICKHOUSE_CLUSTER/);
    expect(loadConfig({ AIOPS_CLICKHOUSE_URL: 'http://127.0.0.1:8123', AIOPS_CLICKHOUSE_CLUSTER: 'prod' }).clickhouse.cluster).toBe('prod');
    expect(loadConfig({ AIOPS_CLICKHOUSE_URL: 'http://127.0.0.1:8123' }).clickhouse.cluster).toBeUndefined();
    expect(() => loadConfig({ AIOPS_CLICKHOUSE_CLUSTER: 'prod' })).toThrow(/AIOPS_CLICKHOUSE_CLUSTER: shards ClickHouse tables, but the store is duckdb/);
  });
});
