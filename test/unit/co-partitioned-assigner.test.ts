// The correlate stage's partition assigner: partition p of every topic goes to one member.
import { describe, expect, it } from 'vitest';
import { coPartitionedAssignment } from '../../platform/bus/co-partitioned-assigner.js';

const topics = new Map([
  ['anomalies', [0, 1, 2, 3, 4, 5]],
  ['changes', [5, 4, 3, 2, 1, 0]],
  ['topology', [0, 1, 2, 3, 4, 5]],
]);

describe('coPartitionedAssignment', () => {
  it('gives each member the same partition numbers of every topic, and every partition to exactly one member', () => {
    const a = coPartitionedAssignment(['m-b', 'm-a'], topics);
    expect(a.get('m-a')).toEqual({ anomalies: [0, 2, 4], changes: [0, 2, 4], topology: [0, 2, 4] });
    expect(a.get('m-b')).toEqual({ anomalies: [1, 3, 5], changes: [1, 3, 5], topology: [1, 3, 5] });
    for (const [topic, parts] of topics) {
      const owners = parts.map((p) => [...a].filter(([, x]) => x[topic]?.includes(p)).length);
      expect(owners.every((n) => n === 1)).toBe(true);
    }
  });

  it('does not depend on the order members are listed in, and leaves extra members idle', () => {
    const one = coPartitionedAssignment(['x', 'y', 'z'], topics);
    const other = coPartitionedAssignment(['z', 'x', 'y'], topics);
    expect([...one]).toEqual([...other]);
    const many = coPartitionedAssignment(Array.from({ length: 8 }, (_, i) => `m${i}`), topics);
    expect([...many.values()].filter((x) => Object.keys(x).length === 0)).toHaveLength(2);
  });

  it('assigns nothing without members', () => {
    expect(coPartitionedAssignment([], topics).size).toBe(0);
  });
});
