#!/usr/bin/env bash
# Packs the library as `npm publish` would, installs only that tarball into a fresh project, and runs a
# publish/consume round trip against a private redis-server: once from strict ESM TypeScript (type-checked
# against the installed declarations, then compiled and run), once from CommonJS (`require`), and once through
# redis-streamer/otel after installing its optional peer @opentelemetry/api. Fails on any problem, including a
# process that does not exit by itself after `cleanup()`. The core's imports (from dist/index.js) must reach no
# framework; then Nest is installed and a microservice on redis-streamer/nestjs gets an event its client emits.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

step() { printf 'pack-check: %s\n' "$*"; }
fail() {
  printf 'pack-check: FAILED: %s\n' "$*" >&2
  exit 1
}
# Runs a command with its output in a log file; on failure shows the log and fails.
quietly() {
  local what="$1"
  shift
  logs=$((logs + 1))
  local log="$work/log/$logs.log"
  if ! "$@" >"$log" 2>&1; then
    sed 's/^/    /' "$log" >&2
    fail "$what"
  fi
}

command -v redis-server >/dev/null 2>&1 || fail "redis-server was not found on PATH (apt-get install redis-server)"
command -v timeout >/dev/null 2>&1 || fail "timeout (GNU coreutils) was not found on PATH"
tsc="$repo/node_modules/typescript/bin/tsc"
[ -f "$tsc" ] || fail "$tsc is missing: run npm ci first"
[ -d "$repo/node_modules/@types/node" ] || fail "$repo/node_modules/@types/node is missing: run npm ci first"

