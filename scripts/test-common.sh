# Shared by scripts/test.sh and scripts/test-ioredis.sh, which source it: the check that a Redis can
# be had, and how test files are run (node's test runner with tsx, two files at a time by default).

# Exits with a message saying how to get one when no redis-server is on PATH and REDIS_URL is unset.
require_redis() {
  if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server was not found on PATH: install it (apt-get install redis-server) or set REDIS_URL to a running Redis" >&2
    exit 1
  fi
}

# Runs the test files and node arguments given, replacing the shell.
run_tests() {
  exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=180000 "$@"
}
