// A keys file for the tenant and scope matrix: keys bound to one or two tenants, each with one
// scope, plus all-tenant and tenant-bound admins. Written to a temporary file, as operators do.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../platform/auth/index.js';

export const KEYS = {
  shopIngest: 'shop-ingest-secret-0001',
  shopBillingIngest: 'shop-billing-ingest-0002',
  shopRead: 'shop-read-secret-000003',
  shopFeedback: 'shop-feedback-secret-04',
  shopAdmin: 'shop-admin-secret-00005',
  allAdmin: 'all-admin-secret-000006',
  allRead: 'all-read-secret-0000007',
} as const;

export function writeKeysFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-keys-'));
  const path = join(dir, 'keys.json');
  writeFileSync(path, JSON.stringify({
    keys: [
      { name: 'shop-ingest', key: KEYS.shopIngest, tenants: ['shop'], scopes: ['ingest'] },
      { name: 'shop-billing-ingest', key: KEYS.shopBillingIngest, tenants: ['shop', 'billing'], scopes: ['ingest'] },
      // Stored as a digest: the file need not hold the key.
      { name: 'shop-read', sha256: sha256Hex(KEYS.shopRead), tenants: ['shop'], scopes: ['read'] },
      { name: 'shop-feedback', key: KEYS.shopFeedback, tenants: ['shop'], scopes: ['feedback'] },
      { name: 'shop-admin', key: KEYS.shopAdmin, tenants: ['shop'], scopes: ['admin'] },
      { name: 'all-admin', key: KEYS.allAdmin, tenants: '*', scopes: ['admin'] },
      { name: 'all-read', key: KEYS.allRead, tenants: '*', scopes: ['read'] },
    ],
  }));
  return path;
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
export const basic = (user: string, key: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}` });
