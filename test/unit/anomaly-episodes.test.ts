// Anomaly episodes: one anomaly per stretch out of band, republished at most once a minute,
// closed after the series is back in band, restart-safe. The paging rule's verdicts are fed
// directly, so these tests do not depend on how the detector decides a point is out of band.
import { describe, expect, it } from 'vitest';
import { DEFAULT_EPISODE_RULE, episodeAnomaly, episodePoint, stepEpisode, type EpisodeEmission, type EpisodeState } from '../../detectors/episodes.js';
import type { SeriesVerdict } from '../../detectors/metrics/series-detector.js';
import type { SustainedVerdict } from '../../detectors/sustained-deviation.js';
import type { Anomaly, MetricPoint } from '../../platform/contracts/events.js';
import { SeriesBank, detectBatch } from '../../detectors/stage.js';
import { Anomaly as AnomalySchema } from '../../platform/contracts/events.js';
import { validate } from '../../platform/contracts/validate.js';

const T0 = Date.UTC(2026, 10, 1);
const SEC = 1_000;
const MIN = 60_000;
const KEY = 'api|http_server_request_duration_seconds{le="0.5"}';

/** A detector verdict with `observed` against a band of 1 ± 0.5. */
const seriesVerdict = (observed: number): SeriesVerdict => ({ score: 0.9, isAnomaly: observed > 1.5, observed, expected: 1, lower: 0.5, upper: 1.5, direction: observed > 1 ? 'up' : 'none', detector: 'level-shift' });
const sustained = (anomalous: boolean, run: number, score = 0.8): SustainedVerdict => ({ anomalous, detector: 'sustained-deviation', score, run });

/** Feeds one series' points, out of band while `out(ts)`; returns every emission and the final state. */
function run(from: number, to: number, step: number, out: (ts: number) => number | undefined, start?: EpisodeState) {
  let state = start;
  const emitted: Array<EpisodeEmission & { ts: number }> = [];
  let runLen = 0;
  for (let ts = from; ts < to; ts += step) {
    const observed = out(ts);
    runLen = observed !== undefined ? runLen + 1 : 0;
    const v = seriesVerdict(observed ?? 1);
    const s = sustained(observed !== undefined, runLen, observed !== undefined ? Math.min(0.99, 0.5 + observed / 10) : 0.1);
    const r = stepEpisode(state, ts, s.anomalous ? episodePoint(ts, v, s, { kind: 'gauge' }) : undefined);
    state = r.state;
    for (const e of r.emissions) emitted.push({ ...e, ts });
  }
  return { state, emitted };
}

const toAnomaly = (e: EpisodeEmission): Anomaly => episodeAnomaly('default', 'api', KEY, 'http_server_request_duration_seconds{le="0.5"}', 'metric', e, 'golden');