logs=0
work="$(mktemp -d "${TMPDIR:-/tmp}/redis-streamer-pack-check.XXXXXX")"
redis_pid=""
finish() {
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap finish EXIT
mkdir -p "$work/log" "$work/pack" "$work/app" "$work/redis"

# 1. Pack. `prepare` cleans dist/ and builds, as it does before `npm publish`.
step "npm pack (runs prepare: clean build)"
quietly "npm pack" npm pack --pack-destination "$work/pack"
shopt -s nullglob
tarballs=("$work"/pack/*.tgz)
shopt -u nullglob
[ ${#tarballs[@]} -eq 1 ] || fail "expected one tarball in $work/pack, found ${#tarballs[@]}"
tarball="${tarballs[0]}"
step "packed $(basename "$tarball") ($(tar -tzf "$tarball" | wc -l) files)"

# 2. A fresh project with only the tarball installed.
cd "$work/app"
quietly "npm init" npm init -y
# Dependencies are resolved as on a fresh machine: an empty npm cache of its own and --prefer-online, so
# the check installs what `^x.y.z` resolves to today for a new user (a cached older release would hide an
# upstream release that breaks users, as ioredis 6.1.0's declarations did).
step "npm install <tarball> into a fresh project (empty npm cache, newest matching dependencies)"
quietly "npm install of the tarball" npm install --no-audit --no-fund --prefer-online --cache "$work/npm-cache" "$tarball"
step "resolved: $(node -p "['@redis/client','commander'].map((d) => d + ' ' + require('./node_modules/' + d + '/package.json').version).join(', ')")"
pkg="$work/app/node_modules/redis-streamer"
[ -f "$pkg/dist/index.js" ] || fail "the installed package has no dist/index.js"
[ -f "$pkg/dist/index.d.ts" ] || fail "the installed package has no dist/index.d.ts"
[ -f "$pkg/LICENSE" ] || fail "the installed package has no LICENSE"
[ -d "$work/app/node_modules/@redis/client" ] || fail "@redis/client (node-redis, the default client) was not installed with the package"
[ ! -e "$work/app/node_modules/ioredis" ] || fail "ioredis (an optional peer) was installed with the package"
for dev in typescript tsx eslint prettier typescript-eslint @eslint/js @types/node pg @types/pg; do
  [ ! -e "$work/app/node_modules/$dev" ] || fail "$dev (a devDependency, or pg: an optional peer) was installed into the consumer project"
done
[ ! -e "$work/app/node_modules/@nestjs" ] || fail "an optional peer dependency (@nestjs/*) was installed with the package"
step "installed: redis-streamer and @redis/client present, no devDependencies, no optional peer (ioredis, Nest)"

# The README's and the guides' relative links lead to files the package holds (docs/, examples/).
broken=$(node -e '
const { existsSync, readFileSync, readdirSync } = require("node:fs");
const { dirname, join } = require("node:path");
const pkg = process.argv[1];
const pages = ["README.md", ...readdirSync(join(pkg, "docs")).filter((f) => f.endsWith(".md")).map((f) => "docs/" + f)];
const broken = [];
for (const page of pages) {
  for (const [, target] of readFileSync(join(pkg, page), "utf8").matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:|^#/.test(target)) continue;
    const file = join(dirname(join(pkg, page)), target.split("#")[0]);
    if (!existsSync(file)) broken.push(page + " -> " + target);
  }
}
console.log(broken.join("\n"));
' "$pkg")
[ -z "$broken" ] || fail "links of the installed README and docs lead to files the package lacks: $broken"
step "the installed README's and guides' relative links all lead to files in the package"

# 3. The installed files: Lua scripts next to the JS, no @internal declarations, every source map resolves.
quietly "installed package contents" node --input-type=module - "$pkg" <<'EOF'
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
const root = process.argv[2];
const files = readdirSync(join(root, 'dist'), { recursive: true }).map((f) => join(root, 'dist', f));
const problems = [];
if (!files.some((f) => f.endsWith('.lua'))) problems.push('no .lua file in dist/');
let maps = 0;
for (const file of files) {
  if (file.endsWith('.d.ts') && readFileSync(file, 'utf8').includes('@internal'))
    problems.push(`${relative(root, file)} still has an @internal declaration`);
  if (!file.endsWith('.map')) continue;
  maps++;
  const map = JSON.parse(readFileSync(file, 'utf8'));
  for (const source of map.sources) {
    const target = resolve(dirname(file), map.sourceRoot ?? '', source);
    if (!existsSync(target)) problems.push(`${relative(root, file)}: source ${source} is not in the package`);
  }
}
if (maps === 0) problems.push('no source map in dist/');
// The public declarations must not reach a Redis client's own (or any other package's): a user's strict
// build (skipLibCheck: false) would then depend on those declarations being correct for their compiler
// settings. The one exception is @standard-schema/spec, a dependency made of types only (channel contracts
// take any Standard Schema), which is installed with the package.
const TYPE_DEPENDENCIES = new Set(['@standard-schema/spec']);
const seen = new Set();
const visit = (file) => {
  if (seen.has(file) || !existsSync(file)) return;
  seen.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
    if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.d.ts')));
    else if (!spec.startsWith('node:') && !TYPE_DEPENDENCIES.has(spec))
      problems.push(`${relative(root, file)} imports types from '${spec}'`);
  }
};
visit(join(root, 'dist', 'index.d.ts'));
// The optional subpaths too: a user without pg installs and type-checks the outbox (pg is typed by its shape).
visit(join(root, 'dist', 'outbox', 'index.d.ts'));
visit(join(root, 'dist', 'testing', 'index.d.ts'));
// The core's JavaScript, from dist/index.js, reaches no integration (dist/nestjs, dist/otel, dist/outbox,
// dist/testing) and no framework: a user without them installs and runs the core.
const seenJs = new Set();
const visitJs = (file) => {
  if (seenJs.has(file) || !existsSync(file)) return;
  seenJs.add(file);
  if (/^(nestjs|otel|outbox|testing)\//.test(relative(join(root, 'dist'), file)))
    problems.push(`the core reaches ${relative(root, file)}`);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    if (spec.startsWith('.')) visitJs(resolve(dirname(file), spec));
    else if (/^(@nestjs\/|@opentelemetry\/|pg$|rxjs|reflect-metadata)/.test(spec))
      problems.push(`${relative(root, file)} imports '${spec}'`);
  }
};
visitJs(join(root, 'dist', 'index.js'));
if (seenJs.size < 20) problems.push(`the walk of dist/index.js's imports found only ${seenJs.size} files: it is broken`);
for (const sub of ['nestjs', 'outbox', 'testing'])
  if (!existsSync(join(root, 'dist', sub, 'index.js'))) problems.push(`dist/${sub}/index.js (the ./${sub} export) is missing`);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
EOF
step "package contents: Lua scripts shipped, no @internal in .d.ts, every source map resolves, no client's or framework's types in the declarations, the core's imports reach no integration"

# 4. A private redis-server on a free port.
redis_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'PING\r\n' >&3 && IFS= read -r -t 2 line <&3 && [[ "$line" == +PONG* ]]) 2>/dev/null
}
for _ in 1 2 3; do
  port="$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir "$work/redis" \
    >"$work/log/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do
    if ! kill -0 "$redis_pid" 2>/dev/null; then break; fi
    if redis_answers "$port"; then break 2; fi
    sleep 0.1
  done
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
done
if [ -z "$redis_pid" ]; then
  sed 's/^/    /' "$work/log/redis.log" >&2
  fail "could not start redis-server"
fi
export REDIS_URL="redis://127.0.0.1:$port/0"
step "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') listening on 127.0.0.1:$port"

# Runs one round-trip program: it must print its success line and exit by itself within 10 s.
roundtrip() {
  local label="$1"
  shift
  local status=0
  timeout -k 2 10 "$@" >"$work/log/$label.out" 2>"$work/log/$label.err" || status=$?
  if [ -s "$work/log/$label.err" ]; then
    step "$label: node printed on stderr:"
    sed 's/^/    /' "$work/log/$label.err"
  fi
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    sed 's/^/    /' "$work/log/$label.out" >&2
    fail "$label: the process did not exit within 10 s (something keeps the event loop alive after cleanup())"
  fi
  if [ "$status" -ne 0 ]; then
    sed 's/^/    /' "$work/log/$label.out" >&2
    fail "$label: exit status $status"
  fi
  grep -q '^roundtrip ok' "$work/log/$label.out" || fail "$label: no success line in its output"
  step "$label: $(grep '^roundtrip ok' "$work/log/$label.out")"
}

# 5. ESM TypeScript, strict, type-checked against the installed declarations with the repo's compiler
# (@types/node from the repo: the consumer project has no devDependencies), then compiled and run.
cat >roundtrip.mts <<'EOF'
import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import { Message, RedisStreamer, silentLogger, type MessageContext, type RedisStreamerOptions } from 'redis-streamer';
import { Outbox, type OutboxQueryable } from 'redis-streamer/outbox';

interface Order {
  orderId: string;
  total: number;
}
interface Received {
  name: string;
  payload: Order;
  context: MessageContext;
}

const url = process.env['REDIS_URL'];
if (url === undefined) throw new Error('REDIS_URL is not set');
const channel = `pack-check:esm:${process.pid}`;
const options: RedisStreamerOptions = { logger: silentLogger };
const streamer = new RedisStreamer(url, 'pack-check-esm', options);

await streamer.subscribe(channel);
const received = new Promise<Received>((resolve) => {
  streamer.registerHandler<Order>(channel, (name, payload, context) => resolve({ name, payload, context }));
});
const consuming = streamer.persistConsume();

const sent: Order = { orderId: 'ORD-1', total: 99.99 };
const id: string = await streamer.sendMessage(channel, new Message('order.created', sent));

let timer: NodeJS.Timeout | undefined;
const timedOut = new Promise<never>((_, reject) => {
  timer = setTimeout(() => reject(new Error('the handler did not get the message within 5 s')), 5000);
});
let got: Received;
try {
  got = await Promise.race([received, timedOut]);
} catch (error) {
  console.error(error);
  process.exit(1);
} finally {
  clearTimeout(timer);
}

strictEqual(got.name, 'order.created');
deepStrictEqual(got.payload, sent);
strictEqual(got.context.id, id);
strictEqual(got.context.channel, channel);

// The outbox subpath loads and type-checks without pg installed (its clients are typed by their shape).
const db: OutboxQueryable = { query: async () => ({ rows: [] }) };
strictEqual(new Outbox({ table: 'app.outbox' }).schemaSql().includes('CREATE TABLE IF NOT EXISTS "app"."outbox"'), true);
await new Outbox().migrate(db);

await streamer.cleanup();
await consuming;
console.log(`roundtrip ok: ${got.name} ${JSON.stringify(got.payload)} id ${id}`);
EOF
step "esm: type-check roundtrip.mts (strict, nodenext) against the installed package and compile it"
quietly "tsc on roundtrip.mts" node "$tsc" --strict --noUncheckedIndexedAccess --exactOptionalPropertyTypes \
  --module nodenext --moduleResolution nodenext --target es2023 --skipLibCheck false \
  --types node --typeRoots "$repo/node_modules/@types" --noEmitOnError roundtrip.mts
[ -f roundtrip.mjs ] || fail "tsc did not emit roundtrip.mjs"
# A project whose tsconfig lists no `types` (TypeScript 6 and later include none by default): the
# declarations must bring Node's types themselves (`/// <reference types="node" />`), or Buffer and
# node:tls are unknown to the user's compiler.
step "esm: type-check roundtrip.mts again without --types node (the package's declarations reference Node's types)"
quietly "tsc on roundtrip.mts without --types" node "$tsc" --strict --module nodenext --moduleResolution nodenext \
  --target es2023 --skipLibCheck false --typeRoots "$repo/node_modules/@types" --noEmit roundtrip.mts
roundtrip esm node roundtrip.mjs

# 6. CommonJS: require() of the ESM package (Node >= 20.19 does it without a flag).
cat >roundtrip.cjs <<'EOF'
'use strict';
const assert = require('node:assert/strict');
const { RedisStreamer, Message, silentLogger } = require('redis-streamer');

async function main() {
  const channel = `pack-check:cjs:${process.pid}`;
  const streamer = new RedisStreamer(process.env.REDIS_URL, 'pack-check-cjs', { logger: silentLogger });
  await streamer.subscribe(channel);
  const received = new Promise((resolve) => {
    streamer.registerHandler(channel, (name, payload, context) => resolve({ name, payload, context }));
  });
  const consuming = streamer.persistConsume();
  const sent = { orderId: 'ORD-2', total: 12.5 };
  const id = await streamer.sendMessage(channel, new Message('order.paid', sent));
  let timer;
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('the handler did not get the message within 5 s')), 5000);
  });
  const got = await Promise.race([received, timedOut]).finally(() => clearTimeout(timer));
  assert.equal(got.name, 'order.paid');
  assert.deepEqual(got.payload, sent);
  assert.equal(got.context.id, id);
  await streamer.cleanup();
  await consuming;
  console.log(`roundtrip ok: ${got.name} ${JSON.stringify(got.payload)} id ${id}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
EOF
roundtrip cjs node roundtrip.cjs

# 6b. The test kit (the "./testing" subpath export): a bus retries and handles a message; the process exits by itself.
cat >testkit.mjs <<'EOF'
import { createTestBus } from 'redis-streamer/testing';
const bus = createTestBus();
const billing = bus.streamer('billing', { delivery: 'at-least-once', maxAttempts: 2 });
await billing.subscribe('orders');
let got;
billing.registerHandler('orders', (_name, payload, ctx) => {
  if (ctx.attempt === 1) throw new Error('fails once');
  got = payload;
});
void billing.persistConsume();
await bus.streamer('shop').sendMessage('orders', { name: 'order.paid', body: { orderId: 'ORD-4' } });
await bus.settled();
await bus.close();
if (got?.orderId !== 'ORD-4' || bus.failed().length !== 1) throw new Error('the test kit did not retry and handle it');
console.log(`roundtrip ok: redis-streamer/testing retried and handled ${JSON.stringify(got)}`);
EOF
roundtrip testkit node testkit.mjs

# 7. The CLI (package.json "bin"), run as a user runs it: npx finds the installed bin. Every run must exit by
# itself within 10 s with the expected code.
[ -x "$work/app/node_modules/.bin/redis-streamer" ] || fail "node_modules/.bin/redis-streamer is missing or not executable"
cli() {
  local expected="$1" label="$2"
  shift 2
  local status=0
  timeout -k 2 10 npx --no -- redis-streamer "$@" >"$work/log/cli-$label.out" 2>"$work/log/cli-$label.err" || status=$?
  if [ "$status" -ne "$expected" ]; then
    sed 's/^/    /' "$work/log/cli-$label.out" "$work/log/cli-$label.err" >&2
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then fail "cli $label: did not exit within 10 s"; fi
    fail "cli $label: exit status $status, expected $expected (redis-streamer $*)"
  fi
}
cli 0 help --help
grep -q 'dlq' "$work/log/cli-help.out" || fail "cli help: the commands are not listed"
cli 0 publish publish pack-check:cli order.created '{"orderId": "ORD-3"}'
id="$(cat "$work/log/cli-publish.out")"
[[ "$id" =~ ^[0-9]+-[0-9]+$ ]] || fail "cli publish: printed \"$id\", not an entry id"
cli 0 channels channels --json
node -e '
  const { channels } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const c = channels.find((x) => x.channel === "pack-check:cli");
  if (!c || c.length !== 1 || c.lastEntryMs !== Number(process.argv[2].split("-")[0])) {
    console.error("channels --json does not show the published entry:", JSON.stringify(channels));
    process.exit(1);
  }' "$work/log/cli-channels.out" "$id" || fail "cli channels: unexpected output"
cli 2 usage trim pack-check:cli --retention 7x
cli 1 unreachable channels --url "redis://127.0.0.1:1"
step "cli: npx redis-streamer --help, publish ($id), channels --json; exit 2 on a usage error, 1 when Redis is unreachable"

# 7b. ioredis, the other client: an optional peer. Chosen without it installed, it is a ConfigError that says how to
# install it (not a bare module-not-found); once the user installs it, the same round trip runs on it.
cat >ioredis.mjs <<'EOF'
import { ConfigError, RedisInstance, RedisStreamer, silentLogger } from 'redis-streamer';
const url = process.env.REDIS_URL;
const redis = new RedisInstance({ url, client: 'ioredis' });
const streamer = new RedisStreamer(redis, 'pack-check-ioredis', { logger: silentLogger });
const channel = `pack-check:ioredis:${process.pid}`;
let error;
try {
  await streamer.subscribe(channel);
} catch (err) {
  error = err;
}
if (process.argv[2] === 'missing') {
  await streamer.cleanup();
  if (!(error instanceof ConfigError) || !error.message.includes('npm install ioredis')) {
    console.error('expected a ConfigError saying `npm install ioredis`, got', error);
    process.exit(1);
  }
  console.log(`roundtrip ok: without ioredis installed, client 'ioredis' is a ConfigError: ${error.message}`);
} else {
  if (error !== undefined) throw error;
  const got = new Promise((resolve) => streamer.registerHandler(channel, (_n, payload) => resolve(payload)));
  const consuming = streamer.persistConsume();
  const id = await streamer.sendMessage(channel, { name: 'order.shipped', body: { orderId: 'ORD-5' } });
  const payload = await got;
  await streamer.cleanup();
  await consuming;
  console.log(`roundtrip ok: ${JSON.stringify(payload)} id ${id} on ioredis ${process.argv[2]}`);
}
EOF
roundtrip ioredis-missing node ioredis.mjs missing
quietly "npm install ioredis" npm install --no-audit --no-fund --prefer-online --cache "$work/npm-cache" ioredis@^6
roundtrip ioredis node ioredis.mjs "$(node -p "require('./node_modules/ioredis/package.json').version")"

# 8. The NestJS subpath, once Nest is installed as a user installs it (optional peer dependencies): a Nest
# microservice on the transport gets what the client emits, and the process exits by itself after close().
step "npm install Nest (the optional peers of redis-streamer/nestjs) into the project"
quietly "npm install of Nest" npm install --no-audit --no-fund --prefer-online --cache "$work/npm-cache" \
  @nestjs/common @nestjs/core @nestjs/microservices rxjs reflect-metadata
cat >nest-roundtrip.mjs <<'EOF'
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { silentLogger } from 'redis-streamer';
import { RedisStreamerClient, RedisStreamerTransport } from 'redis-streamer/nestjs';

const url = process.env.REDIS_URL;
const channel = `pack-check:nest:${process.pid}`;
let received;
const got = new Promise((resolve) => (received = resolve));
// Decorators applied as functions: plain JavaScript, no compiler.
class Orders {
  created(payload) {
    received(payload);
  }
}
EventPattern('order.created')(Orders.prototype, 'created', Object.getOwnPropertyDescriptor(Orders.prototype, 'created'));
Controller()(Orders);
class AppModule {}
Module({ controllers: [Orders] })(AppModule);

const strategy = new RedisStreamerTransport({ redis: url, service: 'pack-check', channels: [channel], logger: silentLogger });
const app = await NestFactory.createMicroservice(AppModule, { strategy, logger: false });
await app.listen();
const client = new RedisStreamerClient({ redis: url, channel, logger: silentLogger });
const id = await lastValueFrom(client.emit('order.created', { orderId: 'ORD-4' }));
let timer;
const timedOut = new Promise((_, reject) => {
  timer = setTimeout(() => reject(new Error('the Nest handler did not get the event within 5 s')), 5000);
});
const payload = await Promise.race([got, timedOut]).finally(() => clearTimeout(timer));
if (payload?.orderId !== 'ORD-4') throw new Error(`unexpected payload ${JSON.stringify(payload)}`);
await client.close();
await app.close();
const nest = JSON.parse(readFileSync('node_modules/@nestjs/microservices/package.json', 'utf8')).version;
console.log(`roundtrip ok: ${JSON.stringify(payload)} id ${id} through redis-streamer/nestjs (@nestjs/microservices ${nest})`);
EOF
roundtrip nest node nest-roundtrip.mjs
# 8. OpenTelemetry: @opentelemetry/api is an optional peer dependency, so installing the package did not install
# it (the round trips above ran without it). Once the user installs it, redis-streamer/otel type-checks strictly
# against the installed declarations and instruments a streamer (with the API alone, no SDK: no-op spans).
[ ! -e "$work/app/node_modules/@opentelemetry/api" ] || fail "@opentelemetry/api (an optional peer) was installed with the package"
quietly "npm install @opentelemetry/api" npm install --no-audit --no-fund --prefer-online --cache "$work/npm-cache" \
  '@opentelemetry/api@>=1.9.0 <2'
cat >otel.mts <<'EOF'
import { strictEqual } from 'node:assert/strict';
import { RedisStreamer, silentLogger } from 'redis-streamer';
import { instrument, type InstrumentOptions } from 'redis-streamer/otel';

const url = process.env['REDIS_URL'];
if (url === undefined) throw new Error('REDIS_URL is not set');
const channel = `pack-check:otel:${process.pid}`;
const streamer = new RedisStreamer(url, 'pack-check-otel', { logger: silentLogger });
const options: InstrumentOptions = { parentFromMessage: false };
const instrumentation = instrument(streamer, options);
await streamer.subscribe(channel);
const received = new Promise<string>((resolve) => streamer.registerHandler(channel, (name) => resolve(name)));
const consuming = streamer.persistConsume();
const id = await streamer.sendMessage(channel, { name: 'order.traced', body: {} });
strictEqual(await received, 'order.traced');
instrumentation.close();
await streamer.cleanup();
await consuming;
console.log(`roundtrip ok: order.traced id ${id}`);
EOF
step "otel: type-check otel.mts (strict) against redis-streamer/otel with @opentelemetry/api installed, and run it"
quietly "tsc on otel.mts" node "$tsc" --strict --noUncheckedIndexedAccess --exactOptionalPropertyTypes \
  --module nodenext --moduleResolution nodenext --target es2023 --skipLibCheck false \
  --types node --typeRoots "$repo/node_modules/@types" --noEmitOnError otel.mts
roundtrip otel node otel.mjs

# 9. The README's TypeScript, as a user pastes it: each block is a module of its own, type-checked strictly
# against the installed package (and the optional peers installed above). A validator a block imports
# (zod, valibot, arktype) is installed first, as the README tells the user to.
mkdir -p readme
node "$repo/scripts/readme-blocks.mjs" "$repo/README.md" readme >"$work/log/readme-blocks.txt" ||
  fail "README.md: no TypeScript block found"
validators=$(grep -ohE "from '(zod|valibot|arktype)'" readme/*.mts | sed -E "s/from '([^']+)'/\1/" | sort -u | tr '\n' ' ')
if [ -n "$validators" ]; then
  # shellcheck disable=SC2086
  quietly "npm install $validators" npm install --no-audit --no-fund --prefer-online --cache "$work/npm-cache" $validators
fi
step "readme: type-check $(wc -l <"$work/log/readme-blocks.txt") TypeScript blocks of README.md (strict)${validators:+, with $validators}"
quietly "tsc on the README's blocks" node "$tsc" --strict --noUncheckedIndexedAccess --exactOptionalPropertyTypes \
  --module nodenext --moduleResolution nodenext --target es2023 --skipLibCheck false --noEmit \
  --types node --typeRoots "$repo/node_modules/@types" readme/*.mts

step "passed"
