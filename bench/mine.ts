// `npm run bench:mine`: the CLI as a user runs it, whole processes, next to peers in the same run.
//   1. Start: `aiops --help` (bin/aiops.js on the compiled dist/) against `node -e 0`, the floor
//      any Node command pays; CPU-seconds (user + sys) of each whole process, runs interleaved.
//   2. Mining: `aiops templates --in FILE --out OUT.jsonl` against Drain3's script
//      (bench/drain3/mine.py: the same job, one labelled JSON object per line) on the Loghub-2k
//      BGL messages, then the BGL log's own lines, repeated to BENCH_LINES lines in a temp file
//      removed afterwards. Drain3 comes
//      from PyPI (drain3==0.9.11) in a venv this script creates once. Both outputs are checked
//      to have one object per line. Ratios of medians, interleaved runs: cores are shared.
// Prints the figures and writes bench/results/mine.json.
//   env: LOGHUB2K (default ../shared/bench/loghub2k, then /work/shared/bench/loghub2k),
//        BENCH_LINES (default 1000000), BENCH_REPEAT (default 3), BENCH_START_RUNS (default 15),
//        BENCH_INPUTS (default content,raw: the Content column as in bench:templates, and the log file's lines),
//        PYTHON (default python3), DRAIN3_VENV (default $XDG_CACHE_HOME or ~/.cache, aiops-bench/drain3-0.9.11)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { sourceDir } from '../platform/runtime/source-dir.js';
import { findLoghubDir, loadLoghubDataset } from './loghub/dataset.js';

const here = sourceDir(import.meta.url);
const root = resolve(here, '..');
const BIN = join(root, 'bin/aiops.js');
const DRAIN3 = 'drain3==0.9.11';
const DRAIN3_SCRIPT = join(here, 'drain3/mine.py');
const START_LIMIT_CPU_S = 0.3;
/** What the 2k lines repeated are: the messages parsers are benchmarked on, or the log file's lines. */
const INPUTS: Record<string, { what: string; lines: (dir: string) => string[] }> = {
  content: { what: 'Loghub-2k BGL Content column (the messages)', lines: (dir) => loadLoghubDataset(dir, 'BGL').map((r) => r.content) },
  raw: { what: 'Loghub-2k BGL_2k.log lines (headers included)', lines: (dir) => readFileSync(join(dir, 'BGL/BGL_2k.log'), 'utf8').split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '') },
};
const MINE_MIN_RATIO = 3;

interface Run {
  cpuS: number;
  userS: number;
  sysS: number;
  wallS: number;
}

/**
 * Runs `cmd args` as its own process and returns its CPU time (bash's `times`: the rusage of
 * the waited-for child, millisecond resolution) and wall time. Throws when it fails.
 */
