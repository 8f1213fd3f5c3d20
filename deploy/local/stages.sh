#!/usr/bin/env bash
# Runs the pipeline's stages as separate processes on this host, for the distributed walkthrough
# (README "Distributed mode on real Kafka and ClickHouse"):
#
#   bash deploy/local/stages.sh start [stage...]    # default: sink correlate detect api ingest
#   bash deploy/local/stages.sh status [stage...]   # exit 0 when every named stage runs, else 3
#   bash deploy/local/stages.sh stop [stage...]     # SIGTERM, wait, report; SIGKILL after 20 s
#
# Each stage is `node bin/aiops.js <stage>` with this shell's environment (AIOPS_KAFKA_BROKERS,
# AIOPS_CLICKHOUSE_URL, ...): node itself is the process, so the pid file holds the pipeline's own
# pid and SIGTERM reaches it. Pid files and logs (JSON, one file per stage) go to
# $AIOPS_STAGES_DIR (default <repo>/.stages). `start` returns once every stage logged that it runs,
# or stops the ones it started and fails with the log of the one that did not.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${AIOPS_STAGES_DIR:-$REPO/.stages}"
ALL=(sink correlate detect api ingest)
START_TIMEOUT="${AIOPS_STAGES_START_TIMEOUT:-120}"
STOP_TIMEOUT=20

say() { printf '[stages] %s\n' "$*" >&2; }

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The pid in a stage's pid file when that process is still this stage, else nothing.
running_pid() {
  local pidfile="$DIR/$1.pid" pid
  [[ -f $pidfile ]] || return 1
  pid="$(cat "$pidfile")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # A recycled pid belongs to another program: check it still runs bin/aiops.js <stage>.
  ps -o args= -p "$pid" 2>/dev/null | grep -q -- "bin/aiops.js $1\$" || return 1
  printf '%s' "$pid"
}


start() {
  mkdir -p "$DIR"
  local s pid started=()
  [[ -n ${AIOPS_KAFKA_BROKERS:-} ]] || say "AIOPS_KAFKA_BROKERS is not set: each stage will refuse to start (export \$(bash deploy/local/up.sh) sets it)"
  for s in "$@"; do
    if pid="$(running_pid "$s")"; then
      say "$s already runs (pid $pid)"
      continue
    fi
    : >"$DIR/$s.log"
    (cd "$REPO" && exec node --max-semi-space-size=64 bin/aiops.js "$s" </dev/null >>"$DIR/$s.log" 2>&1) &
    echo $! >"$DIR/$s.pid"
    started+=("$s")
  done
  local deadline=$((SECONDS + START_TIMEOUT))
  for s in "${started[@]}"; do
    until grep -q '"pipeline running' "$DIR/$s.log"; do
      if ! running_pid "$s" >/dev/null; then
        say "$s exited during start; its log ($DIR/$s.log) ends:"
        tail -n 20 "$DIR/$s.log" >&2
        rm -f "$DIR/$s.pid"
        stop "${started[@]}"
        exit 1
      fi
      if ((SECONDS > deadline)); then
        say "$s did not start within ${START_TIMEOUT}s; its log ($DIR/$s.log) ends:"
        tail -n 20 "$DIR/$s.log" >&2
        stop "${started[@]}"
        exit 1
      fi
      sleep 0.5
    done
    say "$s runs (pid $(cat "$DIR/$s.pid"), log $DIR/$s.log)"
  done
}

# Waits for one pid to exit; prints how long it took, or SIGKILLs it after STOP_TIMEOUT.
await_exit() {
  local s=$1 pid=$2 t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS - t0 >= STOP_TIMEOUT)); then
      kill -KILL "$pid" 2>/dev/null || true
      say "$s (pid $pid) still ran ${STOP_TIMEOUT}s after SIGTERM: sent SIGKILL (its log: $DIR/$s.log)"
      return 1
    fi
    sleep 0.2
  done
  say "$s (pid $pid) stopped in $((SECONDS - t0))s"
}

stop() {
  local s pid failed=0 wanted=" $* " order=() pids=()
  # Producers first: ingest stops accepting, then the consumers finish what is on the bus.
  for s in ingest api detect correlate sink; do [[ $wanted == *" $s "* ]] && order+=("$s"); done
  for s in "${order[@]}"; do
    if pid="$(running_pid "$s")"; then
      kill -TERM "$pid"
      if [[ $s == ingest ]]; then await_exit "$s" "$pid" || failed=1; else pids+=("$s:$pid"); fi
    else
      [[ -f $DIR/$s.pid ]] && say "$s was not running (stale pid file removed)"
    fi
    rm -f "$DIR/$s.pid"
  done
  local entry
  for entry in "${pids[@]}"; do await_exit "${entry%%:*}" "${entry#*:}" || failed=1; done
  return $failed
}

status() {
  local s pid down=0
  for s in "$@"; do
    if pid="$(running_pid "$s")"; then
      say "$s runs (pid $pid)"
    else
      say "$s is not running$([[ -f $DIR/$s.pid ]] && echo ' (stale pid file)')"
      down=1
    fi
  done
  [[ $down -eq 0 ]] || exit 3
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=("${ALL[@]}")
for s in "${names[@]}"; do
  [[ " ${ALL[*]} " == *" $s "* ]] || { say "unknown stage '$s'; the stages are: ${ALL[*]}"; exit 2; }
done
case "$cmd" in
  start) start "${names[@]}" ;;
  stop) stop "${names[@]}" ;;
  status) status "${names[@]}" ;;
  *) usage ;;
esac
