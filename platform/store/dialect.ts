// What differs between DuckDB and ClickHouse SQL, in one place; everything else is shared.
import { sql, trusted, type SqlFragment } from './sql.js';
import type { ColumnType, TableDef } from './tables.js';

export interface Dialect {
  name: 'duckdb' | 'clickhouse';
  /** Appended to FROM <table> to read collapsed rows (ClickHouse ReplacingMergeTree). */
  final: string;
  /**
   * The engine collapses rows of one id itself (ReplacingMergeTree, at merge): appends then need
   * no writer window of recent ids, whose hashing was 7% of the ClickHouse sink's CPU.
   */
  collapsesById: boolean;
  countAll: string;
  /** Distinct ids: counts that duplicates of a replayed record must not inflate. */
  countIds: string;
  /**
   * A page of rows collapsed by id without FINAL or an index: DuckDB keeps one row per id
   * (DISTINCT ON), ClickHouse keeps the first row per id in the page order (LIMIT 1 BY).
   */
  distinctById(columns: SqlFragment, table: SqlFragment, where: SqlFragment, orderBy: string, limit: SqlFragment): SqlFragment;
  has(haystack: SqlFragment, needle: SqlFragment): SqlFragment;
  /** The statements that create a table (a cluster needs two: the shards' local table and the Distributed one). */
  createTable(def: TableDef<never>, database: string | null): string[];
}

const CH_TYPES: Record<ColumnType, string> = { string: 'String', int: 'Int64', float: 'Float64', strings: 'Array(String)', date: 'Date' };
const DUCK_TYPES: Record<ColumnType, string> = { string: 'VARCHAR', int: 'BIGINT', float: 'DOUBLE', strings: 'VARCHAR[]', date: 'DATE' };

export interface ClickHouseTableOptions {
  /** `ON CLUSTER <name>`: the DDL runs on every host of the cluster (distributed DDL). */
  cluster?: string;
  /** An engine clause in place of the table's ReplacingMergeTree, sort key and partitions (e.g. Distributed). */
  engine?: string;
}

/** CREATE TABLE for ClickHouse: a ReplacingMergeTree by default, or the engine given. */
export function clickhouseCreateTable(def: TableDef<never>, database: string | null, options: ClickHouseTableOptions = {}): string {
  const cols = def.columns.map((c) => `${c.name} ${CH_TYPES[c.type]}`).join(', ');
  const name = database ? `${database}.${def.name}` : def.name;
  const onCluster = options.cluster ? ` ON CLUSTER ${options.cluster}` : '';
  if (options.engine) return `CREATE TABLE IF NOT EXISTS ${name}${onCluster} (${cols}) ENGINE = ${options.engine}`;
  const engine = def.version ? `ReplacingMergeTree(${def.version})` : 'ReplacingMergeTree()';
  const partition = def.partitionBy ? ` PARTITION BY ${def.partitionBy}` : '';
  return `CREATE TABLE IF NOT EXISTS ${name}${onCluster} (${cols}) ENGINE = ${engine}${partition} ORDER BY (${def.orderBy.join(', ')})`;
}

export const CLICKHOUSE_DIALECT: Dialect = {
  name: 'clickhouse',
  final: ' FINAL',
  collapsesById: true,
  countAll: 'count()',
  countIds: 'uniqExact(id)',
  distinctById: (columns, table, where, orderBy, limit) =>
    sql`SELECT ${columns} FROM ${table} WHERE ${where} ORDER BY ${trusted(orderBy)} LIMIT 1 BY id LIMIT ${limit}`,
  has: (haystack, needle) => sql`has(${haystack}, ${needle})`,
  createTable: (def, database) => [clickhouseCreateTable(def, database)],
};

export const DUCKDB_DIALECT: Dialect = {
  name: 'duckdb',
  final: '',
  collapsesById: false,
  countAll: 'count(*)',
  countIds: 'count(DISTINCT id)',
  distinctById: (columns, table, where, orderBy, limit) =>
    sql`SELECT * FROM (SELECT DISTINCT ON (id) ${columns} FROM ${table} WHERE ${where}) ORDER BY ${trusted(orderBy)} LIMIT ${limit}`,
  has: (haystack, needle) => sql`list_contains(${haystack}, ${needle})`,
  createTable(def) {
    const cols = def.columns.map((c) => `${c.name} ${DUCK_TYPES[c.type]} NOT NULL`).join(', ');
    const key = def.appendOnly ? '' : `, PRIMARY KEY (${def.key.join(', ')})`;
    return [`CREATE TABLE IF NOT EXISTS ${def.name} (${cols}${key})`];
  },
};
