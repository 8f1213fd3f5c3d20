import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../platform/store/recent-ids.js';
import { day } from '../../platform/store/tables.js';

const rec = (tenant: string, id: string) => ({ tenant, id });

describe('the writer window of recent ids', () => {
  it('keeps each id of a batch once and drops ids stored before', () => {
    const w = new RecentIds(100);
    const first = w.fresh([rec('a', '1'), rec('a', '2'), rec('a', '1')]);
    expect(first.map((r) => r.id)).toEqual(['1', '2']);
    w.addAll(first);
    expect(w.fresh([rec('a', '2'), rec('a', '3')]).map((r) => r.id)).toEqual(['3']);
  });

  it('remembers nothing until the batch is stored, so a failed write is retried in full', () => {
    const w = new RecentIds(100);
    w.fresh([rec('a', '1')]);
    expect(w.fresh([rec('a', '1')])).toHaveLength(1);
  });

  it('keeps tenants apart: one id in two tenants is two records', () => {
    const w = new RecentIds(100);
    w.addAll([rec('a', '1')]);
    expect(w.fresh([rec('a', '1'), rec('b', '1')])).toEqual([rec('b', '1')]);
  });

  it('forgets the oldest generation once the current one fills', () => {
    const w = new RecentIds(2);
    w.addAll([rec('a', '1'), rec('a', '2')]); // generation 1 full
    w.addAll([rec('a', '3'), rec('a', '4')]); // generation 2; 1 and 2 still in the previous one
    expect(w.fresh([rec('a', '1')])).toHaveLength(0);
    w.addAll([rec('a', '5')]); // generation 3: generation 1 is forgotten
    expect(w.fresh([rec('a', '1'), rec('a', '3'), rec('a', '5')]).map((r) => r.id)).toEqual(['1']);
  });
});

describe('the UTC day of a timestamp', () => {
  it('is right across day boundaries and for timestamps before 1970', () => {
    for (const ts of [0, 86_399_999, 86_400_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 2, 1), -1, Date.UTC(1969, 11, 31, 0, 0, 1)]) {
      expect(day(ts)).toBe(new Date(ts).toISOString().slice(0, 10));
    }
    // the same day again after another one (the cached answer must follow the timestamp)
    expect(day(Date.UTC(2024, 2, 1))).toBe('2024-03-01');
    expect(day(Date.UTC(2024, 1, 29))).toBe('2024-02-29');
  });
});
