// One explicit registry of CLI commands; each command lives in its own module.
import type { Command } from 'commander';
import { registerBench } from './bench/index.js';
import { registerStageCommands } from './stages.js';
import { registerDemo } from './demo.js';
import { registerMigrate } from './migrate.js';
import { registerReplay } from './replay.js';
import { registerTemplates } from './templates.js';
import { registerTrainSessions } from './train-sessions.js';

export function registerCommands(program: Command): void {
  registerStageCommands(program);
  registerMigrate(program);
  registerDemo(program);
  registerReplay(program);
  registerBench(program);
  registerTemplates(program);
  registerTrainSessions(program);
}
