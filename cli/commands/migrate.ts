// `aiops migrate [--cluster NAME]`: applies pending store migrations (stages also migrate at start).
// --cluster creates the sharded ClickHouse layout, as AIOPS_CLICKHOUSE_CLUSTER does.
import type { Command } from 'commander';
import { loadConfig } from '../../platform/config/config.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending store migrations (also done at start) and print what was applied.')
    .option('--cluster <name>', 'ClickHouse: create sharded tables on this cluster of the server\'s remote_servers (local tables + Distributed, ON CLUSTER DDL); overrides AIOPS_CLICKHOUSE_CLUSTER')
    .addHelpText('after', '\nConfiguration comes from AIOPS_* environment variables; `aiops config` lists them.')
    .action(async (opts: { cluster?: string }) => {
      // --cluster is validated as the variable is (an identifier, and only with the ClickHouse store).
      const config = loadConfig(process.env, opts.cluster !== undefined ? { AIOPS_CLICKHOUSE_CLUSTER: opts.cluster } : {});
      const { openStore } = await import('../../platform/store/open-store.js');
      const store = await openStore(config);
      try {
        const applied = await store.migrate();
        const where = config.store === 'clickhouse' && config.clickhouse.cluster ? ` (cluster ${config.clickhouse.cluster})` : '';
        process.stdout.write(applied.length > 0 ? `applied${where}: ${applied.join(', ')}\n` : `store schema is up to date${where}\n`);
      } finally {
        await store.close();
      }
    });
}
