// The RCA harness on a small synthetic PetShop-layout scenario: front -> mid -> db (callers
// first), plus an unrelated side service. A latency fault in db shows in mid and front.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScenario, parseGraphCsv, parseMetricsCsv } from '../../bench/rca/scenario.js';
import { runRca } from '../../bench/rca/harness.js';
import { accuracy } from '../../bench/rca/score.js';

const NODES = ['front', 'mid', 'db', 'side'];
const STEP = 300;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function metricsCsv(t0: number, rows: number, fault: (row: number) => boolean, seed: number): string {
  const r = rng(seed);
  const cols: Array<[string, string, string]> = [];
  for (const n of NODES) for (const [m, st] of [['latency', 'Average'], ['latency', 'p90'], ['requests', 'Sum'], ['availability', 'Average']] as const) cols.push([n, m, st]);
  const lines = [`microservice,${cols.map((c) => c[0]).join(',')}`, `metric,${cols.map((c) => c[1]).join(',')}`, `statistic,${cols.map((c) => c[2]).join(',')}`, `unix_timestamp${','.repeat(cols.length)}`];
  const base: Record<string, number> = { front: 0.3, mid: 0.2, db: 0.05, side: 0.1 };
  for (let i = 0; i < rows; i++) {
    const bad = fault(i);
    const cells = cols.map(([n, m, st]) => {
      const noise = 1 + 0.05 * (r() - 0.5);
      if (m === 'latency') {
        const extra = bad && n !== 'side' ? 1.5 : 0;
        return ((base[n]! + extra) * noise * (st === 'p90' ? 1.8 : 1)).toFixed(5);
      }
      if (m === 'requests') return Math.round(100 * noise).toString();
      return (100 - 0.2 * r()).toFixed(3);
    });
    lines.push(`${t0 + i * STEP}.0,${cells.join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

function scenario(withNormal: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'rca-'));
  const m = (from: string, to: string) => (from === 'front' && to === 'mid') || (from === 'mid' && to === 'db') ? 1 : 0;
  writeFileSync(join(dir, 'graph.csv'), [`,${NODES.join(',')}`, ...NODES.map((f) => `${f},${NODES.map((t) => m(f, t)).join(',')}`)].join('\n'));
  const caseT0 = 1_681_800_000;
  if (withNormal) {
    mkdirSync(join(dir, 'noissue'));
    writeFileSync(join(dir, 'noissue', 'metrics.csv'), metricsCsv(caseT0 + 30 * 86_400, 400, () => false, 1));
  }
  for (let c = 0; c < 4; c++) {
    const cd = join(dir, 'cases', `case_${c}`);
    mkdirSync(cd, { recursive: true });
    const t0 = caseT0 + c * 7_200;
    writeFileSync(join(cd, 'metrics.csv'), metricsCsv(t0, 5, (i) => i >= 2, 10 + c));
    writeFileSync(join(cd, 'alert.json'), JSON.stringify({ node: 'front', metric: 'latency', agg: 'Average', timestamp: t0 + 2 * STEP - 60 }));
  }
  writeFileSync(join(dir, 'labels.json'), JSON.stringify(Object.fromEntries([0, 1, 2, 3].map((c) => [`case_${c}`, 'db']))));
  return dir;
}

describe('RCA harness', () => {
  it('ranks the faulty callee first, with a normal file and without one', async () => {
    for (const withNormal of [true, false]) {
      const dir = scenario(withNormal);
      try {
        const s = readScenario(dir);
        expect(s.normal !== undefined).toBe(withNormal);
        const run = await runRca(s);
        expect(run.warmup).toBe(withNormal ? 'normal-file' : 'pre-alert-rows');
        expect(Object.keys(run.rankings).sort()).toEqual(['case_0', 'case_1', 'case_2', 'case_3']);
        for (const r of Object.values(run.rankings)) expect([...r].sort()).toEqual([...NODES].sort());
        const labels = Object.fromEntries([0, 1, 2, 3].map((c) => [`case_${c}`, 'db']));
        expect(accuracy(run.rankings, labels, Object.keys(labels)).ac1).toBe(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 15_000);

  it('never reads labels.json; the CLI writes the rankings and rejects bad input with a clear error', () => {
    const dir = scenario(false);
    try {
      // A directory where labels.json should be: any read of it would fail.
      rmSync(join(dir, 'labels.json'));
      mkdirSync(join(dir, 'labels.json'));
      const out = join(dir, 'out', 'rankings.json');
      const ok = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'bench', 'rca', '--scenario', dir, '--out', out], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/4 cases, 4 graph nodes, warm-up on the rows before each alert/);
      const rankings = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string[]>;
      expect(Object.values(rankings).map((r) => r[0])).toEqual(['db', 'db', 'db', 'db']);
      const bad = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'bench', 'rca', '--scenario', join(dir, 'missing'), '--out', out], { encoding: 'utf8' });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/INPUT_NOT_FOUND: scenario directory not found/);
      expect(bad.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 15_000);

  it('reports malformed input by file', () => {
    expect(() => parseGraphCsv(',a,b\na,0,1\nc,0,0\n', 'g.csv')).toThrow(/g.csv: row 3 names "c"/);
    expect(() => parseMetricsCsv('microservice,a\nmetric,latency\nstatistic,Average\n1.0,2\n', 'm.csv')).toThrow(/unix_timestamp/);
    expect(() => readScenario(join(tmpdir(), 'no-such-rca-scenario'))).toThrow(/not found/);
  });
});
