// The dashboard takes its key from its login field (kept in sessionStorage), never from the
// URL; the stages warn at start about deprecated keys and about being open beyond loopback.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_HTML } from '../../api/dashboard.js';
import { KeyRing, legacyKeys, parseKeysFile, warnAboutKeys } from '../../platform/auth/index.js';

interface FakeElement { value: string; textContent: string; innerHTML: string; hidden: boolean; focused: boolean; focus(): void; appendChild(): void; onclick?: () => unknown; onchange?: () => unknown }

/** Runs the page script against stub browser globals; returns what it fetched with. */
async function runDashboard(search: string, stored: Record<string, string>) {
  const script = DASHBOARD_HTML.split('<script>')[1]!.split('</script>')[0]!;
  const elements = new Map<string, FakeElement>();
  const element = (): FakeElement => ({ value: '', textContent: '', innerHTML: '', hidden: false, focused: false, focus() { this.focused = true; }, appendChild() {} });
  const document = {
    getElementById: (id: string) => {
      if (!elements.has(id)) elements.set(id, element());
      return elements.get(id)!;
    },
    createElement: element,
  };
  const storage = new Map(Object.entries(stored));
  const sessionStorage = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) };
  const replaced: string[] = [];
  const history = { replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) };
  const calls: Array<{ path: string; headers: Record<string, string> }> = [];
  let status = 200;
  const fetch = async (path: string, init: { headers: Record<string, string> }) => {
    calls.push({ path, headers: init.headers });
    return { ok: status < 400, status, json: async () => (status < 400 ? { items: [] } : { message: 'A valid API key is required' }) };
  };
  new Function('document', 'location', 'history', 'sessionStorage', 'fetch', script)(document, { search, pathname: '/' }, history, sessionStorage, fetch);
  await new Promise((r) => setTimeout(r, 10));
  return { calls, replaced, storage, elements, setStatus: (s: number) => void (status = s) };
}

describe('dashboard key handling', () => {
  it('ignores a key in the URL and drops it from the address bar', async () => {
    const page = await runDashboard('?key=from-url', {});
    expect(page.replaced).toEqual(['/']);
    expect(page.calls).toHaveLength(1);
    expect(page.calls[0]!.path).toMatch(/^\/v1\/incidents\?/);
    expect(page.calls[0]!.headers.authorization).toBeUndefined();
  });

  it('sends the key and tenant from its fields, kept in sessionStorage for the tab', async () => {
    const page = await runDashboard('', { 'aiops.key': 'stored-key', 'aiops.tenant': 'shop' });
    expect(page.calls[0]!.headers).toEqual({ authorization: 'Bearer stored-key', 'x-scope-orgid': 'shop' });
    page.elements.get('key')!.value = 'typed-key';
    page.elements.get('tenant')!.value = '';
    page.setStatus(401);
    await page.elements.get('key')!.onchange!();
    expect(page.calls.at(-1)!.headers).toEqual({ authorization: 'Bearer typed-key' });
    expect(page.storage.get('aiops.key')).toBe('typed-key');
    // A refused key sends the user back to the login field.
    expect(page.elements.get('key')!.focused).toBe(true);
    expect(page.elements.get('err')!.textContent).toMatch(/API key is required/);
  });

  it('has a password field for the key and no URL key parameter in use', () => {
    expect(DASHBOARD_HTML).toMatch(/<input id="key" type="password"/);
    expect(DASHBOARD_HTML).not.toMatch(/get\('key'\)/);
  });
});

function capture() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({ write(chunk, _e, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('start-up key warnings', () => {
  const fileKey = parseKeysFile({ keys: [{ name: 'k', key: 'a-long-enough-key-0001', tenants: ['shop'], scopes: ['read'] }] }).keys;

  it('warns that the deprecated key variables open every tenant', async () => {
    const { logger, lines } = capture();
    warnAboutKeys(logger, { stage: 'api', host: '127.0.0.1', ring: new KeyRing([...fileKey, ...legacyKeys('AIOPS_API_KEYS', ['a', 'b'])]), legacyVariable: 'AIOPS_API_KEYS' });
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, keys: 2 });
    expect(lines[0]!.msg).toMatch(/AIOPS_API_KEYS is deprecated.*AIOPS_KEYS_FILE/);
  });

  it('warns when a stage listens beyond loopback with no keys, and not otherwise', async () => {
    const { logger, lines } = capture();
    warnAboutKeys(logger, { stage: 'ingest', host: '0.0.0.0', ring: new KeyRing([]), legacyVariable: 'AIOPS_INGEST_API_KEYS' });
    warnAboutKeys(logger, { stage: 'ingest', host: '127.0.0.1', ring: new KeyRing([]), legacyVariable: 'AIOPS_INGEST_API_KEYS' });
    warnAboutKeys(logger, { stage: 'ingest', host: '0.0.0.0', ring: new KeyRing(fileKey), legacyVariable: 'AIOPS_INGEST_API_KEYS' });
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toMatch(/ingest listens on 0\.0\.0\.0, beyond loopback, without keys/);
  });
});
