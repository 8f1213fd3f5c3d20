import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateMiner, templateId, validateSnapshot } from '../../detectors/logs/template-miner/index.js';
import { runTemplates } from '../../cli/commands/templates.js';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'];

/** A synthetic service log: a dozen event types with numbers, IPs, paths, ids, user names. */
function syntheticStream(n: number, seed = 1): string[] {
  const r = rng(seed);
  const int = (k: number): number => Math.floor(r() * k);
  const ip = (): string => `10.${int(256)}.${int(256)}.${int(256)}`;
  const hex = (): string => Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0');
  const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const events: (() => string)[] = [
    () => `Accepted connection from ${ip()}:${1024 + int(60000)}`,
    () => `Session opened for user ${pick(USERS)} by (uid=${int(2000)})`,
    () => `Request ${hex()}-${hex().slice(0, 4)}-4${hex().slice(0, 3)}-8${hex().slice(0, 3)}-${hex()}${hex().slice(0, 4)} completed in ${int(900)} ms`,
    () => `Opening file /var/lib/app/${pick(USERS)}/data-${int(99)}.db for reading`,
    () => `GET https://api.example.com/v1/items/${int(10000)} returned ${pick([200, 404, 500])}`,
    () => `Worker ${int(16)} finished task ${int(1e6)} at 2025-0${1 + int(9)}-1${int(9)}T0${int(9)}:${10 + int(49)}:${10 + int(49)}Z`,
    () => `cache size=${int(1e5)} hits=${int(1e6)} misses=${int(1e4)}`,
    () => `Checksum mismatch for block 0x${hex()}`,
    () => `Disk quota exceeded for user ${pick(USERS)}`,
    () => `Scheduler heartbeat ok`,
    () => `Failed to resolve host node-${int(50)}.cluster.local after ${int(5)} retries`,
    () => `Shutting down connection pool`,
  ];
  return Array.from({ length: n }, () => events[int(events.length)]!());
}

describe('template miner: masks', () => {
  const miner = new TemplateMiner();
  const cases: [string, string][] = [
    ['Connected to 10.0.0.12:8080 in 35 ms', 'Connected to <*> in <*>'],
    ['request 3f2a1b9c-4d5e-4f60-8a7b-9c0d1e2f3a4b done', 'request <*> done'],
    ['opening /var/log/app/server.log for writing', 'opening <*> for writing'],
    ['fetch https://example.com/a/b?x=1 returned 200', 'fetch <*> returned <*>'],
    ['started at 2024-01-02T03:04:05Z', 'started at <*>'],
    ['checksum 0xdeadbeef mismatch', 'checksum <*> mismatch'],
    ['user=alice action=login status=ok', 'user=<*> action=<*> status=<*>'],
    ['flag is true', 'flag is <*>'],
  ];
  for (const [line, template] of cases) {
    it(`masks the variables of "${line}"`, () => {
      expect(miner.add(line).template).toBe(template);
    });
  }

  it('names the parameters it extracts (key for key=value, value class otherwise)', () => {
    const m = new TemplateMiner();
    expect(m.add('user=alice action=login').params).toEqual({ user: 'alice', action: 'login' });
    const p = m.add('peer 192.168.1.7 sent request 3f2a1b9c-4d5e-4f60-8a7b-9c0d1e2f3a4b').params;
    expect(Object.values(p)).toEqual(['192.168.1.7', '3f2a1b9c-4d5e-4f60-8a7b-9c0d1e2f3a4b']);
    expect(Object.keys(p)).toEqual(['ip', 'uuid']);
  });

  it('keeps constants verbatim and uses <*> as the only wildcard', () => {
    const m = new TemplateMiner();
    for (const line of syntheticStream(3000, 5)) {
      const t = m.add(line).template;
      expect(t.replace(/<\*>/g, '')).not.toMatch(/[<>]\*|\*[<>]/);
    }
    expect(m.add('Scheduler heartbeat ok').template).toBe('Scheduler heartbeat ok');
  });

  it('applies user masks and lets built-in masks be switched off', () => {
    const withMask = new TemplateMiner({ masks: [{ name: 'order', pattern: 'ORD-[A-Z0-9]+' }] });
    const r = withMask.add('order ORD-AB12 shipped');
    expect(r.template).toBe('order <*> shipped');
    expect(r.params).toEqual({ order: 'ORD-AB12' });
    expect(new TemplateMiner({ disableMasks: ['bool'] }).add('flag is true').template).toBe('flag is true');
  });

  it('generalises a word position once it has seen many distinct values', () => {
    const m = new TemplateMiner();
    for (const u of USERS) m.add(`Disk quota exceeded for user ${u}`);
    expect(m.add('Disk quota exceeded for user zed').template).toBe('Disk quota exceeded for user <*>');
    expect(m.stats().clusters).toBe(1);
  });

  it('gives the same answers with and without the shape cache', () => {
    const tricky = ['k1=a x', 'k2=a x', 'eth0 up', 'eth10 up', 'eth1 up', 'abcdefghi1 z', 'abcdefghij1 z', 'v1:x y', 'v12:x y', '/1 a', '/12 a', 'a1b2 c', 'a12b2 c'];
    const lines = [...syntheticStream(4000, 13), ...tricky, ...tricky, ...syntheticStream(2000, 14)];
    const withShapes = new TemplateMiner();
    const without = new TemplateMiner({ shapeCache: false });
    for (const l of lines) {
      const a = withShapes.add(l);
      const b = without.add(l);
      expect([a.clusterId, a.template]).toEqual([b.clusterId, b.template]);
    }
    expect(withShapes.stats().cachedShapes).toBeGreaterThan(0);
    expect(without.stats().cachedShapes).toBe(0);
  });

  it('rejects invalid options with a clear error', () => {
    expect(() => new TemplateMiner({ maxClusters: 0 })).toThrow(/maxClusters/);
    expect(() => new TemplateMiner({ masks: [{ name: 'x', pattern: '(' }] })).toThrow(/invalid regular expression/);
  });
});

