#!/usr/bin/env bash
# The whole test suite, as `npm test` and CI run it: starts the real services the
# tests need (installing them on first use), runs ava, and stops the services
# again even when tests fail (KEEP_SERVICES=1 leaves them running for the next run).
# Unit and integration tests run in parallel; then the browser tests of the client
# demo (test/e2e, real headless Chromium); the fault tests, which stop and restart
# shared services, run last, one at a time.
# Arguments replace that plan: `npm test -- test/integration/s3-store.test.ts`.
set -euo pipefail
cd "$(dirname "$0")/.."

export SERVICES_DIR="${SERVICES_DIR:-/tmp/ums-services}"
if [[ ${KEEP_SERVICES:-0} != 1 ]]; then
  trap 'bash test/services/down.sh --purge >/dev/null 2>&1 || true' EXIT
fi
env_file=$(bash test/services/up.sh)
# shellcheck disable=SC1090
source "$env_file"

mkdir -p test-results
# Built once here, so the many test servers find the demo bundle current.
npm run -s build:demo
if (($#)); then
  ava "$@"
else
  ava test/unit test/integration test/hostile
  ava test/e2e
  # Alone: a soak's memory growth measured beside other tests' load says nothing about leaks.
  ava test/load
  ava --serial test/faults
fi
