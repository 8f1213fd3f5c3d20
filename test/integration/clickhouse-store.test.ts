// The store and API contracts against the real ClickHouse server (18.16 in CI, 24+ for users).
import { afterAll, describe } from 'vitest';
import { ClickHouseStore } from '../../platform/store/clickhouse-store.js';
import type { Store } from '../../platform/store/store.js';
import { storeContract } from '../support/store-contract.js';
import { apiContract } from '../support/api-contract.js';
import { clickhouseUrl, requireServices } from './services.js';

const available = await requireServices();
let store: Store | undefined;
const run = Date.now().toString(36);

async function open(): Promise<Store> {
  if (!store) {
    store = new ClickHouseStore({ url: clickhouseUrl(), database: `aiops_test_${run}`, username: 'default', password: '' });
    await store.migrate();
  }
  return store;
}
afterAll(async () => store?.close());

// describe.skipIf, not a bare `if`: without ClickHouse the file must still hold its tests (counted
// as skipped), or vitest fails it with "No test suite found".
describe.skipIf(!available.clickhouse)('ClickHouse store and API contracts', () => {
  storeContract('ClickHouse', open, 'it');
  apiContract('ClickHouse', open);
});
