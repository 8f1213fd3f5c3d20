// Versioned schema migrations, applied in order by `aiops migrate` and at start. A migration
// is never edited once released; a change is a new migration.
import type { Dialect } from './dialect.js';
import { ALL_TABLES, ANOMALIES, ANOMALY_EPISODE_COLUMNS, type TableDef } from './tables.js';
import { NOTIFICATION_LOG } from './notification-log-table.js';

const episodeColumns = new Set(ANOMALY_EPISODE_COLUMNS.map((c) => c.name));
/** The anomalies table of 0001: one row per anomalous point, no episode columns, no version. */
export const ANOMALIES_0001: TableDef<never> = (({ version: _version, ...def }) => ({
  ...def, name: 'anomalies', columns: def.columns.filter((c) => !episodeColumns.has(c.name)),
}))(ANOMALIES) as unknown as TableDef<never>;
/** What a 0001 row becomes in the episode layout: an anomaly without an episode (version 0). */
const EPISODE_DEFAULTS: Record<string, string> = {
  episode_version: '0', episode_status: "''", episode_last_at: 'ts', episode_closed_at: '0', episode_points: '1',
  episode_peak_score: 'score', episode_peak_value: 'observed', episode_peak_at: 'ts', episode_last_value: 'observed', significance: "''",
};

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
    // The 0001 layout: the anomalies table as it was before 0002 (ALL_TABLES has today's).
    statements: (d, db) => ALL_TABLES.flatMap((t) => d.createTable(t === (ANOMALIES as TableDef<unknown>) ? ANOMALIES_0001 : t, db)),
  },
  {
    // Idempotent, and safe when every stage migrates at start at once: the copy only adds rows
    // the new table's key already collapses (DuckDB ignores them; ClickHouse merges them).
    version: 2,
    name: '0002_anomaly_episodes',
    statements: (d, db) => {
      const q = (name: string) => (db ? `${db}.${name}` : name);
      const old = ANOMALIES_0001.columns.map((c) => c.name);
      const added = ANOMALIES.columns.map((c) => c.name).filter((n) => episodeColumns.has(n));
      const insert = d.name === 'duckdb' ? 'INSERT OR IGNORE INTO' : 'INSERT INTO';
      return [
        ...d.createTable(ANOMALIES as unknown as TableDef<never>, db),
        `${insert} ${q(ANOMALIES.name)} (${[...old, ...added].join(', ')}) SELECT ${[...old, ...added.map((n) => EPISODE_DEFAULTS[n]!)].join(', ')} FROM ${q(ANOMALIES_0001.name)}`,
      ];
    },
  },
  {
    // DuckDB only: logs, metrics and anomalies lose their primary key, whose index made every
    // insert slower as the table grew (bench:store). The rows move as they are (SELECT *, so
    // columns other migrations add come along); one transaction, so a crash leaves the old
    // table. ClickHouse tables were already append-only ReplacingMergeTree.
    version: 3,
    name: '0003_append_only_big_tables',
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
  {
    // What was sent to which receiver (correlator/tenant-notifications.ts). A new table, so
    // CREATE TABLE IF NOT EXISTS keeps it safe when every stage migrates at start at once.
    version: 4,
    name: '0004_notification_log',
    statements: (d, db) => d.createTable(NOTIFICATION_LOG as unknown as TableDef<never>, db),
  },
];
