// A kafkajs partition assigner that gives each member the same partition numbers of every topic
// it subscribes to. Topics with the same partition count and the same key (e.g. the tenant) put
// one key's records on the same partition number, so one member sees all of them: the correlate
// stage folds a tenant's anomalies, changes, topology and learned edges in one place while its
// replicas share the tenants. Kafka's round-robin assigner spreads each topic independently.
import { AssignerProtocol, type Assignment, type PartitionAssigner } from 'kafkajs';

export const CO_PARTITIONED_ASSIGNER = 'AiopsCoPartitionedAssigner';

/**
 * Partition number p goes to the p-th member (members sorted by id, round robin), for every topic
 * that has partition p. Pure, for tests.
 */
export function coPartitionedAssignment(memberIds: readonly string[], partitionsByTopic: ReadonlyMap<string, readonly number[]>): Map<string, Assignment> {
  const members = [...memberIds].sort();
  const out = new Map<string, Assignment>(members.map((m) => [m, {}]));
  if (members.length === 0) return out;
  for (const [topic, partitions] of partitionsByTopic) {
    for (const p of [...partitions].sort((a, b) => a - b)) {
      const a = out.get(members[p % members.length]!)!;
      (a[topic] ??= []).push(p);
    }
  }
  return out;
}

export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_ASSIGNER,
  version: 0,
  async assign({ members, topics }) {
    const partitions = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]));
    const assignment = coPartitionedAssignment(members.map((m) => m.memberId), partitions);
    return [...assignment].map(([memberId, a]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: a, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: CO_PARTITIONED_ASSIGNER, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
