// Keys bound to tenants and scopes, shared by ingest and the query API.
export { authorize, authorizeMetrics, authenticate, hasScope, wwwAuthenticate, type AuthRealm, type Grant } from './access.js';
export { parseAuthorization, type Credentials } from './authorization.js';
export { legacyKeys, loadKeysFile, parseKeysFile, sha256Hex, type KeySpec, type KeyFileEntryDoc } from './keys-file.js';
export { KeyRing } from './keyring.js';
export { bindGrant, grantOf } from './request-grant.js';
export { SCOPES, isScope, type Scope } from './scopes.js';
export { TENANT_HEADER, TENANT_NAME_PATTERN, isTenantName, tenantHeader, tenantNameProblem } from './tenant.js';
export { isLoopbackHost, warnAboutKeys } from './warnings.js';
export { opsKeyRing } from './ops-keys.js';
