#!/usr/bin/env bash
# Local Prometheus (Debian's prometheus package, 2.42) and prometheus-node-exporter as plain background processes
# on loopback, scraping every 5 s and remote-writing into the pipeline's ingest (POST /api/v1/write).
#
#   bash deploy/local/prometheus.sh install   # apt-get install prometheus prometheus-node-exporter (no system service)
#   bash deploy/local/prometheus.sh start     # install if needed, write prometheus.yml under $AIOPS_SERVICES_DIR, start both
#   bash deploy/local/prometheus.sh stop      # stop both (by pid)
#   bash deploy/local/prometheus.sh status    # exit 0 when both run, 3 when not
#
# Env: AIOPS_PROMETHEUS_PORT (19090), AIOPS_NODE_EXPORTER_PORT (19100), AIOPS_INGEST_PORT (4318), AIOPS_METRICS_PORT (the pipeline /metrics: AIOPS_API_PORT, 8080, for the embedded start),
#      LIVE_FRONTEND_PORT/LIVE_CHECKOUT_PORT/LIVE_PAYMENTS_PORT (18081-18083, the bench/live app), AIOPS_SERVICES_DIR.
set -euo pipefail
AIOPS_LOG_TAG=prometheus
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROM_PORT="${AIOPS_PROMETHEUS_PORT:-19090}"
NODE_PORT="${AIOPS_NODE_EXPORTER_PORT:-19100}"
STATE_DIR="$AIOPS_SERVICES_DIR/prometheus"
PROM_PID="$STATE_DIR/prometheus.pid"
NODE_PID="$STATE_DIR/node-exporter.pid"
CONFIG="$STATE_DIR/prometheus.yml"

cmd_install() {
  if command -v prometheus >/dev/null 2>&1 && command -v prometheus-node-exporter >/dev/null 2>&1; then
    log "already installed ($(prometheus --version 2>&1 | head -n1))"
    return 0
  fi
  apt_install prometheus prometheus-node-exporter
}

write_config() {
  mkdir -p "$STATE_DIR/data"
  sed -e "s/@PROM_PORT@/$PROM_PORT/g" -e "s/@NODE_PORT@/$NODE_PORT/g" \
    -e "s/@FRONTEND_PORT@/${LIVE_FRONTEND_PORT:-18081}/g" -e "s/@CHECKOUT_PORT@/${LIVE_CHECKOUT_PORT:-18082}/g" \
    -e "s/@PAYMENTS_PORT@/${LIVE_PAYMENTS_PORT:-18083}/g" -e "s/@AIOPS_METRICS_PORT@/${AIOPS_METRICS_PORT:-${AIOPS_API_PORT:-8080}}/g" \
    -e "s/@AIOPS_INGEST_PORT@/${AIOPS_INGEST_PORT:-4318}/g" \
    "$AIOPS_LOCAL_DIR/prometheus.yml.tmpl" >"$CONFIG"
}

wait_port() { # port name pidfile
  local i
  for i in $(seq 1 100); do
    pid_alive "$3" || { show_logs "$STATE_DIR/$2.log"; die "$2 exited during startup"; }
    port_open "$1" && { log "$2 ready on 127.0.0.1:$1 (pid $(<"$3"))"; return 0; }
    sleep 0.2
  done
  show_logs "$STATE_DIR/$2.log"; die "$2 did not listen on 127.0.0.1:$1 within 20 s"
}

cmd_start() {
  cmd_install
  write_config
  if pid_alive "$NODE_PID" node-exporter; then log "node-exporter already running"
  else
    port_open "$NODE_PORT" && die "port $NODE_PORT is in use; set AIOPS_NODE_EXPORTER_PORT"
    spawn_detached "$NODE_PID" "$STATE_DIR/node-exporter.log" prometheus-node-exporter --web.listen-address="127.0.0.1:$NODE_PORT"
    wait_port "$NODE_PORT" node-exporter "$NODE_PID"
  fi
  if pid_alive "$PROM_PID" prometheus; then
    # Idempotent: a running server re-reads the regenerated config instead of restarting.
    kill -HUP "$(<"$PROM_PID")"; log "prometheus already running; config reloaded"
  else
    port_open "$PROM_PORT" && die "port $PROM_PORT is in use; set AIOPS_PROMETHEUS_PORT"
    spawn_detached "$PROM_PID" "$STATE_DIR/prometheus.log" prometheus --config.file="$CONFIG" \
      --storage.tsdb.path="$STATE_DIR/data" --web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time=1d
    wait_port "$PROM_PORT" prometheus "$PROM_PID"
  fi
  echo "AIOPS_PROMETHEUS_URL=http://127.0.0.1:$PROM_PORT"
}

cmd_stop() {
  stop_pidfile "$PROM_PID" 20 prometheus prometheus
  stop_pidfile "$NODE_PID" 10 node-exporter node-exporter
}

cmd_status() {
  if pid_alive "$PROM_PID" prometheus && pid_alive "$NODE_PID" node-exporter; then log "running"; return 0; fi
  log "not running"; return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
