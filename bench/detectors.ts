// `npm run bench:detectors`: throughput (points per CPU-second, one core) of the per-series streaming
// detector on the NAB corpus and on many series x few points, plus the bytes of state each series
// holds; next to a baseline implementation (the detector of an earlier commit, read from git) in the
// same run, as ratios, because the cores are shared. Prints the figures and writes
// bench/results/detectors.json.
//   env: NAB_DATA (default ../shared/bench/nab/data, then /work/shared/bench/nab/data),
//        BENCH_SERIES (default 100000), BENCH_POINTS (default 100), BENCH_REPEAT (default 3),
//        BENCH_BASELINE_REV (default 45c4da6, the last commit before the slab layout; "none" skips it)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sourceDir } from '../platform/runtime/source-dir.js';
import { SeriesDetector } from '../detectors/metrics/series-detector.js';
import { StateSlab } from '../detectors/metrics/state-slab.js';
import { listNabFiles, readNabSeries, type NabSeries } from './nab/corpus.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// The source folder even when run compiled from dist/bench: results go to bench/results.
const here = sourceDir(import.meta.url);
const root = resolve(here, '..');
/** Compiled (dist/, what `npm start` runs) or the TypeScript sources through tsx, which run the detector about 2x slower. */
const runMode = import.meta.url.includes('/dist/') ? 'compiled' : 'source (tsx)';

/** What the bench needs of a detector implementation. */
interface Detector {
  update(tsMs: number, value: number): { score: number };
  readonly stateBytes: number;
}

interface Implementation {
  name: string;
  /** A new detector; `slab` is shared by the detectors of one run, as a SeriesBank does. */
  make(slab: StateSlab | undefined): Detector;
  slab: boolean;
}

const current: Implementation = { name: 'current', make: (slab) => new SeriesDetector(undefined, slab), slab: true };

/**
 * The detector of commit `rev`: its detectors/metrics/*.ts from git, transpiled with the project's
 * TypeScript into a temporary folder and imported. Undefined (said on stderr) when git cannot give it.
 */
