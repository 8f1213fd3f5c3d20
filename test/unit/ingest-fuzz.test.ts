// Sends 10,000+ mutated requests to every receiver, then 10,000 seeded hostile ones to every receiver and API parameter: no crash, no 5xx, every answer names a code,
// and valid requests keep working afterwards.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { gunzipSync } from 'node:zlib';
import { TOPICS } from '../../platform/contracts/index.js';
import { ingestHarness } from '../../ingest/testing/harness.js';
import { seedRequests, type SeedRequest } from '../../ingest/testing/seeds.js';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { buildApiApp } from '../../api/app.js';
import { RecordError } from '../../ingest/normalize.js';
import { parseSyslog } from '../../ingest/syslog.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';
import { hostileApiRequest, hostileIngestRequest, hostileSyslogLine } from '../support/hostile-requests.js';
import { mulberry32 } from '../support/random.js';


const CONTENT_TYPES = ['application/json', 'application/x-protobuf', 'application/x-ndjson', 'text/plain', 'application/xml', '', 'application/json; charset=utf-8', 'multipart/form-data; boundary=x', 'application/x-protobuf; x=y'];
const ENCODINGS = [undefined, 'gzip', 'snappy', 'deflate', 'br', 'identity', 'gzip, snappy'];
const JSON_VALUES: unknown[] = [null, 0, -1, 1e308, -1e-308, 1.7e18, '', 'x', '\u0000', '2024-13-45T99:99:99Z', true, [], {}, [[]], { a: { b: { c: [] } } }, '9'.repeat(40), 'é'.repeat(300)];

function mutateJson(v: unknown, rnd: () => number, depth = 0): unknown {
  if (Array.isArray(v)) {
    const out = v.map((x) => (rnd() < 0.7 ? mutateJson(x, rnd, depth + 1) : x));
    if (rnd() < 0.1) out.push(JSON_VALUES[Math.floor(rnd() * JSON_VALUES.length)]);
    if (rnd() < 0.1) out.pop();
    return out;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = rnd();
      if (r < 0.08) continue; // drop a field
      if (r < 0.16) out[k] = JSON_VALUES[Math.floor(rnd() * JSON_VALUES.length)];
      else out[k] = mutateJson(x, rnd, depth + 1);
    }
    if (rnd() < 0.05) out[`extra${depth}`] = JSON_VALUES[Math.floor(rnd() * JSON_VALUES.length)];
    return out;
  }
  return rnd() < 0.15 ? JSON_VALUES[Math.floor(rnd() * JSON_VALUES.length)] : v;
}

function mutateBytes(b: Buffer, rnd: () => number): Buffer {
  const out = Buffer.from(b);
  const kind = Math.floor(rnd() * 6);
  if (out.length === 0) return Buffer.from([Math.floor(rnd() * 256)]);
  switch (kind) {
    case 0: { // bit flips
      for (let i = 0, n = 1 + Math.floor(rnd() * 8); i < n; i++) out[Math.floor(rnd() * out.length)]! ^= 1 << Math.floor(rnd() * 8);
      return out;
    }
    case 1: return out.subarray(0, Math.floor(rnd() * out.length)); // truncation
    case 2: { // random bytes inserted
      const at = Math.floor(rnd() * out.length);
      const junk = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 16) }, () => Math.floor(rnd() * 256)));
      return Buffer.concat([out.subarray(0, at), junk, out.subarray(at)]);
    }
    case 3: { // invalid UTF-8 sequences
      const at = Math.floor(rnd() * out.length);
      return Buffer.concat([out.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), out.subarray(at)]);
    }
    case 4: return Buffer.concat([out, out.subarray(0, Math.floor(rnd() * out.length))]); // duplicated tail
    default: { // bytes overwritten with 0xff (huge varints)
      const at = Math.floor(rnd() * out.length);
      out.fill(0xff, at, Math.min(out.length, at + 1 + Math.floor(rnd() * 10)));
      return out;
    }
  }
}

function plain(seed: SeedRequest): Buffer {
  if (seed.encoding === 'gzip') return Buffer.from(gunzipSync(seed.body));
  return seed.body;
}

interface Mutant { url: string; headers: Record<string, string>; payload: Buffer }

