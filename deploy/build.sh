#!/usr/bin/env bash
# deploy/build.sh [--werror]: configure (once) and build drl2move in ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
opts=()
[ "${1:-}" = "--werror" ] && opts+=(--werror)
if [ ! -f build/build.ninja ]; then
  meson setup build "${opts[@]}"
elif [ ${#opts[@]} -gt 0 ]; then
  meson configure build "${opts[@]}"
fi
ninja -C build
