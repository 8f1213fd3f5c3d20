// The keys the ops server (/metrics of detect, correlate, sink) accepts: any key either HTTP
// server would, since the same all-tenant-or-admin rule applies to its /metrics.
import type { AiopsConfig } from '../config/config.js';
import { legacyKeys } from './keys-file.js';
import { KeyRing } from './keyring.js';

export function opsKeyRing(config: Pick<AiopsConfig, 'auth' | 'api' | 'ingest'>): KeyRing {
  return new KeyRing([
    ...config.auth.keys,
    ...legacyKeys('AIOPS_API_KEYS', config.api.apiKeys),
    ...legacyKeys('AIOPS_INGEST_API_KEYS', config.ingest.apiKeys),
  ]);
}
