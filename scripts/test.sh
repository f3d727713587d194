#!/usr/bin/env bash
# npm test: planner and unit tests (no engine), then end-to-end tests against a real engine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/core/cli/main.js ] || npm run build --silent
npx tsc -p tsconfig.json --noEmit
bash scripts/ensure-engine.sh
bash scripts/prepare-busybox.sh test/fixtures/tools
node --import tsx test/run.ts "$@"
