// The environment of `aiops start` in embedded mode, for the crash tests and bench:overload,
// which spawn the real process: the in-process bus, DuckDB, no broker and no ClickHouse whatever
// the caller exports, warn-level logs.
export function embeddedEnv(dataDir: string, ingestPort: number, apiPort: number): Record<string, string> {
  return {
    AIOPS_DATA_DIR: dataDir,
    AIOPS_BUS: 'memory',
    AIOPS_STORE: 'duckdb',
    AIOPS_KAFKA_BROKERS: '',
    AIOPS_CLICKHOUSE_URL: '',
    AIOPS_INGEST_PORT: String(ingestPort),
    AIOPS_API_PORT: String(apiPort),
    AIOPS_OPS_PORT: '0',
    AIOPS_LOG_LEVEL: 'warn',
  };
}
