// `aiops --help` and small commands start without the heavy modules (fastify, kafkajs, DuckDB,
// TensorFlow.js, ClickHouse): the stage catalogue carries what the CLI lists, and a module is
// imported only by the command that runs it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMAND_MODULES, registerCommands, type CommandModule } from '../../cli/commands/index.js';
import { STAGE_CATALOGUE } from '../../cli/stage-catalogue.js';
import { STAGES } from '../../cli/stage-registry.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'aiops.js');
const HEAVY = ['fastify', 'kafkajs', '@duckdb/', '@tensorflow/', '@clickhouse/', '@sinclair/typebox'];
const dir = mkdtempSync(join(tmpdir(), 'aiops-cli-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A module-load hook that lists every module URL the process loads on stderr.
const hooks = join(dir, 'hooks.mjs');
writeFileSync(hooks, "export async function load(url, ctx, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, ctx); }\n");
const tracer = join(dir, 'trace.mjs');
writeFileSync(tracer, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

function loadedBy(args: string[]): { stdout: string; loaded: string[] } {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(tracer).href, BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
  return { stdout: r.stdout, loaded };
}

describe('a light CLI start', () => {
  for (const args of [['--help'], ['config'], ['demo', '--help'], ['bench', 'sessions', '--help']]) {
    it(`aiops ${args.join(' ')} loads none of the heavy modules`, () => {
      const { stdout, loaded } = loadedBy(args);
      expect(stdout).toMatch(/Usage: aiops|AIOPS_DATA_DIR/);
      // The hook sees the CLI's own modules: an empty list would make the check below vacuous.
      expect(loaded.some((u) => /\/cli\/main\.(js|ts)$/.test(u))).toBe(true);
      const heavy = loaded.filter((u) => u.includes('/node_modules/') && HEAVY.some((h) => u.includes(`/node_modules/${h}`)));
      expect(heavy).toEqual([]);
    }, 150_000);
  }

  it('aiops --help imports no command module, and aiops templates --help only the templates one', () => {
    const commandModules = (loaded: string[]) =>
      loaded.map((u) => /\/cli\/commands\/(.+)\.(js|ts)$/.exec(u)?.[1]).filter((m): m is string => m !== undefined && m !== 'index');
    expect(commandModules(loadedBy(['--help']).loaded)).toEqual([]);
    expect(commandModules(loadedBy(['templates', '--help']).loaded)).toEqual(['templates']);
  }, 150_000);

  it('lists every stage with the name, needs and description its module declares, in start order', () => {
    expect(STAGE_CATALOGUE.map((s) => ({ name: s.name, needsStore: s.needsStore, description: s.description }))).toEqual(
      Object.values(STAGES).map((m) => ({ name: m.name, needsStore: m.needsStore, description: m.description })),
    );
  });
});

describe('the command registry', () => {
  function fakeModules(): { modules: CommandModule[]; loaded: string[] } {
    const loaded: string[] = [];
    const fake = (names: string[]): CommandModule => ({
      summaries: Object.fromEntries(names.map((n) => [n, `summary of ${n}`])),
      load: async () => {
        loaded.push(names[0]!);
        return (program: Command) => {
          for (const n of names) program.command(n).description(`full ${n}`).option('--flag');
        };
      },
    });
    return { modules: [fake(['start', 'detect']), fake(['templates']), fake(['demo'])], loaded };
  }

  for (const [args, want] of [
    [['--help'], []],
    [[], []],
    [['detect', '--embedded'], ['start']],
    [['help', 'templates'], ['templates']],
    [['--help', 'demo'], ['demo']],
    [['templatse'], []],
  ] as Array<[string[], string[]]>) {
    it(`aiops ${args.join(' ') || '(no arguments)'} loads ${want.length === 0 ? 'no command module' : `only the module of ${want.join(', ')}`}`, async () => {
      const { modules, loaded } = fakeModules();
      const program = new Command();
      await registerCommands(program, args, modules);
      expect(loaded).toEqual(want);
      // Every command is still listed, in the registry's order, loaded or not.
      expect(program.commands.map((c) => c.name())).toEqual(['start', 'detect', 'templates', 'demo']);
      const full = new Set(want.flatMap((first) => Object.keys(modules.find((m) => Object.keys(m.summaries)[0] === first)!.summaries)));
      expect(program.commands.map((c) => c.summary() || c.description())).toEqual(
        program.commands.map((c) => (full.has(c.name()) ? `full ${c.name()}` : `summary of ${c.name()}`)),
      );
    });
  }

  it("each module's summaries name exactly the commands it registers, in order", async () => {
    for (const m of COMMAND_MODULES) {
      const program = new Command();
      (await m.load())(program);
      expect(program.commands.map((c) => c.name())).toEqual(Object.keys(m.summaries));
    }
  });
});
