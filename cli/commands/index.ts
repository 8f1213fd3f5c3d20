// One explicit registry of CLI commands; each command lives in its own module, imported only when
// one of its commands runs or its own help is asked for. `aiops --help` lists every command from
// the one-line summaries here and loads no command module (each costs CPU at start: the template
// miner alone is about 20 ms to load).
import type { Command } from 'commander';
import { STAGE_CATALOGUE } from '../stage-catalogue.js';

export interface CommandModule {
  /** Command name -> the line `aiops --help` shows for it, in the order the module registers them. */
  readonly summaries: Readonly<Record<string, string>>;
  /** Imports the module and adds its commands (with their options and actions) to `program`. */
  readonly load: () => Promise<(program: Command) => unknown>;
}

export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    summaries: {
      start: 'Run every stage in one process (embedded defaults: in-process bus, DuckDB under AIOPS_DATA_DIR).',
      ...Object.fromEntries(STAGE_CATALOGUE.map((m) => [m.name, `Run only the ${m.name} stage: ${m.description}`])),
      config: 'Print the configuration variables, or the resolved configuration with --resolved.',
    },
    load: async () => (await import('./stages.js')).registerStageCommands,
  },
  {
    summaries: { migrate: 'Apply pending store migrations (also done at start) and print what was applied; --cluster for the sharded ClickHouse layout.' },
    load: async () => (await import('./migrate.js')).registerMigrate,
  },
  {
    summaries: { demo: 'Replay bundled fault scenarios through the embedded pipeline and print each incident with its ranked root causes.' },
    load: async () => (await import('./demo.js')).registerDemo,
  },
  {
    summaries: { bench: 'Run a benchmark harness (nab, sessions, rca).' },
    load: async () => (await import('./bench/index.js')).registerBench,
  },
  {
    summaries: { templates: 'Mine log templates from a file of messages: one JSON label per line (--out), or the templates with their counts.' },
    load: async () => (await import('./templates.js')).registerTemplates,
  },
  {
    summaries: { 'train-sessions': "Train a session model from a log file with the detect stage's template miner and save it for the detect stage." },
    load: async () => (await import('./train-sessions.js')).registerTrainSessions,
  },
];

/**
 * The command a command line runs: its first word that is not an option (`aiops` itself has no
 * option that takes a value), or the command after `help`.
 */
export function invokedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Adds every command to `program`: the module of the invoked command in full, the others as
 * name and summary only, which is all the top-level help and commander's "did you mean" need.
 */
export async function registerCommands(program: Command, args: readonly string[], modules: readonly CommandModule[] = COMMAND_MODULES): Promise<void> {
  const invoked = invokedCommand(args);
  for (const m of modules) {
    if (invoked !== undefined && Object.hasOwn(m.summaries, invoked)) {
      (await m.load())(program);
      continue;
    }
    for (const [name, summary] of Object.entries(m.summaries)) program.command(name).summary(summary);
  }
}
