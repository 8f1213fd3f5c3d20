#!/usr/bin/env bash
# Stop the local Kafka and ClickHouse started by deploy/local/up.sh from this checkout. Data stays in
# $AIOPS_SERVICES_DIR (default <repo>/.services); delete that folder for a clean slate.
set -euo pipefail
AIOPS_LOG_TAG=down
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rc=0
bash "$AIOPS_LOCAL_DIR/kafka.sh" stop || rc=$?
bash "$AIOPS_LOCAL_DIR/clickhouse.sh" stop || rc=$?
exit $rc
