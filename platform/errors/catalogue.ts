// The one error catalogue: stable code, default message naming the fix, HTTP status.
// docs/errors.md documents each code; test/unit/error-catalogue.test.ts fails if one is missing.
export const ERROR_CATALOGUE = {
  CONFIG_INVALID: { status: 500, message: 'The configuration is invalid; fix the variables listed and start again.' },
  KAFKA_UNREACHABLE: { status: 503, message: 'Kafka is unreachable; check AIOPS_KAFKA_BROKERS and that the brokers are running.' },
  CLICKHOUSE_UNREACHABLE: { status: 503, message: 'ClickHouse is unreachable; check AIOPS_CLICKHOUSE_URL and that the server is running.' },
  STORE_QUERY_FAILED: { status: 500, message: 'A store query failed; see the server log for the statement and cause.' },
  MIGRATION_FAILED: { status: 500, message: 'A schema migration failed; the store is left at the last applied version.' },
  BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  VALIDATION_FAILED: { status: 400, message: 'The request body does not match the schema.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This content type is not accepted here.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is larger than the configured limit (AIOPS_INGEST_BODY_LIMIT).' },
  UNAUTHORIZED: { status: 401, message: 'A valid API key is required: send Authorization: Bearer <key>.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests for this key; retry after the time in Retry-After.' },
  BUS_UNAVAILABLE: { status: 503, message: 'The bus is not accepting records right now; retry after the time in Retry-After.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  BAD_CURSOR: { status: 400, message: 'The cursor is not one this API issued; start again without a cursor.' },
  INPUT_NOT_FOUND: { status: 400, message: 'The input file or directory does not exist.' },
  INPUT_INVALID: { status: 400, message: 'The input file is not in the expected format.' },
  NOTIFY_FAILED: { status: 502, message: 'A notification (webhook or PagerDuty) could not be delivered; it stays due and is retried.' },
  STORE_UNWRITABLE: { status: 503, message: 'The store cannot write; the message has the last write error. Readiness fails until a write succeeds.' },
  STORE_CORRUPT: { status: 500, message: 'The embedded DuckDB file is damaged; restore it from a backup, or move it aside to start with an empty store.' },
  STORE_LOCKED: { status: 500, message: 'Another process holds the embedded DuckDB file; stop it or give this one another AIOPS_DATA_DIR.' },
  MODEL_LOAD_FAILED: { status: 500, message: 'The model artifact could not be loaded; retrain it or point to a valid artifact.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
