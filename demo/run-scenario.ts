// Replays one scenario through the embedded pipeline (in-process bus, DuckDB) at accelerated
// speed and reports the incident it produced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig } from '../platform/config/config.js';
import type { Incident } from '../platform/contracts/events.js';
import { tenantKey } from '../platform/bus/bus.js';
import { TOPICS } from '../platform/contracts/topics.js';
import { runStages } from '../platform/runtime/run-stages.js';
import { DuckDbStore } from '../platform/store/duckdb-store.js';
import type { StageModule } from '../platform/runtime/stage.js';
import { Scenario, type ScenarioSpec } from './scenario.js';
import { SHOP_TOPOLOGY } from './shop-topology.js';

export interface ScenarioResult {
  fault: string;
  seed: number;
  injected: string;
  ranked: string[];
  seconds: number;
  incident: Incident | null;
  /** Incidents opened outside the fault window (false alarms). */
  otherIncidents: number;
  records: number;
  deployAt: number | undefined;
}

const PUBLISH_EVERY_MINUTES = 30;

export async function runScenario(
  spec: ScenarioSpec,
  stages: StageModule[],
  logger: Logger,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const scenario = new Scenario(spec);
  const dataDir = mkdtempSync(join(tmpdir(), 'aiops-demo-'));
  const config = loadConfig({}, { AIOPS_DATA_DIR: dataDir, AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb', AIOPS_LOG_LEVEL: 'warn', AIOPS_CHECKPOINT_INTERVAL_MS: '600000' });
  // The replay is thrown away afterwards, so the embedded DuckDB store runs in memory: the same
  // code as the file store without the disk writes (about a third of a scenario's wall time).
  const memoryStore = await DuckDbStore.open(':memory:');
  await memoryStore.migrate();
  const pipeline = await runStages(stages, config, { logger, opsServer: false, store: memoryStore });
  let records = 0;
  try {
    const tenant = spec.tenant ?? 'default';
    await pipeline.bus.publish(TOPICS.topology, [{ key: tenantKey({ tenant }), value: { ...SHOP_TOPOLOGY, tenant } }]);
    let metrics: Parameters<typeof pipeline.bus.publish<typeof TOPICS.metrics>>[1][number][] = [];
    let logs: Parameters<typeof pipeline.bus.publish<typeof TOPICS.logs>>[1][number][] = [];
    let changes: Parameters<typeof pipeline.bus.publish<typeof TOPICS.changes>>[1][number][] = [];
    const flush = async () => {
      // Changes first: the correlator should know a deploy before the anomalies it explains.
      await pipeline.bus.publish(TOPICS.changes, changes);
      await pipeline.bus.publish(TOPICS.metrics, metrics);
      await pipeline.bus.publish(TOPICS.logs, logs);
      records += metrics.length + logs.length + changes.length;
      metrics = [];
      logs = [];
      changes = [];
      await pipeline.bus.idle();
    };
    let m = 0;
    for (const slice of scenario.slices()) {
      for (const p of slice.metrics) metrics.push({ key: `${p.service}|${p.name}`, value: p });
      for (const l of slice.logs) logs.push({ key: l.service, value: l });
      for (const c of slice.changes) changes.push({ key: tenantKey(c), value: c });
      if (++m % PUBLISH_EVERY_MINUTES === 0) {
        await flush();
        onProgress(m, scenario.minutes);
      }
    }
    await flush();
    onProgress(scenario.minutes, scenario.minutes);
    const store = pipeline.store!;
    const all = (await store.queryIncidents({ tenant, limit: 500 })).items;
    const inWindow = (i: Incident) => i.openedAt >= scenario.faultAt - 10 * 60_000 && i.openedAt <= scenario.faultAt + spec.faultMinutes * 60_000;
    const candidates = all.filter(inWindow).sort((a, b) => b.anomalyCount - a.anomalyCount);
    const incident = candidates[0] ?? null;
    return {
      fault: spec.fault,
      seed: spec.seed,
      injected: scenario.target,
      ranked: incident?.rootCauses.map((c) => c.service) ?? [],
      seconds: Math.round((performance.now() - started) / 100) / 10,
      incident,
      otherIncidents: all.length - (incident ? 1 : 0),
      records,
      deployAt: scenario.deployAt,
    };
  } finally {
    await pipeline.stop();
    await memoryStore.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
