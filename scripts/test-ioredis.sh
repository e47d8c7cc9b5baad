#!/usr/bin/env bash
# Runs test files that need Redis with RS_CLIENT=ioredis: every connection the library opens for
# them uses the ioredis adapter (src/connection/ioredis-*.ts) instead of node-redis, the default,
# and the CLI tests run the built CLI with REDIS_STREAMER_CLIENT=ioredis
# (test/support/client-choice.ts). CI runs it with --all: the whole suite passes on both clients.
#
# By default, a selection that exercises the port (src/connection/port.ts) within about 4 minutes
# on 2 cores: 3 min 20 s measured on a busy 2-core machine with the CLI already built (building it
# adds about 30 s), where every file that needs Redis (--all) takes 6 min 46 s. The selection: the
# conformance suite on one server, a Redis Cluster and Sentinel (test/conformance), delivery
# (test/delivery), the connection's failures, misconfigurations and node-redis's own cases
# (test/connection), the public inputs (test/edges), replica acknowledgements and WAIT's failures
# (test/publish), the faults where what was written matters (a CLIENT KILL storm, Redis restarts, a
# hung connection, shutdown under faults, cluster consumers exiting mid-failover), a cluster,
# Sentinel failovers, every sentinel hung, TLS and ACL users (test/scale-out), and the CLI on
# each client (test/cli/client.test.ts, test/cli/inspect.test.ts), and a stop right after a read
# returned (test/streamer/prompt-stop.test.ts). Left out as slow rather than as
# less relevant: test/streamer, test/consume, test/maintenance, test/dashboard, the other files of
# test/publish and test/cli, test/faults/kill-consumers.test.ts, test/scale-out/sentinel-auth.test.ts,
# and the integrations (test/nestjs, test/otel, test/outbox, test/testing...).
#
# With --all, runs every test file that needs Redis (the 80 that scripts/unit-test-files.mjs does
# not list: the unit files run on no client). With --list, prints the files instead of running
# them. Other arguments are passed on to node.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/test-common.sh
. scripts/test-common.sh
all=false
list=false
args=()
for arg in "$@"; do
  case "$arg" in
    --all) all=true ;;
    --list) list=true ;;
    *) args+=("$arg") ;;
  esac
done
if [ "$list" = false ]; then require_redis; fi
shopt -s globstar nullglob
if [ "$all" = true ]; then
  candidates=(test/**/*.test.ts)
else
  candidates=(
    test/conformance/{single,cluster,sentinel}.test.ts
    test/delivery/*.test.ts
    test/connection/*.test.ts
    test/edges/*.test.ts
    test/publish/{replicas,wait-failures}.test.ts
    test/faults/{publish-storm,redis-faults,hung-connection,shutdown-faults,cluster-exit}.test.ts
    test/scale-out/{cluster,sentinel,sentinel-unreachable,tls-acl}.test.ts
    test/cli/{client,inspect}.test.ts
    test/streamer/prompt-stop.test.ts
  )
fi
for file in "${candidates[@]}"; do
  if [ ! -f "$file" ]; then
    echo "scripts/test-ioredis.sh: $file does not exist (update the selection)" >&2
    exit 1
  fi
done
# The files that need no Redis run on no client: leave them out.
unit=$(node scripts/unit-test-files.mjs "${candidates[@]}")
files=()
for file in "${candidates[@]}"; do
  if ! grep -qxF -- "$file" <<<"$unit"; then files+=("$file"); fi
done
if [ ${#files[@]} -eq 0 ]; then
  echo "no test file that needs Redis was selected" >&2
  exit 1
fi
if [ "$list" = true ]; then
  printf '%s\n' "${files[@]}"
  exit 0
fi
export RS_CLIENT=ioredis
run_tests "${args[@]}" "${files[@]}"
