// `aiops routes test --service X [--team T] [--severity S] ...`: which receivers an incident with
// these labels would reach through the routing tree, as `amtool config routes test` answers for
// Alertmanager. Checks the whole file first and lists every problem in it.
import type { Command } from 'commander';
import { AiopsError } from '../../platform/errors/aiops-error.js';

interface RoutesTestOptions {
  file?: string;
  tenant: string;
  service?: string;
  team?: string;
  severity?: string;
  signal?: string[];
  affected?: string[];
  verbose?: boolean;
}

const collect = (v: string, all: string[] = []) => [...all, v];

export function registerRoutes(program: Command): void {
  const routes = program.command('routes').description('The notification routing tree (AIOPS_NOTIFY_ROUTES_FILE).');
  routes
    .command('test')
    .description('Print the receivers an incident with these labels reaches, comma-separated (--verbose: one line per receiver with its route and timings).')
    .option('--file <path>', 'routes file (default: AIOPS_NOTIFY_ROUTES_FILE)')
    .option('--tenant <name>', 'tenant label', 'default')
    .option('--service <name>', 'the top root cause service')
    .option('--team <name>', "the root cause's team (from the topology)")
    .option('--severity <level>', 'critical (a user-facing service is affected) or error', 'error')
    .option('--signal <name>', 'a signal of the root cause (repeatable)', collect)
    .option('--affected <name>', 'an affected service (repeatable; default: the --service)', collect)
    .option('--verbose', 'one line per receiver with the route that chose it and its timings')
    .action(async (opts: RoutesTestOptions) => {
      const { loadRoutingTree, matchRoutes } = await import('../../correlator/routing.js');
      const { loadConfig } = await import('../../platform/config/config.js');
      const path = opts.file ?? process.env.AIOPS_NOTIFY_ROUTES_FILE;
      if (!path) throw new AiopsError('CONFIG_INVALID', 'No routes file: pass --file <path> or set AIOPS_NOTIFY_ROUTES_FILE.');
      const { tree, problems } = loadRoutingTree(path, loadConfig({}, process.env).notify);
      if (!tree) throw new AiopsError('CONFIG_INVALID', `The notification routes are invalid:\n  - ${problems.join('\n  - ')}`, { problems });
      const service = opts.service ? [opts.service] : [];
      const matches = matchRoutes(tree, {
        tenant: [opts.tenant], service, team: opts.team ? [opts.team] : [], severity: opts.severity ? [opts.severity] : [],
        signal: opts.signal ?? [], affected: opts.affected ?? service,
      });
      if (!opts.verbose) {
        process.stdout.write(`${matches.map((m) => m.receiver).join(',')}\n`);
        return;
      }
      for (const m of matches) {
        const t = m.timing;
        process.stdout.write(`${m.receiver}\t${m.path}\tgroup_wait=${t.groupWaitMs}ms group_interval=${t.groupIntervalMs}ms repeat_interval=${t.repeatIntervalMs}ms\n`);
      }
    });
}
