import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerSessionsBench } from '../../cli/commands/bench/sessions.js';
import { parseSessionCsv } from '../../detectors/sessions/index.js';

process.env.AIOPS_TF_QUIET = '1';
const dir = mkdtempSync(join(tmpdir(), 'sessions-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(rows: Array<[string, number, string]>): string {
  return ['pos,session_id,label,n_events,events', ...rows.map(([id, label, ev], i) => `${i},${id},${label},${ev.split(' ').length},${ev}`)].join('\n') + '\n';
}

async function run(args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  const bench = program.command('bench').exitOverride();
  registerSessionsBench(bench).exitOverride();
  await program.parseAsync(['node', 'aiops', 'bench', 'sessions', ...args]);
}

describe('aiops bench sessions', () => {
  it('writes session_id,pred for every row of --in, in order, fitting on label 0 rows only', async () => {
    const normal = 'A B C C D';
    const train: Array<[string, number, string]> = [];
    for (let i = 0; i < 30; i++) train.push([`t${i}`, 0, i % 2 === 0 ? normal : 'A B C D']);
    // An anomalous training row that must not be learnt as normal.
    train.push(['tbad', 1, 'A X']);
    const trainFile = join(dir, 'train.csv');
    const inFile = join(dir, 'in.csv');
    const outFile = join(dir, 'out', 'preds.csv');
    writeFileSync(trainFile, csv(train));
    writeFileSync(inFile, csv([['s1', 0, normal], ['s2', 1, 'A X'], ['s3', 1, 'A B'], ['s4', 0, 'A B C D'], ['s5', 1, 'A B C C D Z']]));
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await run(['--train', trainFile, '--in', inFile, '--out', outFile]);
    } finally {
      write.mockRestore();
    }
    const lines = readFileSync(outFile, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('session_id,pred');
    expect(lines.slice(1)).toEqual(['s1,0', 's2,1', 's3,1', 's4,0', 's5,1']);
  });

  it('rejects bad input with a clear error', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'pos,session_id,label,n_events,events\n0,s1,0,3,A B\n');
    await expect(run(['--train', bad, '--in', bad, '--out', join(dir, 'x.csv')])).rejects.toThrow(/bad\.csv:2: n_events is '3' but events holds 2 ids/);
    await expect(run(['--train', join(dir, 'missing.csv'), '--in', bad, '--out', join(dir, 'x.csv')])).rejects.toThrow(/--train file not found/);
    const noHeader = join(dir, 'nohdr.csv');
    writeFileSync(noHeader, 's1,0,2,A B\n');
    await expect(run(['--train', noHeader, '--in', noHeader, '--out', join(dir, 'x.csv')])).rejects.toThrow(/header has no 'pos' column/);
    expect(() => parseSessionCsv('pos,session_id,label,n_events,events\n0,s1,2,1,A\n', 'f.csv')).toThrow(/f\.csv:2: label must be 0 or 1/);
  });
});
