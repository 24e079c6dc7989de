# shellcheck shell=bash
# Shared by up.sh and down.sh: settings, paths, helpers, and how to stop each service.
# Sourced, not run. Every service listens on 127.0.0.1 only, on non-default ports (a
# developer's own Redis, RabbitMQ, clamd or Ceph keeps running undisturbed); every
# port can be overridden from the environment.

# The RabbitMQ scripts in /usr/lib/rabbitmq/bin come first: the /usr/sbin wrappers
# switch to the rabbitmq user and its Erlang cookie, and cannot reach our node.
export PATH="/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

SERVICES_DIR="$(realpath -m "${SERVICES_DIR:-/tmp/ums-services}")"
REDIS_PORT="${REDIS_PORT:-16379}"
RABBITMQ_PORT="${RABBITMQ_PORT:-15673}"
RABBITMQ_DIST_PORT="${RABBITMQ_DIST_PORT:-25673}"
ERL_EPMD_PORT="${ERL_EPMD_PORT:-14369}"
CLAMD_PORT="${CLAMD_PORT:-13310}"
S3_PORT="${S3_PORT:-17480}"
CEPH_MON_PORT="${CEPH_MON_PORT:-13300}"
CEPH_OSD_PORT_MIN="${CEPH_OSD_PORT_MIN:-16800}" # the OSD binds 4 ports in this range
CEPH_OSD_PORT_MAX="${CEPH_OSD_PORT_MAX:-16899}"
CEPH_MEMSTORE_BYTES="${CEPH_MEMSTORE_BYTES:-$((4 * 1024 * 1024 * 1024))}"
# The RGW user's fixed test credentials. Deliberately not read from S3_ACCESS_KEY_ID /
# S3_SECRET_ACCESS_KEY, so a developer's real credentials never go into a test cluster.
# shellcheck disable=SC2034 # used by up.sh
S3_TEST_ACCESS_KEY="ums-test-access" S3_TEST_SECRET_KEY="ums-test-secret-key-0123456789"

ALL_SERVICES=(redis rabbitmq clamd s3)
REDIS_DIR="$SERVICES_DIR/redis"
RABBIT_DIR="$SERVICES_DIR/rabbitmq"
CLAMD_DIR="$SERVICES_DIR/clamd"
CEPH_DIR="$SERVICES_DIR/ceph"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# fail NAME MESSAGE LOGFILE...: says what failed, shows the logs' last lines, exits 1.
fail() {
  local name=$1 msg=$2 f
  shift 2
  log "error: $name: $msg"
  for f in "$@"; do
    [[ -s $f ]] || continue
    log "---- last lines of $f"
    tail -n 30 "$f" >&2 || true
  done
  exit 1
}

# check_service NAME: NAME is one of ALL_SERVICES.
check_service() {
  local s
  for s in "${ALL_SERVICES[@]}"; do [[ $1 == "$s" ]] && return 0; done
  die "unknown service '$1' (known: ${ALL_SERVICES[*]})"
}

# now_ms, elapsed START_MS ("1.2s"): wall-clock time.
now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  echo $((t / 1000))
}
elapsed() {
  local ms=$(($(now_ms) - $1))
  printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

# pid_alive PID: the process runs. A zombie counts as gone: the daemons are children
# of PID 1, and an init that reaps late (this machine's takes ~1.5 s; a container
# without an init never does) would otherwise keep `kill -0` succeeding.
pid_alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}
pid_gone() { ! pid_alive "$1"; }

# pid_from FILE: prints the PID written in FILE if that process is alive.
pid_from() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(tr -dc '0-9' <"$1")
  [[ -n $pid ]] && pid_alive "$pid" && echo "$pid"
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# port_free NAME PORT VARIABLE: fails clearly when a process that is not ours holds PORT.
port_free() {
  port_open "$2" || return 0
  die "$1: 127.0.0.1:$2 is already in use by another process (not one these scripts started); stop it or set $3 to another port"
}

