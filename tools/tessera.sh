#!/usr/bin/env bash
# Entry point behind the README's commands: `npm start` (tessera.sh start), `npm test` (tessera.sh test).
# Needs only Node 20, npm and Java 17: pnpm is installed into ./.tools when the right one is missing.
set -euo pipefail

PNPM_VERSION=10.34.9
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export TURBO_TELEMETRY_DISABLED=1
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
    specs/package.json packages/*/package.json -newer "$stamp" 2>/dev/null)" ]; then
    return
  fi
  banner "pnpm install --frozen-lockfile"
  pnpm install --frozen-lockfile || fail "pnpm install (is pnpm-lock.yaml up to date?)"
  touch "$stamp"
}

cmd_test() {
  banner "1/3 Generate code (turbo run generate)"
  turbo run generate --no-update-notifier || fail "code generation"
  banner "2/3 Check generated code is committed (tools/check-generated.sh)"
  bash tools/check-generated.sh || fail "generated code is out of date"
  banner "3/3 Lint, typecheck, build and test (turbo run lint typecheck build test)"
  turbo run lint typecheck build test --no-update-notifier || fail "lint, typecheck, build or test"
  banner "tessera test: OK (generate, check-generated, lint, typecheck, build, test) in ${SECONDS}s"
}

cmd_start() {
  banner "Build the server (turbo run build --filter=@tessera/server...)"
  turbo run build --filter=@tessera/server... --no-update-notifier || fail "build"
  banner "Start the server (pnpm --filter @tessera/server start)"
  exec pnpm --filter @tessera/server start
}

case "${1:-}" in
  test | start)
    ensure_pnpm
    ensure_deps
    "cmd_$1"
    ;;
  *)
    echo "usage: tools/tessera.sh test|start" >&2
    exit 2
    ;;
esac
