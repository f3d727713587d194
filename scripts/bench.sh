#!/usr/bin/env bash
# npm run bench: moor vs docker-compose vs the raw Engine API floor (see BENCHMARKS.md).
# Makes sure an engine answers, docker-compose is installed, the benchmark image's context holds
# the static busybox and moor is built, then runs the harness. Not part of npm test.
# Knobs (environment): BENCH_SIZES=10,50 BENCH_REPS=7,5 BENCH_CONCURRENCY=4 BENCH_WARMUP=1
# Scenario: npm run bench -- stacks|migrate|backup|loop|ssh (loop: BENCH_ROUNDS=15 BENCH_WARMUP=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
command -v docker-compose >/dev/null 2>&1 || bash scripts/apt-install.sh docker-compose
bash scripts/prepare-busybox.sh bench/image
# bin/moor.js runs the bundle dist/cli.cjs, which `npm run build` makes (tsc, then esbuild).
[ -f dist/cli.cjs ] || npm run build --silent
exec node --import tsx bench/run.ts "$@"
