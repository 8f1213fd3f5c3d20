// Versioned schema migrations, applied in order by `aiops migrate` and at start. A migration
// is never edited once released; a change is a new migration.
import type { Dialect } from './dialect.js';
import { ALL_TABLES, ANOMALIES, ANOMALY_EPISODE_COLUMNS, type ColumnType } from './tables.js';

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
    statements: (d, db) => ALL_TABLES.map((t) => d.createTable(t, db)),
  },
  {
    // Stores created by 0001 after this release already have the columns (IF NOT EXISTS).
    version: 2,
    name: '0002_anomaly_episodes',
    statements: (d, db) => ANOMALY_EPISODE_COLUMNS.map((c) =>
      `ALTER TABLE ${db ? `${db}.` : ''}${ANOMALIES.name} ADD COLUMN IF NOT EXISTS ${c.name} ${ADDED_TYPES[d.name][c.type]!}`),
  },
];
