// `aiops start` runs every stage in one process; `aiops ingest|detect|correlate|sink|api`
// runs one stage (the distributed mode); `aiops migrate` applies store migrations.
import type { Command } from 'commander';
import { loadConfig, variablesMarkdown } from '../../platform/config/config.js';
import type { StageName } from '../../platform/runtime/stage.js';
import { STAGE_CATALOGUE, loadStageModules } from '../stage-catalogue.js';

// Stage modules, the runtime and the store are imported only when a stage command runs, so
// `aiops --help` and `aiops config` do not pay for fastify, kafkajs and DuckDB.
async function runUntilSignal(names?: readonly StageName[]): Promise<void> {
  const config = loadConfig();
  const [modules, { runStages }] = await Promise.all([loadStageModules(names), import('../../platform/runtime/run-stages.js')]);
  const pipeline = await runStages(modules, config);
  pipeline.logger.info({ stages: modules.map((m) => m.name), bus: config.bus, store: config.store }, 'pipeline running; Ctrl-C stops it');
  // Signal handlers do not keep Node alive: a stage with nothing else holding the event loop (the
  // in-process bus, AIOPS_OPS_PORT=0) would exit 13 with the top-level await still pending.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      pipeline.logger.info({ signal }, 'stopping');
      void pipeline.stop().finally(() => {
        clearInterval(keepAlive);
        resolve();
      });
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
}

const ENV_HELP = '\nConfiguration comes from AIOPS_* environment variables; `aiops config` lists them.';

export function registerStageCommands(program: Command): void {
  program
    .command('start')
    .description('Run every stage in one process (embedded defaults: in-process bus, DuckDB under AIOPS_DATA_DIR).')
    .addHelpText('after', ENV_HELP)
    .action(async () => runUntilSignal());

  for (const m of STAGE_CATALOGUE) {
    program
      .command(m.name)
      .description(`Run only the ${m.name} stage: ${m.description}`)
      .addHelpText('after', `${ENV_HELP}\nIn the distributed mode set AIOPS_KAFKA_BROKERS${m.needsStore ? ' and AIOPS_CLICKHOUSE_URL' : ''}.`)
      .action(async () => runUntilSignal([m.name]));
  }

  program
    .command('migrate')
    .description('Apply pending store migrations (also done at start) and print what was applied.')
    .addHelpText('after', ENV_HELP)
    .action(async () => {
      const config = loadConfig();
      const { openStore } = await import('../../platform/store/open-store.js');
      const store = await openStore(config);
      try {
        const applied = await store.migrate();
        process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'store schema is up to date\n');
      } finally {
        await store.close();
      }
    });

  program
    .command('config')
    .description('Print the configuration variables, or the resolved configuration with --resolved.')
    .option('--resolved', 'print the configuration resolved from the environment as JSON')
    .action((opts: { resolved?: boolean }) => {
      if (opts.resolved) {
        const c = loadConfig();
        const hidden = (v: string | undefined) => (v ? '***' : '');
        const shown = {
          ...c,
          clickhouse: { ...c.clickhouse, password: hidden(c.clickhouse.password) },
          ingest: { ...c.ingest, apiKeys: c.ingest.apiKeys.map(() => '***') },
          api: { ...c.api, apiKeys: c.api.apiKeys.map(() => '***') },
          notify: { ...c.notify, pagerDutyRoutingKey: hidden(c.notify.pagerDutyRoutingKey) },
        };
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      } else process.stdout.write(`${variablesMarkdown()}\n`);
    });
}
