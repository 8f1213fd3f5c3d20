// `aiops templates --in FILE --out FILE.jsonl`: mine log templates from a file of messages (one
// per line) and write one JSON object per input line, {"line": n, "cluster": "<id>", "template":
// "<text>"}, labelled with the final templates (the Loghub-2k result format). With --state the
// miner starts from a saved state (when the file exists) and saves its state there at the end.
import type { Command } from 'commander';
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import cliProgress from 'cli-progress';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { TemplateMiner } from '../../detectors/logs/template-miner/miner.js';
import { LineLabels } from '../../detectors/logs/template-miner/label.js';

interface TemplatesOptions {
  in: string;
  out: string;
  state?: string;
}

const CHUNK = 1 << 20;
/** Inputs above this size get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 8 << 20;

/** Call `onLine` for every line of the file (\n or \r\n; a last line without newline counts). */
function forEachLine(path: string, onLine: (line: string) => void, onBytes: (bytes: number) => void): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let read = 0;
    let n: number;
    while ((n = readSync(fd, buf, 0, CHUNK, null)) > 0) {
      read += n;
      const text = rest + decoder.write(n === CHUNK ? buf : buf.subarray(0, n));
      if (text.includes('\u0000')) throw new AiopsError('INPUT_INVALID', `${path} holds NUL bytes: not a text file of log messages.`);
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        onLine(text.charCodeAt(nl - 1) === 13 ? text.slice(from, nl - 1) : text.slice(from, nl));
        from = nl + 1;
      }
      rest = text.slice(from);
      onBytes(read);
    }
    rest += decoder.end();
    if (rest !== '') onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  } finally {
    closeSync(fd);
  }
}

function loadMiner(statePath: string | undefined): TemplateMiner {
  if (statePath === undefined || !existsSync(statePath)) return new TemplateMiner();
  return TemplateMiner.restore(readFileSync(statePath, 'utf8'));
}

function checkInput(path: string): number {
  if (!existsSync(path)) throw new AiopsError('INPUT_NOT_FOUND', `input file not found: ${path}`);
  const st = statSync(path);
  if (!st.isFile()) throw new AiopsError('INPUT_INVALID', `--in must be a file of log messages, one per line; ${path} is not a regular file.`);
  return st.size;
}

function checkOutput(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) throw new AiopsError('INPUT_NOT_FOUND', `output directory does not exist: ${dir}`);
  if (existsSync(path) && !statSync(path).isFile()) throw new AiopsError('INPUT_INVALID', `--out must name a file; ${path} is not a regular file.`);
}

export function runTemplates(opts: TemplatesOptions): { lines: number; clusters: number } {
  const size = checkInput(opts.in);
  checkOutput(opts.out);
  if (opts.state !== undefined) checkOutput(opts.state);
  const miner = loadMiner(opts.state);
  const lines = new LineLabels();
  const bar =
    process.stderr.isTTY && size >= PROGRESS_MIN_BYTES
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'templates {bar} {percentage}% | {lines} lines | {clusters} templates', hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(size, 0, { lines: 0, clusters: 0 });
  forEachLine(
    opts.in,
    (line) => {
      lines.push(miner.add(line));
    },
    (bytes) => bar?.update(bytes, { lines: lines.length, clusters: miner.stats().clusters }),
  );
  bar?.stop();

  const final = lines.resolve(miner);
  // One JSON prefix per cluster; lines are written in batches.
  const suffix = new Map<string, string>();
  const fd = openSync(opts.out, 'w');
  try {
    let batch = '';
    for (let i = 0; i < lines.length; i++) {
      const l = final.label(i);
      const key = l.cluster + '\u0000' + l.template;
      let s = suffix.get(key);
      if (s === undefined) suffix.set(key, (s = `, "cluster": ${JSON.stringify(l.cluster)}, "template": ${JSON.stringify(l.template)}}\n`));
      batch += `{"line": ${i + 1}${s}`;
      if (batch.length >= CHUNK) {
        writeSync(fd, batch);
        batch = '';
      }
    }
    if (batch !== '') writeSync(fd, batch);
  } finally {
    closeSync(fd);
  }
  if (opts.state !== undefined) {
    const tmp = `${opts.state}.tmp`;
    writeFileSync(tmp, miner.serialize());
    renameSync(tmp, opts.state);
  }
  return { lines: lines.length, clusters: miner.stats().clusters };
}

export function registerTemplates(program: Command): Command {
  return program
    .command('templates')
    .description(
      'Mine log templates from FILE (one message per line) and write one JSON object per input line, ' +
        '{"line": n, "cluster": "<id>", "template": "<text, <*> for every parameter>"}, using the final templates.',
    )
    .requiredOption('--in <file>', 'input file: one log message per line (UTF-8, \\n or \\r\\n)')
    .requiredOption('--out <file>', 'output JSONL file, one object per input line')
    .option('--state <file>', 'miner state: restored from this file when it exists, saved to it at the end')
    .action((opts: TemplatesOptions) => {
      const { lines, clusters } = runTemplates(opts);
      process.stderr.write(`${lines} lines, ${clusters} templates -> ${opts.out}\n`);
    });
}
