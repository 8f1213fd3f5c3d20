// The sharded ClickHouse layout (AIOPS_CLICKHOUSE_CLUSTER): every table is a ReplacingMergeTree
// `<name>_local` on each shard plus a `Distributed` table under the table's own name, both created
// with ON CLUSTER DDL. The store reads and writes the Distributed tables, so its queries do not
// change; retention drops partitions of the local tables.
//
// Rows are sharded by a hash of their identity, so every copy and every version of a key lands
// on one shard: FINAL, LIMIT 1 BY id and uniqExact(id) then stay correct across shards, since no
// two shards ever hold the same key.
import { AiopsError } from '../errors/aiops-error.js';
import { CLICKHOUSE_DIALECT, clickhouseCreateTable, type Dialect } from './dialect.js';
import { sql, val, type SqlFragment } from './sql.js';
import { METRICS, type TableDef } from './tables.js';

/** The shards' table behind the Distributed table `name`. */
export const localTable = (name: string): string => `${name}_local`;

/**
 * Columns hashed to pick a row's shard: the table's key, except metric points, which go by series
 * (a series' points sit together on one shard; a point's id never changes its series).
 */
const SHARD_COLUMNS: Record<string, readonly string[]> = {
  [METRICS.name]: ['tenant', 'service', 'name', 'label_keys', 'label_values'],
};

export function shardingKey(def: TableDef<never>): string {
  return `cityHash64(${(SHARD_COLUMNS[def.name] ?? def.key).join(', ')})`;
}

/** ClickHouse SQL for a cluster: the same queries, the two-table DDL. */
export function clusterDialect(cluster: string): Dialect {
  return {
    ...CLICKHOUSE_DIALECT,
    createTable(def, database) {
      if (!database) throw new TypeError('a Distributed table needs its database named');
      const local = localTable(def.name);
      return [
        clickhouseCreateTable({ ...def, name: local }, database, { cluster }),
        clickhouseCreateTable(def, database, { cluster, engine: `Distributed(${cluster}, ${database}, ${local}, ${shardingKey(def)})` }),
      ];
    },
  };
}

/** Day partitions of a local table on every shard (system.parts is per server). */
export function clusterPartsQuery(cluster: string, database: string, table: string, before: string): SqlFragment {
  return sql`SELECT DISTINCT toString(max_date) AS d FROM cluster(${val.str(cluster)}, system.parts)
    WHERE database = ${val.str(database)} AND table = ${val.str(localTable(table))} AND active AND max_date < toDate(${val.str(before)})`;
}

/** The query that lists the clusters the server knows (its remote_servers). */
export const CLUSTERS_QUERY: SqlFragment = sql`SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster`;

/** The error for a cluster the server does not define, naming those it does. */
export function unknownCluster(cluster: string, url: string, known: readonly string[]): AiopsError {
  const list = known.length > 0 ? `it defines: ${known.join(', ')}` : 'it defines no cluster';
  return new AiopsError(
    'CLICKHOUSE_CLUSTER_UNKNOWN',
    `ClickHouse at ${url} has no cluster ${JSON.stringify(cluster)} in its remote_servers (${list}); fix AIOPS_CLICKHOUSE_CLUSTER (or --cluster), or add the cluster to the server config (bash deploy/local/clickhouse-cluster.sh up starts a local two-shard one).`,
    { cluster, known: known.join(',') },
  );
}
