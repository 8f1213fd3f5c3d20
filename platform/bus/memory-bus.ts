// The embedded mode's bus: per-group FIFO queues in this process, with the same at-least-once
// and backpressure duties as Kafka (publish waits while a queue is over its high-water mark).
import type { TopicName, TopicPayloads } from '../contracts/topics.js';
import type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from './bus.js';

interface GroupQueue {
  group: string;
  topics: Set<TopicName>;
  /** Pending records are queue[head..]; the consumed prefix is dropped in chunks, not per batch. */
  queue: IncomingMessage[];
  head: number;
  handler: SubscribeOptions['handler'];
  running: boolean;
  stopped: boolean;
  offsets: Map<TopicName, number>;
}

export interface MemoryBusOptions {
  /** Records a group may have waiting before publishers are made to wait. */
  highWaterMark?: number;
  maxBatch?: number;
  /** Delay before a failed batch is retried. */
  retryDelayMs?: number;
  onHandlerError?: (err: unknown, group: string) => void;
}

const pending = (g: GroupQueue): number => g.queue.length - g.head;

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

  constructor(options: MemoryBusOptions = {}) {
    this.highWater = options.highWaterMark ?? 50_000;
    this.maxBatch = options.maxBatch ?? 1_000;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.onHandlerError = options.onHandlerError ?? (() => {});
  }

  async connect(): Promise<void> {}

  async publish<K extends TopicName>(topic: K, messages: ReadonlyArray<OutgoingMessage<TopicPayloads[K]>>): Promise<void> {
    if (this.unavailable) throw new Error('in-process bus marked unavailable');
    if (messages.length === 0) return;
    for (const g of this.groups.values()) {
      while (!g.stopped && g.topics.has(topic) && pending(g) >= this.highWater) await this.waitForProgress();
    }
    let offset = this.offsets.get(topic) ?? 0;
    const base = offset;
    offset += messages.length;
    this.offsets.set(topic, offset);
    for (const g of this.groups.values()) {
      if (g.stopped || !g.topics.has(topic)) continue;
      let i = base;
      for (const m of messages) {
        g.queue.push({ topic, key: m.key, value: m.value, partition: 0, offset: String(i++) });
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
      queue: [],
      head: 0,
      handler: options.handler,
      running: false,
      stopped: false,
      offsets: new Map(),
    };
    this.groups.set(options.group, g);
    return {
      stop: async () => {
        g.stopped = true;
        this.groups.delete(options.group);
        this.notify();
      },
      // A handled batch leaves the queue; nothing survives the process to replay from.
      commit: async () => {},
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
  }

  private pump(g: GroupQueue): void {
    if (g.running || g.stopped || pending(g) === 0) return;
    g.running = true;
    void this.drain(g);
  }

  private async drain(g: GroupQueue): Promise<void> {
    try {
      while (!g.stopped && pending(g) > 0) {
        const batch = g.queue.slice(g.head, g.head + this.maxBatch);
        try {
          await g.handler(batch);
          // Splicing the head off a 50,000-record queue per batch moved every record each time
          // (quadratic under backlog); advance an index and compact once half is consumed.
          g.head += batch.length;
          if (g.head >= 4096 && g.head * 2 >= g.queue.length) {
            g.queue = g.queue.slice(g.head);
            g.head = 0;
          }
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
