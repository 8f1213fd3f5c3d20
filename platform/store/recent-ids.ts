// The writer's window of recently written ids per append-only table: a replayed batch (a
// consumer restarted before committing its offsets) is dropped here instead of being stored
// twice, at a cost that does not depend on the table's size. Two generations bound the memory:
// when the current one fills it becomes the previous one and the oldest is forgotten.
// Duplicates older than the window still reach the table; reads collapse them by id.
// Ids are kept per tenant, not as one `tenant + id` string: building and hashing that string per
// row was most of the window's cost, and a parsed id string is hashed once.
class Generation {
  readonly byTenant = new Map<string, Set<string>>();
  size = 0;

  has(tenant: string, id: string): boolean {
    return this.byTenant.get(tenant)?.has(id) ?? false;
  }

  add(tenant: string, id: string): void {
    let ids = this.byTenant.get(tenant);
    if (!ids) this.byTenant.set(tenant, (ids = new Set()));
    const before = ids.size;
    ids.add(id);
    this.size += ids.size - before;
  }
}

export class RecentIds {
  private current = new Generation();
  private previous = new Generation();

  constructor(private readonly perGeneration: number) {}

  has(tenant: string, id: string): boolean {
    return this.current.has(tenant, id) || this.previous.has(tenant, id);
  }

  /** Remembers records once they are stored. */
  addAll(records: readonly { tenant: string; id: string }[]): void {
    for (const r of records) {
      if (this.current.size >= this.perGeneration) {
        this.previous = this.current;
        this.current = new Generation();
      }
      this.current.add(r.tenant, r.id);
    }
  }

  /** The records not seen before, each once. */
  fresh<R extends { tenant: string; id: string }>(records: readonly R[]): R[] {
    const rows: R[] = [];
    const inBatch = new Generation();
    for (const r of records) {
      if (this.has(r.tenant, r.id) || inBatch.has(r.tenant, r.id)) continue;
      inBatch.add(r.tenant, r.id);
      rows.push(r);
    }
    return rows;
  }
}
