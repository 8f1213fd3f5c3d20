/**
 * Replay of a live-bench recording: the captured remote_write bodies, in their order and with their
 * sample timestamps, posted to a fresh embedded pipeline as fast as its ingest accepts them (a 429
 * or 503 is waited out as Prometheus does), then scored with the schedule recorded beside them.
 * Every time notion the report depends on (warm-up, episodes, incident resolution) follows the
 * samples' timestamps, so the replay yields the incidents the live run did, in minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPipeline, type PipelinePorts } from './pipeline.js';
import { buildReport, type LiveReport } from './report.js';
import { countSeries, readRecording, readSchedule, type Schedule } from './recording.js';

export interface ReplayResult {
  report: LiveReport;
  schedule: Schedule;
  bodies: number;
  /** Bodies ingest refused for good (neither accepted nor retryable). */
  refused: number;
  /** Points ingest published to the detector. */
  points: number;
  /** CPU time of the pipeline process over the replay, and the wall time it took. */
  pipelineCpuSeconds: number;
  wallSeconds: number;
  /** Per incident, its significant episodes (opening, last point, status, subject): what kept it open. */
  incidentEpisodes: Record<string, string[]>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function post(url: string, body: Buffer): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST', body: new Uint8Array(body),
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      signal: AbortSignal.timeout(60_000),
    });
    await res.arrayBuffer();
    if (res.status !== 429 && res.status !== 503) return res.status;
    if (attempt > 600) throw new Error(`ingest kept answering ${res.status} for over 10 minutes`);
    const after = Number(res.headers.get('retry-after'));
    await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 5_000) : 200);
  }
}

export async function replayRecording(opts: { repo: string; recording: string; ports: PipelinePorts; topologyFile: string; log?: (msg: string) => void }): Promise<ReplayResult> {
  const log = opts.log ?? (() => {});
  const bodies = readRecording(opts.recording);
  const schedule = readSchedule(opts.recording);
  const dataDir = mkdtempSync(join(tmpdir(), 'aiops-replay-'));
  const t0 = Date.now();
  const pipeline = await startPipeline({ repo: opts.repo, dataDir, ports: opts.ports, topologyFile: opts.topologyFile });
  try {
    const cpu0 = await pipeline.counter('aiops_process_cpu_seconds_total');
    const url = `http://127.0.0.1:${opts.ports.ingest}/api/v1/write`;
    let refused = 0;
    for (const [i, b] of bodies.entries()) {
      const status = await post(url, b.body);
      if (status >= 300) refused++;
      if (i % 200 === 0) log(`[replay] ${i}/${bodies.length} bodies posted`);
    }
    // Drained when the detector has taken every point ingest published and nothing moves any more.
    let last = '';
    let stable = 0;
    let points = 0;
    for (let i = 0; i < 600 && stable < 3; i++) {
      await sleep(1000);
      points = await pipeline.counter('aiops_component_sent_events_total', { stage: 'ingest' });
      const detected = await pipeline.counter('aiops_component_received_events_total', { stage: 'detect' });
      const now = [points, detected, await pipeline.counter('aiops_component_received_events_total', { stage: 'correlate' }),
        await pipeline.counter('aiops_component_received_events_total', { stage: 'sink' })].join(',');
      stable = detected >= points && now === last ? stable + 1 : 0;
      last = now;
    }
    // One periodic correlator flush after the last anomaly (every 10 s) publishes what it resolves.
    await sleep(12_000);
    const cpu1 = await pipeline.counter('aiops_process_cpu_seconds_total');
    const [incidents, anomalies] = await Promise.all([pipeline.incidents(), pipeline.anomalies()]);
    const incidentEpisodes: Record<string, string[]> = {};
    for (const i of incidents) {
      const detail = (await pipeline.getJson(`/v1/incidents/${encodeURIComponent(i.id)}`)) as { anomalies: EpisodeView[] };
      incidentEpisodes[i.id] = detail.anomalies.filter((a) => a.significance !== 'internal').sort((a, b) => a.ts - b.ts).slice(0, 200)
        .map((a) => `${iso(a.ts)} .. ${iso(a.episode?.lastAt ?? a.ts)} ${a.episode?.status ?? ''} ${a.service} ${a.subject}`);
    }
    const report = buildReport({ ...schedule, seriesIn: (from, to) => countSeries(bodies, from, to), dataEndMs: dataEnd(bodies), incidents, anomalies });
    return { incidentEpisodes, report, schedule, bodies: bodies.length, refused, points, pipelineCpuSeconds: cpu1 - cpu0, wallSeconds: (Date.now() - t0) / 1000 };
  } finally {
    // LIVE_REPLAY_KEEP_S keeps the replayed pipeline's API up that long, to look into a result.
    const keepS = Number(process.env.LIVE_REPLAY_KEEP_S ?? 0);
    if (keepS > 0) { log(`[replay] API kept on 127.0.0.1:${opts.ports.api} for ${keepS} s`); await sleep(keepS * 1000); }
    await pipeline.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface EpisodeView { ts: number; service: string; subject: string; significance?: string; episode?: { lastAt: number; status: string } }
const iso = (t: number): string => new Date(t).toISOString().slice(11, 19);

/** Receive time of the last body: the recording says nothing about what came after. */
const dataEnd = (bodies: readonly { at: number }[]): number => bodies.reduce((m, b) => Math.max(m, b.at), 0);
