// The writer's window of recently written ids per append-only table: a replayed batch (a
// consumer restarted before committing its offsets) is dropped here instead of being stored
// twice, at a cost that does not depend on the table's size. Two generations of a Set bound the
// memory: when the current one fills it becomes the previous one and the oldest is forgotten.
// Duplicates older than the window still reach the table; reads collapse them by id.
export class RecentIds {
  private current = new Set<string>();
  private previous = new Set<string>();

  constructor(private readonly perGeneration: number) {}

  has(key: string): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  add(key: string): void {
    if (this.current.size >= this.perGeneration) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(key);
  }

  /** The records not seen before, each once, with their window keys. */
  fresh<R extends { tenant: string; id: string }>(records: readonly R[]): { rows: R[]; keys: string[] } {
    const rows: R[] = [];
    const keys: string[] = [];
    const inBatch = new Set<string>();
    for (const r of records) {
      const key = `${r.tenant}\u001f${r.id}`;
      if (this.has(key) || inBatch.has(key)) continue;
      inBatch.add(key);
      rows.push(r);
      keys.push(key);
    }
    return { rows, keys };
  }
}