describe('template miner: stable ids', () => {
  const stream = syntheticStream(6000, 7);

  it('derives a template id from the normalised template text, not from a counter', () => {
    const m = new TemplateMiner();
    const r = m.add('Accepted connection from 10.1.2.3:5000');
    expect(r.clusterId).toBe(templateId(r.template));
    const other = new TemplateMiner();
    other.add('Scheduler heartbeat ok');
    expect(other.add('Accepted connection from 10.9.9.9:1').clusterId).toBe(r.clusterId);
  });

  it('gives the same ids after a save/restore restart as without the restart', () => {
    const uninterrupted = new TemplateMiner();
    const expected = stream.map((l) => uninterrupted.add(l).clusterId);
    const before = new TemplateMiner();
    const got = stream.slice(0, 2500).map((l) => before.add(l).clusterId);
    const text = before.serialize();
    const after = TemplateMiner.restore(JSON.parse(text) as unknown as Parameters<typeof TemplateMiner.restore>[0]);
    got.push(...stream.slice(2500).map((l) => after.add(l).clusterId));
    expect(got).toEqual(expected);
    expect(after.clusters().map((c) => [c.id, c.template])).toEqual(uninterrupted.clusters().map((c) => [c.id, c.template]));
  });

  it('two miners fed the same stream agree on every id', () => {
    const a = new TemplateMiner();
    const b = new TemplateMiner();
    for (const l of stream) expect(b.add(l).clusterId).toBe(a.add(l).clusterId);
  });

  it('replicas fed different parts of a stream name shared templates alike', () => {
    const a = new TemplateMiner();
    const b = new TemplateMiner();
    for (let i = 0; i < stream.length; i++) (i % 2 === 0 ? a : b).add(stream[i]!);
    const ids = (m: TemplateMiner): Map<string, string> => new Map(m.clusters().map((c) => [c.template, c.id]));
    const ia = ids(a);
    const ib = ids(b);
    let shared = 0;
    for (const [t, id] of ia) {
      if (!ib.has(t)) continue;
      shared++;
      expect(ib.get(t)).toBe(id);
    }
    expect(shared).toBeGreaterThanOrEqual(10);
  });

  it('refuses a state that is not a miner snapshot', () => {
    expect(() => TemplateMiner.restore('{"format":"x"}')).toThrow(/template miner state is invalid/);
    expect(() => TemplateMiner.restore('not json')).toThrow(/not valid JSON/);
    const s = new TemplateMiner().snapshot();
    expect(validateSnapshot(JSON.stringify(s)).format).toBe(s.format);
  });
});

/** A digit-free word for an integer (a, b, ..., ba, bb, ...). */
const word = (i: number): string => {
  let w = '';
  do {
    w = String.fromCharCode(97 + (i % 26)) + w;
    i = Math.floor(i / 26);
  } while (i > 0);
  return `w${w}`;
};

