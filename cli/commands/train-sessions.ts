// `aiops train-sessions --in FILE --out DIR`: train a session model from a log file with the
// detect stage's template miner, so the model's event ids are the ids the stage gives the same
// lines. Every line is mined in order (the miner sees what the stage's miner sees); the lines
// that name a session become that session's events, labelled with the final templates. The
// sessions are taken as normal (leave out known-bad ones with --labels) and the session model
// (next-event LSTM + count vectors, frozen settings) is fitted and saved. Put the artifact at
// AIOPS_SESSION_MODELS_DIR/<service>/ for the detect stage to load it at start.
import type { Command } from 'commander';
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import type { MinerSnapshot } from '../../detectors/logs/index.js';
import type { logFromJson } from '../../ingest/records.js';
// The miner, the record schemas and the LSTM are imported when the command runs, not when
// `aiops --help` lists it (together they cost more CPU than the rest of the CLI's start).

export interface TrainSessionsOptions {
  in: string;
  out: string;
  format: string;
  sessionPattern?: string;
  service?: string;
  labels?: string;
  sessionsCsv?: string;
  epochs?: string;
  seed?: string;
}

export interface MinedSessions {
  /** Session id -> event ids (final template ids), in first-appearance order of the sessions. */
  sessions: Map<string, string[]>;
  lines: number;
  templates: Array<{ id: string; template: string }>;
  /** The miner after the whole file: seeds the stage's miner for the service (same ids from the first line). */
  miner: MinerSnapshot;
}

/** A line of the input: its message and the sessions it belongs to (none: mined, not a session event). */
type LineParser = (line: string, n: number) => { body: string; sessions: string[] } | undefined;

function textParser(pattern: string): LineParser {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'g');
  } catch (err) {
    throw new AiopsError('INPUT_INVALID', `--session-pattern is not a valid regular expression: ${(err as Error).message}`);
  }
  return (line) => {
    const ids = new Set<string>();
    for (const m of line.matchAll(re)) {
      const id = m[1] ?? m[0];
      if (id !== '') ids.add(id.slice(0, 256));
    }
    return { body: line, sessions: [...ids] };
  };
}

