// Building blocks every record shares: a tenant and a stable id.
import { Type, type Static } from '@sinclair/typebox';

export const DEFAULT_TENANT = 'default';

export const Tenant = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$', default: DEFAULT_TENANT });
export const RecordId = Type.String({ minLength: 1, maxLength: 256 });
/** Milliseconds since the Unix epoch; bounded so a wrong unit (s or ns) is caught at the edge. */
export const EpochMs = Type.Number({ minimum: 0, maximum: 32503680000000 });
export const ServiceName = Type.String({ minLength: 1, maxLength: 256 });
export const Attributes = Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 8192 }));
export type Attributes = Static<typeof Attributes>;
