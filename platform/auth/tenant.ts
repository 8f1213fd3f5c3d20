// The one tenant-name rule, shared by both servers and every record-level tenant field, so a
// name the API refuses is refused by ingest too (and not silently filed under `default`).
import { AiopsError } from '../errors/aiops-error.js';

export const TENANT_NAME_PATTERN = '^[A-Za-z0-9_.-]{1,128}$';
const TENANT_NAME = new RegExp(TENANT_NAME_PATTERN);

export const TENANT_HEADER = 'x-scope-orgid';

export function isTenantName(s: unknown): s is string {
  return typeof s === 'string' && TENANT_NAME.test(s);
}

/** Why `raw` is not a tenant name, or undefined when it is one. */
export function tenantNameProblem(raw: unknown): string | undefined {
  if (isTenantName(raw)) return undefined;
  if (typeof raw !== 'string') return `expected a string, got ${Array.isArray(raw) ? 'an array' : typeof raw}`;
  if (raw.length === 0) return 'it is empty';
  if (raw.length > 128) return `it is ${raw.length} characters long (at most 128)`;
  const bad = [...raw].find((c) => !/[A-Za-z0-9_.-]/.test(c)) ?? '';
  return `${JSON.stringify(bad)} is not allowed (only A-Z a-z 0-9 _ . -)`;
}

/** The X-Scope-OrgID value of a request: undefined when absent, a 400 when it is not one valid name. */
export function tenantHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    throw new AiopsError('TENANT_INVALID', `Header X-Scope-OrgID was sent ${value.length} times; send it once, naming one tenant.`);
  }
  const problem = tenantNameProblem(value);
  if (problem !== undefined) {
    throw new AiopsError('TENANT_INVALID', `Header X-Scope-OrgID ${JSON.stringify(value.slice(0, 64))} is not a tenant name: ${problem}.`);
  }
  return value;
}
