#!/usr/bin/env bash
# deploy/setup-debian.sh: install the Debian packages that drl2move's build, tests and benchmarks
# need. Idempotent: already-installed packages are left alone. Needs root (or sudo).
#   deploy/setup-debian.sh          build, run, tests
#   deploy/setup-debian.sh --bench  also the peers the benchmarks compare against (PyTorch: large)
#   deploy/setup-debian.sh --fuzz   also clang and its libFuzzer runtime (tests/fuzz, .ci/run)
set -euo pipefail

# One package per line; say what needs it.
packages=(
  build-essential      # C compiler
  meson ninja-build pkg-config cmake  # build (cmake: meson finds MuJoCo's cmake package)
  git                  # version string
  libopenmpi-dev openmpi-bin  # MPI ranks
  libmujoco-dev        # physics (MuJoCo 2.2.2)
  libblis-dev          # GEMMs of the networks
  libmsgpack-dev       # actor <-> learner messages
  libcriterion-dev     # unit tests
  libpng-dev libegl-dev libgl1-mesa-dri  # drl2move model --render: PNG writer, headless EGL + Mesa GL
  gnuplot-nox          # learning curves in each run directory (PNG via its cairo terminal)
  ffmpeg               # drl2move eval --video: rendered frames piped in as raw RGB, H.264 MP4 out
  slurm-wlm munge      # tests/system/slurm_test.sh: train.sbatch on private slurmctld/slurmd/munged daemons
  libsimgrid-dev       # deploy/scaling: smpicc/smpirun simulate 64..1024 ranks from measured costs
)
bench_packages=(
  python3-torch        # drl2move bench learner: the PyTorch peer (run with /usr/bin/python3)
)
fuzz_packages=(
  clang libclang-rt-14-dev  # tests/fuzz/build.sh: libFuzzer targets (.ci/run runs them)
)
if [ "${1:-}" = "--bench" ]; then packages+=("${bench_packages[@]}"); fi
if [ "${1:-}" = "--fuzz" ]; then packages+=("${fuzz_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-debian: all ${#packages[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "setup-debian: need root or sudo to install: ${missing[*]}" >&2
  echo "  run as root:  apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "setup-debian: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
