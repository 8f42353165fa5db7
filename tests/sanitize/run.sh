#!/usr/bin/env bash
# tests/sanitize/run.sh [BUILDDIR]: build everything with AddressSanitizer + UndefinedBehaviorSanitizer
# (meson -Db_sanitize=address,undefined, default BUILDDIR build-san) and run, under them, every unit
# test suite and the resume system tests (sync, Lattice, AMP: checkpoint write, corrupted-file
# fallback, restore of every rank). Any finding stops the process that made it, so the test fails.
# Leak reports from Open MPI's own allocations are suppressed (tests/sanitize/lsan.supp says which).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$ROOT/build-san}
cd "$ROOT"
[ -f "$B/build.ninja" ] || meson setup "$B" -Db_sanitize=address,undefined -Dbuildtype=debugoptimized
ninja -C "$B"
# halt_on_error: a UBSan finding (e.g. a misaligned load) ends the test instead of scrolling by.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$ROOT/tests/sanitize/lsan.supp:print_suppressions=0"
# Sanitized code runs 2-4x slower than the normal build: more time per test.
meson test -C "$B" --print-errorlogs --num-processes 2 --timeout-multiplier 4 --no-suite system
meson test -C "$B" --print-errorlogs --timeout-multiplier 4 system_resume system_resume_lattice system_resume_amp
