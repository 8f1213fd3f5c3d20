import { afterAll } from 'vitest';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import type { Store } from '../../platform/store/store.js';
import { storeContract } from '../support/store-contract.js';

let store: Store | undefined;
async function open(): Promise<Store> {
  if (!store) {
    store = await DuckDbStore.open(':memory:');
    await store.migrate();
  }
  return store;
}
afterAll(async () => store?.close());

storeContract('DuckDB', open, 'unit');
