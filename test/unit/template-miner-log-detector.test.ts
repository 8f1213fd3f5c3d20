import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { LogTemplateDetector, NOVELTY_DETECTOR, RATE_DETECTOR, registerTemplateMinerMetrics, type LogServiceSnapshot } from '../../detectors/logs/index.js';
import { Anomaly, type LogRecord } from '../../platform/contracts/events.js';
import { validate } from '../../platform/contracts/validate.js';

const T0 = Date.UTC(2026, 0, 5, 8);
const MIN = 60_000;

/** Deterministic uniform numbers in [0, 1) (a linear congruential generator). */
const rng = (seed: number): (() => number) => () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;

let seq = 0;
const rec = (ts: number, body: string, severity: LogRecord['severity'] = 'info', service = 'api'): LogRecord => ({
  id: `r${seq++}`, tenant: 't1', ts, service, severity, body, attributes: {},
});

/** Normal traffic: per minute about 20 requests, 5 cache lines and a heartbeat, for `minutes` minutes. */
function normal(fromMinute: number, minutes: number, seed = 1): LogRecord[] {
  const r = rng(seed);
  const out: LogRecord[] = [];
  for (let m = fromMinute; m < fromMinute + minutes; m++) {
    const base = T0 + m * MIN;
    const n = 18 + Math.floor(r() * 5);
    for (let i = 0; i < n; i++) out.push(rec(base + i * 1000, `GET /api/items/${Math.floor(r() * 1e4)} 200 in ${Math.floor(r() * 90)} ms from 10.0.${Math.floor(r() * 9)}.${Math.floor(r() * 250)}`));
    for (let i = 0; i < 5; i++) out.push(rec(base + 30_000 + i * 1000, `cache refresh size=${Math.floor(r() * 1e5)} took ${Math.floor(r() * 20)} ms`));
    out.push(rec(base + 59_000, 'heartbeat ok'));
  }
  return out;
}

const byDetector = (as: readonly Anomaly[], d: string): Anomaly[] => as.filter((a) => a.detector.startsWith(d));

describe('log template detector', () => {
  it('reports a new kind of message once, after warm-up only, with template, sample line and parameters', () => {
    const d = new LogTemplateDetector();
    const early = d.process([...normal(0, 5), rec(T0 + 5 * MIN, 'disk /dev/sda1 is 91% full')]);
    expect(byDetector(early, NOVELTY_DETECTOR)).toEqual([]);
    d.process(normal(6, 70));
    const after = d.process([rec(T0 + 77 * MIN, 'payment gateway 10.9.8.7:443 refused connection: timeout after 3000 ms', 'error'), rec(T0 + 77 * MIN + 5, 'payment gateway 10.9.8.8:443 refused connection: timeout after 3000 ms', 'error')]);
    const novel = byDetector(after, NOVELTY_DETECTOR);
    expect(novel).toHaveLength(1);
    const a = novel[0]!;
    expect(validate(Anomaly, a).ok).toBe(true);
    expect(a.service).toBe('api');
    expect(a.evidence.template).toBe('payment gateway <*> refused connection: timeout after <*>');
    expect(a.subject).toBe(`template:${a.evidence.template_id}`);
    expect(JSON.parse(a.evidence.sample_lines!)).toEqual(['payment gateway 10.9.8.7:443 refused connection: timeout after 3000 ms']);
    expect(Object.values(JSON.parse(a.evidence.parameters!) as Record<string, string>)).toEqual(['10.9.8.7:443', '3000 ms']);
    expect(a.score).toBeGreaterThanOrEqual(0.5);
    // the template seen during warm-up is known, not novel
    expect(byDetector(d.process([rec(T0 + 78 * MIN, 'disk /dev/sdb2 is 95% full')]), NOVELTY_DETECTOR)).toEqual([]);
  });

  it('does not report variants of a word that already took two values', () => {
    const d = new LogTemplateDetector();
    d.process(normal(0, 70));
    const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
    const out = d.process(users.map((u, i) => rec(T0 + 71 * MIN + i, `Quota exceeded for user ${u}`)));
    expect(byDetector(out, NOVELTY_DETECTOR).map((a) => JSON.parse(a.evidence.sample_lines!)[0])).toEqual(['Quota exceeded for user alice', 'Quota exceeded for user bob']);
  });

  it('flags a burst of one template against its per-minute baseline', () => {
    const d = new LogTemplateDetector();
    const base = d.process(normal(0, 180));
    expect(byDetector(base, RATE_DETECTOR)).toEqual([]);
    const burst: LogRecord[] = [];
    for (let i = 0; i < 400; i++) burst.push(rec(T0 + 180 * MIN + i * 100, `cache refresh size=${i * 7} took ${i % 13} ms`));
    const out = d.process([...burst, ...normal(181, 2, 9)]);
    const rate = byDetector(out, RATE_DETECTOR).filter((a) => a.evidence.template === 'cache refresh size=<*> took <*>');
    expect(rate).toHaveLength(1);
    const a = rate[0]!;
    expect(validate(Anomaly, a).ok).toBe(true);
    expect(a.direction).toBe('up');
    expect(a.observed).toBe(400);
    expect(JSON.parse(a.evidence.sample_lines!)).toHaveLength(3);
    expect(JSON.parse(a.evidence.parameters!)).toEqual({ size: '0', quantity: '0 ms' });
  });

  it('continues after a checkpoint restore exactly as without the restart', () => {
    const stream = [...normal(0, 100, 3), rec(T0 + 100 * MIN, 'kernel: eth0 link down', 'warn'), ...normal(101, 30, 4)];
    const whole = new LogTemplateDetector().process(stream);
    const first = new LogTemplateDetector();
    const got = first.process(stream.slice(0, 1500));
    const snaps = first.keys().map(([t, s]) => JSON.parse(JSON.stringify(first.snapshotService(t, s))) as LogServiceSnapshot);
    const second = new LogTemplateDetector();
    for (const s of snaps) second.restoreService(s);
    got.push(...second.process(stream.slice(1500)));
    expect(got.map((a) => a.id)).toEqual(whole.map((a) => a.id));
    expect(whole.some((a) => a.detector === NOVELTY_DETECTOR)).toBe(true);
  });

  it('exposes miner metrics per service', async () => {
    const d = new LogTemplateDetector();
    d.process(normal(0, 3));
    d.process([rec(T0, 'hello', 'info', 'web')]);
    const registry = new Registry();
    registerTemplateMinerMetrics(registry, () => d.miners());
    const text = await registry.metrics();
    expect(text).toMatch(/aiops_template_miner_templates\{tenant="t1",monitored_service="api"\} 3/);
    expect(text).toMatch(/aiops_template_miner_messages_total\{tenant="t1",monitored_service="web"\} 1/);
  });

  it('holds at most maxServices services', () => {
    const d = new LogTemplateDetector({ maxServices: 3 });
    for (let i = 0; i < 10; i++) d.process([rec(T0 + i, 'started', 'info', `svc${i}`)]);
    expect(d.keys().map(([, s]) => s)).toEqual(['svc7', 'svc8', 'svc9']);
  });
});
