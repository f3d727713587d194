#!/usr/bin/env bash
# npm run bench: moor vs docker-compose vs the raw Engine API floor (see BENCHMARKS.md).
# Makes sure an engine answers, docker-compose is installed, the benchmark image's context holds
# the static busybox and moor is built, then runs the harness. Not part of npm test.
# Knobs (environment): BENCH_SIZES=10,50 BENCH_REPS=7,5 BENCH_CONCURRENCY=4 BENCH_WARMUP=1
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "bench: docker-compose is missing; run as root or install it (apt-get install docker-compose)" >&2
    exit 1
  fi
  echo "bench: installing docker-compose from Debian's packages…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker-compose >/dev/null
fi
bash scripts/prepare-busybox.sh bench/image
# bin/moor.js runs the bundle dist/cli.mjs, which `npm run build` makes (tsc, then esbuild).
[ -f dist/cli.mjs ] || npm run build --silent
exec node --import tsx bench/run.ts "$@"