function mutate(seed: SeedRequest, rnd: () => number): Mutant {
  const headers: Record<string, string> = { 'content-type': seed.contentType };
  if (seed.encoding) headers['content-encoding'] = seed.encoding;
  let payload = seed.body;
  const r = rnd();
  const isJson = seed.contentType.includes('json') || seed.contentType.includes('ndjson');
  if (r < 0.3 && isJson && !seed.encoding) {
    // structural JSON mutation of each line
    payload = Buffer.from(payload.toString('utf8').split('\n').map((l) => {
      if (!l) return l;
      try {
        return JSON.stringify(mutateJson(JSON.parse(l), rnd));
      } catch {
        return l;
      }
    }).join('\n'));
  } else if (r < 0.45 && seed.encoding === 'snappy') {
    // mutate inside the compression, then recompress (valid snappy, broken protobuf)
    payload = Buffer.from(snappy.compress(mutateBytes(Buffer.from(snappy.uncompress(seed.body)), rnd)));
  } else if (r < 0.5 && seed.encoding === 'gzip') {
    payload = gzipSync(mutateBytes(Buffer.from(gunzipSync(seed.body)), rnd));
  } else if (r < 0.8) {
    payload = mutateBytes(payload, rnd);
  } else if (r < 0.88) {
    headers['content-type'] = CONTENT_TYPES[Math.floor(rnd() * CONTENT_TYPES.length)]!;
    if (!headers['content-type']) delete headers['content-type'];
  } else if (r < 0.94) {
    const enc = ENCODINGS[Math.floor(rnd() * ENCODINGS.length)];
    if (enc) headers['content-encoding'] = enc;
    else delete headers['content-encoding'];
  } else if (r < 0.97) {
    payload = Buffer.alloc(0);
  } else {
    payload = Buffer.from(Array.from({ length: Math.floor(rnd() * 512) }, () => Math.floor(rnd() * 256)));
  }
  void plain;
  return { url: seed.url, headers, payload };
}

describe('ingest fuzzing', () => {
  it('answers 10,000 mutated requests without a crash or a 5xx, and keeps serving', async () => {
    const h = await ingestHarness({ AIOPS_INGEST_BODY_LIMIT: String(256 * 1024) }, { record: false });
    try {
      const seeds = seedRequests();
      const rnd = mulberry32(20240501);
      const statuses = new Map<number, number>();
      const fiveXX: Array<{ url: string; status: number; body: string }> = [];
      const N = Number(process.env.FUZZ_N ?? 10_000);
      for (let i = 0; i < N; i += 50) {
        const batch = Array.from({ length: 50 }, () => mutate(seeds[Math.floor(rnd() * seeds.length)]!, rnd));
        const results = await Promise.all(batch.map(async (m) => {
          const t0 = performance.now();
          const res = await h.app.inject({ method: 'POST', url: m.url, headers: m.headers, payload: m.payload });
          const dt = performance.now() - t0;
          if (process.env.FUZZ_DEBUG && dt > 200) console.log('slow', dt.toFixed(0), m.url, JSON.stringify(m.headers), res.statusCode, m.payload.length, res.body.slice(0, 200));
          return res;
        }));
        results.forEach((res, j) => {
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 500) fiveXX.push({ url: batch[j]!.url, status: res.statusCode, body: res.body.slice(0, 300) });
          if (res.statusCode >= 400) {
            // Every refusal names the problem.
            const text = res.headers['content-type']?.toString().includes('protobuf') ? res.rawPayload.toString('latin1') : res.body;
            expect(text.length).toBeGreaterThan(10);
          }
        });
      }
      expect(fiveXX.slice(0, 5)).toEqual([]);
      const total = [...statuses.values()].reduce((a, b) => a + b, 0);
      expect(total).toBe(N);
      // Both outcomes occur: some mutants are still valid, most are refused with 4xx.
      expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
      expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
      // Still serving: every seed is accepted afterwards.
      for (const s of seedRequests(1)) {
        const headers: Record<string, string> = { 'content-type': s.contentType };
        if (s.encoding) headers['content-encoding'] = s.encoding;
        const res = await h.app.inject({ method: 'POST', url: s.url, headers, payload: s.body });
        expect([200, 204], `${s.name}: ${res.body}`).toContain(res.statusCode);
      }
      void TOPICS;
    } finally {
      await h.close();
    }
  }, 180_000);
});

/** A full collection when the runtime lets us expose gc, so heap figures compare live data only. */
function collector(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
  } catch {
    return undefined;
  }
}

/** Heap in use and resident set size once collections ran. */
async function settledMemory(gc: (() => void) | undefined): Promise<{ heap: number; rss: number }> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

