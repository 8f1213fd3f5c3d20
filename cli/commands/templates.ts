// `aiops templates --in FILE [--out FILE.jsonl]`: mine log templates from a file of messages (one
// per line). With --out, write one JSON object per input line, {"line": n, "cluster": "<id>",
// "template": "<text>"}, labelled with the final templates (the Loghub-2k result format);
// without it, print each final template with its line count, most frequent first. With --state
// the miner starts from a saved state (when the file exists) and saves its state there at the end.
import type { Command } from 'commander';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { TemplateMiner } from '../../detectors/logs/template-miner/miner.js';
import { LineLabels, type ResolvedLabels } from '../../detectors/logs/template-miner/label.js';
import { forEachLine } from '../io/file-lines.js';
import { writeLabelsJsonl } from '../io/labels-jsonl.js';

export interface TemplatesOptions {
  in: string;
  out?: string;
  state?: string;
}

export interface TemplateCount {
  cluster: string;
  template: string;
  lines: number;
}

export interface TemplatesResult {
  lines: number;
  clusters: number;
  /** Final templates with the number of input lines labelled with each, most lines first. */
  templates: TemplateCount[];
}

/** What a long run reports while it reads (a progress bar). */
export interface MiningProgress {
  start(totalBytes: number): void;
  update(bytes: number, lines: number, clusters: number): void;
  stop(): void;
}

/** Inputs above this size get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 8 << 20;

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

/** Lines per final template; two mined ids that ended in one cluster count together. */
function countTemplates(lines: number, labels: ResolvedLabels): TemplateCount[] {
  const perLabel = new Float64Array(labels.distinct.length);
  for (let i = 0; i < lines; i++) {
    const k = labels.labelIndex(i);
    perLabel[k] = perLabel[k]! + 1;
  }
  const byTemplate = new Map<string, TemplateCount>();
  labels.distinct.forEach((l, k) => {
    const key = `${l.cluster}\u0000${l.template}`;
    const t = byTemplate.get(key);
    if (t === undefined) byTemplate.set(key, { cluster: l.cluster, template: l.template, lines: perLabel[k]! });
    else t.lines += perLabel[k]!;
  });
  return [...byTemplate.values()].filter((t) => t.lines > 0).sort((a, b) => b.lines - a.lines || (a.template < b.template ? -1 : 1));
}

export function runTemplates(opts: TemplatesOptions, progress?: MiningProgress): TemplatesResult {
  checkInput(opts.in);
  if (opts.out !== undefined) checkOutput(opts.out);
  if (opts.state !== undefined) checkOutput(opts.state);
  const miner = loadMiner(opts.state);
  const lines = new LineLabels();
  progress?.start(statSync(opts.in).size);
  forEachLine(
    opts.in,
    (line) => lines.push(miner.add(line)),
    progress && ((bytes) => progress.update(bytes, lines.length, miner.stats().clusters)),
  );
  progress?.stop();

  const final = lines.resolve(miner);
  if (opts.out !== undefined) writeLabelsJsonl(opts.out, lines.length, final);
  if (opts.state !== undefined) {
    const tmp = `${opts.state}.tmp`;
    writeFileSync(tmp, miner.serialize());
    renameSync(tmp, opts.state);
  }
  return { lines: lines.length, clusters: miner.stats().clusters, templates: countTemplates(lines.length, final) };
}

/** A progress bar on stderr for a big input read from a terminal; cli-progress loads only then. */
async function progressBar(path: string): Promise<MiningProgress | undefined> {
  if (!process.stderr.isTTY || !existsSync(path) || statSync(path).size < PROGRESS_MIN_BYTES) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'templates {bar} {percentage}% | {lines} lines | {clusters} templates', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0, { lines: 0, clusters: 0 }),
    update: (bytes, lines, clusters) => bar.update(bytes, { lines, clusters }),
    stop: () => bar.stop(),
  };
}

function printTemplates(templates: readonly TemplateCount[]): void {
  const rows = templates.map((t) => `${t.lines}\t${t.cluster}\t${t.template}\n`);
  process.stdout.write(`lines\tcluster\ttemplate\n${rows.join('')}`);
}

export function registerTemplates(program: Command): Command {
  return program
    .command('templates')
    .description(
      'Mine log templates from FILE (one message per line). With --out, write one JSON object per input line, ' +
        '{"line": n, "cluster": "<id>", "template": "<text, <*> for every parameter>"}, using the final templates; ' +
        'without it, print every final template with its number of lines (tab-separated: lines, cluster, template), most frequent first.',
    )
    .requiredOption('--in <file>', 'input file: one log message per line (UTF-8, \\n or \\r\\n)')
    .option('--out <file>', 'output JSONL file, one object per input line')
    .option('--state <file>', 'miner state: restored from this file when it exists, saved to it at the end')
    .action(async (opts: TemplatesOptions) => {
      const result = runTemplates(opts, await progressBar(opts.in));
      if (opts.out === undefined) printTemplates(result.templates);
      process.stderr.write(`${result.lines} lines, ${result.clusters} templates${opts.out === undefined ? '' : ` -> ${opts.out}`}\n`);
    });
}