function measure(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Run & { stderr: string } {
  const script = '"$@" >/dev/null || exit $?; times';
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', script, 'measure', cmd, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}`);
  // `times` prints the shell's own times, then its children's: "0m0.544s 0m0.185s".
  const children = r.stdout.trim().split('\n').pop() ?? '';
  const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(children);
  if (m === null) throw new Error(`cannot read the CPU times of ${cmd} from bash's times: ${JSON.stringify(r.stdout)}`);
  const userS = Number(m[1]) * 60 + Number(m[2]);
  const sysS = Number(m[3]) * 60 + Number(m[4]);
  return { cpuS: userS + sysS, userS, sysS, wallS, stderr: r.stderr };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Summary {
  runs: number;
  cpuSMedian: number;
  cpuSMin: number;
  cpuSMax: number;
  wallSMedian: number;
}

/** To the millisecond: the resolution of the CPU times. */
const ms = (s: number): number => Math.round(s * 1000) / 1000;

const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

function summarise(runs: readonly Run[]): Summary {
  const cpu = runs.map((r) => r.cpuS);
  return { runs: runs.length, cpuSMedian: ms(median(cpu)), cpuSMin: ms(Math.min(...cpu)), cpuSMax: ms(Math.max(...cpu)), wallSMedian: ms(median(runs.map((r) => r.wallS))) };
}

function startFigures(runs: number): { help: Summary; nodeFloor: Summary; helpOverFloor: number } {
  const help: Run[] = [];
  const floor: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const h = measure(process.execPath, [BIN, '--help']);
    // Anything on stderr is the "running the TypeScript sources" warning: not the compiled start.
    if (h.stderr.trim() !== '') throw new Error(`aiops --help did not start from dist/ (run \`npm run build\`):\n${h.stderr}`);
    help.push(h);
    floor.push(measure(process.execPath, ['-e', '0']));
  }
  const s = { help: summarise(help), nodeFloor: summarise(floor) };
  return { ...s, helpOverFloor: ratio(s.help.cpuSMedian, s.nodeFloor.cpuSMedian) };
}

/** Python with drain3 installed: a venv created (and drain3 installed from PyPI) when missing. */
function drain3Python(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const venv = process.env.DRAIN3_VENV ?? join(cache, 'aiops-bench', DRAIN3.replace('==', '-'));
  const py = join(venv, 'bin', 'python');
  const has = (): boolean => existsSync(py) && spawnSync(py, ['-c', 'import drain3'], { stdio: 'ignore' }).status === 0;
  if (has()) return py;
  console.log(`creating a venv with ${DRAIN3} at ${venv}`);
  mkdirSync(dirname(venv), { recursive: true });
  const steps: Array<[string, string[]]> = [
    [process.env.PYTHON ?? 'python3', ['-m', 'venv', venv]],
    [py, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', DRAIN3]],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error?.message}): Drain3 is needed for the comparison`);
  }
  if (!has()) throw new Error(`drain3 is not importable from ${py} after installing it`);
  return py;
}

/** Newlines in a file: one labelled object per line is what both commands must write. */
function countLines(path: string): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      for (let at = buf.indexOf(10); at !== -1 && at < n; at = buf.indexOf(10, at + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}

interface Mining {
  lines: number;
  inputBytes: number;
  aiops: Summary & { templates: number; linesPerCpuSecond: number };
  drain3: Summary & { templates: number; linesPerCpuSecond: number; package: string; python: string };
  /** Drain3's median CPU-seconds over the aiops command's: the acceptance figure. */
  cpuRatio: number;
  wallRatio: number;
}

function miningFigures(base: readonly string[], lines: number, repeat: number): Mining {
  const python = drain3Python();
  const pyVersion = spawnSync(python, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const work = mkdtempSync(join(tmpdir(), 'aiops-bench-mine-'));
  try {
    const input = join(work, 'bgl.log');
    writeFileSync(input, Array.from({ length: lines }, (_, i) => base[i % base.length]!).join('\n') + '\n');
    const outA = join(work, 'aiops.jsonl');
    const outD = join(work, 'drain3.jsonl');
    const aiops: Run[] = [];
    const drain3: Run[] = [];
    let templatesA = 0;
    let templatesD = 0;
    for (let r = 0; r < repeat; r++) {
      // Alternate which goes first, so neither always meets the other's leftover load.
      const runA = (): void => {
        const a = measure(process.execPath, [BIN, 'templates', '--in', input, '--out', outA]);
        templatesA = Number(/(\d+) templates/.exec(a.stderr)?.[1] ?? NaN);
        aiops.push(a);
      };
      const runD = (): void => {
        const d = measure(python, [DRAIN3_SCRIPT, input, outD]);
        templatesD = Number(/(\d+) templates/.exec(d.stderr)?.[1] ?? NaN);
        drain3.push(d);
      };
      if (r % 2 === 0) {
        runA();
        runD();
      } else {
        runD();
        runA();
      }
      console.log(`  run ${r + 1}: aiops ${aiops.at(-1)!.cpuS.toFixed(2)} CPU-s, Drain3 ${drain3.at(-1)!.cpuS.toFixed(2)} CPU-s`);
    }
    for (const [who, out] of [['aiops', outA], ['Drain3', outD]] as const) {
      const n = countLines(out);
      if (n !== lines) throw new Error(`${who} wrote ${n} labelled lines for ${lines} input lines: the comparison is void`);
    }
    const a = summarise(aiops);
    const d = summarise(drain3);
    return {
      lines,
      inputBytes: statSync(input).size,
      aiops: { ...a, templates: templatesA, linesPerCpuSecond: Math.round(lines / a.cpuSMedian) },
      drain3: { ...d, templates: templatesD, linesPerCpuSecond: Math.round(lines / d.cpuSMedian), package: DRAIN3, python: pyVersion },
      cpuRatio: ratio(d.cpuSMedian, a.cpuSMedian),
      wallRatio: ratio(d.wallSMedian, a.wallSMedian),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main(): void {
  const dir = findLoghubDir(root);
  const lines = Number(process.env.BENCH_LINES ?? 1_000_000);
  const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
  const startRuns = Math.max(1, Number(process.env.BENCH_START_RUNS ?? 15));
  const inputs = (process.env.BENCH_INPUTS ?? 'content,raw').split(',').map((s) => s.trim()).filter(Boolean);
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  console.log(`whole-process CLI figures, CPU-seconds = user + sys of the process (load average ${loadBefore.join(' ')} on ${cpus().length} cores)`);

  const start = startFigures(startRuns);
  console.log(
    `start: aiops --help ${start.help.cpuSMedian.toFixed(3)} CPU-s median of ${startRuns} (min ${start.help.cpuSMin.toFixed(3)}, max ${start.help.cpuSMax.toFixed(3)}); ` +
      `node -e 0 ${start.nodeFloor.cpuSMedian.toFixed(3)} (x${start.helpOverFloor.toFixed(2)} the floor)`,
  );

  const mining: Record<string, Mining & { input: string }> = {};
  for (const name of inputs) {
    const input = INPUTS[name];
    if (input === undefined) throw new Error(`BENCH_INPUTS: unknown input "${name}"; choose from ${Object.keys(INPUTS).join(', ')}`);
    console.log(`\nmining ${name}: ${input.what} repeated to ${lines} lines, ${repeat} interleaved runs each`);
    const m = miningFigures(input.lines(dir), lines, repeat);
    mining[name] = { input: input.what, ...m };
    console.log(
      `aiops templates  ${m.aiops.cpuSMedian.toFixed(2)} CPU-s (wall ${m.aiops.wallSMedian.toFixed(2)} s), ${m.aiops.templates} templates, ` +
        `${m.aiops.linesPerCpuSecond.toLocaleString('en-US')} lines per CPU-s\n` +
        `Drain3 script    ${m.drain3.cpuSMedian.toFixed(2)} CPU-s (wall ${m.drain3.wallSMedian.toFixed(2)} s), ${m.drain3.templates} templates, ` +
        `${m.drain3.linesPerCpuSecond.toLocaleString('en-US')} lines per CPU-s (${m.drain3.package}, ${m.drain3.python})\n` +
        `ratio: x${m.cpuRatio.toFixed(2)} in CPU, x${m.wallRatio.toFixed(2)} in wall time`,
    );
  }

  const targets = {
    startWithin0_3CpuS: start.help.cpuSMedian <= START_LIMIT_CPU_S,
    mining3xDrain3: Object.values(mining).every((m) => m.cpuRatio >= MINE_MIN_RATIO),
  };
  console.log(`\ntargets: ${Object.entries(targets).map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`).join(', ')}`);

  const out = join(root, 'bench/results/mine.json');
  mkdirSync(dirname(out), { recursive: true });
  const result = {
    command: 'npm run bench:mine',
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    /** 1, 5, 15-minute load averages at the start and at the end: others share the cores. */
    loadAverage: { before: loadBefore, after: loadavg().map((x) => Math.round(x * 100) / 100) },
    start: { command: 'node bin/aiops.js --help', floor: 'node -e 0', limitCpuS: START_LIMIT_CPU_S, ...start },
    mining: { aiopsCommand: 'aiops templates --in FILE --out OUT.jsonl', drain3Command: 'python bench/drain3/mine.py FILE OUT.jsonl', minRatio: MINE_MIN_RATIO, ...mining },
    targets,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main();
