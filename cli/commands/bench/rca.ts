// `aiops bench rca --scenario DIR --out FILE.json`: stream a PetShop-layout root-cause scenario
// through the real detect stage and correlator and write {"<case>": ["<node>", ...]} best first.
// Never reads labels.json (the scorer, `npm run bench:rca`, does).
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { AiopsError } from '../../../platform/errors/aiops-error.js';
import { readScenario } from '../../../bench/rca/scenario.js';

interface RcaOptions {
  scenario: string;
  out: string;
}

export function registerRcaBench(bench: Command): Command {
  return bench
    .command('rca')
    .description(
      'Rank the root cause of every case of a PetShop-layout scenario (DIR/graph.csv, DIR/noissue/metrics.csv when present, ' +
        'DIR/cases/<case>/{metrics.csv,alert.json}) with the detectors and the correlator; write {"<case>": ["<node>", ...]} best first. ' +
        'Warms up on the normal file when there is one, else on the rows before each alert. Never reads labels.json.',
    )
    .requiredOption('--scenario <dir>', 'scenario directory (graph.csv, cases/<case>/, optional noissue/metrics.csv)')
    .requiredOption('--out <file>', 'rankings JSON to write')
    .action(async (opts: RcaOptions) => {
      if (!opts.out.endsWith('.json')) throw new AiopsError('INPUT_INVALID', `--out should name a .json file, got ${opts.out}`);
      const scenario = readScenario(opts.scenario);
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar({ stream: process.stderr, format: 'rca {bar} {value}/{total} cases | {case}', hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      bar?.start(scenario.cases.length, 0, { case: '' });
      // Imported here: the harness loads the whole correlator, which `--help` does not need.
      const { runRca } = await import('../../../bench/rca/harness.js');
      const run = await runRca(scenario, { onCase: (done, _total, name) => bar?.update(done, { case: name }) });
      bar?.stop();
      mkdirSync(dirname(opts.out) || '.', { recursive: true });
      writeFileSync(opts.out, `${JSON.stringify(run.rankings, null, 2)}\n`);
      const named = Object.values(run.cases).filter((c) => c.named).length;
      process.stdout.write(
        `rca: ${scenario.cases.length} cases, ${scenario.graph.nodes.length} graph nodes, warm-up on ${run.warmup === 'normal-file' ? 'noissue/metrics.csv' : 'the rows before each alert (no normal file)'}, ` +
          `root cause named in ${named}; ${(run.elapsedMs / 1000).toFixed(1)} s; rankings in ${opts.out}\n`,
      );
    });
}
