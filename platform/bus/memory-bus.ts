// The embedded mode's bus: per-group FIFO queues in this process, with the same at-least-once
// and backpressure duties as Kafka (publish waits while a queue is over its high-water mark).
// Within a group each topic keeps its own queue and a batch takes a fair share of every topic
// with records waiting, as a Kafka consumer fetches from each of its partitions: in one FIFO an
// anomaly waited behind every metric batch queued before it (the sink takes both), and a
// single-series fault's anomaly reached the API seconds late at 20k points/s.
// With a durable log (`aiops start`) publish resolves once the records are fsync'd, groups
// commit offsets to it, and a restart replays every group from its commit.
import type { TopicName, TopicPayloads } from '../contracts/topics.js';
import type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from './bus.js';
import type { DurableLog } from './durable-log.js';

/** Pending records are items[head..]; the consumed prefix is dropped in chunks, not per batch. */
interface TopicQueue {
  items: IncomingMessage[];
  head: number;
}

interface GroupQueue {
  group: string;
  topics: Set<TopicName>;
  /** One FIFO per topic, in the subscription's topic order. */
  queues: Map<TopicName, TopicQueue>;
  /** Records waiting over all of the group's topics. */
  waiting: number;
  handler: SubscribeOptions['handler'];
  running: boolean;
  stopped: boolean;
  offsets: Map<TopicName, number>;
  /** Next offset per topic after every handled batch; persisted at once or on commit(). */
  handled: Map<TopicName, number>;
  manualCommit: boolean;
}

export interface MemoryBusOptions {
  /** Records a group may have waiting before publishers are made to wait. */
  highWaterMark?: number;
  maxBatch?: number;
  /** Delay before a failed batch is retried. */
  retryDelayMs?: number;
  onHandlerError?: (err: unknown, group: string) => void;
  /** Keeps records and committed offsets on disk; without it a restart starts empty. */
  log?: DurableLog;
}

const pending = (g: GroupQueue): number => g.waiting;

function enqueue(g: GroupQueue, m: IncomingMessage): void {
  g.queues.get(m.topic as TopicName)?.items.push(m);
  g.waiting += 1;
}

/**
 * The next batch: every topic with records waiting gets up to an equal share of `max`, and what a
 * topic leaves unused goes to the others in topic order. Each topic's records stay in offset order.
 */
function nextBatch(g: GroupQueue, max: number): { batch: IncomingMessage[]; taken: Map<TopicQueue, number> } {
  const waitingTopics = [...g.queues.values()].filter((q) => q.items.length > q.head);
  const taken = new Map<TopicQueue, number>();
  let room = max;
  const share = Math.max(1, Math.floor(max / Math.max(1, waitingTopics.length)));
  for (const q of waitingTopics) {
    const n = Math.min(share, q.items.length - q.head, room);
    taken.set(q, n);
    room -= n;
  }
  for (const q of waitingTopics) {
    if (room <= 0) break;
    const more = Math.min(room, q.items.length - q.head - (taken.get(q) ?? 0));
    if (more > 0) taken.set(q, (taken.get(q) ?? 0) + more), (room -= more);
  }
  const batch: IncomingMessage[] = [];
  for (const [q, n] of taken) for (let i = q.head; i < q.head + n; i++) batch.push(q.items[i]!);
  return { batch, taken };
}

