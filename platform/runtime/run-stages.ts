// Starts a set of stages in one process with shared bus, store, logger and metrics: all of
// them for `aiops start`, one for `aiops detect` and friends. Consumers start before producers.
import type { AiopsConfig } from '../config/config.js';
import type { Bus } from '../bus/bus.js';
import { openBus } from '../bus/open-bus.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { createMetrics, type PipelineMetrics } from '../telemetry/metrics.js';
import { startOpsServer } from './ops-server.js';
import { watchBusBacklog } from './bus-backlog.js';
import { opsKeyRing } from '../auth/index.js';
import { roleOf, type RunningStage, type StageModule } from './stage.js';

export interface Pipeline {
  bus: Bus;
  store: Store | undefined;
  logger: Logger;
  metrics: PipelineMetrics;
  stages: RunningStage[];
  ready(): boolean;
  stop(): Promise<void>;
}

export interface RunOptions {
  logger?: Logger;
  /** Reuse an existing bus (tests, the demo); otherwise one is opened from config. */
  bus?: Bus;
  store?: Store;
  /** Start the ops server when no stage serves HTTP itself (default true). */
  opsServer?: boolean;
}

/** Time a stop gives the stages to drain the queue, leaving room for checkpoints within 10 s. */
const DRAIN_MS = 5_000;

function within(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  return Promise.race([p.then(() => true), late]).finally(() => clearTimeout(timer));
}

export async function runStages(modules: readonly StageModule[], config: AiopsConfig, options: RunOptions = {}): Promise<Pipeline> {
  const role = roleOf(modules.map((m) => m.name));
  const logger = options.logger ?? createLogger(config.logLevel, { role });
  const metrics = createMetrics();
  const abort = new AbortController();
  const bus = options.bus ?? (await openBus(config, logger, role));
  watchBusBacklog(bus, metrics);
  let store = options.store;
  const ownsStore = !store;
  const stages: RunningStage[] = [];
  let ops: Awaited<ReturnType<typeof startOpsServer>> | undefined;
  const ready = () => stages.length === modules.length && stages.every((s) => s.ready());
  const notReadyReason = () => stages.map((s) => (s.ready() ? undefined : `${s.name}: ${s.notReadyReason?.() ?? 'not ready'}`)).filter(Boolean).join('; ') || undefined;
  const stop = async () => {
    abort.abort();
    const started = Date.now();
    const order = [...stages].reverse();
    for (const [i, s] of order.entries()) {
      await s.stop().catch((err: unknown) => logger.error({ err, stage: s.name }, 'stage failed to stop cleanly'));
      // Once ingest stopped accepting, let the consumers work off the queue before they stop,
      // within a bound: what is left stays in the durable log and is replayed at the next start.
      if (i === 0 && s.name === 'ingest' && order.length > 1) {
        const drained = await within(bus.idle(), DRAIN_MS);
        logger.info({ drained, ms: Date.now() - started }, drained ? 'queue drained' : 'queue not drained in time; the rest replays at the next start');
      }
    }
    await ops?.close();
    if (!options.bus) await bus.close();
    if (ownsStore) await store?.close();
  };
  try {
    if (!store && modules.some((m) => m.needsStore)) {
      store = await openStore(config);
      const applied = await store.migrate();
      if (applied.length > 0) logger.info({ applied }, 'applied store migrations');
    }
    for (const m of modules) {
      const stage = await m.start({ config, logger: logger.child({ stage: m.name }), metrics, bus, store, signal: abort.signal });
      stages.push(stage);
      logger.info({ stage: m.name }, 'stage started');
    }
    const servesHttp = modules.some((m) => m.name === 'api' || m.name === 'ingest');
    if ((options.opsServer ?? true) && !servesHttp && config.opsPort > 0) {
      ops = await startOpsServer(config.api.host, config.opsPort, metrics.registry, ready, opsKeyRing(config), notReadyReason);
    }
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  return { bus, store, logger, metrics, stages, ready, stop };
}
