// The HDFS session benchmark's CSV format (../shared/bench/hdfs/README.md):
//   pos,session_id,label,n_events,events   with events = event ids separated by single spaces.
// Header required; no quoting. Every problem names the file and line.
import { readFileSync } from 'node:fs';

export interface SessionRow {
  pos: string;
  sessionId: string;
  label: 0 | 1;
  events: string[];
}

export class SessionCsvError extends Error {}

export function parseSessionCsv(text: string, file = '<input>'): SessionRow[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new SessionCsvError(`${file}: empty file (expected the header pos,session_id,label,n_events,events)`);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new SessionCsvError(`${file}: header has no '${name}' column (found: ${header.join(',')})`);
    return i;
  };
  const [iPos, iId, iLabel, iN, iEv] = [col('pos'), col('session_id'), col('label'), col('n_events'), col('events')];
  const rows: SessionRow[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] ?? '';
    const f = line.split(',');
    if (f.length !== header.length) throw new SessionCsvError(`${file}:${n + 1}: ${f.length} fields, expected ${header.length}`);
    const sessionId = f[iId] ?? '';
    if (sessionId === '') throw new SessionCsvError(`${file}:${n + 1}: empty session_id`);
    const labelText = f[iLabel] ?? '';
    if (labelText !== '0' && labelText !== '1') throw new SessionCsvError(`${file}:${n + 1}: label must be 0 or 1, found '${labelText}'`);
    const evText = (f[iEv] ?? '').trim();
    const events = evText === '' ? [] : evText.split(' ').filter((e) => e !== '');
    const declared = Number(f[iN]);
    if (!Number.isInteger(declared) || declared !== events.length) {
      throw new SessionCsvError(`${file}:${n + 1}: n_events is '${f[iN] ?? ''}' but events holds ${events.length} ids`);
    }
    rows.push({ pos: f[iPos] ?? '', sessionId, label: labelText === '1' ? 1 : 0, events });
  }
  return rows;
}

export function readSessionCsv(file: string): SessionRow[] {
  return parseSessionCsv(readFileSync(file, 'utf8'), file);
}