describe('anomaly episodes', () => {
  it('opens once, republishes at most once a minute of event time, and closes after five minutes back in band', () => {
    // 5 s scrape: 10 min out of band (values rising to a peak at minute 6), then 10 min in band.
    const faultEnd = T0 + 10 * MIN;
    const { state, emitted } = run(T0, T0 + 20 * MIN, 5 * SEC, (ts) => (ts < faultEnd ? 3 + (ts - T0 < 6 * MIN ? (ts - T0) / MIN : 6 - (ts - T0 - 6 * MIN) / MIN) : undefined));
    expect(state, 'closed episodes leave no state').toBeUndefined();
    const ids = new Set(emitted.map((e) => toAnomaly(e).id));
    expect(ids.size).toBe(1);
    expect(emitted[0]!.episode).toMatchObject({ status: 'open', version: 1, openedAt: T0, points: 1 });
    // Versions strictly increase. The episode is published again as soon as it has the points an
    // incident needs (the third, 10 s in), then at least a minute of event time apart.
    emitted.forEach((e, i) => expect(e.episode.version).toBe(i + 1));
    const opens = emitted.filter((e) => e.episode.status === 'open');
    expect(opens[1]!.episode.points).toBe(DEFAULT_EPISODE_RULE.confirmPoints);
    expect(opens[1]!.ts).toBe(T0 + (DEFAULT_EPISODE_RULE.confirmPoints - 1) * 5 * SEC);
    for (let i = 2; i < opens.length; i++) expect(opens[i]!.ts - opens[i - 1]!.ts).toBeGreaterThanOrEqual(DEFAULT_EPISODE_RULE.updateEveryMs);
    // 120 points over 10 minutes yield ~12 publications, not 120.
    expect(emitted.length).toBeLessThanOrEqual(13);
    const last = emitted.at(-1)!;
    expect(last.episode.status).toBe('closed');
    expect(last.episode.points).toBe(120);
    expect(last.episode.lastAt).toBe(faultEnd - 5 * SEC);
    expect(last.episode.closedAt).toBe(faultEnd + DEFAULT_EPISODE_RULE.closeAfterMs);
    expect(last.episode.peakAt).toBe(T0 + 6 * MIN);
    expect(last.episode.peakValue).toBeCloseTo(9, 6);
    // The published anomaly carries the peak point's values and validates against the contract.
    const a = toAnomaly(last);
    expect(a.observed).toBeCloseTo(9, 6);
    expect(a.ts).toBe(T0);
    expect(validate(AnomalySchema, a).ok).toBe(true);
  });

  it('stays one open episode through 60 minutes out of band', () => {
    const { state, emitted } = run(T0, T0 + 60 * MIN, 5 * SEC, () => 4);
    expect(state?.points).toBe(720);
    expect(new Set(emitted.map((e) => toAnomaly(e).id)).size).toBe(1);
    expect(emitted.every((e) => e.episode.status === 'open')).toBe(true);
    expect(emitted.length).toBeGreaterThanOrEqual(59);
    expect(emitted.length).toBeLessThanOrEqual(61);
  });

  it('does not close on in-band blips shorter than the resolve time', () => {
    // Out, 2 min in band, out again: one episode.
    const { emitted } = run(T0, T0 + 12 * MIN, 15 * SEC, (ts) => (ts - T0 >= 4 * MIN && ts - T0 < 6 * MIN ? undefined : 4));
    expect(new Set(emitted.map((e) => toAnomaly(e).id)).size).toBe(1);
    expect(emitted.some((e) => e.episode.status === 'closed')).toBe(false);
  });

  it('splits at a change of side: a drop below the band and a rise above it within the resolve time are two episodes', () => {
    // Below the band (0.2 against 1 ± 0.5) for 4 min, 2 min in band, then above it (4) for 4 min.
    const out = (ts: number) => (ts - T0 < 4 * MIN ? 0.2 : ts - T0 >= 6 * MIN && ts - T0 < 10 * MIN ? 4 : undefined);
    const { emitted } = run(T0, T0 + 12 * MIN, 15 * SEC, out);
    const ids = [...new Set(emitted.map((e) => toAnomaly(e).id))];
    expect(ids).toHaveLength(2);
    const first = emitted.filter((e) => toAnomaly(e).id === ids[0]);
    const second = emitted.filter((e) => toAnomaly(e).id === ids[1]);
    expect(first.at(-1)!.episode).toMatchObject({ status: 'closed', closedAt: T0 + 4 * MIN, peakValue: 0.2 });
    expect(first.every((e) => e.peak.observed < e.peak.expected)).toBe(true);
    expect(second[0]!.episode).toMatchObject({ status: 'open', version: 1, openedAt: T0 + 6 * MIN });
    expect(second.every((e) => e.peak.observed > e.peak.expected)).toBe(true);
  });

  it('a deviation after the episode closed opens a new episode with a new id', () => {
    const out = (ts: number) => (ts - T0 < 3 * MIN || (ts - T0 >= 20 * MIN && ts - T0 < 23 * MIN) ? 4 : undefined);
    const { emitted } = run(T0, T0 + 30 * MIN, 15 * SEC, out);
    const ids = [...new Set(emitted.map((e) => toAnomaly(e).id))];
    expect(ids).toHaveLength(2);
    const byId = (id: string) => emitted.filter((e) => toAnomaly(e).id === id);
    expect(byId(ids[0]!).at(-1)!.episode.status).toBe('closed');
    expect(byId(ids[1]!)[0]!.episode).toMatchObject({ status: 'open', version: 1, openedAt: T0 + 20 * MIN });
  });

  it('closes an episode whose series went silent, when its next point arrives', () => {
    const first = run(T0, T0 + 3 * MIN, 15 * SEC, () => 4);
    expect(first.state).toBeDefined();
    const later = run(T0 + 60 * MIN, T0 + 61 * MIN, 15 * SEC, () => 4, first.state);
    const ids = new Set([...first.emitted, ...later.emitted].map((e) => toAnomaly(e).id));
    expect(ids.size).toBe(2);
    expect(later.emitted[0]!.episode).toMatchObject({ status: 'closed', closedAt: first.state!.lastAt + DEFAULT_EPISODE_RULE.closeAfterMs });
  });

  it('resumes the same episode from a checkpointed (JSON) state, as a restart does', () => {
    const whole = run(T0, T0 + 20 * MIN, 5 * SEC, () => 4);
    const part1 = run(T0, T0 + 10 * MIN, 5 * SEC, () => 4);
    const restored = JSON.parse(JSON.stringify(part1.state)) as EpisodeState;
    const part2 = run(T0 + 10 * MIN, T0 + 20 * MIN, 5 * SEC, () => 4, restored);
    // The sustained run restarts at 0 in the second half, which changes the evidence only.
    const strip = (e: EpisodeEmission) => ({ id: toAnomaly(e).id, ...e.episode });
    expect([...part1.emitted, ...part2.emitted].map(strip)).toEqual(whole.emitted.map(strip));
  });
});

