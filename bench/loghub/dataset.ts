// Loghub-2k loader: reads the structured CSV (RFC 4180) of one dataset and returns the
// Content column (what parsers are given) with the ground-truth EventId / EventTemplate.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface LoghubRow {
  lineId: number;
  content: string;
  eventId: string;
  eventTemplate: string;
}

/** Parse RFC 4180 CSV text (quoted fields, doubled quotes, \n or \r\n records). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  let inQuotes = false;
  let fieldStarted = false;
  while (i < n) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && !fieldStarted) {
      inQuotes = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === ',') {
      row.push(field);
      field = '';
      fieldStarted = false;
      i++;
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') {
      i++;
      continue;
    }
    if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      fieldStarted = false;
      i++;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (fieldStarted || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * A flat copy of a string. parseCsv builds fields a character at a time (V8 rope strings, read
 * through an indirection); a message decoded from the bus (JSON.parse) is a flat string, and
 * that is what the miner is measured on.
 */
function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** The structured CSV of a dataset folder: corrected ground truth by default. */
export function structuredCsvPath(root: string, dataset: string, version: 'corrected' | 'original' = 'corrected'): string {
  const suffix = version === 'corrected' ? '_structured_corrected.csv' : '_structured.csv';
  return join(root, dataset, `${dataset}_2k.log${suffix}`);
}

export function loadLoghubDataset(root: string, dataset: string, version: 'corrected' | 'original' = 'corrected'): LoghubRow[] {
  const path = structuredCsvPath(root, dataset, version);
  const rows = parseCsv(readFileSync(path, 'utf8'));
  const header = rows[0];
  if (!header) throw new Error(`${path}: empty CSV`);
  const col = (name: string): number => {
    const k = header.indexOf(name);
    if (k < 0) throw new Error(`${path}: no ${name} column`);
    return k;
  };
  const iLine = col('LineId');
  const iContent = col('Content');
  const iId = col('EventId');
  const iTpl = col('EventTemplate');
  const out: LoghubRow[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length === 1 && row[0] === '') continue;
    out.push({
      lineId: Number(row[iLine]),
      content: flat(row[iContent] ?? ''),
      eventId: row[iId] ?? '',
      eventTemplate: row[iTpl] ?? '',
    });
  }
  return out;
}

/** Dataset folders present under root (each holding a <DS>_2k.log_structured*.csv). */
export function listLoghubDatasets(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(structuredCsvPath(root, d.name)))
    .map((d) => d.name)
    .sort();
}

/** The Loghub-2k folder: LOGHUB2K, else ../shared/bench/loghub2k beside the repository `repoRoot`, else /work/shared/bench/loghub2k. */
export function findLoghubDir(repoRoot: string): string {
  const candidates = [process.env.LOGHUB2K, resolve(repoRoot, '../shared/bench/loghub2k'), '/work/shared/bench/loghub2k'];
  const dir = candidates.find((d): d is string => d !== undefined && existsSync(d));
  if (dir === undefined) throw new Error('Loghub-2k not found: set LOGHUB2K to the folder holding <DS>/<DS>_2k.log_structured_corrected.csv');
  return dir;
}
