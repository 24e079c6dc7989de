#!/usr/bin/env bash
# Starts the real services for tests and development, natively (no Docker engine here):
#   bash test/services/up.sh [redis] [rabbitmq] [s3]        (all when none are named)
# Installs missing Debian packages on first use. Idempotent: a running service is left alone.
# Writes $SERVICES_DIR/env with the project's variables (REDIS_URL, S3_ENDPOINT, …).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
services=("$@"); ((${#services[@]})) || services=("${ALL_SERVICES[@]}")
mkdir -p "$SERVICES_DIR"

install_packages() {
  local missing=0
  for bin in redis-server radosgw ceph-mon ceph-osd /usr/lib/rabbitmq/bin/rabbitmq-server; do command -v "$bin" >/dev/null || missing=1; done
  ((missing)) || return 0
  log "installing service packages (apt)…"
  [[ $(id -u) == 0 ]] || die "installing packages needs root; install redis-server ceph-mon ceph-osd radosgw"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    redis-server rabbitmq-server clamav clamav-daemon clamav-testfiles ceph-mon ceph-osd radosgw >/dev/null
}

start_redis() {
  local dir="$SERVICES_DIR/redis"
  mkdir -p "$dir"
  if pid_alive "$dir/redis.pid.copy" && redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return 0; fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  wait_until 10 redis-cli -p "$REDIS_PORT" ping || { tail -20 "$dir/redis.log"; die "redis did not start"; }
  # Redis deletes its pidfile on exit; keep a copy so down.sh can always find the process.
  cp "$dir/redis.pid" "$dir/redis.pid.copy"
}

start_s3() { bash "$here/ceph-rgw.sh" start; }
start_rabbitmq() { bash "$here/rabbitmq.sh" start; }

write_env() {
  local env="$SERVICES_DIR/env"
  : >"$env.tmp"
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT" >>"$env.tmp"
  fi
  if [[ -s $SERVICES_DIR/rabbitmq/rabbit.pid ]] && kill -0 "$(cat "$SERVICES_DIR/rabbitmq/rabbit.pid")" 2>/dev/null; then
    echo "export AMQP_URL=amqp://guest:guest@127.0.0.1:$RABBITMQ_PORT" >>"$env.tmp"
  fi
  if curl -fs -o /dev/null "http://127.0.0.1:$S3_PORT/"; then
    cat >>"$env.tmp" <<EOV
export S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export S3_REGION=us-east-1
export S3_ACCESS_KEY_ID=$S3_ACCESS_KEY
export S3_SECRET_ACCESS_KEY=$S3_SECRET_KEY
export S3_FORCE_PATH_STYLE=true
EOV
  fi
  mv "$env.tmp" "$env"
}

install_packages
for s in "${services[@]}"; do
  started=$SECONDS
  case "$s" in
    redis) start_redis; log "redis ready on 127.0.0.1:$REDIS_PORT" ;;
    rabbitmq) start_rabbitmq; log "rabbitmq ready on 127.0.0.1:$RABBITMQ_PORT ($((SECONDS - started)) s)" ;;
    s3) start_s3; log "s3 (ceph rgw) ready on 127.0.0.1:$S3_PORT ($((SECONDS - started)) s)" ;;
    *) die "unknown service: $s (known: ${ALL_SERVICES[*]})" ;;
  esac
done
write_env
echo "$SERVICES_DIR/env"
