// Counters become per-second rates before detection; a drop in a counter is a reset
// (process restart), after which the new value itself is the increase.
export interface CounterState {
  ts: number;
  value: number;
}

/** What the counter counted since `prev` (undefined without a previous, later sample). */
export function counterIncrease(prev: CounterState | undefined, ts: number, value: number): number | undefined {
  if (!prev || ts <= prev.ts) return undefined;
  return value >= prev.value ? value - prev.value : value;
}

export function counterRate(prev: CounterState | undefined, ts: number, value: number): number | undefined {
  const increase = counterIncrease(prev, ts, value);
  return increase === undefined ? undefined : increase / ((ts - (prev as CounterState).ts) / 1000);
}
