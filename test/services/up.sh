#!/usr/bin/env bash
# Starts the real backing services natively (no Docker engine needed), on 127.0.0.1:
#   bash test/services/up.sh [redis] [rabbitmq] [clamd] [s3]      (all four when none named)
# Installs the Debian packages on first use (as root). Idempotent: a service of ours that
# runs and answers is left alone. Writes $SERVICES_DIR/env (`export NAME=value` lines for
# the services that run) and prints its path on stdout; progress and errors go to stderr.
# Settings, ports and traps: README.md beside this file.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

services=()
for a in "$@"; do
  check_service "$a"
  services+=("$a")
done
((${#services[@]})) || services=("${ALL_SERVICES[@]}")

# ---------------------------------------------------------------- packages
install_packages() {
  local bin missing=() aptlog="$SERVICES_DIR/apt.log" t0
  for bin in redis-server redis-cli rabbitmq-server rabbitmqctl epmd clamd clamdscan sigtool \
    ceph ceph-authtool monmaptool ceph-mon ceph-osd radosgw radosgw-admin curl chromium; do
    command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
  done
  [[ -e /usr/share/clamav-testfiles/clam.exe ]] || missing+=(clamav-testfiles)
  ((${#missing[@]})) || return 0
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}: installing the Debian packages needs root"
  log "installing the service packages (missing: ${missing[*]})…"
  t0=$(now_ms)
  # clamdscan is a package of its own (clamav-daemon only recommends it). Chromium is
  # no service: the demo's browser tests drive it (test/helpers/browser.ts); nothing
  # else installs a browser, and none is ever downloaded.
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    redis-server rabbitmq-server clamav clamav-daemon clamdscan clamav-testfiles \
    ceph-mon ceph-osd radosgw curl chromium; } </dev/null >"$aptlog" 2>&1; then
    fail packages "apt-get failed" "$aptlog"
  fi
  log "packages installed ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------- redis
redis_ok() { [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }
redis_running() { pid_from "$REDIS_DIR/redis.pid.copy" >/dev/null && redis_ok; }

start_redis() {
  local d=$REDIS_DIR
  mkdir -p "$d"
  port_free redis "$REDIS_PORT" REDIS_PORT
  rm -f "$d/redis.pid"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$d" --pidfile "$d/redis.pid" --logfile "$d/redis.log" \
    </dev/null >>"$d/redis.out" 2>&1 9>&- || fail redis "redis-server did not start" "$d/redis.out" "$d/redis.log"
  wait_until 10 redis_ok || fail redis "no PONG on 127.0.0.1:$REDIS_PORT after 10 s" "$d/redis.log"
  wait_until 5 test -s "$d/redis.pid" || fail redis "no pid file" "$d/redis.log"
  # Redis deletes its pid file when it exits: down.sh reads this copy.
  cp "$d/redis.pid" "$d/redis.pid.copy"
}

# ---------------------------------------------------------------- rabbitmq
rabbit_running() { pid_from "$RABBIT_DIR/rabbit.pid" >/dev/null && port_open "$RABBITMQ_PORT"; }

start_rabbitmq() {
  local d=$RABBIT_DIR
  mkdir -p "$d/home" "$d/mnesia" "$d/log"
  chmod 700 "$d/home" # the Erlang cookie lives here
  echo '[].' >"$d/enabled_plugins"
  : >"$d/rabbitmq-env.conf"
  cat >"$d/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$RABBITMQ_PORT
loopback_users.guest = true
EOF
  port_free rabbitmq "$RABBITMQ_PORT" RABBITMQ_PORT
  port_free "rabbitmq (Erlang distribution)" "$RABBITMQ_DIST_PORT" RABBITMQ_DIST_PORT
  rm -f "$d/rabbit.pid"
  # In a session of its own, so a Ctrl-C in the terminal that ran up.sh does not reach
  # it; stdout/stderr to a file, or `$(up.sh)` and Node's execFile would wait for it.
  (rabbit_env && exec setsid rabbitmq-server </dev/null >>"$d/log/server.out" 2>&1 9>&-) &
  local launcher=$! logs=("$d/log/server.out" "$d/log/rabbit@localhost.log")
  # The pid file comes once the Erlang VM runs (~2 s); a broker that dies before that
  # would leave `rabbitmqctl wait` waiting for its whole timeout.
  local deadline=$(($(now_ms) + 60000))
  until [[ -s $d/rabbit.pid ]]; do
    pid_alive "$launcher" || fail rabbitmq "the broker exited during start-up" "${logs[@]}"
    (($(now_ms) < deadline)) || fail rabbitmq "no pid file after 60 s" "${logs[@]}"
    sleep 0.1
  done
  # `wait` then returns once the node has booted (`await_startup` would fail at once
  # while the node is not registered yet).
  rabbitmqctl_ wait --timeout 90 "$d/rabbit.pid" >"$d/log/wait.out" 2>&1 ||
    fail rabbitmq "the broker did not start within 90 s" "$d/log/wait.out" "${logs[@]}"
  wait_until 10 port_open "$RABBITMQ_PORT" ||
    fail rabbitmq "not listening on 127.0.0.1:$RABBITMQ_PORT" "$d/log/rabbit@localhost.log"
}

# ---------------------------------------------------------------- clamd
clamd_ok() { timeout 5 clamdscan --config-file="$CLAMD_DIR/clamd.conf" --ping 1 >/dev/null 2>&1 && port_open "$CLAMD_PORT"; }
clamd_running() { pid_from "$CLAMD_DIR/clamd.pid" >/dev/null && clamd_ok; }

# The offline signature database (freshclam cannot download here, and clamd refuses to
# start without signatures): EICAR by hash, EICAR inside any other data (text, archives),
# and the sample that every file of clamav-testfiles carries (archives, PDF, Office, mail).
build_clamd_db() {
  local db="$CLAMD_DIR/db" tmp e1 e2
  tmp=$(mktemp -d "$CLAMD_DIR/tmp/sigs.XXXXXX")
  # The 68-byte EICAR test string, put together here so that no file of the repository
  # contains it verbatim (virus scanners would flag the checkout).
  # shellcheck disable=SC2016 # literal $ signs
  e1='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR' e2='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
  printf '%s%s' "$e1" "$e2" >"$tmp/eicar.com"
  mkdir -p "$db"
  {
    (cd "$tmp" && sigtool --sha256 eicar.com) | awk -F: '{ print $1 ":" $2 ":Eicar-Test-Signature" }'
    (cd /usr/share/clamav-testfiles && sigtool --md5 clam.exe) | awk -F: '{ print $1 ":" $2 ":ClamAV-Test-File" }'
  } >"$db/ums-test.hdb"
  echo "Eicar-Test-Signature:0:*:$(sigtool --hex-dump <"$tmp/eicar.com")" >"$db/ums-test.ndb"
  rm -rf "$tmp"
  [[ $(grep -c . "$db/ums-test.hdb") == 2 && -s $db/ums-test.ndb ]] ||
    fail clamd "could not build the signature database in $db"
}

start_clamd() {
  local d=$CLAMD_DIR
  mkdir -p "$d/tmp"
  # A UNIX socket path is limited to 107 bytes.
  ((${#d} <= 90)) || die "clamd: SERVICES_DIR is too long for a UNIX socket path ($d/clamd.sock); use a shorter one"
  cat >"$d/clamd.conf" <<EOF
TCPSocket $CLAMD_PORT
TCPAddr 127.0.0.1
LocalSocket $d/clamd.sock
LocalSocketMode 660
DatabaseDirectory $d/db
PidFile $d/clamd.pid
LogFile $d/clamd.log
LogTime yes
TemporaryDirectory $d/tmp
Foreground no
SelfCheck 0
StreamMaxLength 100M
MaxFileSize 100M
MaxScanSize 400M
MaxThreads 8
ReadTimeout 30
CommandReadTimeout 10
EOF
  port_free clamd "$CLAMD_PORT" CLAMD_PORT
  build_clamd_db
  rm -f "$d/clamd.sock" "$d/clamd.pid"
  # Returns once the database is loaded and the daemon has forked.
  timeout 120 clamd --config-file="$d/clamd.conf" </dev/null >>"$d/clamd.out" 2>&1 9>&- ||
    fail clamd "clamd did not start" "$d/clamd.out" "$d/clamd.log"
  wait_until 30 clamd_ok || fail clamd "no PONG (socket and TCP) within 30 s" "$d/clamd.out" "$d/clamd.log"
}

# ---------------------------------------------------------------- s3: ceph rgw
# A one-node Ceph cluster (a monitor, one OSD on memstore, no manager) with the RADOS
# Gateway in front: a real S3 implementation. Data lives in the OSD's memory, so every
# start builds a new, empty cluster (memory grows with the data, up to CEPH_MEMSTORE_BYTES).
s3_http_ok() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$S3_PORT/"; }
# A SigV4-signed ListBuckets with the test user's keys. curl (7.88) does not send the
# payload hash header that S3 requires: give it, the SHA-256 of an empty body.
s3_auth_ok() {
  curl -fs -o /dev/null --max-time 5 --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$S3_TEST_ACCESS_KEY:$S3_TEST_SECRET_KEY" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "http://127.0.0.1:$S3_PORT/"
}
ceph_() { ceph -c "$CEPH_DIR/ceph.conf" --connect-timeout 15 "$@"; }
s3_running() {
  pid_from "$CEPH_DIR/run/mon.a.pid" >/dev/null && pid_from "$CEPH_DIR/run/osd.0.pid" >/dev/null &&
    pid_from "$CEPH_DIR/run/rgw.pid" >/dev/null && s3_auth_ok
}

write_ceph_conf() {
  local b=$CEPH_DIR
  cat >"$b/ceph.conf" <<EOF
[global]
fsid = $1
mon host = v2:127.0.0.1:$CEPH_MON_PORT
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind port min = $CEPH_OSD_PORT_MIN
ms bind port max = $CEPH_OSD_PORT_MAX
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd objectstore = memstore
memstore device bytes = $CEPH_MEMSTORE_BYTES
osd crush chooseleaf type = 0
run dir = $b/run
log file = $b/log/\$name.log
admin socket = $b/run/\$name.asok
pid file = $b/run/\$name.pid
mon data = $b/mon/\$cluster-\$id
osd data = $b/osd/\$cluster-\$id
keyring = $b/keyring
setuser match path = $b
# Each osdmap change (the OSD's boot, each of the pools RGW creates) waits for the next
# Paxos proposal, 1 s apart by default: 0.05 s brings the start from ~12 s to ~1.5 s.
paxos propose interval = 0.05
paxos min wait = 0.01

[client.admin]
admin socket =
log file = $b/log/client.admin.log

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$S3_PORT
rgw data = $b/rgw
pid file = $b/run/rgw.pid
EOF
}

start_s3() {
  local b=$CEPH_DIR kr="$CEPH_DIR/keyring" setup="$CEPH_DIR/log/setup.log" conf fsid
  conf="$b/ceph.conf"
  port_free s3 "$S3_PORT" S3_PORT
  port_free "s3 (ceph monitor)" "$CEPH_MON_PORT" CEPH_MON_PORT
  rm -rf "$b"
  mkdir -p "$b"/{run,log,mon,osd/ceph-0,rgw}
  fsid=$(cat /proc/sys/kernel/random/uuid)
  write_ceph_conf "$fsid"
  # cephx keys ("auth none" does not work for radosgw); the monitor imports them all at mkfs.
  {
    ceph-authtool --create-keyring "$kr" --gen-key -n mon. --cap mon 'allow *' &&
      ceph-authtool "$kr" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' &&
      ceph-authtool "$kr" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' &&
      ceph-authtool "$kr" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' &&
      monmaptool --create --add a "v2:127.0.0.1:$CEPH_MON_PORT" --fsid "$fsid" "$b/monmap" &&
      ceph-mon -c "$conf" --mkfs -i a --monmap "$b/monmap" --keyring "$kr"
  } >>"$setup" 2>&1 || fail s3 "creating the monitor failed" "$setup" "$b/log/mon.a.log"
  ceph-mon -c "$conf" -i a </dev/null >>"$setup" 2>&1 9>&- ||
    fail s3 "ceph-mon did not start" "$setup" "$b/log/mon.a.log"
  ceph_ osd create >>"$setup" 2>&1 || fail s3 "'ceph osd create' failed" "$setup" "$b/log/mon.a.log"
  timeout 60 ceph-osd -c "$conf" -i 0 --mkfs >>"$setup" 2>&1 || fail s3 "ceph-osd --mkfs failed" "$setup" "$b/log/osd.0.log"
  ceph-osd -c "$conf" -i 0 </dev/null >>"$setup" 2>&1 9>&- ||
    fail s3 "ceph-osd did not start" "$setup" "$b/log/osd.0.log"
  # radosgw waits for the OSD by itself (its pool creations block until it is up).
  radosgw -c "$conf" -n client.rgw.a </dev/null >>"$setup" 2>&1 9>&- ||
    fail s3 "radosgw did not start" "$setup" "$b/log/client.rgw.a.log"
  wait_until 90 s3_http_ok ||
    fail s3 "radosgw does not answer on 127.0.0.1:$S3_PORT after 90 s" "$b/log/client.rgw.a.log" "$b/log/osd.0.log" "$b/log/mon.a.log"
  timeout 60 radosgw-admin -c "$conf" user create --uid=ums-test --display-name="ums tests" \
    --access-key="$S3_TEST_ACCESS_KEY" --secret="$S3_TEST_SECRET_KEY" >>"$setup" 2>&1 ||
    fail s3 "could not create the S3 user" "$setup" "$b/log/client.admin.log"
  wait_until 15 s3_auth_ok || fail s3 "a signed request with the test user's keys fails" "$b/log/client.rgw.a.log"
}

# ---------------------------------------------------------------- env file
write_env() {
  local env="$SERVICES_DIR/env"
  {
    echo "# Written by test/services/up.sh for the services that run now: source it."
    if redis_running; then
      echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    fi
    if rabbit_running; then
      echo "export AMQP_URL=amqp://guest:guest@127.0.0.1:$RABBITMQ_PORT"
    fi
    if clamd_running; then
      echo "export CLAMD_HOST=127.0.0.1"
      echo "export CLAMD_PORT=$CLAMD_PORT"
      echo "export CLAMD_SOCKET=$CLAMD_DIR/clamd.sock"
    fi
    if s3_running; then
      echo "export S3_ENDPOINT=http://127.0.0.1:$S3_PORT"
      echo "export S3_REGION=us-east-1"
      echo "export S3_ACCESS_KEY_ID=$S3_TEST_ACCESS_KEY"
      echo "export S3_SECRET_ACCESS_KEY=$S3_TEST_SECRET_KEY"
      echo "export S3_FORCE_PATH_STYLE=true"
    fi
  } >"$env.tmp"
  mv "$env.tmp" "$env"
}

# ---------------------------------------------------------------- main
take_lock
cd "$SERVICES_DIR" # where stray files (core or crash dumps) land
trap 'write_env || true' EXIT # also when a start fails: the env file lists what runs
install_packages
declare -A where=(
  [redis]="127.0.0.1:$REDIS_PORT"
  [rabbitmq]="127.0.0.1:$RABBITMQ_PORT"
  [clamd]="127.0.0.1:$CLAMD_PORT and $CLAMD_DIR/clamd.sock"
  [s3]="http://127.0.0.1:$S3_PORT"
)
declare -A running=([redis]=redis_running [rabbitmq]=rabbit_running [clamd]=clamd_running [s3]=s3_running)
# One after the other: on two cores, starting them in parallel saved ~0.3 s of ~6 s
# (RabbitMQ's boot is CPU-bound) and would interleave failure output.
for s in "${services[@]}"; do
  t0=$(now_ms)
  if "${running[$s]}"; then
    log "$s already running on ${where[$s]}"
    continue
  fi
  "stop_$s" # a process of ours that is alive but does not answer
  "start_$s"
  log "$s ready on ${where[$s]} ($(elapsed "$t0"))"
done
echo "$SERVICES_DIR/env"
