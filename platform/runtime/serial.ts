// One-at-a-time execution for a stage's state: batches, periodic flushes, checkpoints and
// rebalance callbacks each run to completion before the next starts, in call order, so none sees
// the state halfway through another. A failed task does not stop the ones queued after it.
export type Serial = <T>(task: () => Promise<T>) => Promise<T>;

export function serialQueue(): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => {});
    return run;
  };
}
