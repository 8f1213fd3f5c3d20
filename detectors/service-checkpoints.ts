// Per-(tenant, service) checkpoint plumbing shared by the detect stage's log banks (templates,
// sessions): which services of a batch still need their checkpoint read, and writing rows per
// tenant in bounded puts.
import type { Checkpoint, Store } from '../platform/store/store.js';

/** The (tenant -> services) of `records` not in `known` (add them with rememberServices once restored). */
export function unknownServices(records: ReadonlyArray<{ tenant: string; service: string }>, known: ReadonlyMap<string, ReadonlySet<string>>): Map<string, Set<string>> {
  const missing = new Map<string, Set<string>>();
  for (const r of records) {
    if (known.get(r.tenant)?.has(r.service)) continue;
    const m = missing.get(r.tenant) ?? new Set<string>();
    m.add(r.service);
    missing.set(r.tenant, m);
  }
  return missing;
}

export function rememberServices(known: Map<string, Set<string>>, tenant: string, services: Iterable<string>): void {
  const k = known.get(tenant) ?? new Set<string>();
  for (const s of services) k.add(s);
  known.set(tenant, k);
}

/** Writes each tenant's rows under `namespace`, at most `chunk` rows per put; returns the rows written. */
export async function putPerTenant(store: Store, namespace: string, byTenant: ReadonlyMap<string, Checkpoint[]>, chunk: number): Promise<number> {
  let n = 0;
  for (const [tenant, rows] of byTenant) {
    for (let i = 0; i < rows.length; i += chunk) await store.putCheckpoints(tenant, namespace, rows.slice(i, i + chunk));
    n += rows.length;
  }
  return n;
}
