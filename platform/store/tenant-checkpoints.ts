// Writes the checkpoints of many tenants in bounded statements that span tenants, not one
// statement per tenant: the stop-time checkpoint of 20,000 tenants is then a few dozen inserts.
import type { Checkpoint, Store, TenantCheckpoint } from './store.js';

/** Writes every tenant's rows under `namespace`, at most `chunk` rows per statement; returns the rows written. */
export async function putTenantCheckpoints(store: Store, namespace: string, byTenant: ReadonlyMap<string, readonly Checkpoint[]>, chunk: number): Promise<number> {
  let batch: TenantCheckpoint[] = [];
  let n = 0;
  for (const [tenant, rows] of byTenant) {
    for (const r of rows) {
      batch.push({ tenant, key: r.key, version: r.version, state: r.state });
      if (batch.length >= chunk) {
        await store.putTenantCheckpoints(namespace, batch);
        n += batch.length;
        batch = [];
      }
    }
  }
  if (batch.length > 0) await store.putTenantCheckpoints(namespace, batch);
  return n + batch.length;
}
