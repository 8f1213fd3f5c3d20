// The embedded bus's write-ahead log: every topic's records keyed by (topic, offset) and each
// consumer group's committed offset, in LMDB. LMDB rather than a hand-written file: its commits
// are atomic copy-on-write transactions (a kill -9 mid-write leaves the last commit intact, no
// torn tail to repair), and lmdb-js batches every write issued in one event-loop turn into one
// transaction, so one fsync covers all the requests that arrived together (group commit).
import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import type { TopicName } from '../contracts/topics.js';

export interface LoggedRecord {
  offset: number;
  key: string;
  value: unknown;
}

type LogKey = (string | number)[];

const END = Number.MAX_SAFE_INTEGER;

export class DurableLog {
  private constructor(private readonly db: RootDatabase<unknown, LogKey>) {}

  static open(dir: string): DurableLog {
    mkdirSync(dir, { recursive: true });
    const db = open<unknown, LogKey>({
      path: dir,
      // A write's promise resolves only once its transaction is fsync'd: an acknowledged request
      // is on disk, not in the page cache (overlappingSync would resolve before the flush).
      overlappingSync: false,
      noSync: false,
      compression: false,
    });
    return new DurableLog(db);
  }

  /** Offset the next record of `topic` gets: one past the last stored. */
  nextOffset(topic: TopicName): number {
    for (const key of this.db.getKeys({ start: ['r', topic, END], end: ['r', topic, -1], reverse: true, limit: 1 })) {
      return Number(key[2]) + 1;
    }
    return this.committedMax(topic);
  }

  /** Resolves once the records are durable; calls in one turn share one transaction and one fsync. */
  async append(topic: TopicName, base: number, messages: ReadonlyArray<{ key: string; value: unknown }>): Promise<void> {
    let last: Promise<boolean> | undefined;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      last = this.db.put(['r', topic, base + i], { k: m.key, v: m.value });
    }
    if (last) await last;
  }

  /** Records of `topic` from offset `from` (inclusive) to the end. */
  read(topic: TopicName, from: number): LoggedRecord[] {
    // lmdb-js reuses one read snapshot until it is reset: a group subscribing while publishes commit
    // would replay from a snapshot older than records already handed to the groups subscribed
    // before it, and miss them (the sink lost the second batch of a burst that began before it
    // subscribed).
    this.db.resetReadTxn();
    const out: LoggedRecord[] = [];
    for (const { key, value } of this.db.getRange({ start: ['r', topic, from], end: ['r', topic, END] })) {
      const v = value as { k: string; v: unknown };
      out.push({ offset: Number(key[2]), key: v.k, value: v.v });
    }
    return out;
  }

  /** The group's next offset to consume on `topic`, or undefined when it never committed. */
  committed(group: string, topic: TopicName): number | undefined {
    const v = this.db.get(['g', group, topic]);
    return typeof v === 'number' ? v : undefined;
  }

  /** The lowest commit on `topic` over every group that ever committed to it (this run or an earlier one). */
  lowestCommit(topic: TopicName): number | undefined {
    let low: number | undefined;
    for (const { key, value } of this.db.getRange({ start: ['g'], end: ['g', '\uffff'] })) {
      if (key[2] === topic && typeof value === 'number') low = low === undefined ? value : Math.min(low, value);
    }
    return low;
  }

  async commit(group: string, offsets: ReadonlyMap<TopicName, number>): Promise<void> {
    let last: Promise<boolean> | undefined;
    for (const [topic, next] of offsets) last = this.db.put(['g', group, topic], next);
    if (last) await last;
  }

  /** Drops the records of `topic` below `below` (every group consuming it has committed past them). */
  async trim(topic: TopicName, below: number): Promise<number> {
    let last: Promise<boolean> | undefined;
    let n = 0;
    for (const key of this.db.getKeys({ start: ['r', topic, 0], end: ['r', topic, below] })) {
      last = this.db.remove(key);
      n++;
    }
    if (last) await last;
    return n;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // A fully trimmed topic has no records left; the highest commit keeps offsets increasing.
  private committedMax(topic: TopicName): number {
    let max = 0;
    for (const { key, value } of this.db.getRange({ start: ['g'], end: ['g', '\uffff'] })) {
      if (key[2] === topic && typeof value === 'number' && value > max) max = value;
    }
    return max;
  }
}
