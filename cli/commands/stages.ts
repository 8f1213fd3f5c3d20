// `aiops start` runs every stage in one process; `aiops ingest|detect|correlate|sink|api`
// runs one stage (the distributed mode); `aiops config` lists or resolves the configuration.
import type { Command } from 'commander';
import { type AiopsConfig, loadConfig, variablesMarkdown } from '../../platform/config/config.js';
import { unknownVariableMessage, unknownVariables } from '../../platform/config/unknown-vars.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { defaultOpsPort, STAGE_OPS_PORTS } from '../../platform/runtime/ops-ports.js';
import type { StageName } from '../../platform/runtime/stage.js';
import { STAGE_CATALOGUE, loadStageModules } from '../stage-catalogue.js';

export interface StartWarning {
  msg: string;
  fields: Record<string, string>;
}

export interface StartPlan {
  config: AiopsConfig;
  /** Said once at start, before anything listens: typos in variables, an embedded single stage. */
  warnings: StartWarning[];
}

/**
 * The configuration for running `modules` and what to warn about. A single stage gets its own
 * ops port and must be on Kafka: on the in-process bus its records would reach no other stage.
 */
export function planStart(modules: ReadonlyArray<{ name: StageName }>, env: Record<string, string | undefined>, options: { embedded?: boolean } = {}): StartPlan {
  const names = modules.map((m) => m.name);
  const config = loadConfig(env, {}, { AIOPS_OPS_PORT: String(defaultOpsPort(names)) });
  const warnings: StartWarning[] = unknownVariables(env).map((u) => ({
    msg: unknownVariableMessage(u),
    fields: { variable: u.name, ...(u.suggestion ? { suggestion: u.suggestion } : {}) },
  }));
  const alone = modules.length === 1 ? modules[0]!.name : undefined;
  if (alone && config.bus === 'memory') {
    if (!options.embedded) {
      throw new AiopsError(
        'DISTRIBUTED_BUS_REQUIRED',
        `\`aiops ${alone}\` runs one stage of the distributed mode, and on the in-process bus its records reach no other process: set AIOPS_KAFKA_BROKERS (e.g. 127.0.0.1:9092), pass --embedded to run it alone on purpose, or use \`aiops start\` for every stage in one process.`,
        { stage: alone, variable: 'AIOPS_KAFKA_BROKERS' },
      );
    }
    warnings.push({
      msg: `--embedded: the ${alone} stage runs on an in-process bus; nothing it publishes leaves this process and nothing from other processes reaches it`,
      fields: { bus: 'memory' },
    });
  }
  return { config, warnings };
}

const STOP_DEADLINE_MS = 9_000;

// Stage modules, the runtime and the store are imported only when a stage command runs, so
// `aiops --help` and `aiops config` do not pay for fastify, kafkajs and DuckDB.
async function runUntilSignal(names: readonly StageName[], options: { embedded?: boolean } = {}): Promise<void> {
  const { config, warnings } = planStart(names.map((name) => ({ name })), process.env, options);
  const [modules, { runStages }, { createLogger }, { explainStartError }] = await Promise.all([
    loadStageModules(names),
    import('../../platform/runtime/run-stages.js'),
    import('../../platform/telemetry/logger.js'),
    import('../../platform/runtime/port-in-use.js'),
  ]);
  const logger = createLogger(config.logLevel, { role: modules.length === 1 ? modules[0]!.name : 'all' });
  for (const w of warnings) logger.warn(w.fields, w.msg);
  let pipeline: Awaited<ReturnType<typeof runStages>>;
  try {
    pipeline = await runStages(modules, config, { logger });
  } catch (err) {
    throw explainStartError(err, config);
  }
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
      // A stop must not hang (20k tenants' checkpoints took 31-56 s): every acknowledged record
      // is in the durable log or Kafka and committed offsets only follow checkpoints, so exiting
      // here loses nothing; the next start replays from the last commit.
      const force = setTimeout(() => {
        pipeline.logger.warn({ signal, ms: STOP_DEADLINE_MS }, 'stop did not finish in time; exiting, the next start replays from the last commit');
        process.exit(1);
      }, STOP_DEADLINE_MS);
      force.unref();
      void pipeline.stop().finally(() => {
        clearTimeout(force);
        clearInterval(keepAlive);
        // Everything is stopped and flushed: a handle some library left open (a timer, a socket)
        // must not keep the process alive past the stop.
        setTimeout(() => process.exit(process.exitCode ?? 0), 1_000).unref();
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
    .addHelpText('after', `${ENV_HELP}\nOne process, one port each for ingest (AIOPS_INGEST_PORT, 4318) and the API (AIOPS_API_PORT, 8080).`)
    .action(async () => runUntilSignal(STAGE_CATALOGUE.map((m) => m.name)));

  for (const m of STAGE_CATALOGUE) {
    program
      .command(m.name)
      .description(`Run only the ${m.name} stage: ${m.description}`)
      .option('--embedded', 'run on an in-process bus without AIOPS_KAFKA_BROKERS (nothing reaches other processes; a warning is logged)')
      .addHelpText(
        'after',
        `${ENV_HELP}\nIn the distributed mode set AIOPS_KAFKA_BROKERS${m.needsStore ? ' and AIOPS_CLICKHOUSE_URL' : ''}; without it the stage refuses to start unless --embedded is given.` +
          (m.name === 'ingest' || m.name === 'api'
            ? `\n/metrics, /healthz and /readyz are served on the stage's own port (AIOPS_${m.name.toUpperCase()}_PORT).`
            : `\n/metrics, /healthz and /readyz listen on port ${STAGE_OPS_PORTS[m.name]} (each stage its own; AIOPS_OPS_PORT overrides, 0 disables).`),
      )
      .action(async (opts: { embedded?: boolean }) => runUntilSignal([m.name], opts));
  }

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
