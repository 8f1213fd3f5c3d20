// Picks the bus from configuration, so stage code never branches on the mode.
import type { Logger } from 'pino';
import type { AiopsConfig } from '../config/config.js';
import type { Bus } from './bus.js';
import { join } from 'node:path';
import { DurableLog } from './durable-log.js';
import { KafkaBus } from './kafka-bus.js';
import { MemoryBus } from './memory-bus.js';

export async function openBus(config: AiopsConfig, logger: Logger, role: string): Promise<Bus> {
  const bus: Bus = config.bus === 'kafka'
    ? new KafkaBus({
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-${role}`,
      partitions: config.kafka.partitions,
      replicationFactor: config.kafka.replicationFactor,
      topicPrefix: config.kafka.topicPrefix,
      logger,
    })
    : new MemoryBus({
      onHandlerError: (err, group) => logger.error({ err, group }, 'bus handler failed; the batch will be retried'),
      // Embedded mode acknowledges only what is on disk under AIOPS_DATA_DIR/bus.
      log: DurableLog.open(join(config.dataDir, 'bus')),
    });
  await bus.connect();
  return bus;
}
