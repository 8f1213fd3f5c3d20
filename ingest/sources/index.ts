// The explicit registry of HTTP sources: one entry per component, registered in this order.
import { ndjsonSource } from './ndjson.js';
import { alertmanagerSource } from './alertmanager.js';
import { changesSource } from './changes.js';
import { lokiSource } from './loki.js';
import { otlpSource } from './otlp.js';
import { remoteWriteSource } from './remote-write.js';
import type { HttpSource } from './source.js';

export const HTTP_SOURCES: readonly HttpSource[] = [ndjsonSource, otlpSource, remoteWriteSource, lokiSource, changesSource, alertmanagerSource];
