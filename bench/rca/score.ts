// Scores RCA rankings against a scenario's labels.json: the only place ground truth is read.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AiopsError } from '../../platform/errors/aiops-error.js';

export interface AcFigures {
  cases: number;
  ac1: number;
  ac3: number;
  ac5: number;
  avg5: number;
}

/** AC@k = share of cases whose true cause is among the first k; an empty ranking is a miss. */
export function accuracy(rankings: Record<string, readonly string[]>, labels: Record<string, string>, names: readonly string[]): AcFigures {
  const hit = (k: number) => names.filter((n) => (rankings[n] ?? []).slice(0, k).includes(labels[n]!)).length / Math.max(1, names.length);
  const ac = [1, 2, 3, 4, 5].map(hit);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { cases: names.length, ac1: r(ac[0]!), ac3: r(ac[2]!), ac5: r(ac[4]!), avg5: r(ac.reduce((a, b) => a + b, 0) / 5) };
}

export function readLabels(scenarioDir: string): Record<string, string> {
  const f = join(scenarioDir, 'labels.json');
  if (!existsSync(f)) throw new AiopsError('INPUT_NOT_FOUND', `${f} not found (needed to score, never to rank)`);
  return JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>;
}

/** Overall and per alert kind (the alert's metric). */
export function scoreRun(rankings: Record<string, readonly string[]>, labels: Record<string, string>, kindOf: Record<string, string>): { overall: AcFigures; byKind: Record<string, AcFigures> } {
  const names = Object.keys(labels).filter((n) => n in kindOf).sort();
  const byKind: Record<string, AcFigures> = {};
  for (const k of [...new Set(names.map((n) => kindOf[n]!))].sort()) byKind[k] = accuracy(rankings, labels, names.filter((n) => kindOf[n] === k));
  return { overall: accuracy(rankings, labels, names), byKind };
}
