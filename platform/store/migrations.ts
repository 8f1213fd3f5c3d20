// Versioned schema migrations, applied in order by `aiops migrate` and at start. A migration
// is never edited once released; a change is a new migration.
import type { Dialect } from './dialect.js';
import { ALL_TABLES } from './tables.js';

const APPEND_ONLY = ALL_TABLES.filter((t) => t.appendOnly).map((t) => t.name);

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
    // DuckDB only: logs, metrics and anomalies lose their primary key, whose index made every
    // insert slower as the table grew (bench:store). The rows move as they are (SELECT *, so
    // columns other migrations add come along); one transaction, so a crash leaves the old
    // table. ClickHouse tables were already append-only ReplacingMergeTree.
    version: 2,
    name: '0002_append_only_big_tables',
    statements: (d) => d.name !== 'duckdb' ? [] : [
      'BEGIN TRANSACTION',
      ...APPEND_ONLY.flatMap((t) => [
        `CREATE TABLE ${t}__append AS SELECT * FROM ${t}`,
        `DROP TABLE ${t}`,
        `ALTER TABLE ${t}__append RENAME TO ${t}`,
      ]),
      'COMMIT',
    ],
  },
];
