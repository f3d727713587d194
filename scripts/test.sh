#!/usr/bin/env bash
# npm test: planner and unit tests (no engine), then end-to-end tests against a real engine.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
# The tests are TypeScript too: type-check them (strict) before running them.
node node_modules/typescript/bin/tsc -p tsconfig.test.json

bash scripts/ensure-engine.sh
bash scripts/prepare-busybox.sh test/fixtures/tools
node --import tsx test/run.ts "$@"
