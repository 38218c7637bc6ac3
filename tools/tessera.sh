#!/usr/bin/env bash
# Entry point behind the README's commands: `npm start` (tessera.sh start: the demo), `npm run sandbox`
# (tessera.sh sandbox: Tessera alone, with its sandbox), `npm test` (tessera.sh test), `pnpm bench`
# (tessera.sh bench: the benchmark, BENCHMARKS.md).
# Needs only Node 20, npm and Java 17: pnpm is installed into ./.tools when the right one is missing.
set -euo pipefail

PNPM_VERSION=10.34.9
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export TURBO_TELEMETRY_DISABLED=1
# Pact reports anonymous usage statistics unless told not to.
export PACT_DO_NOT_TRACK="${PACT_DO_NOT_TRACK:-true}"
export PATH="$ROOT/node_modules/.bin:$PATH"

banner() { printf '\n==== %s\n' "$*"; }
fail() { printf '\n==== FAILED: %s\n' "$*" >&2; exit 1; }

ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then return; fi
  export PATH="$ROOT/.tools/node_modules/.bin:$PATH"
  if [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then return; fi
  banner "Installing pnpm $PNPM_VERSION into .tools/"
  npm install --prefix "$ROOT/.tools" --no-save --no-package-lock --no-audit --no-fund \
    "pnpm@$PNPM_VERSION"
  [ "$(pnpm --version)" = "$PNPM_VERSION" ] || fail "could not install pnpm $PNPM_VERSION"
}

# Installs dependencies unless node_modules is newer than the lockfile and every package.json.
ensure_deps() {
  local stamp=node_modules/.modules.yaml
  if [ -f "$stamp" ] && [ -z "$(find pnpm-lock.yaml pnpm-workspace.yaml package.json \
    specs/package.json bench/package.json packages/*/package.json -newer "$stamp" 2>/dev/null)" ]; then
    return
  fi
  banner "pnpm install --frozen-lockfile"
  pnpm install --frozen-lockfile || fail "pnpm install (is pnpm-lock.yaml up to date?)"
  touch "$stamp"
}

cmd_test() {
  banner "1/4 Generate code (turbo run generate)"
  turbo run generate --no-update-notifier || fail "code generation"
  banner "2/4 Check generated code is committed (tools/check-generated.sh)"
  bash tools/check-generated.sh || fail "generated code is out of date"
  banner "3/4 Lint, typecheck, build and test (turbo run lint typecheck build test)"
  turbo run lint typecheck build test --no-update-notifier || fail "lint, typecheck, build or test"
  banner "4/4 Pact coverage of the contract, pact files committed (tools/pact-coverage.mjs)"
  node tools/pact-coverage.mjs --check-committed || fail "pact coverage below 100 % or pacts/ not committed"
  banner "tessera test: OK (generate, check-generated, lint, typecheck, build, test, pact coverage) in ${SECONDS}s"
}

# The README's first command: builds what the demo needs, then runs it. The demo starts Tessera,
# the demo merchant and the demo reseller, runs the scenarios, stops them all, and exits 0 only
# when every scenario passed.
cmd_start() {
  banner "Build the demo and what it needs (turbo run build --filter=@tessera/demo...)"
  turbo run build --filter=@tessera/demo... --output-logs=errors-only --no-update-notifier \
    || fail "build"
  banner "Run the demo (node packages/demo/dist/main.js)"
  exec node packages/demo/dist/main.js "$@"
}

# Tessera alone, with its sandbox, for trying it by hand (curl, the API reference at /docs).
cmd_sandbox() {
  banner "Build the server (turbo run build --filter=@tessera/server...)"
  turbo run build --filter=@tessera/server... --output-logs=errors-only --no-update-notifier \
    || fail "build"
  banner "Start Tessera with its sandbox (node packages/server/dist/main.js)"
  # Straight to node, not through pnpm, so that Ctrl-C ends it quietly; `./data` is
  # packages/server/data, as with `pnpm --filter @tessera/server start`.
  cd packages/server
  exec node dist/main.js
}

# `npm run bench`: builds the server, then runs the benchmark (bench/src/main.ts), which writes
# BENCHMARKS.md. Not part of `test`: it takes about 25 minutes and needs a quiet machine.
cmd_bench() {
  banner "Build the server (turbo run build --filter=@tessera/server...)"
  turbo run build --filter=@tessera/server... --output-logs=errors-only --no-update-notifier \
    || fail "build"
  banner "Run the benchmark (bench/src/main.ts)"
  # Straight to tsx, not through pnpm, so that Ctrl-C (which the benchmark handles: it stops
  # what it started and cleans up) is not reported as a failed command.
  cd bench
  exec node_modules/.bin/tsx src/main.ts "$@"
}

case "${1:-}" in
  test | start | sandbox | bench)
    command="$1"
    shift
    ensure_pnpm
    ensure_deps
    "cmd_$command" "$@"
    ;;
  *)
    echo "usage: tools/tessera.sh test|start|sandbox|bench [arguments]" >&2
    exit 2
    ;;
esac