# wait_until SECONDS CMD...: runs CMD every 0.1 s until it succeeds (0) or time is up (1).
wait_until() {
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  until "$@" >/dev/null 2>&1; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.1
  done
}

# stop_pid PIDFILE [SECONDS]: sends SIGTERM to the process named in PIDFILE, waits until
# it is gone (SIGKILL after SECONDS, default 20), removes PIDFILE. No-op when it does not run.
stop_pid() {
  local file=$1 secs=${2:-20} pid
  if pid=$(pid_from "$file"); then
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$secs" pid_gone "$pid"; then
      log "warning: pid $pid ($file) still runs ${secs}s after SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      wait_until 5 pid_gone "$pid" || true
    fi
  fi
  rm -f "$file"
}

# take_lock: one up.sh/down.sh at a time per SERVICES_DIR (parallel test workers may
# restart services). Daemons must not inherit fd 9, or they would hold the lock for
# their whole life: every daemon start closes it (9>&-).
take_lock() {
  mkdir -p "$SERVICES_DIR"
  exec 9>"$SERVICES_DIR/.lock"
  flock -w 300 9 || die "another up.sh/down.sh has held $SERVICES_DIR/.lock for 5 minutes"
}

# Environment of the RabbitMQ server and of every rabbitmqctl call (see SERVICES.md).
# Without ERL_EPMD_PORT a call would start a second epmd on the default port 4369.
rabbit_env() {
  export HOME="$RABBIT_DIR/home" \
    RABBITMQ_NODENAME=rabbit@localhost \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$RABBITMQ_PORT" \
    RABBITMQ_DIST_PORT \
    ERL_EPMD_PORT \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia" \
    RABBITMQ_LOG_BASE="$RABBIT_DIR/log" \
    RABBITMQ_PID_FILE="$RABBIT_DIR/rabbit.pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins" \
    RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq.conf" \
    RABBITMQ_CONF_ENV_FILE="$RABBIT_DIR/rabbitmq-env.conf" \
    ERL_CRASH_DUMP="$RABBIT_DIR/log/erl_crash.dump" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
}
# rabbitmqctl with that environment, bounded (it hangs on an epmd port that is not epmd's).
rabbitmqctl_() { (rabbit_env && exec timeout 120 rabbitmqctl -n rabbit@localhost "$@"); }

# ---------------------------------------------------------------- stopping
# Used by down.sh, and by up.sh to clear a stale process of ours (alive, not answering).

# Redis deletes its own pid file when it exits; up.sh keeps a copy.
stop_redis() {
  stop_pid "$REDIS_DIR/redis.pid.copy"
  rm -f "$REDIS_DIR/redis.pid"
}

stop_rabbitmq() {
  local pidfile="$RABBIT_DIR/rabbit.pid"
  if pid_from "$pidfile" >/dev/null; then
    # Graceful: the node flushes its queues, so durable queues and persistent
    # messages are back after the next start (same data dir).
    rabbitmqctl_ stop "$pidfile" >/dev/null 2>&1 || true
    stop_pid "$pidfile" 30
  fi
  rm -f "$pidfile"
  # epmd outlives the broker; ours listens on ERL_EPMD_PORT only. (It refuses to die
  # while nodes are registered, so another project's broker on that port is safe.)
  if port_open "$ERL_EPMD_PORT"; then
    (rabbit_env && timeout 10 epmd -kill >/dev/null 2>&1) || true
  fi
}

stop_clamd() {
  stop_pid "$CLAMD_DIR/clamd.pid"
  rm -f "$CLAMD_DIR/clamd.sock"
}

# The cluster keeps its data in memory (memstore): stopping it loses every bucket, and
# the next start builds a new, empty cluster.
stop_s3() {
  stop_pid "$CEPH_DIR/run/rgw.pid" 5 # hangs on SIGTERM when the OSD is already gone
  stop_pid "$CEPH_DIR/run/osd.0.pid"
  stop_pid "$CEPH_DIR/run/mon.a.pid"
}
