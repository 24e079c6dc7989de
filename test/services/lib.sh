# Shared by up.sh and down.sh. State lives in $SERVICES_DIR; every service listens on loopback only,
# on non-default ports so a developer's own services do not clash.
SERVICES_DIR="${SERVICES_DIR:-/tmp/ums-services}"
REDIS_PORT="${REDIS_PORT:-16379}"
S3_PORT="${S3_PORT:-17480}"
CEPH_MON_PORT="${CEPH_MON_PORT:-13300}"
S3_ACCESS_KEY="ums-test-access"
S3_SECRET_KEY="ums-test-secret-key-0123456789"
RABBITMQ_PORT="${RABBITMQ_PORT:-15673}"
RABBITMQ_DIST_PORT="${RABBITMQ_DIST_PORT:-25673}"
RABBITMQ_EPMD_PORT="${RABBITMQ_EPMD_PORT:-14369}"
ALL_SERVICES=(redis rabbitmq s3)

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# pid_alive FILE: the process named in FILE is running.
pid_alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_until SECONDS CMD...: polls CMD every 0.1 s.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# stop_pid FILE [NAME]: TERM, wait up to 15 s, then KILL.
stop_pid() {
  local file=$1 pid
  [[ -s "$file" ]] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait_until 15 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}
