import { defineConfig } from 'vitest/config';
import { SkippedIntegrationReporter } from './test/integration/skipped-files-reporter.js';

// Unit tests use the in-process bus and embedded DuckDB; integration tests talk to the real
// Kafka and ClickHouse started by deploy/local/up.sh (they fail under CI=true when either is
// missing, and are skipped with a warning naming the files otherwise).
export default defineConfig({
  test: {
    reporters: ['default', new SkippedIntegrationReporter()],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
