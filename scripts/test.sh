#!/usr/bin/env bash
# Runs every test file through node's test runner with tsx. The files are listed explicitly: on
# Node 20 a bare `tsx --test` finds no .ts test and passes having run nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server was not found on PATH: install it (apt-get install redis-server) or set REDIS_URL to a running Redis" >&2
  exit 1
fi
shopt -s globstar nullglob
files=(test/**/*.test.ts)
if [ ${#files[@]} -eq 0 ]; then
  echo "no test files found under test/" >&2
  exit 1
fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=180000 "$@" "${files[@]}"
