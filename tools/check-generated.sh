#!/usr/bin/env bash
# Fails when the generated folders differ from what is committed (changed, deleted or untracked
# files), i.e. when the contract changed without `pnpm generate` being run and its output committed.
# Changes already staged in the index count as done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check-generated: not a git checkout, skipping"
  exit 0
fi

shopt -s nullglob
paths=(specs/generated packages/*/src/generated)
# Porcelain lines are "XY path": X is the index, Y the work tree; keep work-tree changes and "??".
changes="$(git status --porcelain --untracked-files=all -- "${paths[@]}" | grep -v '^. ' || true)"

if [ -z "$changes" ]; then
  echo "check-generated: OK, generated code is up to date (${paths[*]})"
  exit 0
fi

echo "check-generated: generated code differs from what is committed:"
echo "$changes"
git --no-pager diff --stat -- "${paths[@]}"
echo
echo "Fix: run \`pnpm generate\` at the repository root and commit the result."
exit 1
