#!/usr/bin/env bash
# bench/group.sh: one learner against a learner group of two, side by side, at the same total actors
# (sync mode, the default network and PPO settings unless overridden). Prints for each: the mean
# PPO update time (progress.csv update_s, first update left out), that time per sample of the whole
# update and per sample of one learner's share, the gradient allreduces per update and their mean
# cost (each learner's closing "learner group:" line), and the ratio L=2 / L=1.
#
#   bench/group.sh [ACTORS (4)] [UPDATES (4)] [train options...]
#
# On a machine with fewer cores than ranks the learners share cores with the actors: say so when
# quoting the figures.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${D2M_BIN:-$root/build/deploy/drl2move}"
actors=${1:-4} updates=${2:-4}
shift $(( $# < 2 ? $# : 2 ))
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
work=$(mktemp -d /tmp/d2m_group_bench_XXXXXX)
trap 'rm -rf "$work"' EXIT
E=$("$bin" train --print-config "$@" | awk -F' = ' '/^\[/{s=$0} s=="[env]" && $1=="num_envs"{print $2}')
T=$("$bin" train --print-config "$@" | awk -F' = ' '/^\[/{s=$0} s=="[actor]" && $1=="rollout_steps"{print $2}')
per_update=$((actors * E * T))
printf "%d actors x %d envs x %d steps = %d samples per update, %d updates, %s\n" "$actors" "$E" "$T" "$per_update" \
  "$updates" "$(nproc) cores"
printf "%-4s %6s %12s %16s %18s %12s %14s\n" L ranks update_s "us/sample(all)" "us/sample(learner)" allreduces "allreduce_ms"
declare -A per
for L in 1 2; do
  np=$((actors + L))
  mpirun --oversubscribe -np $np "$bin" train --set learner.group=$L --set run.plots=false "$@" \
    --steps $((updates * per_update)) --run-dir "$work/L$L" >"$work/out.$L" 2>&1 ||
    { tail -20 "$work/out.$L"; echo "bench/group.sh: the L=$L run failed"; exit 1; }
  col=$(head -1 "$work/L$L/progress.csv" | tr , '\n' | grep -n '^update_s$' | cut -d: -f1)
  upd=$(tail -n +3 "$work/L$L/progress.csv" | cut -d, -f"$col" | awk '{s+=$1; n++} END{printf "%.4f", n ? s/n : 0}')
  red=$({ grep -h "gradient allreduces" "$work/out.$L" || true; } | sed 's/.*: \([0-9]*\) gradient allreduces .*, \([0-9.]*\) ms each.*/\1 \2/' |
        awk '{n+=$1; ms+=$2; k++} END{if (k) printf "%.0f %.3f", n/k, ms/k; else printf "0 -"}')
  nred=$(awk -v x="${red% *}" -v u="$updates" 'BEGIN{printf "%.0f", x/u}')
  per[$L]=$upd
  awk -v L=$L -v np=$np -v u="$upd" -v s=$per_update -v nr="$nred" -v ms="${red#* }" \
    'BEGIN{printf "%-4d %6d %12.4f %16.1f %18.1f %12s %14s\n", L, np, u, 1e6*u/s, 1e6*u/(s/L), nr, ms}'
done
awk -v a="${per[1]}" -v b="${per[2]}" 'BEGIN{printf "update time ratio L=2 / L=1: %.2f\n", b/a}'
