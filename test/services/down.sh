#!/usr/bin/env bash
# Stops what up.sh started, by PID, and waits until the processes are gone:
#   bash test/services/down.sh [--purge] [redis] [rabbitmq] [clamd] [s3]   (all when none named)
# Never fails when nothing runs. Data stays in $SERVICES_DIR (RabbitMQ's durable queues
# survive a down/up; S3 data lives in memory and does not); --purge deletes $SERVICES_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

purge=0 services=()
for a in "$@"; do
  if [[ $a == --purge ]]; then purge=1; else check_service "$a"; services+=("$a"); fi
done
((${#services[@]})) || services=("${ALL_SERVICES[@]}")

[[ -d $SERVICES_DIR ]] || exit 0
take_lock
for s in "${services[@]}"; do "stop_$s"; done
if ((purge)); then
  rm -rf "$SERVICES_DIR"
elif [[ -f $SERVICES_DIR/env ]]; then
  # The env file lists running services only.
  case " ${services[*]} " in *" redis "*) sed -i '/^export REDIS_URL=/d' "$SERVICES_DIR/env" ;; esac
  case " ${services[*]} " in *" rabbitmq "*) sed -i '/^export AMQP_URL=/d' "$SERVICES_DIR/env" ;; esac
  case " ${services[*]} " in *" clamd "*) sed -i '/^export CLAMD_/d' "$SERVICES_DIR/env" ;; esac
  case " ${services[*]} " in *" s3 "*) sed -i '/^export S3_/d' "$SERVICES_DIR/env" ;; esac
fi