function ndjsonParser(file: string, service: string | undefined, fromJson: typeof logFromJson): LineParser {
  return (line, n) => {
    if (line.trim() === '') return undefined;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (err) {
      throw new AiopsError('INPUT_INVALID', `${file}:${n}: not JSON (${(err as Error).message}); --format ndjson wants one log record per line`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new AiopsError('INPUT_INVALID', `${file}:${n}: expected a JSON object (a log record)`);
    let rec;
    try {
      rec = fromJson(o as Record<string, unknown>, { tenant: 'default', now: 0 });
    } catch (err) {
      throw new AiopsError('INPUT_INVALID', `${file}:${n}: ${(err as Error).message}`);
    }
    // The stage mines each service with its own miner: other services' lines are not this model's.
    if (service !== undefined && rec.service !== service) return undefined;
    return { body: rec.body, sessions: rec.sessionId === undefined ? [] : [rec.sessionId] };
  };
}

/** Session ids labelled anomalous in a CSV with a header: first column the id, second the label (1 / Anomaly). */
export function readAnomalousIds(file: string): Set<string> {
  if (!existsSync(file)) throw new AiopsError('INPUT_NOT_FOUND', `--labels file not found: ${file}`);
  const rows = readFileSync(file, 'utf8').split(/\r?\n/);
  const out = new Set<string>();
  rows.slice(1).forEach((row, i) => {
    if (row.trim() === '') return;
    const [id, label] = row.split(',').map((x) => x.trim());
    if (id === undefined || label === undefined) throw new AiopsError('INPUT_INVALID', `${file}:${i + 2}: expected session_id,label`);
    if (label === '1' || label.toLowerCase() === 'anomaly') out.add(id);
    else if (label !== '0' && label.toLowerCase() !== 'normal') throw new AiopsError('INPUT_INVALID', `${file}:${i + 2}: label must be 0/1 or Normal/Anomaly, found '${label}'`);
  });
  return out;
}

/** Mines every line of `file` in order and groups the session lines by session, with final template ids. */
export async function mineSessions(file: string, parse: LineParser): Promise<MinedSessions> {
  const { DEFAULT_LOG_TEMPLATE_DETECTOR_CONFIG, LineLabels, TemplateMiner } = await import('../../detectors/logs/index.js');
  const miner = new TemplateMiner(DEFAULT_LOG_TEMPLATE_DETECTOR_CONFIG.miner);
  const labels = new LineLabels();
  const memberships: Array<{ line: number; sessions: string[] }> = [];
  let n = 0;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    n++;
    const parsed = parse(line, n);
    if (parsed === undefined) continue;
    if (parsed.sessions.length > 0) memberships.push({ line: labels.length, sessions: parsed.sessions });
    labels.push(miner.add(parsed.body));
  }
  const final = labels.resolve(miner);
  const sessions = new Map<string, string[]>();
  for (const m of memberships) {
    const event = final.label(m.line).cluster;
    for (const id of m.sessions) {
      const s = sessions.get(id);
      if (s === undefined) sessions.set(id, [event]);
      else s.push(event);
    }
  }
  return { sessions, lines: n, templates: miner.clusters().map((c) => ({ id: c.id, template: c.template })), miner: miner.snapshot() };
}

export async function runTrainSessions(opts: TrainSessionsOptions, onEpoch?: (epoch: number, epochs: number, loss: number) => void): Promise<Record<string, unknown>> {
  if (!existsSync(opts.in)) throw new AiopsError('INPUT_NOT_FOUND', `--in file not found: ${opts.in}`);
  if (!statSync(opts.in).isFile()) throw new AiopsError('INPUT_INVALID', `--in must be a file of log lines; ${opts.in} is not a regular file`);
  let parse: LineParser;
  if (opts.format === 'text') {
    if (opts.sessionPattern === undefined) throw new AiopsError('INPUT_INVALID', '--format text needs --session-pattern REGEX (the session id is its first group or the whole match, e.g. "blk_-?\\d+" for HDFS)');
    parse = textParser(opts.sessionPattern);
  } else if (opts.format === 'ndjson') {
    parse = ndjsonParser(opts.in, opts.service, (await import('../../ingest/records.js')).logFromJson);
  } else {
    throw new AiopsError('INPUT_INVALID', `--format must be text or ndjson, found '${opts.format}'`);
  }
  const excluded = opts.labels === undefined ? new Set<string>() : readAnomalousIds(opts.labels);
  const mined = await mineSessions(opts.in, parse);
  const kept = [...mined.sessions].filter(([id]) => !excluded.has(id));
  if (kept.length === 0) throw new AiopsError('INPUT_INVALID', `${opts.in}: no session lines found (check --session-pattern / the records' sessionId${opts.service === undefined ? '' : ' and --service'})`);
  if (opts.sessionsCsv !== undefined) {
    const rows = kept.map(([id, ev], i) => `${i},${id},0,${ev.length},${ev.join(' ')}`);
    writeFileSync(opts.sessionsCsv, `pos,session_id,label,n_events,events\n${rows.join('\n')}\n`);
  }
  const [{ trainAndSave }, { SESSION_MINER_FILE }] = await Promise.all([import('../../detectors/sessions/train.js'), import('../../detectors/sessions/index.js')]);
  const report = await trainAndSave(
    kept.map(([, ev]) => ev),
    opts.out,
    opts,
    { logFile: opts.in, format: opts.format, lines: mined.lines, sessionsInFile: mined.sessions.size, excludedSessions: mined.sessions.size - kept.length, templates: mined.templates.length },
    onEpoch,
  );
  writeFileSync(join(opts.out, 'templates.json'), `${JSON.stringify(mined.templates, null, 2)}\n`);
  writeFileSync(join(opts.out, SESSION_MINER_FILE), `${JSON.stringify(mined.miner)}\n`);
  return report;
}

export function registerTrainSessions(program: Command): Command {
  return program
    .command('train-sessions')
    .description(
      'Train a session model from a log file with the detect stage\'s template miner (same event ids as the stage) and save it; ' +
        'put it at AIOPS_SESSION_MODELS_DIR/<service>/ for the detect stage. Sessions in the file are taken as normal.',
    )
    .requiredOption('--in <file>', 'log file: one message per line (--format text) or one JSON log record per line (--format ndjson)')
    .requiredOption('--out <dir>', 'artifact directory to write, e.g. .data/models/sessions/<service>')
    .option('--format <text|ndjson>', 'text: the line is the message; ndjson: records as sent to /v1/ndjson/logs (body, sessionId)', 'text')
    .option('--session-pattern <regex>', 'text: session id = every match in the line (first group, else the whole match), e.g. "(blk_-?\\d+)"')
    .option('--service <name>', 'ndjson: only this service\'s records (the stage mines each service on its own)')
    .option('--labels <file>', 'CSV with a header, session_id,label (0/1 or Normal/Anomaly): anomalous sessions are left out of training')
    .option('--sessions-csv <file>', 'also write the mined sessions as pos,session_id,label,n_events,events')
    .option('--epochs <n>', 'override the frozen number of epochs')
    .option('--seed <n>', 'override the frozen seed (default 42)')
    .action(async (opts: TrainSessionsOptions) => {
      const report = await runTrainSessions(opts, (e, n, loss) => process.stderr.write(`epoch ${e}/${n} loss ${loss.toFixed(4)}\n`));
      process.stdout.write(`${JSON.stringify(report)}\n`);
    });
}
