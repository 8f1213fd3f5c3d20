// `aiops start` runs every stage (or those --stages names) in one process; `aiops ingest|detect|
// correlate|sink|api` runs one stage (the distributed mode) (`aiops migrate` is in migrate.ts).
import { InvalidArgumentError, type Command } from 'commander';
import { type AiopsConfig, loadConfig, variablesMarkdown } from '../../platform/config/config.js';
import { unknownVariableMessage, unknownVariables } from '../../platform/config/unknown-vars.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { defaultOpsPort, STAGE_OPS_PORTS } from '../../platform/runtime/ops-ports.js';
import { roleOf, STAGE_NAMES, type StageName } from '../../platform/runtime/stage.js';
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
 * The configuration for running `modules` in one process and what to warn about. The process
 * gets one ops port (the lowest of its stages', see ops-ports.ts), and a process that runs only
 * some of the stages must be on Kafka: on the in-process bus its records would reach no other stage.
 */
export function planStart(modules: ReadonlyArray<{ name: StageName }>, env: Record<string, string | undefined>, options: { embedded?: boolean } = {}): StartPlan {
  const names = modules.map((m) => m.name);
  const config = loadConfig(env, {}, { AIOPS_OPS_PORT: String(defaultOpsPort(names)) });
  const warnings: StartWarning[] = unknownVariables(env).map((u) => ({
    msg: unknownVariableMessage(u),
    fields: { variable: u.name, ...(u.suggestion ? { suggestion: u.suggestion } : {}) },
  }));
  const partial = STAGE_NAMES.some((n) => !names.includes(n));
  if (partial && config.bus === 'memory') {
    const role = roleOf(names);
    const command = names.length === 1 ? `aiops ${names[0]}` : `aiops start --stages ${names.join(',')}`;
    if (!options.embedded) {
      throw new AiopsError(
        'DISTRIBUTED_BUS_REQUIRED',
        `\`${command}\` runs part of the distributed mode, and on the in-process bus its records reach no other process: set AIOPS_KAFKA_BROKERS (e.g. 127.0.0.1:9092), pass --embedded to run it alone on purpose, or use \`aiops start\` for every stage in one process.`,
        { stages: names, variable: 'AIOPS_KAFKA_BROKERS' },
      );
    }
    warnings.push({
      msg: `--embedded: ${names.length === 1 ? `the ${role} stage runs` : `the stages ${names.join(', ')} run`} on an in-process bus; nothing published leaves this process and nothing from other processes arrives`,
      fields: { bus: 'memory' },
    });
  }
  return { config, warnings };
}

/** `--stages ingest,detect`: known names, each once, in start order; commander prints the error. */
export function parseStageList(value: string): StageName[] {
  const asked = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = asked.filter((s) => !(STAGE_NAMES as readonly string[]).includes(s));
  if (unknown.length > 0 || asked.length === 0) {
    throw new InvalidArgumentError(`${unknown.length > 0 ? `unknown stage ${unknown.join(', ')}` : 'no stage named'}; the stages are ${STAGE_NAMES.join(', ')} (comma-separated, e.g. --stages ingest,detect).`);
  }
  return STAGE_CATALOGUE.map((s) => s.name).filter((n) => asked.includes(n));
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
  const logger = createLogger(config.logLevel, { role: roleOf(names) });
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
    .description('Run a set of stages in one process: every stage by default (embedded: in-process bus, DuckDB under AIOPS_DATA_DIR), or those --stages names.')
    .option('--stages <list>', `comma-separated stages to run in this process (${STAGE_NAMES.join(', ')}); default all`, parseStageList)
    .option('--embedded', 'with --stages, run on an in-process bus without AIOPS_KAFKA_BROKERS (nothing reaches other processes; a warning is logged)')
    .addHelpText(
      'after',
      `${ENV_HELP}\nEvery stage: one process, one port each for ingest (AIOPS_INGEST_PORT, 4318) and the API (AIOPS_API_PORT, 8080); nothing else is needed.` +
        `\nSome stages (--stages detect,correlate): the distributed mode, so AIOPS_KAFKA_BROKERS and AIOPS_CLICKHOUSE_URL must be set (or --embedded given).` +
        `\nA process without ingest or api serves /metrics, /healthz and /readyz on one ops port, the lowest of its stages' (${Object.entries(STAGE_OPS_PORTS).map(([n, p]) => `${n} ${p}`).join(', ')}; AIOPS_OPS_PORT overrides, 0 disables).` +
        `\nbash deploy/local/stages.sh start|stop|status runs the five stages as separate processes (README "Distributed mode").`,
    )
    .action(async (opts: { stages?: StageName[]; embedded?: boolean }) => runUntilSignal(opts.stages ?? STAGE_CATALOGUE.map((m) => m.name), opts));

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
