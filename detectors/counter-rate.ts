// Counters become per-second rates before detection; a drop in a counter is a reset
// (process restart), after which the new value itself is the increase.
export interface CounterState {
  ts: number;
  value: number;
}

export function counterRate(prev: CounterState | undefined, ts: number, value: number): number | undefined {
  if (!prev || ts <= prev.ts) return undefined;
  const increase = value >= prev.value ? value - prev.value : value;
  return increase / ((ts - prev.ts) / 1000);
}
