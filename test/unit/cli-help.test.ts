// `aiops --help` and small commands start without the heavy modules (fastify, kafkajs, DuckDB,
// TensorFlow.js, ClickHouse): the stage catalogue carries what the CLI lists, and a module is
// imported only by the command that runs it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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

  it('lists every stage with the name, needs and description its module declares, in start order', () => {
    expect(STAGE_CATALOGUE.map((s) => ({ name: s.name, needsStore: s.needsStore, description: s.description }))).toEqual(
      Object.values(STAGES).map((m) => ({ name: m.name, needsStore: m.needsStore, description: m.description })),
    );
  });
});