describe('the detect stage publishes episodes', () => {
  const points = (name: string): MetricPoint[] => {
    const out: MetricPoint[] = [];
    // Two hours of 5 s points around 100, then 30 minutes at 500.
    for (let i = 0; i < 1440 + 360; i++) {
      const ts = T0 + i * 5 * SEC;
      const value = (i < 1440 ? 100 : 500) + 3 * Math.sin(i / 7) + ((i * 7919) % 13) / 13;
      out.push({ id: `p${i}`, tenant: 'default', ts, service: 'api', name, kind: 'gauge', value, labels: {} });
    }
    return out;
  };

  it('folds a 5 s series out of band into a few episodes, the same ones on a replay, classified by name', async () => {
    const run1 = await detectBatch(new SeriesBank(undefined), points('process_virtual_memory_bytes'), []);
    const run2 = await detectBatch(new SeriesBank(undefined), points('process_virtual_memory_bytes'), []);
    expect(run2).toEqual(run1);
    expect(run1.length).toBeGreaterThan(0);
    expect(run1.every((a) => a.significance === 'internal' && a.episode?.id === a.id)).toBe(true);
    const newest = new Map<string, Anomaly>();
    for (const a of run1) newest.set(a.id, a);
    const anomalousPoints = [...newest.values()].reduce((n, a) => n + a.episode!.points, 0);
    // At most one publication a minute per episode (12 points), plus its opening and closing.
    expect(run1.length).toBeLessThanOrEqual(Math.ceil(anomalousPoints / 12) + 2 * newest.size);
    expect(newest.size).toBeLessThan(anomalousPoints);
    const latency = await detectBatch(new SeriesBank(undefined), points('http_server_request_duration_seconds'), []);
    expect(latency.length).toBeGreaterThan(0);
    expect(latency.every((a) => a.significance === 'golden')).toBe(true);
  });
});
