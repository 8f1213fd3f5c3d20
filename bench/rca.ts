// npm run bench:rca: the RCA harness (the same code as `aiops bench rca`) on every PetShop
// scenario under BENCH_RCA_DIR (default ../shared/bench/petshop relative to the checkout, or
// /work/shared/bench/petshop), scored against each scenario's labels.json (read here only).
// Prints AC@1/AC@3 (and AC@5, Avg@5) overall and per alert kind, the same without the normal
// file (the warm-up a scenario without noissue/ gets), and specificity on slices of the normal
// data; writes bench/results/rca.json.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sourceDir } from '../platform/runtime/source-dir.js';
import { readScenario } from './rca/scenario.js';
import { normalSpecificity, runRca } from './rca/harness.js';
import { readLabels, scoreRun, type AcFigures } from './rca/score.js';

// The source folder even when run compiled from dist/bench: results go to bench/results.
const here = sourceDir(import.meta.url);
const candidates = [process.env.BENCH_RCA_DIR, resolve(here, '../../shared/bench/petshop'), '/work/shared/bench/petshop'].filter((d): d is string => !!d);
const root = candidates.find((d) => existsSync(d));
if (!root) {
  process.stderr.write(`bench:rca: no PetShop data found (tried ${candidates.join(', ')}); set BENCH_RCA_DIR\n`);
  process.exit(1);
}
const scenarios = existsSync(join(root, 'graph.csv')) ? [root] : readdirSync(root).map((d) => join(root, d)).filter((d) => existsSync(join(d, 'graph.csv')) && existsSync(join(d, 'labels.json')));
const fmt = (name: string, f: AcFigures) => `  ${name.padEnd(28)} n=${String(f.cases).padStart(3)}  AC@1 ${f.ac1.toFixed(3)}  AC@3 ${f.ac3.toFixed(3)}  AC@5 ${f.ac5.toFixed(3)}  Avg@5 ${f.avg5.toFixed(3)}`;
const results: Record<string, unknown> = {};
for (const dir of scenarios.sort()) {
  const name = dir.split('/').pop()!;
  const full = readScenario(dir);
  const labels = readLabels(dir);
  const kindOf = Object.fromEntries(full.cases.map((c) => [c.name, c.alert.metric]));
  const out: Record<string, unknown> = {};
  const variants: Array<[string, typeof full]> = [[full.normal ? 'with normal file' : 'without normal file (none in the scenario)', full]];
  if (full.normal) {
    const { normal: _dropped, ...bare } = full;
    variants.push(['without normal file', bare]);
  }
  process.stdout.write(`${name} (${full.cases.length} cases)\n`);
  for (const [label, s] of variants) {
    const run = await runRca(s);
    const score = scoreRun(run.rankings, labels, kindOf);
    process.stdout.write(` ${label}: ${(run.elapsedMs / 1000).toFixed(1)} s, root cause named in ${Object.values(run.cases).filter((c) => c.named).length}\n`);
    process.stdout.write(`${fmt('all', score.overall)}\n`);
    for (const [k, f] of Object.entries(score.byKind)) process.stdout.write(`${fmt(k, f)}\n`);
    out[label.startsWith('with normal') ? 'withNormal' : 'withoutNormal'] = { ...score, seconds: run.elapsedMs / 1000 };
  }
  if (full.normal) {
    const spec = await normalSpecificity(full);
    process.stdout.write(` specificity on ${spec.slices} slices of 5 rows of normal data (after warm-up on the first half): ${spec.specificity.toFixed(3)}`);
    process.stdout.write(` (${Object.entries(spec.byKind).map(([k, v]) => `${k} ${v.specificity.toFixed(3)}`).join(', ')})\n`);
    out.specificity = spec;
  }
  out.targets = { ac1: 0.85, ac3: 0.95, specificity: 0.9 };
  results[name] = out;
}
const file = resolve(here, 'results/rca.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), root, scenarios: results }, null, 2)}\n`);
process.stdout.write(`results in ${file}\n`);
