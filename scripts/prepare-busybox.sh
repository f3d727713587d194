#!/usr/bin/env bash
# Copy the static busybox binary into the build contexts that need it (no registry here:
# images are built FROM scratch with this one binary). Usage: prepare-busybox.sh DIR...
set -euo pipefail
bb=$(command -v busybox || true)
if [ -z "$bb" ] || ! { ldd "$bb" 2>&1 || true; } | grep -q 'not a dynamic'; then
  echo "moor: a static busybox is needed for the locally built images (apt-get install busybox-static)" >&2
  exit 1
fi
for dir in "$@"; do
  if ! cmp -s "$bb" "$dir/busybox" 2>/dev/null; then cp "$bb" "$dir/busybox"; chmod 755 "$dir/busybox"; fi
done
