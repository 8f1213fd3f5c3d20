// The grant the auth hook made for a request, for the handlers that need more than its tenant
// (record-level tenant fields, alert labels). Keyed by the request object, so nothing is added
// to Fastify's request type and a request without a grant is visible as such.
import type { Grant } from './access.js';

const grants = new WeakMap<object, Grant>();

export function bindGrant(req: object, grant: Grant): void {
  grants.set(req, grant);
}

export function grantOf(req: object): Grant | undefined {
  return grants.get(req);
}
