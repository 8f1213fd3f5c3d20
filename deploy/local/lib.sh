# shellcheck shell=bash
# Shared helpers for deploy/local/*.sh. Sourced, never run directly.
#
# Layout
#   $AIOPS_SERVICES_DIR (default: <repo>/.services)   per-checkout state: data, logs, pid files, configs
#   $AIOPS_CACHE_DIR    (default: /var/cache/aiops)    per-machine downloads (Kafka jars), shared by clones
#
# Everything a script prints for humans goes to stderr, so stdout stays machine-readable.

AIOPS_LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AIOPS_REPO="$(cd "$AIOPS_LOCAL_DIR/../.." && pwd)"
AIOPS_SERVICES_DIR="${AIOPS_SERVICES_DIR:-$AIOPS_REPO/.services}"

if [[ -z "${AIOPS_CACHE_DIR:-}" ]]; then
  if mkdir -p /var/cache/aiops 2>/dev/null && [[ -w /var/cache/aiops ]]; then
    AIOPS_CACHE_DIR=/var/cache/aiops
  else
    AIOPS_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/aiops"
  fi
fi
export AIOPS_SERVICES_DIR AIOPS_CACHE_DIR

log() { printf '[%s] %s\n' "${AIOPS_LOG_TAG:-services}" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${AIOPS_LOG_TAG:-services}" "$*" >&2; exit 1; }

# Run a command as root (directly, or through sudo when we are not root).
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root (or passwordless sudo) to run: $*"
  fi
}

# apt-get install the given Debian packages; runs `apt-get update` first (once per script run).
AIOPS_APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
  if [[ $AIOPS_APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    mkdir -p "$AIOPS_SERVICES_DIR"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$AIOPS_SERVICES_DIR/apt.log" 2>&1 ||
      { show_logs "$AIOPS_SERVICES_DIR/apt.log"; die "apt-get update failed"; }
    AIOPS_APT_UPDATED=1
  fi
  log "apt-get install $*"
  # Never let a package's maintainer script start a system service: we run our own processes.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null && as_root chmod 755 "$policy" && created_policy=1
  fi
  local rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$AIOPS_SERVICES_DIR/apt.log" 2>&1 || rc=$?
  if [[ $created_policy -eq 1 ]]; then as_root rm -f "$policy"; fi
  [[ $rc -eq 0 ]] || { show_logs "$AIOPS_SERVICES_DIR/apt.log"; die "apt-get install $* failed (exit $rc)"; }
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True when the pid stored in file $1 is a live process (whose command line contains $2, when given,
# so a stale pid file whose number was reused by another program is not mistaken for our server).
pid_alive() {
  local f=$1 want=${2:-} pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -z $want || ! -r /proc/$pid/cmdline ]] && return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$want"
}

# Start "$@" detached in its own session, recording its pid in $1, stdout+stderr to $2.
# The pid written is the real server process (exec), so `stop` can kill it directly.
spawn_detached() {
  local pidfile=$1 outfile=$2
  shift 2
  rm -f "$pidfile" # a stale one would satisfy the wait below
  local launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # shellcheck disable=SC2016
  nohup "${launcher[@]}" bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$outfile" 2>&1 &
  local i
  for i in $(seq 1 50); do [[ -s $pidfile ]] && return 0; sleep 0.1; done
  die "process did not start: $*"
}

# Stop the process whose pid is in $1: SIGTERM, wait up to $2 seconds, then SIGKILL.
stop_pidfile() {
  local pidfile=$1 grace=${2:-20} name=${3:-process} want=${4:-} pid i
  if ! pid_alive "$pidfile" "$want"; then
    rm -f "$pidfile"
    log "$name: not running"
    return 0
  fi
  pid=$(<"$pidfile")
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still alive after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
  log "$name: stopped"
}

# Print the last lines of the given log files to stderr (for failed starts).
show_logs() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
}
