// The request timeout both HTTP servers (ingest, query API) share: a slowly sent body is cut off
// with 408 instead of holding a connection and its buffers open indefinitely.

/**
 * Fastify server options that cut off a request not fully received within `ms` with 408 (node's
 * http requestTimeout). Node checks open requests every connectionsCheckingInterval (30 s by
 * default, which would let a 30 s timeout run to 60 s), so the check runs at a quarter of the
 * timeout, at least every second. The timeout goes to the server's constructor too: node arms
 * the check there, and Fastify's later `server.requestTimeout = ms` alone never fires (measured:
 * a dripped body stayed open past 3 s with a 400 ms timeout set only that way).
 */
export function requestTimeoutOptions(ms: number): { requestTimeout: number; http?: { connectionsCheckingInterval: number; requestTimeout: number } } {
  if (ms <= 0) return { requestTimeout: 0 };
  return { requestTimeout: ms, http: { connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(ms / 4))), requestTimeout: ms } };
}
