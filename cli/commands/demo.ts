// `aiops demo`: bundled scenarios replayed through the embedded pipeline; prints each incident
// with its ranked root causes and evidence, or one JSON object with --json.
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { createLogger } from '../../platform/telemetry/logger.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { DEFAULT_SPEC, FAULT_KINDS, type FaultKind } from '../../demo/scenario.js';
import { runScenario, type ScenarioResult } from '../../demo/run-scenario.js';
import { STAGES } from '../stage-registry.js';

interface DemoOptions {
  json?: boolean;
  faults: string;
  seeds: string;
  warmup: string;
}

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
  lines.push(`   ${i.anomalyCount} anomalies folded into one incident; affected: ${i.services.join(', ')}`);
  lines.push(`   user-facing impact: ${i.userFacing.join(', ') || 'none'}`);
  lines.push('   probable root causes:');
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
    .action(async (opts: DemoOptions) => {
      const faults = opts.faults.split(',').map((s) => s.trim()).filter(Boolean);
      for (const f of faults) {
        if (!(FAULT_KINDS as readonly string[]).includes(f)) throw new AiopsError('BAD_REQUEST', `Unknown fault kind "${f}"; choose from ${FAULT_KINDS.join(', ')}.`);
      }
      const seeds = opts.seeds.split(',').map((s) => Number(s.trim()));
      if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new AiopsError('BAD_REQUEST', `--seeds must be non-negative integers, got "${opts.seeds}".`);
      const warmup = Number(opts.warmup);
      if (!Number.isInteger(warmup) || warmup < 120) throw new AiopsError('BAD_REQUEST', '--warmup must be an integer of at least 120 minutes.');
      const logger = createLogger(process.env.AIOPS_LOG_LEVEL ?? 'warn', { role: 'demo' });
      const stages = [STAGES.sink, STAGES.correlate, STAGES.detect];
      const results: ScenarioResult[] = [];
      const bar = process.stderr.isTTY ? new SingleBar({ format: '{scenario} [{bar}] {percentage}% | {value}/{total} min', stream: process.stderr }, Presets.shades_classic) : undefined;
      for (const seed of seeds) {
        for (const fault of faults as FaultKind[]) {
          const label = `${fault} #${seed}`.padEnd(24);
          if (!bar) process.stderr.write(`running ${fault} seed ${seed}...\n`);
          let started = false;
          const r = await runScenario({ ...DEFAULT_SPEC, fault, seed, warmupMinutes: warmup }, stages, logger, (done, total) => {
            if (!bar) return;
            if (!started) {
              bar.start(total, 0, { scenario: label });
              started = true;
            }
            bar.update(done, { scenario: label });
          });
          bar?.stop();
          results.push(r);
          if (!opts.json) process.stdout.write(`${render(r)}\n`);
        }
      }
      const firsts = results.filter((r) => r.ranked[0] === r.injected).length;
      if (opts.json) {
        const out = { scenarios: results.map((r) => ({ fault: r.fault, injected: r.injected, ranked: r.ranked, seconds: r.seconds })) };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        process.stdout.write(`\n${firsts}/${results.length} scenarios ranked the injected service first.\n`);
      }
    });
}
