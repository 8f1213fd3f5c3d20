// `aiops start` runs every stage in one process; `aiops ingest|detect|correlate|sink|api`
// runs one stage (the distributed mode); `aiops migrate` applies store migrations.
import type { Command } from 'commander';
import { loadConfig, variablesMarkdown } from '../../platform/config/config.js';
import { runStages } from '../../platform/runtime/run-stages.js';
import type { StageModule } from '../../platform/runtime/stage.js';
import { openStore } from '../../platform/store/open-store.js';
import { ALL_STAGES, STAGES } from '../stage-registry.js';

const STOP_DEADLINE_MS = 9_000;

async function runUntilSignal(modules: StageModule[]): Promise<void> {
  const config = loadConfig();
  const pipeline = await runStages(modules, config);
  pipeline.logger.info({ stages: modules.map((m) => m.name), bus: config.bus, store: config.store }, 'pipeline running; Ctrl-C stops it');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      pipeline.logger.info({ signal }, 'stopping');
      // A stop must not hang (20k tenants' checkpoints took 31-56 s): every acknowledged record
      // is in the durable log or Kafka and committed offsets only follow checkpoints, so exiting
      // here loses nothing; the next start replays from the last commit.
      const force = setTimeout(() => {
        pipeline.logger.warn({ signal, ms: STOP_DEADLINE_MS }, 'stop did not finish in time; exiting, the next start replays from the last commit');
        process.exit(1);
      }, STOP_DEADLINE_MS);
      force.unref();
      void pipeline.stop().finally(() => { clearTimeout(force); resolve(); });
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
    .action(async () => runUntilSignal(ALL_STAGES));

  for (const m of Object.values(STAGES)) {
    program
      .command(m.name)
      .description(`Run only the ${m.name} stage: ${m.description}`)
      .addHelpText('after', `${ENV_HELP}\nIn the distributed mode set AIOPS_KAFKA_BROKERS${m.needsStore ? ' and AIOPS_CLICKHOUSE_URL' : ''}.`)
      .action(async () => runUntilSignal([m]));
  }

  program
    .command('migrate')
    .description('Apply pending store migrations (also done at start) and print what was applied.')
    .addHelpText('after', ENV_HELP)
    .action(async () => {
      const config = loadConfig();
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
