// The README's command table lists every `aiops` command and sub-command the CLI registers, so a
// new command cannot ship undocumented (bench sessions and bench rca once did).
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES } from '../../cli/commands/index.js';

function commandPaths(cmd: Command, prefix = ''): string[] {
  return cmd.commands.flatMap((c) => {
    const path = `${prefix}${c.name()}`;
    return c.commands.length > 0 ? commandPaths(c, `${path} `) : [path];
  });
}

function readmeCommandCells(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Commands\n'));
  const table = section.slice(0, section.indexOf('\n## ', 1));
  return table.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split(' | ')[0]!);
}

const loaded = await Promise.all(COMMAND_MODULES.map((m) => m.load()));

describe('the README command table', () => {
  // Every module in full (the CLI itself loads only the invoked one), so sub-commands count too.
  const program = new Command();
  for (const m of loaded) m(program);
  const paths = commandPaths(program);
  const cells = readmeCommandCells();

  it('is found, and the CLI registers commands to check against it', () => {
    expect(cells.length).toBeGreaterThan(5);
    expect(paths).toEqual(expect.arrayContaining(['start', 'detect', 'bench nab', 'bench rca', 'bench sessions']));
  });

  for (const path of paths) {
    it(`lists \`aiops ${path}\``, () => {
      // A cell names a command as `path`, `path --option ...` or in a list (`ingest`, `detect`).
      const named = cells.some((cell) => new RegExp(`\`${path.replace(/[-]/g, '\\$&')}(\`| )`).test(cell));
      expect(named, `README "## Commands" has no row for \`${path}\`; its first column: ${cells.join(' / ')}`).toBe(true);
    });
  }
});
