// Who may do what for which tenant: the one decision both servers make per request.
// 401 without a known key; 403 for a missing scope or a tenant outside the key's list;
// 400 for a tenant that is not a valid name. The resolved tenant is the request's tenant.
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_TENANT } from '../contracts/common.js';
import { AiopsError } from '../errors/aiops-error.js';
import { parseAuthorization } from './authorization.js';
import type { KeySpec } from './keys-file.js';
import type { KeyRing } from './keyring.js';
import type { Scope } from './scopes.js';
import { TENANT_HEADER, tenantHeader, tenantNameProblem } from './tenant.js';

export interface Grant {
  /** The key used; undefined when the server has no keys (open). */
  readonly key: KeySpec | undefined;
  /** The request's tenant: X-Scope-OrgID, else the Basic-auth user, else the key's only tenant, else `default`. */
  readonly tenant: string;
  /** True when this request may read or write `tenant` (record-level tenant fields, alert labels). */
  mayUse(tenant: string): boolean;
}

/** Where a 401 tells the client which variables hold the server's keys. */
export interface AuthRealm {
  realm: string;
  legacyVariable: 'AIOPS_API_KEYS' | 'AIOPS_INGEST_API_KEYS';
}

const keyOpens = (key: KeySpec, tenant: string): boolean => key.tenants === '*' || key.tenants.includes(tenant);

export const hasScope = (key: KeySpec, scope: Scope): boolean => key.scopes.includes(scope) || key.scopes.includes('admin');

export function wwwAuthenticate(realm: AuthRealm): string {
  return `Bearer realm="${realm.realm}", Basic realm="${realm.realm}"`;
}

/** The key presented in `headers`, or a 401 naming what to send. */
export function authenticate(ring: KeyRing, headers: IncomingHttpHeaders, realm: AuthRealm): { key: KeySpec; basicUser: string | undefined } {
  const creds = parseAuthorization(headers.authorization);
  const key = creds === undefined ? undefined : ring.find(creds.key);
  if (!creds || !key) {
    throw new AiopsError('UNAUTHORIZED', creds === undefined
      ? `A valid API key is required: send Authorization: Bearer <key> (or Basic auth with the tenant as user and the key as password), a key from AIOPS_KEYS_FILE or ${realm.legacyVariable}.`
      : `The API key is not one of ${realm.legacyVariable} or AIOPS_KEYS_FILE.`, { wwwAuthenticate: wwwAuthenticate(realm) });
  }
  return { key, basicUser: creds.scheme === 'basic' ? creds.user : undefined };
}

function listed(tenants: readonly string[]): string {
  const shown = tenants.slice(0, 10).join(', ');
  return tenants.length > 10 ? `${shown} and ${tenants.length - 10} more` : shown;
}

/** Authenticates, checks the scope and resolves the request's tenant; throws the coded 4xx otherwise. */
export function authorize(ring: KeyRing, headers: IncomingHttpHeaders, scope: Scope, realm: AuthRealm): Grant {
  if (!ring.enabled) {
    const tenant = tenantHeader(headers[TENANT_HEADER]) ?? DEFAULT_TENANT;
    return { key: undefined, tenant, mayUse: () => true };
  }
  const { key, basicUser } = authenticate(ring, headers, realm);
  if (!hasScope(key, scope)) {
    throw new AiopsError('SCOPE_FORBIDDEN', `Key ${JSON.stringify(key.name)} lacks the scope ${JSON.stringify(scope)} this endpoint needs (it has ${key.scopes.join(', ')}); add it in AIOPS_KEYS_FILE or use another key.`);
  }
  const header = tenantHeader(headers[TENANT_HEADER]);
  // The deprecated variables' keys never read the Basic user as a tenant: Promtail and Prometheus
  // set-ups that put any name there kept writing to `default`, and still do.
  let fromUser: string | undefined;
  if (basicUser !== undefined && basicUser !== '' && key.origin === 'keys_file') {
    const why = tenantNameProblem(basicUser);
    if (why !== undefined) throw new AiopsError('TENANT_INVALID', `The Basic-auth user ${JSON.stringify(basicUser.slice(0, 64))} is read as the tenant and is not a tenant name: ${why}.`);
    fromUser = basicUser;
  }
  if (header !== undefined && fromUser !== undefined && header !== fromUser) {
    throw new AiopsError('TENANT_INVALID', `X-Scope-OrgID names tenant ${header} but the Basic-auth user names ${fromUser}; send one tenant.`);
  }
  const only = key.tenants !== '*' && key.tenants.length === 1 ? key.tenants[0] : undefined;
  const tenant = header ?? fromUser ?? only ?? DEFAULT_TENANT;
  if (!keyOpens(key, tenant)) {
    const opens = key.tenants === '*' ? 'all tenants' : listed(key.tenants);
    throw new AiopsError('TENANT_FORBIDDEN', header === undefined && fromUser === undefined
      ? `No tenant was named, so the request is for tenant ${tenant}, which key ${JSON.stringify(key.name)} does not open; name one of its tenants (${opens}) in X-Scope-OrgID.`
      : `Key ${JSON.stringify(key.name)} does not open tenant ${tenant}; it opens ${opens}.`);
  }
  return { key, tenant, mayUse: (t) => keyOpens(key, t) };
}

/**
 * /metrics names every tenant and service, so when keys are set it needs a key that already
 * spans every tenant: tenants "*", whatever its scopes (the deprecated variables' keys are such
 * keys). An admin bound to some tenants administers those only, so it is refused here.
 */
export function authorizeMetrics(ring: KeyRing, headers: IncomingHttpHeaders, realm: AuthRealm): void {
  if (!ring.enabled) return;
  const { key } = authenticate(ring, headers, realm);
  if (key.tenants !== '*') {
    throw new AiopsError('SCOPE_FORBIDDEN', `/metrics lists every tenant's names, so it needs a key with tenants "*"; key ${JSON.stringify(key.name)} is bound to ${key.tenants.length} tenant(s).`);
  }
}
