// The notification log table (migration 0004): what was sent to which receiver. Rows are
// immutable; a trigger or resolve written twice (a retry after a failed write, two replicas
// racing) has the same id and is kept once.
import type { NotificationRecord } from '../contracts/notifications.js';
import { wellFormed, type Row, type TableDef } from './tables.js';

export const NOTIFICATION_LOG: TableDef<NotificationRecord> = {
  name: 'notification_log',
  key: ['tenant', 'id'],
  orderBy: ['tenant', 'incident_id', 'id'],
  // Not partitioned: a long incident's trigger must stay next to its late resolve.
  columns: [
    { name: 'tenant', type: 'string', get: (r) => r.tenant },
    { name: 'id', type: 'string', get: (r) => wellFormed(r.id) },
    { name: 'incident_id', type: 'string', get: (r) => r.incidentId },
    { name: 'receiver', type: 'string', get: (r) => wellFormed(r.receiver) },
    { name: 'kind', type: 'string', get: (r) => r.kind },
    { name: 'cycle_no', type: 'int', get: (r) => r.cycle },
    { name: 'sent_at', type: 'int', get: (r) => r.sentAt },
    { name: 'incident_version', type: 'int', get: (r) => r.incidentVersion },
    { name: 'incident_updated_at', type: 'int', get: (r) => r.incidentUpdatedAt },
    { name: 'signature', type: 'string', get: (r) => wellFormed(r.signature) },
    { name: 'bus_partition', type: 'int', get: (r) => r.partition },
  ],
};

// 64-bit integers come back as strings from both stores.
export function notificationFromRow(r: Row): NotificationRecord {
  return {
    id: String(r.id), tenant: String(r.tenant), incidentId: String(r.incident_id), receiver: String(r.receiver),
    kind: String(r.kind) as NotificationRecord['kind'], cycle: Number(r.cycle_no), sentAt: Number(r.sent_at),
    incidentVersion: Number(r.incident_version), incidentUpdatedAt: Number(r.incident_updated_at),
    signature: String(r.signature), partition: Number(r.bus_partition),
  };
}
