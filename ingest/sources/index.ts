// The explicit registry of HTTP sources: one entry per component, registered in this order.
import { ndjsonSource } from './ndjson.js';
import { otlpSource } from './otlp.js';
import type { HttpSource } from './source.js';

export const HTTP_SOURCES: readonly HttpSource[] = [ndjsonSource, otlpSource];