describe('template miner: bounded memory', () => {
  it('evicts the least recently seen templates beyond maxClusters', () => {
    const m = new TemplateMiner({ maxClusters: 100, cacheSize: 1000 });
    for (let i = 0; i < 5000; i++) {
      // every line differs from every other at every position: a new template each time
      m.add(`${word(i)} ${word(i * 7 + 3)} ${word(i * 13 + 5)}`);
      m.add('steady heartbeat ok');
      expect(m.stats().clusters).toBeLessThanOrEqual(100);
    }
    const s = m.stats();
    expect(s.evictions).toBeGreaterThan(0);
    expect(s.cachedSignatures).toBeLessThanOrEqual(2000);
    expect(m.clusters().some((c) => c.template === 'steady heartbeat ok')).toBe(true);
    expect(m.serialize().length).toBeLessThan(100 * 1000);
  });

  it('keeps the template count steady on a long stream of the same kinds of events', () => {
    const m = new TemplateMiner();
    const lines = syntheticStream(40_000, 11);
    for (const l of lines.slice(0, 4000)) m.add(l);
    const early = m.stats().clusters;
    for (const l of lines.slice(4000)) m.add(l);
    expect(m.stats().clusters).toBeLessThanOrEqual(Math.ceil(early * 1.2));
  });
});

describe('aiops templates (CLI)', () => {
  it('writes one object per input line with the final templates, and keeps ids across runs with --state', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-cli-'));
    const lines = syntheticStream(500, 3);
    writeFileSync(join(dir, 'in.log'), lines.join('\r\n'));
    const first = runTemplates({ in: join(dir, 'in.log'), out: join(dir, 'a.jsonl'), state: join(dir, 'state.json') });
    expect(first.lines).toBe(500);
    const a = readFileSync(join(dir, 'a.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { line: number; cluster: string; template: string });
    expect(a).toHaveLength(500);
    expect(a.map((o) => o.line)).toEqual(lines.map((_, i) => i + 1));
    for (const o of a) expect(o.cluster).toBe(templateId(o.template));
    runTemplates({ in: join(dir, 'in.log'), out: join(dir, 'b.jsonl'), state: join(dir, 'state.json') });
    const b = readFileSync(join(dir, 'b.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { cluster: string });
    expect(b.map((o) => o.cluster)).toEqual(a.map((o) => o.cluster));
  });

  it('without --out, counts the lines of every final template, most frequent first, as the labels do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-cli-'));
    const lines = syntheticStream(3000, 5);
    writeFileSync(join(dir, 'in.log'), `${lines.join('\n')}\n`);
    const counted = runTemplates({ in: join(dir, 'in.log') });
    runTemplates({ in: join(dir, 'in.log'), out: join(dir, 'a.jsonl') });
    const perCluster = new Map<string, number>();
    for (const l of readFileSync(join(dir, 'a.jsonl'), 'utf8').trimEnd().split('\n')) {
      const o = JSON.parse(l) as { cluster: string };
      perCluster.set(o.cluster, (perCluster.get(o.cluster) ?? 0) + 1);
    }
    expect(counted.lines).toBe(3000);
    expect(new Map(counted.templates.map((t) => [t.cluster, t.lines]))).toEqual(perCluster);
    expect(counted.templates.map((t) => t.lines)).toEqual([...perCluster.values()].sort((a, b) => b - a));
    expect(counted.templates.length).toBeGreaterThan(1);
  });

  it('ends quietly with exit 0 when the reader of its output goes away (aiops templates ... | head)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-cli-'));
    // 4,000 templates: far more output than a pipe buffers, so the command writes after the reader left.
    const words = (i: number) => Array.from({ length: 6 }, (_, k) => String.fromCharCode(97 + ((i >> (k * 2)) % 26), 97 + ((i * 7 + k) % 26)) + 'x').join(' ');
    writeFileSync(join(dir, 'in.log'), Array.from({ length: 4000 }, (_, i) => `${words(i)} step`).join('\n'));
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'aiops.js'), 'templates', '--in', join(dir, 'in.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  }, 60_000);

  it('fails with a clear error on a missing input', () => {
    expect(() => runTemplates({ in: '/nonexistent/x.log', out: join(tmpdir(), 'x.jsonl') })).toThrow(/input file not found/);
  });
});
