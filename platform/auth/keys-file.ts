// AIOPS_KEYS_FILE: API keys bound to tenants and scopes, checked once at start with every
// problem listed together (as the rest of the configuration is). Only sha256 digests are kept
// in memory after loading, so the resolved configuration never holds a plaintext key.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SCOPES, isScope, type Scope } from './scopes.js';
import { tenantNameProblem } from './tenant.js';

/** Shortest plaintext key accepted in the file: a short key is guessable whatever the compare. */
export const MIN_KEY_LENGTH = 16;

/** One entry of the keys file as written. */
export interface KeyFileEntryDoc {
  name: string;
  key?: string;
  sha256?: string;
  tenants: '*' | string[];
  scopes: string[];
}

// typebox is loaded on first use (the CJS build, synchronously): the CLI reads the configuration
// for `aiops --help` and `aiops config`, and a keys file is rare, so neither pays for the validator.
type TypeboxModule = typeof import('@sinclair/typebox');
type ValueModule = typeof import('@sinclair/typebox/value');
let schemas: { KeyFileEntry: import('@sinclair/typebox').TObject; KeysFile: import('@sinclair/typebox').TObject; Value: ValueModule['Value'] } | undefined;
function keysFileSchemas(): NonNullable<typeof schemas> {
  if (schemas) return schemas;
  const require = createRequire(import.meta.url);
  const { Type } = require('@sinclair/typebox') as TypeboxModule;
  const { Value } = require('@sinclair/typebox/value') as ValueModule;
  const KeyFileEntry = Type.Object({
    name: Type.String({ minLength: 1, maxLength: 128, description: 'Shown in logs and rate-limit buckets; never the key itself.' }),
    key: Type.Optional(Type.String({ minLength: MIN_KEY_LENGTH, maxLength: 4096, description: 'The key in plain text.' })),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'Hex SHA-256 of the key, so the file need not hold it.' })),
    tenants: Type.Union([Type.Literal('*'), Type.Array(Type.String(), { minItems: 1 })], { description: 'The tenants the key opens, or "*" for all.' }),
    scopes: Type.Array(Type.String(), { minItems: 1, description: `Any of ${SCOPES.join(', ')}; admin implies the others.` }),
  }, { additionalProperties: false });
  const KeysFile = Type.Object({ keys: Type.Array(Type.Unknown()) }, { additionalProperties: false });
  return (schemas = { KeyFileEntry, KeysFile, Value });
}


/** One key as the servers use it. */
export interface KeySpec {
  name: string;
  /** Lower-case hex SHA-256 of the key. */
  sha256: string;
  tenants: '*' | readonly string[];
  scopes: readonly Scope[];
  /** The keys file, or the deprecated variable it came from (its Basic user is not read as a tenant). */
  origin: 'keys_file' | 'AIOPS_API_KEYS' | 'AIOPS_INGEST_API_KEYS';
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Checks the parsed JSON of a keys file; `problems` lists every fault at once, each naming the key. */
export function parseKeysFile(doc: unknown, label = 'AIOPS_KEYS_FILE'): { keys: KeySpec[]; problems: string[] } {
  const { KeyFileEntry, KeysFile, Value } = keysFileSchemas();
  const problems: string[] = [];
  if (!Value.Check(KeysFile, doc)) {
    for (const e of Value.Errors(KeysFile, doc)) problems.push(`${label}: ${e.path || '/'} ${e.message}`);
    problems.push(`${label}: expected {"keys": [{"name", "key" | "sha256", "tenants", "scopes"}, ...]}`);
    return { keys: [], problems };
  }
  const keys: KeySpec[] = [];
  const names = new Map<string, number>();
  const digests = new Map<string, string>();
  (doc as { keys: unknown[] }).keys.forEach((raw: unknown, i: number) => {
    const rawName = typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : '';
    const where = `${label}: keys[${i}]${rawName ? ` (${JSON.stringify(rawName)})` : ''}`;
    const before = problems.length;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${where}: expected an object {"name", "key" | "sha256", "tenants", "scopes"}`);
      return;
    }
    const entry = raw as Partial<KeyFileEntryDoc>;
    if (!Value.Check(KeyFileEntry, raw)) {
      for (const e of Value.Errors(KeyFileEntry, raw)) {
        // The union's own message ("Expected union value") says nothing; ours below does.
        if (e.path.startsWith('/tenants')) continue;
        problems.push(`${where}: ${e.path.slice(1) || 'entry'}: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`);
      }
    }
    if (entry.tenants !== '*' && (!Array.isArray(entry.tenants) || entry.tenants.length === 0)) problems.push(`${where}: tenants: expected a list of at least one tenant name, or "*" for all tenants`);
    if (entry.key !== undefined && entry.sha256 !== undefined) problems.push(`${where}: give either "key" or "sha256", not both`);
    if (entry.key === undefined && entry.sha256 === undefined) problems.push(`${where}: needs "key" or "sha256"`);
    if (Array.isArray(entry.scopes)) {
      for (const s of entry.scopes) if (!isScope(s)) problems.push(`${where}: unknown scope ${JSON.stringify(s)} (one of ${SCOPES.join(', ')})`);
    }
    if (Array.isArray(entry.tenants)) {
      for (const t of entry.tenants) {
        const why = tenantNameProblem(t);
        if (why !== undefined) problems.push(`${where}: tenant ${JSON.stringify(t)} is not a tenant name: ${why}`);
      }
    }
    if (rawName) {
      const first = names.get(rawName);
      if (first !== undefined) problems.push(`${where}: duplicate name, also keys[${first}]`);
      else names.set(rawName, i);
    }
    const digest = typeof entry.key === 'string' ? sha256Hex(entry.key) : typeof entry.sha256 === 'string' ? entry.sha256.toLowerCase() : undefined;
    if (digest !== undefined) {
      const other = digests.get(digest);
      if (other !== undefined) problems.push(`${where}: the same key as ${other}; give each client its own key`);
      else digests.set(digest, `keys[${i}]`);
    }
    if (problems.length > before || digest === undefined) return;
    const e = entry as KeyFileEntryDoc;
    keys.push({ name: e.name, sha256: digest, tenants: e.tenants === '*' ? '*' : [...new Set(e.tenants)], scopes: [...new Set(e.scopes)] as Scope[], origin: 'keys_file' });
  });
  return { keys, problems };
}

/** Reads and checks a keys file; a missing or unparsable file is one problem, not an exception. */
export function loadKeysFile(path: string, label = 'AIOPS_KEYS_FILE'): { keys: KeySpec[]; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { keys: [], problems: [`${label}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { keys: [], problems: [`${label}: ${path} is not valid JSON (${(err as Error).message})`] };
  }
  return parseKeysFile(doc, label);
}

/** The deprecated comma-separated key variables, as all-tenant keys with their old powers. */
export function legacyKeys(origin: 'AIOPS_API_KEYS' | 'AIOPS_INGEST_API_KEYS', keys: readonly string[]): KeySpec[] {
  const scopes: Scope[] = origin === 'AIOPS_API_KEYS' ? ['read', 'feedback'] : ['ingest'];
  return keys.map((k, i) => ({ name: `${origin}[${i}]`, sha256: sha256Hex(k), tenants: '*', scopes, origin }));
}
