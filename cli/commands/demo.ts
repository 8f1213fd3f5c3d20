// `aiops demo`: bundled scenarios replayed through the embedded pipeline; prints each incident
// with its ranked root causes and evidence, or one JSON object with --json.
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { availableParallelism } from 'node:os';
import { loadStageModules } from '../stage-catalogue.js';
import { DEFAULT_SPEC, FAULT_KINDS, type FaultKind, type ScenarioSpec } from '../../demo/scenario.js';
import type { ScenarioResult } from '../../demo/run-scenario.js';

interface DemoOptions {
  json?: boolean;
  faults: string;
  seeds: string;
  warmup: string;
  parallel: string;
}

type Progress = (done: number, total: number) => void;

function render(r: ScenarioResult): string {
  const lines: string[] = [];
  const ok = r.ranked[0] === r.injected;
  lines.push(`\n== ${r.fault} fault injected into ${r.injected} (seed ${r.seed}) ${ok ? '— ranked first' : '— NOT ranked first'}`);
  const i = r.incident;
  if (!i) {
    lines.push('   no incident was opened in the fault window');
    return lines.join('\n');
  }
  lines.push(`   incident ${i.id}: ${i.title}`);
  lines.push(`   ${i.anomalyCount} anomaly episodes folded into one incident; affected: ${i.services.join(', ')}`);
  lines.push(`   user-facing impact: ${i.userFacing.join(', ') || 'none'}`);
  // Scores are relative (README "Quick start"): evidence minus a victim penalty, so they go below 0.
  lines.push('   probable root causes (score: weighted evidence minus up to 0.35 when a dependency was hit first; only the order matters, below 0 is not "ruled out"):');
  for (const c of i.rootCauses.slice(0, 3)) {
    lines.push(`   ${c.rank}. ${c.service}  (score ${c.score})  path: ${c.path.join(' -> ')}`);
    for (const reason of c.reasons) lines.push(`        - ${reason}`);
    for (const s of c.signals.slice(0, 4)) lines.push(`        · signal ${s}`);
  }
  lines.push(`   ${r.records} records replayed in ${r.seconds} s; ${r.otherIncidents} other incident(s) outside the fault`);
  return lines.join('\n');
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Replay bundled fault scenarios through the embedded pipeline and print each incident with its ranked root causes.')
    .option('--json', 'print one JSON object {"scenarios":[{fault, injected, ranked, seconds}]} on stdout')
    .option('--faults <list>', `comma-separated fault kinds (${FAULT_KINDS.join(', ')})`, FAULT_KINDS.join(','))
    .option('--seeds <list>', 'comma-separated seeds; each seed picks the faulty service and the noise', '1,2')
    .option('--warmup <minutes>', 'minutes of normal traffic before the fault', String(DEFAULT_SPEC.warmupMinutes))
    .option('--parallel <n>', 'scenarios replayed at once (each has its own bus and store; the store works on its own threads, so two overlap well on two cores)', String(Math.min(2, availableParallelism())))
    .action(async (opts: DemoOptions) => {
      const faults = opts.faults.split(',').map((s) => s.trim()).filter(Boolean);
      for (const f of faults) {
        if (!(FAULT_KINDS as readonly string[]).includes(f)) throw new AiopsError('BAD_REQUEST', `Unknown fault kind "${f}"; choose from ${FAULT_KINDS.join(', ')}.`);
      }
      const seeds = opts.seeds.split(',').map((s) => Number(s.trim()));
      if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new AiopsError('BAD_REQUEST', `--seeds must be non-negative integers, got "${opts.seeds}".`);
      const warmup = Number(opts.warmup);
      if (!Number.isInteger(warmup) || warmup < 120) throw new AiopsError('BAD_REQUEST', '--warmup must be an integer of at least 120 minutes.');
      const parallel = Number(opts.parallel);
      if (!Number.isInteger(parallel) || parallel < 1) throw new AiopsError('BAD_REQUEST', `--parallel must be a positive integer, got "${opts.parallel}".`);
      const logLevel = process.env.AIOPS_LOG_LEVEL ?? 'warn';
      const { createLogger } = await import('../../platform/telemetry/logger.js');
      const logger = createLogger(logLevel, { role: 'demo' });
      // Imported here, not at the top: the pipeline's modules are heavy and `--help` needs none of them.
      const [{ runScenario }, stages] = await Promise.all([import('../../demo/run-scenario.js'), loadStageModules(['sink', 'correlate', 'detect'])]);
      const specs: ScenarioSpec[] = seeds.flatMap((seed) => (faults as FaultKind[]).map((fault) => ({ ...DEFAULT_SPEC, fault, seed, warmupMinutes: warmup })));
      const results: Array<ScenarioResult | undefined> = specs.map(() => undefined);
      const done = specs.map(() => 0);
      const totals = specs.map(() => 0);
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'scenarios {finished}/{count} [{bar}] {percentage}% | {value}/{total} min', stream: process.stderr }, Presets.shades_classic) : undefined;
      bar?.start(1, 0, { finished: 0, count: specs.length });
      const progress = (k: number): Progress => (d, t) => {
        done[k] = d;
        totals[k] = t;
        bar?.setTotal(Math.max(1, totals.reduce((a, b) => a + b, 0)));
        bar?.update(done.reduce((a, b) => a + b, 0), { finished: results.filter(Boolean).length, count: specs.length });
      };
      let printed = 0;
      const settle = (k: number, r: ScenarioResult) => {
        results[k] = r;
        // Print in order as soon as every earlier scenario is done.
        while (printed < specs.length && results[printed]) {
          if (!opts.json) {
            bar?.stop();
            process.stdout.write(`${render(results[printed]!)}\n`);
            const finishedCount = results.filter(Boolean).length;
            if (bar && finishedCount < specs.length) {
              bar.start(Math.max(1, totals.reduce((x, y) => x + y, 0)), done.reduce((x, y) => x + y, 0), { finished: finishedCount, count: specs.length });
            }
          }
          printed++;
        }
      };
      let next = 0;
      const lane = async () => {
        while (next < specs.length) {
          const k = next++;
          const spec = specs[k]!;
          if (!bar) process.stderr.write(`running ${spec.fault} seed ${spec.seed}...\n`);
          settle(k, await runScenario(spec, stages, logger, progress(k)));
        }
      };
      await Promise.all(Array.from({ length: Math.min(parallel, specs.length) }, lane));
      bar?.stop();
      const finished = results as ScenarioResult[];
      const firsts = finished.filter((r) => r.ranked[0] === r.injected).length;
      if (opts.json) {
        const out = { scenarios: finished.map((r) => ({ fault: r.fault, injected: r.injected, ranked: r.ranked, seconds: r.seconds })) };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        process.stdout.write(`\n${firsts}/${finished.length} scenarios ranked the injected service first.\n`);
      }
    });
}
