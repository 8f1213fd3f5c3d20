// Versioned schema migrations, applied in order by `aiops migrate` and at start. A migration
// is never edited once released; a change is a new migration.
import type { Dialect } from './dialect.js';
import { ALL_TABLES, ANOMALIES, ANOMALY_EPISODE_COLUMNS, type ColumnType, type TableDef } from './tables.js';

const episodeColumns = new Set(ANOMALY_EPISODE_COLUMNS.map((c) => c.name));
/** No version column either: ClickHouse's engine is fixed at creation, so 0002 cannot add one. */
const ANOMALIES_0001: TableDef<never> = (({ version: _version, ...def }) => ({ ...def, columns: def.columns.filter((c) => !episodeColumns.has(c.name)) }))(ANOMALIES) as unknown as TableDef<never>;

const ADDED_TYPES: Record<'duckdb' | 'clickhouse', Partial<Record<ColumnType, string>>> = {
  duckdb: { string: "VARCHAR DEFAULT ''", int: 'BIGINT DEFAULT 0', float: 'DOUBLE DEFAULT 0' },
  clickhouse: { string: "String DEFAULT ''", int: 'Int64 DEFAULT 0', float: 'Float64 DEFAULT 0' },
};

export interface Migration {
  version: number;
  name: string;
  statements(dialect: Dialect, database: string | null): string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: '0001_initial_tables',
    // The 0001 layout: the anomalies table as it was before 0002 added the episode columns.
    statements: (d, db) => ALL_TABLES.map((t) => d.createTable(t === (ANOMALIES as TableDef<unknown>) ? ANOMALIES_0001 : t, db)),
  },
  {
    // Plain ADD COLUMN: the ClickHouse versions we support have no IF NOT EXISTS there.
    version: 2,
    name: '0002_anomaly_episodes',
    statements: (d, db) => ANOMALY_EPISODE_COLUMNS.map((c) =>
      `ALTER TABLE ${db ? `${db}.` : ''}${ANOMALIES.name} ADD COLUMN ${c.name} ${ADDED_TYPES[d.name][c.type]!}`),
  },
];
