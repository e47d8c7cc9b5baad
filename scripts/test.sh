#!/usr/bin/env bash
# Runs every test file through node's test runner with tsx. The files are listed explicitly: on
# Node 20 a bare `tsx --test` finds no .ts test and passes having run nothing.
#
# With --unit, runs only the files that need no Redis: those that import none of
# test/support/harness.ts, test/support/redis-server.ts and test/support/processes.ts, directly or
# through another module under test/ (see scripts/unit-test-files.mjs). Then no redis-server or
# REDIS_URL is needed. With --list, prints the selected files instead of running them. Other
# arguments are passed on to node.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/test-common.sh
. scripts/test-common.sh
unit=false
list=false
args=()
for arg in "$@"; do
  case "$arg" in
    --unit) unit=true ;;
    --list) list=true ;;
    *) args+=("$arg") ;;
  esac
done
if [ "$unit" = false ] && [ "$list" = false ]; then require_redis; fi
shopt -s globstar nullglob
files=(test/**/*.test.ts)
if [ "$unit" = true ] && [ ${#files[@]} -gt 0 ]; then
  selected=$(node scripts/unit-test-files.mjs "${files[@]}")
  files=()
  if [ -n "$selected" ]; then mapfile -t files <<<"$selected"; fi
  if [ ${#files[@]} -eq 0 ]; then
    echo "no unit test file (one that needs none of test/support/{harness,redis-server,processes}.ts) found under test/" >&2
    exit 1
  fi
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "no test files found under test/" >&2
  exit 1
fi
if [ "$list" = true ]; then
  printf '%s\n' "${files[@]}"
  exit 0
fi
run_tests "${args[@]}" "${files[@]}"
