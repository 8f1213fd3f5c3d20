// Versioned schema migrations, applied in order by `aiops migrate` and at start. A migration
// is never edited once released; a change is a new migration.
import type { Dialect } from './dialect.js';
import { ALL_TABLES } from './tables.js';

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
];
