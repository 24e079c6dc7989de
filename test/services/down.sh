#!/usr/bin/env bash
# Stops what up.sh started: bash test/services/down.sh [--purge] [redis] [rabbitmq] [s3]
# Never fails when nothing runs. --purge also deletes $SERVICES_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
purge=0; services=()
for a in "$@"; do [[ $a == --purge ]] && purge=1 || services+=("$a"); done
((${#services[@]})) || services=("${ALL_SERVICES[@]}")
for s in "${services[@]}"; do
  case "$s" in
    redis) stop_pid "$SERVICES_DIR/redis/redis.pid.copy" ;;
    rabbitmq) bash "$here/rabbitmq.sh" stop ;;
    s3) bash "$here/ceph-rgw.sh" stop ;;
    *) die "unknown service: $s" ;;
  esac
done
if ((purge)); then rm -rf "$SERVICES_DIR"; fi
