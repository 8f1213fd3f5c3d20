// Detector states carved out of a few large buffers. A state of its own is a Float64Array over an
// ArrayBuffer of its own: two JS objects plus a separately allocated native backing store with its
// bookkeeping, about 400 bytes a series on top of the 1,024 of numbers (heap snapshot and RSS at
// 200k series). A detector in a slab holds the chunk and its offset in it: no object of its own.
//
// A chunk is freed once no view into it is left: a process that drops its series all at once (a
// rebalance resets the bank) frees every chunk, and one that kept a few series of an old chunk keeps
// that chunk (at most CHUNK_STATES states' worth) alive with them.

/** States per chunk: 256 KiB at the default layout, few enough that a pinned chunk costs little. */
export const CHUNK_STATES = 256;

export class StateSlab {
  private chunk: Float64Array | undefined;
  private used = 0;

  constructor(private readonly statesPerChunk = CHUNK_STATES) {}

  /** A zero-filled state of `length` numbers: data[offset] to data[offset + length - 1]. */
  take(length: number): { data: Float64Array; offset: number } {
    if (this.chunk === undefined || this.used + length > this.chunk.length) {
      this.chunk = new Float64Array(length * this.statesPerChunk);
      this.used = 0;
    }
    const offset = this.used;
    this.used += length;
    return { data: this.chunk, offset };
  }
}
