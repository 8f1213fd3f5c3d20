// `aiops bench <name>`: benchmark harnesses whose output formats the issues pin down.
// Each harness registers itself from its own module below.
import type { Command } from 'commander';
import { registerNabBench } from './nab.js';
import { registerSessionsBench } from './sessions.js';
import { registerRcaBench } from './rca.js';

export function registerBench(program: Command): Command {
  const bench = program.command('bench').description('Run a benchmark harness (nab, sessions, rca).');
  registerNabBench(bench);
  registerSessionsBench(bench);
  registerRcaBench(bench);
  return bench;
}
