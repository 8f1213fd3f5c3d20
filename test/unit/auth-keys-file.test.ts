import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyRing, isLoopbackHost, legacyKeys, parseAuthorization, parseKeysFile, sha256Hex, tenantHeader } from '../../platform/auth/index.js';
import { loadConfig } from '../../platform/config/config.js';
import { isAiopsError } from '../../platform/errors/aiops-error.js';
import { writeKeysFile } from '../support/auth-keys.js';

const good = { name: 'a', key: 'a-long-enough-key-0001', tenants: ['shop'], scopes: ['ingest'] };

describe('keys file', () => {
  it('loads keys bound to tenants and scopes, keeping only digests', () => {
    const { keys, problems } = parseKeysFile({ keys: [good, { name: 'b', sha256: 'A'.repeat(64), tenants: '*', scopes: ['read', 'feedback'] }] });
    expect(problems).toEqual([]);
    expect(keys).toEqual([
      { name: 'a', sha256: sha256Hex(good.key), tenants: ['shop'], scopes: ['ingest'], origin: 'keys_file' },
      { name: 'b', sha256: 'a'.repeat(64), tenants: '*', scopes: ['read', 'feedback'], origin: 'keys_file' },
    ]);
    expect(JSON.stringify(keys)).not.toContain(good.key);
  });

  it('lists every problem at once, each naming its key', () => {
    const { keys, problems } = parseKeysFile({
      keys: [
        good,
        { ...good, key: 'another-long-key-0002' }, // duplicate name
        { name: 'c', key: good.key, tenants: ['shop'], scopes: ['ingest'] }, // duplicate key
        { name: 'd', key: 'short', tenants: ['shop'], scopes: ['ingest'] },
        { name: 'e', key: 'long-enough-key-00005', tenants: ['acme:prod', 'team a'], scopes: ['write', 'read'] },
        { name: 'f', tenants: ['shop'], scopes: ['read'] },
        { name: 'g', key: 'long-enough-key-00007', sha256: 'b'.repeat(64), tenants: ['shop'], scopes: ['read'] },
        { name: 'h', key: 'long-enough-key-00008', tenants: [], scopes: [], extra: 1 },
        'not an object',
        { name: 'i', key: 'long-enough-key-00009', tenants: 'all', scopes: ['read'] },
      ],
    });
    expect(keys.map((k) => k.name)).toEqual(['a']);
    const text = problems.join('\n');
    expect(text).toMatch(/keys\[1\] \("a"\): duplicate name, also keys\[0\]/);
    expect(text).toMatch(/keys\[2\] \("c"\): the same key as keys\[0\]/);
    expect(text).toMatch(/keys\[3\] \("d"\): key: .*16/);
    expect(text).toMatch(/keys\[4\] \("e"\): tenant "acme:prod" is not a tenant name: ":" is not allowed/);
    expect(text).toMatch(/keys\[4\] \("e"\): tenant "team a" is not a tenant name: " " is not allowed/);
    expect(text).toMatch(/keys\[4\] \("e"\): unknown scope "write"/);
    expect(text).toMatch(/keys\[5\] \("f"\): needs "key" or "sha256"/);
    expect(text).toMatch(/keys\[6\] \("g"\): give either "key" or "sha256", not both/);
    expect(text).toMatch(/keys\[7\] \("h"\): tenants: /);
    expect(text).toMatch(/keys\[7\] \("h"\): scopes: /);
    expect(text).toMatch(/keys\[7\] \("h"\): extra: /);
    expect(text).toMatch(/keys\[8\]: expected an object/);
    expect(text).toMatch(/keys\[9\] \("i"\): tenants: expected a list of at least one tenant name, or "\*" for all tenants/);
    expect(text).not.toMatch(/union/);
  });

  it('refuses to start with a bad keys file, listing its problems with the other variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiops-keys-'));
    const path = join(dir, 'keys.json');
    writeFileSync(path, JSON.stringify({ keys: [{ ...good, scopes: ['root'] }, { ...good, tenants: ['a/b'] }] }));
    let caught: unknown;
    try {
      loadConfig({}, { AIOPS_KEYS_FILE: path, AIOPS_INGEST_PORT: 'x' });
    } catch (err) {
      caught = err;
    }
    expect(isAiopsError(caught) && caught.code).toBe('CONFIG_INVALID');
    const problems = (caught as { details: { problems: string[] } }).details.problems;
    expect(problems.some((p) => p.startsWith('AIOPS_INGEST_PORT'))).toBe(true);
    expect(problems.some((p) => /unknown scope "root"/.test(p))).toBe(true);
    expect(problems.some((p) => /duplicate name/.test(p))).toBe(true);
    expect(problems.some((p) => /tenant "a\/b"/.test(p))).toBe(true);
  });

  it('reports a missing or unparsable file as one problem', () => {
    expect(() => loadConfig({}, { AIOPS_KEYS_FILE: '/nonexistent/keys.json' })).toThrow(/AIOPS_KEYS_FILE: cannot read \/nonexistent\/keys.json \(ENOENT\)/);
    const dir = mkdtempSync(join(tmpdir(), 'aiops-keys-'));
    writeFileSync(join(dir, 'k.json'), '{"keys": [');
    expect(() => loadConfig({}, { AIOPS_KEYS_FILE: join(dir, 'k.json') })).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'k2.json'), '[]');
    expect(() => loadConfig({}, { AIOPS_KEYS_FILE: join(dir, 'k2.json') })).toThrow(/expected \{"keys"/);
  });

  it('puts the file keys in the configuration', () => {
    const config = loadConfig({}, { AIOPS_KEYS_FILE: writeKeysFile() });
    expect(config.auth.keys.map((k) => k.name)).toContain('shop-ingest');
  });
});

