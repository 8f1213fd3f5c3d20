// The detect stage with a session model: a model trained from a log file with the stage's
// template miner (aiops train-sessions), loaded from the models directory, scores the sessions of
// the log lines that carry a sessionId; open sessions survive a restart through their checkpoint.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrainSessions } from '../../cli/commands/train-sessions.js';
import { LogTemplateBank } from '../../detectors/log-template-bank.js';
import { SESSION_CHECKPOINT_NAMESPACE, SessionBank, loadSessionModels, type LoadedSessionModels } from '../../detectors/sessions/index.js';
import { registerSessionMetrics } from '../../detectors/sessions/metrics.js';
import { SeriesBank, detectBatch } from '../../detectors/stage.js';
import { Anomaly, type LogRecord } from '../../platform/contracts/events.js';
import { validate } from '../../platform/contracts/validate.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';

process.env.AIOPS_TF_QUIET = '1';
const dir = mkdtempSync(join(tmpdir(), 'sessions-stage-'));
const modelsDir = join(dir, 'models');
const T0 = Date.UTC(2026, 10, 30, 12);

/** The messages of one normal session: open, 2-3 items read then written, sync or flush, close. */
function normalSession(i: number): string[] {
  const lines = [`open session for user u${i}`, 'auth check passed'];
  for (let k = 0; k < 2 + (i % 2); k++) lines.push(`read item ${i * 10 + k} in ${k + 2} ms`, `write item ${i * 10 + k} in ${k + 3} ms`);
  lines.push(i % 3 === 0 ? 'flush buffers' : 'sync journal', `close session after ${i + 40} ms`);
  return lines;
}

let seq = 0;
function logs(sessionId: string, messages: readonly string[], start: number): LogRecord[] {
  return messages.map((body, k) => ({ id: `r${seq++}`, tenant: 't1', ts: start + k * 100, service: 'shop', severity: 'info', body, sessionId, attributes: {} }));
}

let loaded: LoadedSessionModels;

beforeAll(async () => {
  // Training data as sent to /v1/ndjson/logs; a line without sessionId is mined but is no event.
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    for (const body of normalSession(i)) lines.push(JSON.stringify({ service: 'shop', body, sessionId: `train-${i}` }));
    lines.push(JSON.stringify({ service: 'shop', body: `heartbeat ${i}` }));
  }
  const file = join(dir, 'train.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  await runTrainSessions({ in: file, out: join(modelsDir, 'shop'), format: 'ndjson', service: 'shop' });
  loaded = await loadSessionModels(modelsDir);
}, 60_000);

