#!/usr/bin/env bash
# The whole test suite, as `npm test` and CI run it: starts the real services the
# tests need (installing them on first use), runs ava, and stops the services
# again even when tests fail. Extra arguments go to ava (e.g. a file to run).
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p test-results
exec ava "$@"
