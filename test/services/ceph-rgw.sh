#!/usr/bin/env bash
# A one-node Ceph cluster with an in-memory object store (memstore) and the RADOS
# Gateway in front: a real S3 implementation (multipart, ListParts, SigV4,
# presigned URLs, EntityTooSmall). Data lives in memory: a restart starts empty.
#   bash test/services/ceph-rgw.sh start|stop
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
base="$SERVICES_DIR/ceph"
conf="$base/ceph.conf"
ceph_() { ceph -c "$conf" --connect-timeout 10 "$@"; }

rgw_up() { curl -fs -o /dev/null "http://127.0.0.1:$S3_PORT/"; }

start() {
  if pid_alive "$base/run/rgw.pid" && rgw_up; then return 0; fi
  stop
  rm -rf "$base"
  mkdir -p "$base"/{run,log,mon,osd,rgw}
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$conf" <<EOC
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$CEPH_MON_PORT
mon initial members = a
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd objectstore = memstore
memstore device bytes = $((4 * 1024 * 1024 * 1024))
osd crush chooseleaf type = 0
run dir = $base/run
log file = $base/log/\$name.log
admin socket = $base/run/\$name.asok
pid file = $base/run/\$name.pid
mon data = $base/mon/\$cluster-\$id
osd data = $base/osd/\$cluster-\$id
keyring = $base/keyring
setuser match path = $base
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$S3_PORT
rgw data = $base/rgw
pid file = $base/run/rgw.pid
log file = $base/log/rgw.log
rgw dns name = 127.0.0.1
EOC
  local kr="$base/keyring"
  ceph-authtool --create-keyring "$kr" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$kr" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$kr" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
  ceph-authtool "$kr" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
  monmaptool --create --add a "v2:127.0.0.1:$CEPH_MON_PORT" --fsid "$fsid" "$base/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$base/monmap" --keyring "$kr" 2>>"$base/log/setup.log"
  ceph-mon -c "$conf" -i a 2>>"$base/log/setup.log"
  wait_until 30 ceph_ -s || fail "ceph-mon did not come up"
  ceph_ auth import -i "$kr" 2>>"$base/log/setup.log"
  ceph_ osd create >/dev/null 2>>"$base/log/setup.log"
  mkdir -p "$base/osd/ceph-0"
  ceph-osd -c "$conf" -i 0 --mkfs 2>>"$base/log/setup.log" >/dev/null
  ceph-osd -c "$conf" -i 0 2>>"$base/log/setup.log"
  wait_until 60 bash -c "ceph -c '$conf' osd stat 2>/dev/null | grep -q '1 up'" || fail "ceph-osd did not come up"
  radosgw -c "$conf" -n client.rgw.a 2>>"$base/log/setup.log"
  wait_until 90 rgw_up || fail "radosgw did not answer on port $S3_PORT"
  radosgw-admin -c "$conf" user create --uid=ums-test --display-name="ums test" \
    --access-key="$S3_ACCESS_KEY" --secret="$S3_SECRET_KEY" >/dev/null 2>>"$base/log/setup.log" || fail "cannot create the S3 user"
}

fail() {
  log "ceph/rgw: $*"
  tail -n 20 "$base"/log/*.log >&2 2>/dev/null || true
  exit 1
}

stop() {
  [[ -d $base/run ]] || return 0
  stop_pid "$base/run/rgw.pid"
  stop_pid "$base/run/osd.0.pid"
  stop_pid "$base/run/mon.a.pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: ceph-rgw.sh start|stop" ;;
esac
