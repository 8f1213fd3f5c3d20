// Per-(tenant, service) checkpoint plumbing shared by the detect stage's log banks (templates,
// sessions): which services of a batch still need their checkpoint read, and writing rows per
// tenant in bounded puts that span tenants.

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

/** Writes each tenant's rows under `namespace`, at most `chunk` rows per statement (spanning tenants); returns the rows written. */
export { putTenantCheckpoints as putPerTenant } from '../platform/store/tenant-checkpoints.js';
