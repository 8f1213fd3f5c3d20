// Topology from traces and metric labels: ingest reports calls, the correlator folds them into a
// new topology version next to the declared edges, the sink stores it, and the ranker walks it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../cli/stage-registry.js';
import { loadConfig } from '../../platform/config/config.js';
import type { ServiceEdge, Topology } from '../../platform/contracts/events.js';
import { runStages } from '../../platform/runtime/run-stages.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import type { RunningIngest } from '../../ingest/index.js';
import { LEARNED_EDGE_TTL_MS, TenantTopology } from '../../correlator/tenant-topology.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);
const declared: Topology = { tenant: 'default', version: 3, services: [{ name: 'web', userFacing: true, team: 'edge' }, { name: 'api' }], edges: [{ from: 'web', to: 'api' }] };
const edge = (from: string, to: string, ts: number, source: ServiceEdge['source'] = 'traces'): ServiceEdge => ({ id: `e_${from}_${to}_${ts}`, tenant: 'default', ts, from, to, source, count: 1, evidence: 'span x' });

describe('TenantTopology', () => {
  it('adds a learned call to the graph and publishes it as the next version, next to the declared edges', () => {
    const t = new TenantTopology('default', declared);
    expect(t.due(T0)).toBeUndefined();
    t.observe(edge('api', 'db', T0));
    expect(t.graph.callees('api')).toEqual(['db']);
    const next = t.due(T0)!;
    expect(next.version).toBe(4);
    expect(next.edges).toEqual([{ from: 'web', to: 'api' }, { from: 'api', to: 'db', source: 'traces', lastSeenAt: T0 }]);
    expect(next.services).toEqual(declared.services);
    expect(t.due(T0 + 1000)).toBeUndefined();
  });

  it('does not republish a call the declared topology already has, nor a repeat within the hour', () => {
    const t = new TenantTopology('default', declared);
    t.observe(edge('web', 'api', T0));
    expect(t.due(T0)).toBeUndefined();
    t.observe(edge('api', 'db', T0));
    expect(t.due(T0)).toBeDefined();
    t.observe(edge('api', 'db', T0 + 60_000));
    expect(t.due(T0 + 60_000)).toBeUndefined();
    expect(t.due(T0 + 3_700_000)?.edges.find((e) => e.to === 'db')?.lastSeenAt).toBe(T0 + 60_000);
  });

  it('keeps learned edges when an older-or-equal declared topology arrives and ignores an older version', () => {
    const t = new TenantTopology('default', declared);
    t.observe(edge('api', 'db', T0, 'metrics'));
    const published = t.due(T0)!;
    expect(t.apply({ ...declared, version: 2 })).toBe(false);
    expect(t.apply(published)).toBe(true);
    const file = t.applyFile({ ...declared, version: 1, edges: [{ from: 'web', to: 'api' }, { from: 'web', to: 'cdn' }] }, T0);
    expect(file.version).toBe(published.version + 1);
    expect(file.edges.map((e) => `${e.from}->${e.to}:${e.source ?? 'config'}`)).toEqual(['web->api:config', 'web->cdn:config', 'api->db:metrics']);
    expect(t.graph.callees('web').sort()).toEqual(['api', 'cdn']);
  });

  it('drops learned calls not seen for a week', () => {
    const t = new TenantTopology('default', declared);
    t.observe(edge('api', 'old', T0));
    t.due(T0);
    t.observe(edge('api', 'db', T0 + LEARNED_EDGE_TTL_MS + DAY));
    const next = t.due(T0 + LEARNED_EDGE_TTL_MS + DAY)!;
    expect(next.edges.map((e) => e.to)).toEqual(['api', 'db']);
  });
});

describe('topology learned in the embedded pipeline', () => {
  it('stores a new topology version with the calls seen in OTLP spans, keeping the topology file and its owners', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiops-topo-'));
    const file = join(dir, 'topology.json');
    writeFileSync(file, JSON.stringify(declared));
    const config = loadConfig({}, { AIOPS_DATA_DIR: dir, AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb', AIOPS_TOPOLOGY_FILE: file, AIOPS_INGEST_PORT: '0', AIOPS_SYSLOG_TCP_PORT: '0', AIOPS_SYSLOG_UDP_PORT: '0' });
    const pipeline = await runStages([STAGES.sink, STAGES.correlate, STAGES.ingest], config, { logger: createLogger('silent', { role: 'test' }), opsServer: false });
    try {
      const ns = String(BigInt(T0) * 1_000_000n);
      const resourceSpans = (service: string, spans: object[]) => ({ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] });
      const body = { resourceSpans: [
        resourceSpans('api', [{ traceId: 'ab'.repeat(16), spanId: '01'.repeat(8), name: 'GET /items', kind: 2, startTimeUnixNano: ns }]),
        resourceSpans('db', [{ traceId: 'ab'.repeat(16), spanId: '02'.repeat(8), parentSpanId: '01'.repeat(8), name: 'query', kind: 2, startTimeUnixNano: ns }]),
      ] };
      const ingest = pipeline.stages.find((s) => s.name === 'ingest') as RunningIngest;
      const url = `http://127.0.0.1:${ingest.port}/v1/traces`;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      let stored: Topology | null = null;
      for (let i = 0; i < 100 && !stored?.edges.some((e) => e.to === 'db'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        stored = await pipeline.store!.getTopology('default');
      }
      expect(stored!.edges).toEqual([{ from: 'web', to: 'api' }, { from: 'api', to: 'db', source: 'traces', lastSeenAt: T0 }]);
      expect(stored!.version).toBeGreaterThan(declared.version);
      expect(stored!.services.find((s) => s.name === 'web')?.team).toBe('edge');
    } finally {
      await pipeline.stop();
    }
  });
});
