#!/usr/bin/env bash
# deploy/test.sh [--werror]: install what is needed, build, and run every test (unit tests, multi-rank
# tests, fuzz-corpus replays). Ends with one line "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup-debian.sh
bash deploy/build.sh "$@"
set +e
meson test -C build --print-errorlogs --num-processes 2 2>&1 | tee build/test-summary.txt
rc=${PIPESTATUS[0]}
set -e
count() { grep -E "^$1:" build/test-summary.txt | awk '{print $2}' | tail -1; }
ok=$(count Ok); fail=$(count Fail); skip=$(count Skipped); to=$(count Timeout)
echo "tests: ${ok:-0} passed, $(( ${fail:-0} + ${to:-0} )) failed, ${skip:-0} skipped"
exit "$rc"
