// Versions for checkpoint rows: the store keeps the highest version per key, so a restarted
// process must write above everything its predecessor wrote, however many rows that one wrote
// per millisecond. Microseconds of wall time, kept strictly increasing, do both.
export class CheckpointVersions {
  private last = 0;

  next(): number {
    this.last = Math.max(this.last + 1, Date.now() * 1000);
    return this.last;
  }
}
