// Picks the store from configuration, so stage code never branches on the mode.
import { join } from 'node:path';
import type { AiopsConfig } from '../config/config.js';
import { ClickHouseStore } from './clickhouse-store.js';
import { DuckDbStore } from './duckdb-store.js';
import type { Store } from './store.js';

export async function openStore(config: AiopsConfig): Promise<Store> {
  const store: Store = config.store === 'clickhouse'
    ? new ClickHouseStore(config.clickhouse)
    : await DuckDbStore.open(join(config.dataDir, 'aiops.duckdb'));
  await store.ping();
  return store;
}
