// What a key may do. `admin` implies every other scope.
export const SCOPES = ['ingest', 'read', 'feedback', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(s: unknown): s is Scope {
  return typeof s === 'string' && (SCOPES as readonly string[]).includes(s);
}
