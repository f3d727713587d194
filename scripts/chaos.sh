#!/usr/bin/env bash
# npm run chaos [-- <family|scenario>…]: moor's chaos suite (crash injection, bad input, engine
# faults) against a real engine; see docs/reliability.md. Not part of npm test.
# Needs root for the engine-fault family (a private dockerd, tmpfs mounts for a full disk).
# Knobs (environment): CHAOS_POINTS=20 CHAOS_SIGINT=5 CHAOS_RESTARTS=6 CHAOS_VERBOSE=1 CHAOS_KEEP=1
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
# The suite is TypeScript too: type-check it (strict) before running it.
node node_modules/typescript/bin/tsc -p tsconfig.test.json
bash scripts/ensure-engine.sh
command -v ip >/dev/null 2>&1 || bash scripts/apt-install.sh iproute2   # the private dockerd's own bridge
bash scripts/prepare-busybox.sh test/fixtures/tools
exec node --import tsx test/chaos/run.ts "$@"
