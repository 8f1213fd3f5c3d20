#!/usr/bin/env bash
# Start the local Kafka + ClickHouse used by the integration tests and the distributed mode.
# Installs what is missing (Kafka jars from Maven Central, clickhouse-server from Debian), starts both, waits
# until they serve requests. Idempotent: a second run returns in well under a second.
#
# Progress goes to stderr; stdout gets only the env to use, one KEY=VALUE a line, e.g.
#   export $(bash deploy/local/up.sh)        # or: npm run services:up
set -euo pipefail
AIOPS_LOG_TAG=up
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start=$SECONDS
bash "$AIOPS_LOCAL_DIR/clickhouse.sh" start
bash "$AIOPS_LOCAL_DIR/kafka.sh" start

brokers="127.0.0.1:${AIOPS_KAFKA_PORT:-9092}"
ch_url="http://127.0.0.1:${AIOPS_CLICKHOUSE_HTTP_PORT:-8123}"
mkdir -p "$AIOPS_SERVICES_DIR"
printf 'AIOPS_KAFKA_BROKERS=%s\nAIOPS_CLICKHOUSE_URL=%s\n' "$brokers" "$ch_url" >"$AIOPS_SERVICES_DIR/env"
log "services up in $((SECONDS - start))s (state: $AIOPS_SERVICES_DIR, stop with: npm run services:down)"
cat "$AIOPS_SERVICES_DIR/env"
