// The explicit registry of HTTP sources: one entry per component, registered in this order.
import { ndjsonSource } from './ndjson.js';
import type { HttpSource } from './source.js';

export const HTTP_SOURCES: readonly HttpSource[] = [ndjsonSource];
