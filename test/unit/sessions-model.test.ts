import { describe, expect, it } from 'vitest';
import { SessionLstm } from '../../models/session-lstm/model.js';
import { END, START, UNK, Vocabulary, sessionWindows } from '../../models/session-lstm/vocab.js';
import { SessionDetector, SessionModel, type SessionEvent } from '../../detectors/sessions/index.js';
import { Anomaly } from '../../platform/contracts/events.js';
import { validate } from '../../platform/contracts/validate.js';

process.env.AIOPS_TF_QUIET = '1';

/** Normal sessions: open, 2-3 work items in a fixed per-item order (read, write), close. */
function normalSessions(): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < 60; i++) {
    const items = 2 + (i % 2);
    const s = ['open', 'auth'];
    for (let k = 0; k < items; k++) s.push('read', 'write');
    s.push(i % 3 === 0 ? 'flush' : 'sync', 'close');
    out.push(s);
  }
  return out;
}

const TINY = { lstm: { window: 4, hidden: 16, epochs: 100, batchSize: 64, learningRate: 0.02 } };

describe('session LSTM tokens', () => {
  it('pads windows with START, targets every event then END, maps unseen events to UNK', () => {
    const vocab = Vocabulary.fromSessions([['b', 'a']]);
    expect(vocab.events).toEqual(['a', 'b']);
    const a = vocab.encode('a');
    const b = vocab.encode('b');
    expect(vocab.encode('zzz')).toBe(UNK);
    expect(vocab.name(UNK)).toBe('<unk>');
    const { windows, targets } = sessionWindows([a, b], 3);
    expect(targets).toEqual([a, b, END]);
    expect(windows).toEqual([START, START, START, START, START, a, START, a, b]);
  });
});

describe('session model', () => {
  it('is deterministic for a seed', async () => {
    const data = normalSessions();
    const probe = [['open', 'auth', 'read', 'write', 'sync', 'close'], ['open', 'read', 'close']];
    const settings = { window: 4, hidden: 8, epochs: 5, batchSize: 16, seed: 7 };
    const m1 = await SessionLstm.train(data, settings);
    const m2 = await SessionLstm.train(data, settings);
    const m3 = await SessionLstm.train(data, { ...settings, seed: 8 });
    const p1 = m1.scoreSessions(probe).map((s) => [...s.probs]);
    const p2 = m2.scoreSessions(probe).map((s) => [...s.probs]);
    const p3 = m3.scoreSessions(probe).map((s) => [...s.probs]);
    expect(p2).toEqual(p1);
    expect(p3).not.toEqual(p1);
    expect(m1.trainReport?.finalLoss).toBe(m2.trainReport?.finalLoss);
    [m1, m2, m3].forEach((m) => m.dispose());
  });

  it('flags unknown events, cut-off sessions and a reordered session; passes normal ones', async () => {
    const model = await SessionModel.fit(normalSessions(), TINY);
    const [normal, unknown, cut, reordered, noEnd] = model.score([
      ['open', 'auth', 'read', 'write', 'read', 'write', 'sync', 'close'],
      ['open', 'auth', 'read', 'write', 'panic', 'read', 'write', 'sync', 'close'],
      ['open', 'auth', 'read'],
      ['open', 'auth', 'write', 'read', 'read', 'write', 'sync', 'close'],
      ['open', 'auth', 'read', 'write', 'read', 'write', 'sync', 'close', 'open'],
    ]);
    expect(normal?.anomalous).toBe(false);
    expect(unknown?.reasons).toContain('unknown-event');
    expect(unknown?.unknownEvents).toEqual(['panic']);
    expect(cut?.anomalous).toBe(true);
    // Same count vector as a normal session: only the order model can see it.
    expect(reordered?.nearestCountL1).toBe(0);
    expect(reordered?.reasons).toEqual(['lstm-next-event']);
    expect(noEnd?.anomalous).toBe(true);
    model.dispose();
  });

  it('detects online per session on end and on idle timeout, emitting valid Anomaly records', async () => {
    const model = await SessionModel.fit(normalSessions(), TINY);
    const det = new SessionDetector(model, { idleTimeoutMs: 1_000 });
    const ev = (sessionId: string, ts: number, event: string, end = false): SessionEvent => ({ tenant: 't1', service: 'dfs', sessionId, ts, event, end });
    const good = ['open', 'auth', 'read', 'write', 'read', 'write', 'sync', 'close'];
    const bad = ['open', 'auth', 'write', 'read', 'read', 'write', 'sync', 'close'];
    const out: Anomaly[] = [];
    good.forEach((e, i) => {
      const a = det.process(ev('blk_1', 100 + i, e, i === good.length - 1));
      if (a !== undefined) out.push(a);
    });
    bad.forEach((e, i) => {
      const a = det.process(ev('blk_2', 100 + i, e));
      if (a !== undefined) out.push(a);
    });
    det.process(ev('blk_3', 200, 'open'));
    expect(out).toHaveLength(0);
    expect(det.openSessions).toBe(2);
    const expired = det.expire(1_150);
    expect(expired.map((a) => a.subject)).toEqual(['session:blk_2']);
    expect(det.openSessions).toBe(1);
    const a = expired[0] as Anomaly;
    expect(validate(Anomaly, a).ok).toBe(true);
    expect(a.signal).toBe('session');
    expect(a.evidence.reasons).toBe('lstm-next-event');
    expect(a.evidence.events).toBe(bad.join(' '));
    expect(Number(a.evidence.worst_step)).toBeGreaterThanOrEqual(2);
    // blk_3 (just "open") is cut off: flagged at flush.
    expect(det.flush().map((x) => x.subject)).toEqual(['session:blk_3']);
    model.dispose();
  });

  it('saves and loads a versioned artifact that scores alike', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sessions-model-'));
    try {
      const model = await SessionModel.fit(normalSessions(), { lstm: { ...TINY.lstm, epochs: 3 } });
      await model.save(dir);
      const loaded = await SessionModel.load(dir);
      const probe = [['open', 'auth', 'read', 'write', 'sync', 'close'], ['open', 'write']];
      expect(loaded.score(probe)).toEqual(model.score(probe));
      model.dispose();
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
