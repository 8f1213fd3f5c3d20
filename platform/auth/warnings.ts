// Start-up warnings about keys: the deprecated variables, and a server reachable from other
// hosts that accepts anyone.
import type { Logger } from 'pino';
import type { KeyRing } from './keyring.js';

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export function warnAboutKeys(logger: Logger, server: { stage: string; host: string; ring: KeyRing; legacyVariable: string }): void {
  const legacy = server.ring.keys.filter((k) => k.origin !== 'keys_file').length;
  if (legacy > 0) {
    logger.warn({ variable: server.legacyVariable, keys: legacy },
      `${server.legacyVariable} is deprecated: its keys open every tenant. Move them to AIOPS_KEYS_FILE with the tenants and scopes each client needs.`);
  }
  if (!server.ring.enabled && !isLoopbackHost(server.host)) {
    logger.warn({ host: server.host },
      `${server.stage} listens on ${server.host}, beyond loopback, without keys: anyone who reaches it has every tenant's access. Set AIOPS_KEYS_FILE.`);
  }
}