describe('Authorization header', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('reads Bearer in any case and Basic with the user kept', () => {
    expect(parseAuthorization('Bearer abc')).toEqual({ scheme: 'bearer', key: 'abc' });
    expect(parseAuthorization('bearer abc')).toEqual({ scheme: 'bearer', key: 'abc' });
    expect(parseAuthorization('BEARER  abc ')).toEqual({ scheme: 'bearer', key: 'abc' });
    expect(parseAuthorization(`Basic ${b64('shop:k:with:colons')}`)).toEqual({ scheme: 'basic', key: 'k:with:colons', user: 'shop' });
    expect(parseAuthorization(`basic ${b64(':k')}`)).toEqual({ scheme: 'basic', key: 'k', user: '' });
  });

  it('reads nothing from other schemes or malformed values', () => {
    for (const h of [undefined, '', 'Bearer', 'Bearer ', 'Token abc', `Basic ${b64('nocolon')}`, `Basic ${b64('user:')}`, 'Basic !!!notbase64', ['Bearer a', 'Bearer b']]) {
      expect(parseAuthorization(h as string | undefined), JSON.stringify(h)).toBeUndefined();
    }
  });
});

describe('key lookup and tenant names', () => {
  it('finds a key by its digest and nothing else', () => {
    const ring = new KeyRing([...parseKeysFile({ keys: [good] }).keys, ...legacyKeys('AIOPS_API_KEYS', ['legacy'])]);
    expect(ring.find(good.key)?.name).toBe('a');
    expect(ring.find('legacy')).toMatchObject({ name: 'AIOPS_API_KEYS[0]', tenants: '*', scopes: ['read', 'feedback'] });
    expect(ring.find(`${good.key}x`)).toBeUndefined();
    expect(ring.find('')).toBeUndefined();
    expect(new KeyRing([]).enabled).toBe(false);
  });

  it('refuses header values that are not one tenant name', () => {
    expect(tenantHeader(undefined)).toBeUndefined();
    expect(tenantHeader('shop.eu-1_a')).toBe('shop.eu-1_a');
    for (const bad of ['acme:prod', 'team a', '', 'x'.repeat(129), ['a', 'b']]) {
      expect(() => tenantHeader(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'TENANT_INVALID' }));
    }
  });

  it('tells loopback from other listen addresses', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'example.com']) expect(isLoopbackHost(h), h).toBe(false);
  });
});
