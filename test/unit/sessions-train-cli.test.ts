// `aiops train-sessions`: sessions mined from a plain log file with the stage's template miner.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTrainSessions } from '../../cli/commands/train-sessions.js';
import { parseSessionCsv } from '../../detectors/sessions/index.js';

process.env.AIOPS_TF_QUIET = '1';
const dir = mkdtempSync(join(tmpdir(), 'sessions-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aiops train-sessions', () => {
  it('groups the lines naming a block into its session, with final template ids, leaving out labelled anomalies', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      lines.push(`Receiving block blk_${i} src: /10.0.0.${i}:50010`, `Received block blk_${i} of size ${1000 + i} from /10.0.0.${i}`);
      lines.push(i % 4 === 0 ? `Deleting block blk_${i} and blk_${i + 100}` : 'Heartbeat from datanode ok');
    }
    const file = join(dir, 'dfs.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const labels = join(dir, 'labels.csv');
    writeFileSync(labels, 'BlockId,Label\nblk_3,Anomaly\nblk_4,Normal\n');
    const csv = join(dir, 'sessions.csv');
    const out = join(dir, 'model');
    const report = await runTrainSessions({ in: file, out, format: 'text', sessionPattern: '(blk_\\d+)', labels, sessionsCsv: csv, epochs: '1' });
    // 12 blocks plus blk_100, blk_104, blk_108 named by the deletes; blk_3 left out.
    expect(report).toMatchObject({ lines: 36, sessionsInFile: 15, excludedSessions: 1, normals: 14 });
    const rows = parseSessionCsv(readFileSync(csv, 'utf8'), csv);
    const byId = new Map(rows.map((r) => [r.sessionId, r.events]));
    expect(byId.has('blk_3')).toBe(false);
    const templates = JSON.parse(readFileSync(join(out, 'templates.json'), 'utf8')) as Array<{ id: string; template: string }>;
    const name = new Map(templates.map((t) => [t.id, t.template]));
    expect(byId.get('blk_0')?.map((e) => name.get(e))).toEqual([
      'Receiving block <*> src: <*>',
      'Received block <*> of size <*> from <*>',
      'Deleting block <*> and <*>',
    ]);
    expect(byId.get('blk_100')).toEqual([byId.get('blk_0')?.[2]]);
    expect(existsSync(join(out, 'miner.json'))).toBe(true);
  });

  it('rejects a missing or bad session pattern and an unknown format with INPUT_INVALID', async () => {
    const file = join(dir, 'one.log');
    writeFileSync(file, 'a line\n');
    const out = join(dir, 'x');
    await expect(runTrainSessions({ in: file, out, format: 'text' })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/--session-pattern/) });
    await expect(runTrainSessions({ in: file, out, format: 'text', sessionPattern: '(' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(runTrainSessions({ in: file, out, format: 'csv' })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/text or ndjson/) });
    await expect(runTrainSessions({ in: file, out, format: 'text', sessionPattern: 'blk_\\d+' })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/no session lines/) });
    await expect(runTrainSessions({ in: join(dir, 'missing.log'), out, format: 'text' })).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
  });
});
