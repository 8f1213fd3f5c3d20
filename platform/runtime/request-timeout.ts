// The request timeout both HTTP servers (ingest, query API) share: a slowly sent body is cut off
// with 408 instead of holding a connection and its buffers open indefinitely.

/**
 * Fastify server options that cut off a request not fully received within `ms` with 408 (node's
 * http requestTimeout). Node checks open requests every connectionsCheckingInterval (30 s by
 * default, which would let a 30 s timeout run to 60 s), so the check runs at a quarter of the
 * timeout, at least every second.
 */
export function requestTimeoutOptions(ms: number): { requestTimeout: number; http?: { connectionsCheckingInterval: number } } {
  if (ms <= 0) return { requestTimeout: 0 };
  return { requestTimeout: ms, http: { connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(ms / 4))) } };
}
