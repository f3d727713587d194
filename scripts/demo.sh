#!/usr/bin/env bash
# npm run demo: an engine, the demo image's context, then plan and apply stacks/demo.ts,
# and show the demo answering on 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
bash scripts/prepare-busybox.sh stacks/tools
[ -f dist/cli.cjs ] || npm run build --silent
echo "\$ moor plan stacks/demo.ts"
node bin/moor.js plan stacks/demo.ts
echo
echo "\$ moor apply stacks/demo.ts --yes"
node bin/moor.js apply stacks/demo.ts --yes
echo
echo "\$ curl http://127.0.0.1:8080/"
for _ in $(seq 1 50); do curl -fsS http://127.0.0.1:8080/ && break; sleep 0.2; done
echo
echo "\$ moor plan stacks/demo.ts   # apply followed by plan is empty"
node bin/moor.js plan stacks/demo.ts
echo
echo "\$ moor backup run stacks/demo.ts data-nightly   # archive, verify, prune now"
node bin/moor.js backup run stacks/demo.ts data-nightly
echo
echo "\$ moor backup list stacks/demo.ts"
node bin/moor.js backup list stacks/demo.ts
echo
echo "The demo runs. Remove it with: ./bin/moor.js destroy stacks/demo.ts --yes   (add --volumes to drop its data)"
