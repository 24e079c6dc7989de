#!/usr/bin/env bash
# RabbitMQ on loopback with its own Erlang node, cookie, epmd port and data dir,
# using the real scripts in /usr/lib/rabbitmq/bin (the /usr/sbin wrappers switch
# user and read another cookie). The data dir survives stop/start, so durable
# queues and their messages survive a restart (fault tests rely on it).
#   bash test/services/rabbitmq.sh start|stop
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
base="$SERVICES_DIR/rabbitmq"

export PATH="/usr/lib/rabbitmq/bin:$PATH"
export HOME="$base/home"
export RABBITMQ_NODENAME=rabbit@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$RABBITMQ_PORT"
export RABBITMQ_DIST_PORT="$RABBITMQ_DIST_PORT"
export ERL_EPMD_PORT="$RABBITMQ_EPMD_PORT"
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE="$base/mnesia"
export RABBITMQ_LOG_BASE="$base/log"
export RABBITMQ_PID_FILE="$base/rabbit.pid"
export RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins"
export RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf"
export RABBITMQ_CONF_ENV_FILE="$base/rabbitmq-env.conf"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'

ctl() { rabbitmqctl -n rabbit@localhost "$@"; }

start() {
  if pid_alive "$RABBITMQ_PID_FILE" && ctl status >/dev/null 2>&1; then return 0; fi
  mkdir -p "$HOME" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
  echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  : >"$RABBITMQ_CONF_ENV_FILE"
  cat >"$RABBITMQ_CONFIG_FILE" <<EOC
listeners.tcp.default = 127.0.0.1:$RABBITMQ_PORT
loopback_users.guest = true
EOC
  rabbitmq-server >>"$base/server.out" 2>&1 &
  echo $! >"$base/launcher.pid"
  ctl wait --timeout 90 "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || {
    tail -n 30 "$base/server.out" "$RABBITMQ_LOG_BASE"/*.log >&2 2>/dev/null || true
    die "rabbitmq did not start"
  }
}

stop() {
  [[ -d $base ]] || return 0
  if pid_alive "$RABBITMQ_PID_FILE"; then
    ctl stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || stop_pid "$RABBITMQ_PID_FILE"
  fi
  stop_pid "$base/launcher.pid"
  epmd -kill >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: rabbitmq.sh start|stop" ;;
esac
