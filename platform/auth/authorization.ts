// The one Authorization header parser for ingest and the query API. Schemes are
// case-insensitive (RFC 7235 section 2.1): `Bearer <key>`, or `Basic base64(user:key)` as
// Prometheus remote_write, Promtail and hosted Prometheus/Loki clients send it, where the
// user names the tenant.

export interface Credentials {
  scheme: 'bearer' | 'basic';
  key: string;
  /** The Basic-auth user ('' when empty); Bearer carries none. */
  user?: string;
}

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The credentials in an Authorization header, or undefined when it is absent or not Bearer/Basic. */
export function parseAuthorization(header: string | string[] | undefined): Credentials | undefined {
  if (typeof header !== 'string') return undefined;
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  if (space === -1) return undefined;
  const scheme = trimmed.slice(0, space).toLowerCase();
  const value = trimmed.slice(space + 1).trim();
  if (value === '') return undefined;
  if (scheme === 'bearer') return { scheme, key: value };
  if (scheme === 'basic') {
    if (!TOKEN68.test(value)) return undefined;
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) return undefined;
    const key = decoded.slice(colon + 1);
    return key === '' ? undefined : { scheme, key, user: decoded.slice(0, colon) };
  }
  return undefined;
}