async function baselineAt(rev: string): Promise<Implementation | undefined> {
  try {
    const files = execFileSync('git', ['ls-tree', '--name-only', `${rev}:detectors/metrics`], { cwd: root, encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.ts'));
    const { default: ts } = await import('typescript');
    const dir = join(tmpdir(), `aiops-bench-detector-${rev}-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    for (const f of files) {
      const src = execFileSync('git', ['show', `${rev}:detectors/metrics/${f}`], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
      const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      writeFileSync(join(dir, f.replace(/\.ts$/, '.js')), js);
    }
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    const mod = (await import(pathToFileURL(join(dir, 'series-detector.js')).href)) as { SeriesDetector: new () => Detector };
    return { name: `baseline ${rev}`, make: () => new mod.SeriesDetector(), slab: false };
  } catch (err) {
    process.stderr.write(`baseline ${rev} not available (${(err as Error).message.split('\n')[0]}); measuring the current detector alone\n`);
    return undefined;
  }
}

function nabDir(): string | undefined {
  const candidates = [process.env.NAB_DATA, resolve(root, '../shared/bench/nab/data'), '/work/shared/bench/nab/data'];
  return candidates.find((d): d is string => d !== undefined && existsSync(d));
}

function cpuSeconds(from: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1e6;
}

/** One pass over every file, a fresh detector each; points per CPU-second. */
function nabPass(impl: Implementation, series: readonly NabSeries[], rows: number): number {
  let sink = 0;
  const cpu0 = process.cpuUsage();
  for (const s of series) {
    const d = impl.make(impl.slab ? new StateSlab() : undefined);
    const ts = s.timestamps;
    const vs = s.values;
    for (let i = 0; i < vs.length; i++) sink += d.update(ts[i] as number, vs[i] as number).score;
  }
  const secs = cpuSeconds(cpu0);
  if (sink < 0) console.log(sink);
  return rows / secs;
}

interface ManySeriesResult {
  series: number;
  points: number;
  /** Wall clock: lower than the CPU figure when other processes share the cores. */
  pointsPerSecond: number;
  /** Per second of this process's CPU time: the per-core throughput. */
  pointsPerCpuSecond: number;
  /** Heap plus array buffers held by the detectors, after a forced gc, per series. */
  heapBytesPerSeries: number;
  stateBytesPerSeries: number;
}

/** Memory after gc, once the backing stores the gc released are freed too (that happens off-thread). */
async function settled(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage();
}

async function manySeries(impl: Implementation, nSeries: number, nPoints: number): Promise<ManySeriesResult> {
  const before = await settled();
  const slab = impl.slab ? new StateSlab() : undefined;
  const detectors: Detector[] = new Array(nSeries);
  for (let i = 0; i < nSeries; i++) detectors[i] = impl.make(slab);
  const step = 60_000;
  const t0ms = Date.UTC(2024, 0, 1);
  // Interleaved like a live feed: each tick, one point for every series.
  let sink = 0;
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let p = 0; p < nPoints; p++) {
    const ts = t0ms + p * step;
    for (let i = 0; i < nSeries; i++) {
      const v = 100 + (i % 17) + 5 * Math.sin(p / 5 + i) + ((p * 7 + i) % 11) / 11;
      sink += (detectors[i] as Detector).update(ts, v).score;
    }
    if (process.stderr.isTTY) process.stderr.write(`\r${impl.name}, many series: ${p + 1}/${nPoints} ticks`);
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuSecs = cpuSeconds(cpu0);
  if (process.stderr.isTTY) process.stderr.write('\n');
  const after = await settled();
  const heap = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  const stateBytes = detectors.reduce((a, d) => a + d.stateBytes, 0) / nSeries;
  if (sink < 0 || detectors.length === 0) console.log(sink);
  return {
    series: nSeries,
    points: nSeries * nPoints,
    pointsPerSecond: (nSeries * nPoints) / secs,
    pointsPerCpuSecond: (nSeries * nPoints) / cpuSecs,
    heapBytesPerSeries: heap / nSeries,
    stateBytesPerSeries: stateBytes,
  };
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const ratio = (a: number, b: number | undefined) => (b === undefined ? undefined : +(a / b).toFixed(3));

async function main(): Promise<void> {
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  const nSeries = Number(process.env.BENCH_SERIES ?? 100_000);
  const nPoints = Number(process.env.BENCH_POINTS ?? 100);
  const rev = process.env.BENCH_BASELINE_REV ?? '45c4da6';
  const baseline = rev === 'none' ? undefined : await baselineAt(rev);
  const impls = baseline ? [current, baseline] : [current];
  console.log(`running ${runMode}; ${impls.map((i) => i.name).join(' vs ')}`);

  const probe = new SeriesDetector();
  for (let i = 0; i < 2000; i++) probe.update(Date.UTC(2024, 0, 1) + i * 300_000, 50 + (i % 7));
  const stateBytes = probe.stateBytes;
  const snapshotBytes = Buffer.byteLength(JSON.stringify(probe.snapshot()));

  // NAB: the implementations take turns, best pass of each (the least disturbed by other processes).
  const dir = nabDir();
  const nab: Record<string, number> = {};
  let nabShape: { files: number; rows: number } | undefined;
  if (dir !== undefined) {
    const series: NabSeries[] = listNabFiles(dir).map((k) => readNabSeries(dir, k));
    const rows = series.reduce((a, s) => a + s.values.length, 0);
    nabShape = { files: series.length, rows };
    for (let r = 0; r < repeat; r++) for (const impl of impls) nab[impl.name] = Math.max(nab[impl.name] ?? 0, nabPass(impl, series, rows));
    for (const impl of impls) console.log(`NAB corpus, ${impl.name}: ${series.length} files, ${rows} rows: ${fmt(nab[impl.name] as number)} points per CPU-second (best of ${repeat})`);
  } else {
    console.log('NAB corpus: not found (set NAB_DATA); skipped');
  }

  const many: Record<string, ManySeriesResult> = {};
  for (const impl of impls) {
    const m = await manySeries(impl, nSeries, nPoints);
    many[impl.name] = m;
    console.log(
      `${fmt(nSeries)} series x ${nPoints} points, ${impl.name}: ${fmt(m.pointsPerCpuSecond)} points per CPU-second ` +
        `(${fmt(m.pointsPerSecond)} points/s wall clock), heap ${fmt(m.heapBytesPerSeries)} bytes/series, state ${fmt(m.stateBytesPerSeries)} bytes/series`,
    );
  }
  const cur = many[current.name] as ManySeriesResult;
  const base = baseline ? many[baseline.name] : undefined;
  const ratios = {
    nab: ratio(nab[current.name] ?? 0, baseline ? nab[baseline.name] : undefined),
    manySeries: ratio(cur.pointsPerCpuSecond, base?.pointsPerCpuSecond),
    heapBytesPerSeries: ratio(cur.heapBytesPerSeries, base?.heapBytesPerSeries),
  };
  if (baseline) console.log(`current / ${baseline.name}: NAB x${ratios.nab}, many series x${ratios.manySeries}, heap per series x${ratios.heapBytesPerSeries}`);
  console.log(`state: ${stateBytes} bytes/series after 2,000 points with alarms (832 resident + 192 of side block once an alarm or feedback needs it), snapshot ${snapshotBytes} bytes as JSON`);

  const out = join(root, 'bench/results/detectors.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        detector: 'SeriesDetector',
        node: process.version,
        date: new Date().toISOString(),
        runMode,
        baseline: baseline?.name ?? null,
        nab: nabShape ? { ...nabShape, pointsPerSecond: nab[current.name], baselinePointsPerSecond: baseline ? nab[baseline.name] : null } : null,
        manySeries: cur,
        baselineManySeries: base ?? null,
        ratios,
        stateBytesPerSeries: stateBytes,
        snapshotBytesPerSeries: snapshotBytes,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
}

await main();
