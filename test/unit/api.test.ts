import { afterAll } from 'vitest';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import type { Store } from '../../platform/store/store.js';
import { apiContract } from '../support/api-contract.js';

let store: Store | undefined;
afterAll(async () => store?.close());
apiContract('DuckDB', async () => {
  if (!store) {
    store = await DuckDbStore.open(':memory:');
    await store.migrate();
  }
  return store;
});
