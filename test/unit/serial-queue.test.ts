// serialQueue: tasks run one at a time in call order, and a failed task does not stop the queue.
import { describe, expect, it } from 'vitest';
import { serialQueue } from '../../platform/runtime/serial.js';

describe('serialQueue', () => {
  it('runs each task to completion before the next, in call order, past a failure', async () => {
    const serial = serialQueue();
    const log: string[] = [];
    const task = (name: string, ms: number, fail = false) => serial(async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([task('a', 20), task('b', 1, true), task('c', 5)]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseFulfilledResult<string>).value).toBe('c');
  });
});
