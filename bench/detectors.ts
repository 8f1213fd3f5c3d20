// `npm run bench:detectors`: throughput (points/s on one core) of the per-series streaming detector on
// the NAB corpus and on many series x few points, plus the bytes of state each series holds.
// Prints the figures and writes bench/results/detectors.json.
//   env: NAB_DATA (default ../shared/bench/nab/data, then /work/shared/bench/nab/data),
//        BENCH_SERIES (default 1000000), BENCH_POINTS (default 100), BENCH_REPEAT (default 3)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sourceDir } from '../platform/runtime/source-dir.js';
import { SeriesDetector } from '../detectors/metrics/series-detector.js';
import { listNabFiles, readNabSeries, type NabSeries } from './nab/corpus.js';

// The source folder even when run compiled from dist/bench: results go to bench/results.
const here = sourceDir(import.meta.url);
const root = resolve(here, '..');

function nabDir(): string | undefined {
  const candidates = [process.env.NAB_DATA, resolve(root, '../shared/bench/nab/data'), '/work/shared/bench/nab/data'];
  return candidates.find((d): d is string => d !== undefined && existsSync(d));
}

function benchNab(dir: string, repeat: number): { files: number; rows: number; pointsPerSecond: number } {
  const series: NabSeries[] = listNabFiles(dir).map((k) => readNabSeries(dir, k));
  const rows = series.reduce((a, s) => a + s.values.length, 0);
  let best = 0;
  let sink = 0;
  for (let r = 0; r < repeat; r++) {
    const cpu0 = process.cpuUsage();
    for (const s of series) {
      const d = new SeriesDetector();
      const ts = s.timestamps;
      const vs = s.values;
      for (let i = 0; i < vs.length; i++) sink += d.update(ts[i] as number, vs[i] as number).score;
    }
    const cpu = process.cpuUsage(cpu0);
    best = Math.max(best, rows / ((cpu.user + cpu.system) / 1e6));
  }
  if (sink < 0) console.log(sink);
  return { files: series.length, rows, pointsPerSecond: best };
}

interface ManySeriesResult {
  series: number;
  points: number;
  /** Wall clock: lower than the CPU figure when other processes share the cores. */
  pointsPerSecond: number;
  /** Per second of this process's CPU time: the per-core throughput. */
  pointsPerCpuSecond: number;
  heapBytesPerSeries: number;
}

function benchManySeries(nSeries: number, nPoints: number): ManySeriesResult {
  global.gc?.();
  const before = process.memoryUsage();
  const detectors: SeriesDetector[] = new Array(nSeries);
  for (let i = 0; i < nSeries; i++) detectors[i] = new SeriesDetector();
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
      sink += (detectors[i] as SeriesDetector).update(ts, v).score;
    }
    if (process.stderr.isTTY) process.stderr.write(`\rmany-series: ${p + 1}/${nPoints} ticks`);
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  if (process.stderr.isTTY) process.stderr.write('\n');
  global.gc?.();
  const after = process.memoryUsage();
  const heap = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  if (sink < 0 || detectors.length === 0) console.log(sink);
  return {
    series: nSeries,
    points: nSeries * nPoints,
    pointsPerSecond: (nSeries * nPoints) / secs,
    pointsPerCpuSecond: (nSeries * nPoints) / cpuSecs,
    heapBytesPerSeries: heap / nSeries,
  };
}

function main(): void {
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  const nSeries = Number(process.env.BENCH_SERIES ?? 1_000_000);
  const nPoints = Number(process.env.BENCH_POINTS ?? 100);
  const probe = new SeriesDetector();
  for (let i = 0; i < 2000; i++) probe.update(Date.UTC(2024, 0, 1) + i * 300_000, 50 + (i % 7));
  const stateBytes = probe.stateBytes;
  const snapshotBytes = Buffer.byteLength(JSON.stringify(probe.snapshot()));

  const dir = nabDir();
  const nab = dir !== undefined ? benchNab(dir, repeat) : undefined;
  if (nab !== undefined) {
    console.log(`NAB corpus: ${nab.files} files, ${nab.rows} rows: ${Math.round(nab.pointsPerSecond).toLocaleString('en-US')} points per CPU-second (best of ${repeat})`);
  } else {
    console.log('NAB corpus: not found (set NAB_DATA); skipped');
  }
  const many = benchManySeries(nSeries, nPoints);
  console.log(
    `${nSeries.toLocaleString('en-US')} series x ${nPoints} points: ${Math.round(many.pointsPerCpuSecond).toLocaleString('en-US')} points per CPU-second ` +
      `(${Math.round(many.pointsPerSecond).toLocaleString('en-US')} points/s wall clock), ` +
      `heap ${Math.round(many.heapBytesPerSeries)} bytes/series`,
  );
  console.log(`state: ${stateBytes} bytes/series (Float64Array), snapshot ${snapshotBytes} bytes as JSON`);

  const out = join(root, 'bench/results/detectors.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        detector: 'SeriesDetector',
        node: process.version,
        date: new Date().toISOString(),
        nab: nab ?? null,
        manySeries: many,
        stateBytesPerSeries: stateBytes,
        snapshotBytesPerSeries: snapshotBytes,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
}

main();
