#!/usr/bin/env bash
# Creates a RabbitMQ virtual host for one test file and lets guest use it, so
# tests running in parallel each have their own queues (a processor in one test
# must not take another test's jobs):  bash test/services/vhost.sh NAME
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
name=${1:?usage: vhost.sh NAME}
[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "bad vhost name: $name"
rabbitmqctl_ add_vhost "$name" >/dev/null 2>&1 || true
rabbitmqctl_ set_permissions -p "$name" guest '.*' '.*' '.*' >/dev/null
