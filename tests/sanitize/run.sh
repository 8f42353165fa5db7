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
# fast_unwind_on_malloc=0: whole stacks through libraries built without frame pointers, so the
# suppressions can name the library a leak comes from.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$ROOT/tests/sanitize/lsan.supp:print_suppressions=0"
# Open MPI unloads its plugins (mca_*.so) before exit; kept loaded, their leaks carry their names.
export OMPI_MCA_mca_base_component_disable_dlclose=1
# Sanitized code runs 2-4x slower than the normal build: more time per test. The video test is left
# to the normal build (eval/video_* and eval_json/video_*): software rendering (Mesa llvmpipe) under ASan
# exceeds its 180 s timeout.
meson test -C "$B" --print-errorlogs --num-processes 2 --timeout-multiplier 4 --no-suite system --no-suite analysis
meson test -C "$B" --print-errorlogs --timeout-multiplier 4 --suite analysis --test-args='--filter=!(eval/video_*|eval_json/video_*)'
meson test -C "$B" --print-errorlogs --timeout-multiplier 4 system_resume system_resume_lattice system_resume_amp
