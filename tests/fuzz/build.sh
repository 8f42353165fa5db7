#!/bin/sh
# tests/fuzz/build.sh: build every libFuzzer target with clang, ASan and the fuzzer runtime.
#   tests/fuzz/build.sh [OUTDIR]        (default: build-fuzz in the repository root)
#   FUZZ_SANITIZE=address,undefined tests/fuzz/build.sh build-fuzz-ubsan   (sanitizers; default address)
# Targets compile their sources directly (no meson): libFuzzer needs -fsanitize=fuzzer on the code
# under test, and the project's static libraries are built with gcc for speed.
# To add a target, add one `fuzz` line at the end: name, then sources and libraries.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build-fuzz}
CC=${CC:-clang}
SAN=${FUZZ_SANITIZE:-address}
CFLAGS="-g -O1 -fsanitize=fuzzer,$SAN -fno-sanitize-recover=all -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra -Werror \
 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I$ROOT"
mkdir -p "$OUT"
cd "$ROOT"
fuzz() {
  name=$1
  shift
  echo "fuzz: building $OUT/$name"
  # shellcheck disable=SC2086
  $CC $CFLAGS -o "$OUT/$name" "$@"
}

fuzz fuzz_proto tests/fuzz/proto/fuzz_proto.c tests/proto/tp_util.c proto/proto_*.c common/crc32c.c common/log.c common/rng.c -lmsgpackc -lm -lpthread
fuzz fuzz_c3d tests/fuzz/c3d/fuzz_c3d.c mocap/c3d.c mocap/markers.c common/files.c common/log.c -lm
fuzz fuzz_trc tests/fuzz/trc/fuzz_trc.c mocap/trc.c mocap/markers.c common/files.c common/log.c -lm
fuzz fuzz_bvh tests/fuzz/bvh/fuzz_bvh.c mocap/bvh.c mocap/markers.c common/files.c common/log.c -lm
fuzz fuzz_asf tests/fuzz/asf/fuzz_asf.c mocap/asf.c mocap/markers.c common/files.c common/log.c -lm
