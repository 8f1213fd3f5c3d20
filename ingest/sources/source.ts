// The shape of an HTTP source component: a type name, a description and a register step that
// adds its routes to the ingest app (Vector's source: config type plus build(context)).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AiopsConfig } from '../../platform/config/config.js';
import type { PipelineMetrics } from '../../platform/telemetry/metrics.js';
import type { Publisher } from '../publisher.js';

export interface SourceContext {
  config: AiopsConfig['ingest'];
  /** Child logger with `component` bound to the source's type. */
  logger: Logger;
  metrics: PipelineMetrics;
  publisher: Publisher;
}

export interface HttpSource {
  readonly type: string;
  readonly description: string;
  /** Adds the source's routes; called inside the authenticated, rate-limited scope. */
  register(app: FastifyInstance, ctx: SourceContext): void;
}