/** Drops what a handled batch took from the head of each topic's queue. */
function consume(g: GroupQueue, taken: Map<TopicQueue, number>): void {
  for (const [q, n] of taken) {
    q.head += n;
    g.waiting -= n;
    // Splicing the head off a 50,000-record queue per batch moved every record each time
    // (quadratic under backlog); advance an index and compact once half is consumed.
    if (q.head >= 4096 && q.head * 2 >= q.items.length) {
      q.items = q.items.slice(q.head);
      q.head = 0;
    }
  }
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly groups = new Map<string, GroupQueue>();
  private readonly offsets = new Map<TopicName, number>();
  private waiters: Array<() => void> = [];
  private readonly highWater: number;
  private readonly maxBatch: number;
  private readonly retryDelayMs: number;
  private readonly onHandlerError: (err: unknown, group: string) => void;
  /** Test hook: while set, publish rejects as a broker outage would. */
  unavailable = false;
  private readonly log: DurableLog | undefined;
  private lastTrim = 0;
  /** Per topic, the last publish's hand-over to the queues: the next one waits for it. */
  private readonly ordered = new Map<TopicName, Promise<void>>();

  constructor(options: MemoryBusOptions = {}) {
    this.highWater = options.highWaterMark ?? 50_000;
    this.maxBatch = options.maxBatch ?? 1_000;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.onHandlerError = options.onHandlerError ?? (() => {});
    this.log = options.log;
  }

  /** True while some group has more than its high-water mark waiting: ingest answers 429 up front. */
  overloaded(): boolean {
    for (const g of this.groups.values()) if (!g.stopped && pending(g) >= this.highWater) return true;
    return false;
  }

  pendingByGroup(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const g of this.groups.values()) if (!g.stopped) out.set(g.group, pending(g));
    return out;
  }

  async connect(): Promise<void> {}

  async publish<K extends TopicName>(topic: K, messages: ReadonlyArray<OutgoingMessage<TopicPayloads[K]>>): Promise<void> {
    if (this.unavailable) throw new Error('in-process bus marked unavailable');
    if (messages.length === 0) return;
    // With a log the records wait on disk, not in the caller: refusing is the publisher's job
    // (overloaded()), and a publish once started must complete or the request is half-published.
    if (!this.log) {
      for (const g of this.groups.values()) {
        while (!g.stopped && g.topics.has(topic) && pending(g) >= this.highWater) await this.waitForProgress();
      }
    }
    const base = this.offsets.get(topic) ?? this.log?.nextOffset(topic) ?? 0;
    this.offsets.set(topic, base + messages.length);
    if (!this.log) {
      this.fanOut(topic, base, messages);
      return;
    }
    // Records reach the queues in offset order even when a later append is durable first (a
    // request of 1,000 records can span two LMDB transactions): a group commits the highest offset
    // it handled, so handing it offset 3000 before 1000 let a crash skip 1000..1999 on replay.
    const appended = this.log.append(topic, base, messages);
    const turn = (this.ordered.get(topic) ?? Promise.resolve()).then(() => appended).then(() => this.fanOut(topic, base, messages));
    this.ordered.set(topic, turn.catch(() => undefined));
    await turn;
  }

  private fanOut(topic: TopicName, base: number, messages: ReadonlyArray<OutgoingMessage<unknown>>): void {
    for (const g of this.groups.values()) {
      if (g.stopped || !g.topics.has(topic)) continue;
      let i = base;
      for (const m of messages) {
        enqueue(g, { topic, key: m.key, value: m.value, partition: 0, offset: String(i++) });
      }
      this.pump(g);
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const existing = this.groups.get(options.group);
    if (existing && !existing.stopped) throw new Error(`group ${options.group} is already subscribed on the in-process bus`);
    const g: GroupQueue = {
      group: options.group,
      topics: new Set(options.topics),
      queues: new Map(options.topics.map((t) => [t, { items: [], head: 0 }])),
      waiting: 0,
      handler: options.handler,
      running: false,
      stopped: false,
      offsets: new Map(),
      handled: new Map(),
      manualCommit: options.manualCommit ?? false,
    };
    if (this.log) this.replay(g, this.log);
    this.groups.set(options.group, g);
    if (pending(g) > 0) this.pump(g);
    return {
      stop: async () => {
        g.stopped = true;
        this.groups.delete(options.group);
        this.notify();
      },
      commit: async () => {
        if (g.manualCommit) await this.persistCommit(g);
      },
    };
  }

  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.groups.values()].some((g) => !g.stopped && (g.running || pending(g) > 0));
      if (!busy) return;
      await this.waitForProgress();
    }
  }

  async close(): Promise<void> {
    for (const g of this.groups.values()) g.stopped = true;
    this.groups.clear();
    this.notify();
    await this.log?.close();
  }

  private replay(g: GroupQueue, log: DurableLog): void {
    for (const topic of g.topics) {
      const from = log.committed(g.group, topic) ?? 0;
      for (const r of log.read(topic, from)) {
        enqueue(g, { topic, key: r.key, value: r.value, partition: 0, offset: String(r.offset) });
      }
    }
  }

  private async persistCommit(g: GroupQueue): Promise<void> {
    if (!this.log || g.handled.size === 0) return;
    await this.log.commit(g.group, new Map(g.handled));
    if (Date.now() - this.lastTrim > 5_000) {
      this.lastTrim = Date.now();
      await this.trim(this.log);
    }
  }

  // Records every group committed past are dropped. Every group that ever committed counts, not only
  // those subscribed now: at start the stages subscribe one by one, and trimming to the first one's
  // commit deleted what a later one (the sink) had not consumed yet. A topic is trimmed only to the
  // lowest commit among the subscribed groups' topics' consumers that the log knows of.
  private async trim(log: DurableLog): Promise<void> {
    const topics = new Set<TopicName>();
    for (const g of this.groups.values()) if (!g.stopped) for (const t of g.topics) topics.add(t);
    for (const topic of topics) {
      let below = log.lowestCommit(topic) ?? 0;
      // A subscribed group that never committed holds everything back.
      for (const g of this.groups.values()) if (!g.stopped && g.topics.has(topic) && log.committed(g.group, topic) === undefined) below = 0;
      if (below > 0) await log.trim(topic, below);
    }
  }

  private pump(g: GroupQueue): void {
    if (g.running || g.stopped || pending(g) === 0) return;
    g.running = true;
    void this.drain(g);
  }

  private async drain(g: GroupQueue): Promise<void> {
    try {
      while (!g.stopped && pending(g) > 0) {
        const { batch, taken } = nextBatch(g, this.maxBatch);
        try {
          await g.handler(batch);
          for (const m of batch) {
            const next = Number(m.offset) + 1;
            if (next > (g.handled.get(m.topic) ?? 0)) g.handled.set(m.topic, next);
          }
          if (!g.manualCommit) await this.persistCommit(g);
          consume(g, taken);
        } catch (err) {
          // At-least-once: the batch stays at the head and is offered again.
          this.onHandlerError(err, g.group);
          await new Promise((r) => setTimeout(r, this.retryDelayMs));
        }
        this.notify();
        // Let I/O (HTTP receivers, timers) run between batches.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      g.running = false;
      this.notify();
    }
  }

  private waitForProgress(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