const stores: DuckDbStore[] = [];
afterAll(async () => {
  for (const m of loaded?.models.values() ?? []) m.dispose();
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const sessionAnomalies = (out: Anomaly[]): Anomaly[] => out.filter((a) => a.signal === 'session');
const IDLE = 5 * 60_000;

describe('detect stage: session models', () => {
  it('loads one model per service directory and reports a broken artifact with MODEL_LOAD_FAILED', async () => {
    expect([...loaded.models.keys()]).toEqual(['shop']);
    expect([...loaded.miners.keys()]).toEqual(['shop']);
    expect((await loadSessionModels(join(dir, 'nothing-here'))).models.size).toBe(0);
    const broken = join(dir, 'broken');
    mkdirSync(join(broken, 'cart'), { recursive: true });
    writeFileSync(join(broken, 'cart', 'session-model.json'), '{"format":"aiops-session-model","version":1}');
    await expect(loadSessionModels(broken)).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED', message: expect.stringMatching(/cart.*session-model\.json.*retrain/s) });
  });

  it('flags an abnormal session and not a normal one, with the miner ids the model was trained on', async () => {
    const sessions = new SessionBank(undefined, loaded.models);
    const series = new SeriesBank(undefined);
    const templates = new LogTemplateBank(undefined, loaded.miners);
    const batch = [
      ...logs('ok-1', normalSession(7), T0),
      // Cut off after the second read: too few writes, no sync, no close.
      ...logs('bad-1', normalSession(8).slice(0, 5), T0 + 50),
      { id: 'r-other', tenant: 't1', ts: T0 + 60, service: 'other', severity: 'info' as const, body: 'read item 1 in 2 ms', sessionId: 'x', attributes: {} },
    ];
    expect(sessionAnomalies(await detectBatch(series, [], batch, templates, sessions))).toEqual([]);
    expect(sessions.openSessions).toBe(2); // the 'other' service has no model
    // A later line closes both sessions as idle and scores them.
    const later = logs('ok-2', ['auth check passed'], T0 + IDLE + 1_000);
    const out = sessionAnomalies(await detectBatch(series, [], later, templates, sessions));
    expect(out.map((a) => a.subject)).toEqual(['session:bad-1']);
    const a = out[0]!;
    expect(validate(Anomaly, a).ok).toBe(true);
    expect(a).toMatchObject({ tenant: 't1', service: 'shop', detector: 'session-deeplog', ts: T0 + 50 + 400 });
    expect(a.evidence.reasons).toContain('count-vector');
    expect(a.evidence.n_events).toBe('5');
    expect(a.evidence.unknown_events).toBe('');
    expect(sessions.openSessions).toBe(1);
    const registry = new Registry();
    const unregister = registerSessionMetrics(registry, sessions);
    const text = await registry.metrics();
    expect(text).toContain('aiops_session_open_sessions{monitored_service="shop"} 1');
    expect(text).toContain('aiops_session_sessions_scored_total{monitored_service="shop"} 2');
    expect(text).toContain('aiops_session_sessions_flagged_total{monitored_service="shop"} 1');
    unregister();
    expect((await registry.metrics()).trim()).toBe('');
  });

  it('keeps open sessions across a restart (checkpoint, replayed input) so they are not split', async () => {
    const store = await DuckDbStore.open(':memory:');
    stores.push(store);
    await store.migrate();
    const normal = logs('split-ok', normalSession(4), T0);
    const bad = logs('split-bad', [...normalSession(5).slice(0, 4), ...normalSession(5).slice(-1)], T0 + 10);
    const firstHalf = [...normal.slice(0, 4), ...bad.slice(0, 3)];
    const secondHalf = [...normal.slice(4), ...bad.slice(3)];
    const closer = logs('late', ['auth check passed'], T0 + IDLE + 5_000);

    const run = async (batches: LogRecord[][], banks: { sessions: SessionBank; templates: LogTemplateBank; series: SeriesBank }): Promise<Anomaly[]> => {
      const out: Anomaly[] = [];
      for (const b of batches) out.push(...sessionAnomalies(await detectBatch(banks.series, [], b, banks.templates, banks.sessions)));
      return out;
    };
    const banks = () => ({ sessions: new SessionBank(store, loaded.models), templates: new LogTemplateBank(store, loaded.miners), series: new SeriesBank(store) });

    const before = banks();
    expect(await run([firstHalf], before)).toEqual([]);
    expect(await before.sessions.checkpoint()).toBe(1);
    expect((await store.getCheckpoints('t1', SESSION_CHECKPOINT_NAMESPACE)).map((c) => c.key)).toEqual(['shop']);
    await before.templates.checkpoint();
    // A fresh process: the bus replays the first half (at-least-once), then the rest comes.
    const after = banks();
    const flagged = await run([firstHalf, secondHalf, closer], after);
    expect(flagged.map((a) => a.subject)).toEqual(['session:split-bad']);
    expect(flagged[0]?.evidence.n_events).toBe(String(bad.length)); // the replay was not appended twice

    // Without the checkpoint the normal session's second half alone would be flagged (split).
    const cold = { sessions: new SessionBank(undefined, loaded.models), templates: new LogTemplateBank(undefined, loaded.miners), series: new SeriesBank(undefined) };
    const split = await run([firstHalf], cold);
    const coldAfter = { ...cold, sessions: new SessionBank(undefined, loaded.models) };
    split.push(...(await run([secondHalf, closer], coldAfter)));
    expect(split.map((a) => a.subject)).toContain('session:split-ok');
  });

  it('skips a checkpoint that does not match the schema and says so', async () => {
    const store = await DuckDbStore.open(':memory:');
    stores.push(store);
    await store.migrate();
    await store.putCheckpoints('t1', SESSION_CHECKPOINT_NAMESPACE, [{ key: 'shop', version: 1, state: '{"version":1,"sessions":"nope"}' }]);
    const problems: string[] = [];
    const sessions = new SessionBank(store, loaded.models, { onInvalidCheckpoint: (tenant, service, error) => problems.push(`${tenant}/${service}: ${error}`) });
    await detectBatch(new SeriesBank(undefined), [], logs('s', normalSession(1).slice(0, 2), T0), new LogTemplateBank(undefined, loaded.miners), sessions);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^t1\/shop: /);
    expect(sessions.openSessions).toBe(1);
  });
});
