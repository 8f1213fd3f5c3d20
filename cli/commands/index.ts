// One explicit registry of CLI commands; each command lives in its own module.
import type { Command } from 'commander';
import { registerBench } from './bench/index.js';
import { registerStageCommands } from './stages.js';
import { registerDemo } from './demo.js';
import { registerTemplates } from './templates.js';
import { registerTrainSessions } from './train-sessions.js';
import { registerRoutes } from './routes.js';

export function registerCommands(program: Command): void {
  registerStageCommands(program);
  registerDemo(program);
  registerBench(program);
  registerTemplates(program);
  registerTrainSessions(program);
  registerRoutes(program);
}
