// One explicit registry of CLI commands; each command lives in its own module.
import type { Command } from 'commander';
import { registerBench } from './bench/index.js';

export function registerCommands(program: Command): void {
  registerBench(program);
}
