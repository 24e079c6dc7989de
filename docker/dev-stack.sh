#!/usr/bin/env bash
# `npm run stack`: the backing services of docker-compose.yml (Redis, RabbitMQ, clamd, S3),
# started natively for development with test/services/up.sh (no Docker engine needed),
# left running. Prints how to point the server and the processor at them.
set -euo pipefail
cd "$(dirname "$0")/.."
export SERVICES_DIR="${SERVICES_DIR:-/tmp/ums-services}"
env_file=$(bash test/services/up.sh "$@")
cat <<MSG

Backing services are running (they keep running after this command). In each shell:

  source $env_file
  export STORAGE=s3 S3_BUCKET=uploads S3_PROCESSED_BUCKET=processed

then, in one shell each:

  npm start               # the server on http://127.0.0.1:1080 (creates the buckets in development)
  npm run processor       # the media processor, consuming RabbitMQ

Stop them: bash test/services/down.sh   (--purge also deletes $SERVICES_DIR)
Note: the S3 server (Ceph RGW) keeps its data in memory; stopping it loses every bucket.
MSG
