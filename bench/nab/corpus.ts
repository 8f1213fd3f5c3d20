// NAB corpus I/O: discover DIR/<category>/<file>.csv, parse rows, load label windows and cost profiles.
// Rows are kept exactly as they are in the file (no de-duplication, no resampling): NAB matches
// results to data by row position.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { AiopsError } from '../../platform/errors/aiops-error.js';

export interface NabSeries {
  /** "<category>/<file>.csv", the key used in combined_windows.json. */
  key: string;
  /** Timestamp strings exactly as written in the file (echoed into the results file). */
  timestampText: string[];
  /** Parsed timestamps, epoch ms, the naive "YYYY-MM-DD HH:MM:SS" read as UTC. */
  timestamps: Float64Array;
  /** Values; an unparsable cell becomes NaN (the detector handles it). */
  values: Float64Array;
}

export interface CostMatrix {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
}

export type NabProfiles = Record<string, CostMatrix>;

/** The three NAB profiles, used when no profiles.json sits beside the windows file. */
export const NAB_DEFAULT_PROFILES: NabProfiles = {
  standard: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 },
  reward_low_FP_rate: { tpWeight: 1, fnWeight: 1, fpWeight: 0.22 },
  reward_low_FN_rate: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11 },
};

/** Parses "YYYY-MM-DD HH:MM:SS[.ffffff]" (or ISO with T / Z) as UTC epoch ms; NaN when unreadable. */
export function parseNabTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/.exec(text.trim());
  if (m === null) return Number.NaN;
  const frac = m[7] !== undefined ? Number(`0.${m[7]}`) * 1000 : 0;
  return (
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), m[6] !== undefined ? Number(m[6]) : 0) +
    Math.round(frac)
  );
}

/** Lists "<category>/<file>.csv" keys under dir, sorted, one level of category folders. */
export function listNabFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AiopsError('INPUT_NOT_FOUND', `NAB data directory not found: ${dir} (expected DIR/<category>/<file>.csv)`);
  }
  const keys: string[] = [];
  for (const category of readdirSync(dir).sort()) {
    const catDir = join(dir, category);
    if (!statSync(catDir).isDirectory()) continue;
    for (const file of readdirSync(catDir).sort()) {
      if (file.endsWith('.csv')) keys.push(`${category}/${file}`);
    }
  }
  if (keys.length === 0) {
    throw new AiopsError('INPUT_NOT_FOUND', `no CSV files under ${dir}/<category>/ (expected DIR/<category>/<file>.csv)`);
  }
  return keys;
}

/** Reads one NAB data file (header timestamp,value; extra columns ignored). */
export function readNabSeries(dir: string, key: string): NabSeries {
  const path = join(dir, key);
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const tsCol = header.indexOf('timestamp');
  const valCol = header.indexOf('value');
  if (tsCol < 0 || valCol < 0) {
    throw new AiopsError('INPUT_INVALID', `${path}: header must contain timestamp,value (got "${lines[0] ?? ''}")`);
  }
  const timestampText: string[] = [];
  const ts: number[] = [];
  const vals: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === undefined || line.trim() === '') continue;
    const cells = line.split(',');
    const t = (cells[tsCol] ?? '').trim();
    const parsed = parseNabTimestamp(t);
    if (Number.isNaN(parsed)) {
      throw new AiopsError('INPUT_INVALID', `${path}:${i + 1}: unreadable timestamp "${t}"`);
    }
    timestampText.push(t);
    ts.push(parsed);
    const cell = (cells[valCol] ?? '').trim();
    vals.push(cell === '' ? Number.NaN : Number(cell));
  }
  return { key, timestampText, timestamps: Float64Array.from(ts), values: Float64Array.from(vals) };
}

/** Label windows: key -> list of [startMs, endMs], both ends inclusive. */
export type NabWindows = Map<string, Array<[number, number]>>;

export function readNabWindows(path: string): NabWindows {
  if (!existsSync(path)) throw new AiopsError('INPUT_NOT_FOUND', `NAB windows file not found: ${path}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AiopsError('INPUT_INVALID', `${path}: not valid JSON`, undefined, { cause: err });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AiopsError('INPUT_INVALID', `${path}: expected an object mapping "<category>/<file>.csv" to [[start, end], ...]`);
  }
  const out: NabWindows = new Map();
  for (const [key, list] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new AiopsError('INPUT_INVALID', `${path}: windows of ${key} must be a list`);
    const windows: Array<[number, number]> = [];
    for (const pair of list) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new AiopsError('INPUT_INVALID', `${path}: window of ${key} must be ["start", "end"]`);
      }
      const s = parseNabTimestamp(pair[0]);
      const e = parseNabTimestamp(pair[1]);
      if (Number.isNaN(s) || Number.isNaN(e)) throw new AiopsError('INPUT_INVALID', `${path}: bad timestamp in window of ${key}`);
      windows.push([s, e]);
    }
    windows.sort((a, b) => a[0] - b[0]);
    out.set(key, windows);
  }
  return out;
}

/** Reads NAB's profiles.json ({name: {CostMatrix: {...}}}); falls back to the three standard profiles. */
export function readNabProfiles(path: string | undefined): NabProfiles {
  if (path === undefined || !existsSync(path)) return NAB_DEFAULT_PROFILES;
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { CostMatrix?: Partial<CostMatrix> }>;
  const out: NabProfiles = {};
  for (const [name, p] of Object.entries(raw)) {
    const cm = p.CostMatrix;
    if (cm === undefined || typeof cm.tpWeight !== 'number' || typeof cm.fnWeight !== 'number' || typeof cm.fpWeight !== 'number') {
      throw new AiopsError('INPUT_INVALID', `${path}: profile ${name} lacks CostMatrix.tpWeight/fnWeight/fpWeight`);
    }
    out[name] = { tpWeight: cm.tpWeight, fnWeight: cm.fnWeight, fpWeight: cm.fpWeight };
  }
  return out;
}
