// The CLI's batch read and write paths: every line of a file exactly once, whatever the chunk
// boundaries, and the per-line label JSONL byte-equal to JSON.stringify's.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forEachLine } from '../../cli/io/file-lines.js';
import { writeLabelsJsonl } from '../../cli/io/labels-jsonl.js';
import type { LabelledMessage, ResolvedLabels } from '../../detectors/logs/template-miner/label.js';
import { mulberry32 } from '../support/random.js';

const dir = mkdtempSync(join(tmpdir(), 'aiops-cli-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readLines(content: string | Buffer): { lines: string[]; bytes: number[] } {
  const path = join(dir, 'in.log');
  writeFileSync(path, content);
  const lines: string[] = [];
  const bytes: number[] = [];
  forEachLine(path, (l) => lines.push(l), (b) => bytes.push(b));
  return { lines, bytes };
}

/** What a line reader must return: split at \n, one \r before it dropped, no line after a final \n. */
function expected(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  if (parts.at(-1) === '') parts.pop();
  return parts.map((p) => (p.endsWith('\r') ? p.slice(0, -1) : p));
}

const WORDS = ['ciod:', 'généré', 'core', '日志', 'file', 'épreuve', '🙂', 'x', '', 'RAS KERNEL'];

describe('reading a file line by line', () => {
  it('returns \\n and \\r\\n lines, empty lines and a last line without a newline', () => {
    const text = 'a\r\nb\n\nc\r\n\r\nlast';
    expect(readLines(text).lines).toEqual(['a', 'b', '', 'c', '', 'last']);
    expect(readLines('only\r').lines).toEqual(['only']);
    expect(readLines('').lines).toEqual([]);
    expect(readLines('\n').lines).toEqual(['']);
  });

  it('keeps multi-byte characters whole across chunk boundaries and reads lines longer than a chunk', () => {
    const rnd = mulberry32(7);
    const lines: string[] = [];
    let size = 0;
    // About 3.5 MiB: several 1 MiB chunks, each boundary at a random place in a line.
    while (size < 3.5 * 2 ** 20) {
      const n = Math.floor(rnd() * 40);
      const line = Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
      lines.push(rnd() < 0.1 ? `${line}\r` : line);
      size += Buffer.byteLength(line) + 1;
    }
    lines.splice(lines.length >> 1, 0, '長'.repeat(900_000));
    const text = lines.join('\n');
    const { lines: got, bytes } = readLines(text);
    expect(got).toEqual(expected(text));
    expect(bytes.at(-1)).toBe(Buffer.byteLength(text));
    expect(bytes.length).toBeGreaterThan(3);
  });

  it('refuses a file with NUL bytes, naming it', () => {
    expect(() => readLines(Buffer.from('ok\nbinary\u0000data\n'))).toThrow(/in\.log holds NUL bytes/);
  });
});

describe('writing per-line labels as JSONL', () => {
  it('writes what JSON.stringify would, line numbers from 1, across write batches', () => {
    const rnd = mulberry32(11);
    const distinct: LabelledMessage[] = Array.from({ length: 50 }, (_, k) => ({
      cluster: `c${k}`,
      template: Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ') + ' "quoted" \\ <*>',
    }));
    // 40k lines of ~100 bytes: the output spans several 1 MiB batches.
    const index = Int32Array.from({ length: 40_000 }, () => Math.floor(rnd() * distinct.length));
    const labels: ResolvedLabels = { distinct, labelIndex: (i) => index[i]!, label: (i) => distinct[index[i]!]! };
    const out = join(dir, 'out.jsonl');
    writeLabelsJsonl(out, index.length, labels);
    const got = readFileSync(out, 'utf8');
    expect(got.length).toBeGreaterThan(2 ** 21);
    expect(got.endsWith('}\n')).toBe(true);
    const rows = got.slice(0, -1).split('\n');
    expect(rows).toHaveLength(index.length);
    expect(rows.map((r) => JSON.parse(r) as unknown)).toEqual(Array.from(index, (k, i) => ({ line: i + 1, ...distinct[k]! })));
    // The Loghub-2k result layout: a space after every colon and comma.
    expect(rows[0]).toBe(`{"line": 1, "cluster": ${JSON.stringify(distinct[index[0]!]!.cluster)}, "template": ${JSON.stringify(distinct[index[0]!]!.template)}}`);
  });
});
