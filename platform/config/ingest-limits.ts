// The ingest limits' shape and defaults live with the configuration (platform/ never imports a stage);
// ingest/limits.ts enforces them.
export interface IngestLimits {
  /** Labels (attributes) on one metric series or alert; Mimir's max_label_names_per_series. */
  maxLabelsPerSeries: number;
  /** Mimir's max_label_name_length. */
  maxLabelNameLength: number;
  /** Mimir's max_label_value_length. */
  maxLabelValueLength: number;
  /** Active metric series per tenant; new series beyond it are refused, known ones keep flowing. */
  maxSeriesPerTenant: number;
  /** A series not seen for this long stops counting as active. */
  seriesIdleMs: number;
  /** Points stamped later than now + this are refused (Loki's creation_grace_period). */
  futureGraceMs: number;
  /** Logs and metric points older than now - this are refused (Loki's reject_old_samples_max_age); 0 = no bound. */
  maxAgeMs: number;
  /** Nesting of arrays and objects in a JSON document, checked before parsing. */
  maxJsonDepth: number;
  /** Records in one request. */
  maxRecordsPerRequest: number;
  /** Records per second per tenant (token bucket, one second of burst); 0 = unlimited. */
  tenantRecordsPerSecond: number;
  /** Request body bytes per second per tenant; 0 = unlimited. */
  tenantBytesPerSecond: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxLabelsPerSeries: 30,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxSeriesPerTenant: 100_000,
  seriesIdleMs: 3_600_000,
  futureGraceMs: 600_000,
  // Off by default: recorded data sets (benchmarks, demos, tests) are replayed through ingest.
  maxAgeMs: 0,
  maxJsonDepth: 64,
  maxRecordsPerRequest: 200_000,
  tenantRecordsPerSecond: 0,
  tenantBytesPerSecond: 0,
};