describe('hostile-input fuzzing (limits)', () => {
  it('answers 10,000 seeded hostile requests over every receiver and API parameter with no 5xx, and memory settles back', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261202);
    const N = Number(process.env.FUZZ_N ?? 10_000);
    const rnd = mulberry32(seed);
    const h = await ingestHarness({ AIOPS_INGEST_BODY_LIMIT: String(1024 * 1024) }, { record: false });
    const store = await DuckDbStore.open(':memory:');
    await store.migrate();
    const api = await buildApiApp({ store, metrics: createMetrics(false), logger: pino({ level: 'silent' }), apiKeys: [], bus: h.bus });
    const gc = collector();
    try {
      const fiveXX: Array<{ kind: string; url: string; status: number; body: string; i: number }> = [];
      const byKind = new Map<string, Map<number, number>>();
      const time = new Map<string, number>();
      const send = async (i: number) => {
        const salt = i;
        const toApi = rnd() < 0.3;
        const req = toApi ? hostileApiRequest(rnd, salt) : hostileIngestRequest(rnd, salt);
        const app = toApi ? api : h.app;
        const t0 = performance.now();
        const res = await app.inject({ method: req.method, url: req.url, headers: req.headers, ...(req.payload === undefined ? {} : { payload: req.payload }) });
        time.set(req.kind, (time.get(req.kind) ?? 0) + performance.now() - t0);
        let counts = byKind.get(req.kind);
        if (!counts) byKind.set(req.kind, (counts = new Map()));
        counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode >= 500) fiveXX.push({ kind: req.kind, url: req.url.slice(0, 120), status: res.statusCode, body: res.body.slice(0, 300), i });
      };
      // Warm-up: JIT, caches and pools fill before the baseline is taken.
      for (let i = 0; i < 300; i += 25) await Promise.all(Array.from({ length: 25 }, (_, j) => send(-1 - i - j)));
      const before = await settledMemory(gc);
      for (let i = 0; i < N; i += 25) await Promise.all(Array.from({ length: Math.min(25, N - i) }, (_, j) => send(i + j)));
      // Syslog has no HTTP receiver: its parser gets the hostile lines directly.
      let syslogAccepted = 0;
      for (let i = 0; i < 2_000; i++) {
        try {
          parseSyslog(hostileSyslogLine(rnd, i), Date.now());
          syslogAccepted++;
        } catch (err) {
          if (!(err instanceof RecordError)) throw err;
        }
      }
      const after = await settledMemory(gc);
      if (process.env.FUZZ_DEBUG) console.log(JSON.stringify({ seed, gc: gc !== undefined, heapBeforeMB: before.heap / 1e6, heapAfterMB: after.heap / 1e6, rssBeforeMB: before.rss / 1e6, rssAfterMB: after.rss / 1e6, kinds: Object.fromEntries([...byKind].map(([k, m]) => [k, Object.fromEntries(m)])), ms: Object.fromEntries([...time].map(([k, t]) => [k, Math.round(t)])), fiveXX: fiveXX.slice(0, 3) }));
      expect(fiveXX.slice(0, 5), `seed ${seed}`).toEqual([]);
      // Every receiver and the API were exercised, and each refused and accepted something.
      const kinds = [...byKind.keys()].sort();
      for (const k of ['alertmanager', 'api-feedback', 'api-incident', 'api-query', 'deploy', 'loki-json', 'loki-proto', 'ndjson-changes', 'ndjson-logs', 'ndjson-metrics', 'otlp-json-logs', 'otlp-json-metrics', 'otlp-json-traces', 'otlp-proto-deep', 'otlp-proto-logs', 'otlp-proto-metrics', 'otlp-proto-traces', 'pagerduty', 'remote-write']) {
        expect(kinds, k).toContain(k);
      }
      const statuses = new Set([...byKind.values()].flatMap((m) => [...m.keys()]));
      expect([...statuses].some((s) => s >= 200 && s < 300)).toBe(true);
      expect([...statuses].some((s) => s === 400)).toBe(true);
      expect(syslogAccepted).toBeGreaterThan(0);
      // Memory comes back: the limits keep per-tenant state bounded and nothing leaks per request.
      const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
      console.log(`fuzz memory: heap ${mb(before.heap)} -> ${mb(after.heap)}, RSS ${mb(before.rss)} -> ${mb(after.rss)}`);
      expect(after.heap, `heap ${mb(before.heap)} -> ${mb(after.heap)}`).toBeLessThan(before.heap * 1.2);
      // The bar is the resident set: what the kernel (and an OOM killer) sees.
      expect(after.rss, `RSS ${mb(before.rss)} -> ${mb(after.rss)}`).toBeLessThan(before.rss * 1.2);
      // Still serving.
      for (const s of seedRequests(7)) {
        const headers: Record<string, string> = { 'content-type': s.contentType };
        if (s.encoding) headers['content-encoding'] = s.encoding;
        const res = await h.app.inject({ method: 'POST', url: s.url, headers, payload: s.body });
        expect([200, 204], `${s.name}: ${res.body}`).toContain(res.statusCode);
      }
    } finally {
      await api.close();
      await store.close();
      await h.close();
    }
  // 23 s of CPU; the wall-clock bound is generous because the suite shares its cores.
  }, 240_000);
});
