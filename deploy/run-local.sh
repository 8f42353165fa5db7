#!/usr/bin/env bash
# deploy/run-local.sh [train options]: install what is needed, build, and train on this machine with
# 2 MPI ranks (1 learner + 1 actor) on the embedded defaults. Extra arguments go to `drl2move train`.
#   D2M_RANKS=4 deploy/run-local.sh --set env.task=walk
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup-debian.sh
bash deploy/build.sh
ranks=${D2M_RANKS:-2}
# --enable-recovery: a killed actor no longer ends the job; the learner goes on with the others.
mpi_opts=(--oversubscribe --enable-recovery -np "$ranks")
# Open MPI refuses root unless told; only for this command, not the user's shell.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
exec mpirun "${mpi_opts[@]}" build/deploy/drl2move train "$@"
