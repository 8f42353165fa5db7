#!/usr/bin/env bash
# deploy/scaling/run.sh: the scaling study, end to end.
#   1. costs.csv   this machine's per-component costs (mpirun -np 2 drl2move bench scaling)
#   2. real.csv    real weak-scaling points of `drl2move train` (env.num_envs=1, 3 updates each): every
#                  run must finish; the learner's measured update time is set against the cost model
#   3. scaling.csv SimGrid (smpirun) runs of deploy/scaling/skeleton.c, which replays the costs with
#                  real message sizes on deploy/scaling/cluster.xml (16 nodes x 64 cores, 100 Gb/s fat
#                  tree): weak and strong scaling, sync and async, one learner and the learner group
#   4. scaling.png gnuplot of the efficiencies (scaling.gp re-plots it)
#
#   deploy/scaling/run.sh [--out DIR] [--bin DRL2MOVE] [--costs FILE] [--real "2 4 8 16 32 64"]
#                         [--ranks "64 128 256 512 1024"] [--launcher "mpirun --oversubscribe"]
#                         [--platform FILE] [--no-strong]
# --real "" skips the real points; --costs FILE reuses measured costs. On a cluster, inside an
# allocation (salloc -n 256): --launcher "srun --mpi=pmix" --real "64 128 256"; see README.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=scaling-out bin=build/deploy/drl2move costs="" real="2 4 8 16 32 64" ranks="64 128 256 512 1024"
launcher="mpirun --oversubscribe" platform=$here/cluster.xml strong=1
while [ $# -gt 0 ]; do
  case $1 in
  --out) out=$2; shift 2 ;;
  --bin) bin=$2; shift 2 ;;
  --costs) costs=$2; shift 2 ;;
  --real) real=$2; shift 2 ;;
  --ranks) ranks=$2; shift 2 ;;
  --launcher) launcher=$2; shift 2 ;;
  --platform) platform=$2; shift 2 ;;
  --no-strong) strong=0; shift ;;
  *) echo "run.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}

# ---- 1. costs ----
if [ -n "$costs" ]; then
  cp "$costs" "$out/costs.csv"
else
  $launcher -n 2 "$bin" bench scaling --out "$out/costs.csv" >/dev/null
fi
cost() { awk -F, -v k="$1" '$1 == k { print $2 }' "$out/costs.csv"; }
for k in env_step_s policy_forward_s encode_s decode_s batch_bytes weights_bytes update_s_per_sample \
         allreduce_s_per_param params num_envs rollout_steps epochs minibatch; do
  [ -n "$(cost $k)" ] || { echo "run.sh: $out/costs.csv has no value for $k (run bench scaling on 2 ranks)" >&2; exit 1; }
done
E=$(cost num_envs) T=$(cost rollout_steps)
echo "costs ($out/costs.csv): env step $(cost env_step_s) s, policy $(cost policy_forward_s) s/sample, learner $(cost update_s_per_sample) s/sample, batch $(cost batch_bytes) B"

# ---- 2. real weak-scaling points (one learner) ----
if [ -n "$real" ]; then
  echo "ranks,samples_per_update,update_s,update_s_model,sps,sps_per_actor,status" >"$out/real.csv"
  for n in $real; do
    samples=$(((n - 1) * T))
    dir=$out/real-$n
    rm -rf "$dir"
    status=ok
    $launcher -n "$n" "$bin" train --set env.num_envs=1 --set run.plots=false --set run.checkpoint_every=1000000 \
      --steps $((3 * samples)) --run-dir "$dir" >"$out/real-$n.log" 2>&1 || status=failed
    rows=$(tail -n +2 "$dir/progress.csv" 2>/dev/null | wc -l)
    [ "$rows" -eq 3 ] || status="failed($rows updates)"
    awk -F, -v n="$n" -v s="$samples" -v u="$(cost update_s_per_sample)" -v st="$status" '
      NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      { last = $0 } END { split(last, f, ",")
        printf "%d,%d,%.4g,%.4g,%.4g,%.4g,%s\n", n, s, f[c["update_s"]], s * u, f[c["sps"]], f[c["sps"]] / (n - 1), st }' \
      "$dir/progress.csv" >>"$out/real.csv" 2>/dev/null || echo "$n,$samples,,,,,$status" >>"$out/real.csv"
    echo "real: $(tail -1 "$out/real.csv")"
  done
fi

# ---- 3. SimGrid ----
command -v smpicc >/dev/null || { echo "run.sh: smpicc not found: apt-get install libsimgrid-dev" >&2; exit 1; }
smpicc -O2 "$here/skeleton.c" -o "$out/skeleton"
nodes=$(grep -o 'radical="[0-9]*-[0-9]*"' "$platform" | head -1 | sed 's/.*-\([0-9]*\)"/\1/')
cores=$(grep -o 'core="[0-9]*"' "$platform" | head -1 | grep -o '[0-9]*')
for i in $(seq 0 "$nodes"); do for _ in $(seq "$cores"); do echo "node-$i"; done; done >"$out/hosts.txt"
args=(E=$E T=$T epochs=$(cost epochs) minibatch=$(cost minibatch) env_s=$(cost env_step_s) pol_s=$(cost policy_forward_s)
      enc_s=$(cost encode_s) dec_s=$(cost decode_s) batch_bytes=$(cost batch_bytes) weights_bytes=$(cost weights_bytes)
      upd_s=$(cost update_s_per_sample) ar_s=$(cost allreduce_s_per_param) params=$(cost params) updates=4)
# The group: each learner serves as many actors as it digests with 20% to spare (its update of one
# batch against one actor's rollout of it), so that async actors never wait and no batch ages.
roll=$(awk -v e="$(cost env_step_s)" -v p="$(cost policy_forward_s)" -v c="$(cost encode_s)" -v n=$((E * T)) 'BEGIN{print n * (e + p) + c}')
per=$(awk -v u="$(cost update_s_per_sample)" -v n=$((E * T)) 'BEGIN{print n * u}')
k=$(awk -v r="$roll" -v u="$per" 'BEGIN{k = int(0.8 * r / u); print k < 1 ? 1 : k}')
echo "group: one learner per $((k + 1)) ranks (a learner updates one batch in $per s, an actor rolls one out in $roll s)"
sim() { # ranks G mode [extra key=value...]
  local n=$1 g=$2 mode=$3; shift 3
  smpirun -np "$n" -platform "$platform" -hostfile "$out/hosts.txt" --cfg=smpi/simulate-computation:no \
    --cfg=smpi/grow-injected-times:no --cfg=smpi/iprobe:1e-6 --log=root.thres:critical \
    "$out/skeleton" "mode=$mode" "G=$g" "${args[@]}" "$@" 2>/dev/null | grep '^ranks='
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
echo "kind,mode,layout,ranks,learners,actors,num_envs,sps,sps_per_actor,efficiency,dropped_frac" >"$out/scaling.csv"
for mode in sync async; do
  base=$(sim 2 2 "$mode")
  b=$(field sps_per_actor <<<"$base")
  echo "weak,$mode,base,2,1,1,$E,$(field sps <<<"$base"),$b,1,$(field dropped_frac <<<"$base")" >>"$out/scaling.csv"
  for layout in one group; do
    s0=""
    for n in $ranks; do
      g=$n; [ $layout = group ] && g=$((k + 1))
      line=$(sim "$n" "$g" "$mode")
      echo "weak,$mode,$layout,$n,$(field learners <<<"$line"),$(field actors <<<"$line"),$E,$(field sps <<<"$line"),$(field sps_per_actor <<<"$line"),$(awk -v a="$(field sps_per_actor <<<"$line")" -v b="$b" 'BEGIN{printf "%.4f", a / b}'),$(field dropped_frac <<<"$line")" >>"$out/scaling.csv"
      [ $strong -eq 1 ] || continue
      # Strong scaling: 4096 envs in all, spread over the actors (so the update's samples stay fixed).
      L=$(((n + g - 1) / g)); e=$(((4096 + n - L - 1) / (n - L)))
      line=$(sim "$n" "$g" "$mode" E=$e)
      sps=$(field sps <<<"$line"); [ -n "$s0" ] || { s0=$sps; n0=$n; }
      echo "strong,$mode,$layout,$n,$(field learners <<<"$line"),$(field actors <<<"$line"),$e,$sps,$(field sps_per_actor <<<"$line"),$(awk -v a="$sps" -v b="$s0" -v n="$n" -v m="$n0" 'BEGIN{printf "%.4f", (a / b) / (n / m)}'),$(field dropped_frac <<<"$line")" >>"$out/scaling.csv"
    done
  done
done
column -s, -t <"$out/scaling.csv"

# ---- 4. plot ----
# One file per curve (gnuplot breaks a line at every filtered-out row); weak curves start at the base.
for kind in weak strong; do for mode in sync async; do for layout in one group; do
  awk -F, -v k=$kind -v m=$mode -v l=$layout '($1 == k && $2 == m && ($3 == l || (k == "weak" && $3 == "base"))) { print $4 "," $10 }' \
    "$out/scaling.csv" >"$out/plot-$kind-$mode-$layout.csv"
done; done; done
cat >"$out/scaling.gp" <<'EOF'
# Scaling efficiencies from scaling.csv, one plot-KIND-MODE-LAYOUT.csv per curve (gnuplot scaling.gp)
set datafile separator ','
set terminal pngcairo size 1200,500 font ',10'
set output 'scaling.png'
set multiplot layout 1,2 title 'drl2move scaling, simulated with SimGrid from costs measured on one machine'
set logscale x 2
set grid
set xlabel 'MPI ranks'
set yrange [0:1.1]
set key bottom left
name(l) = l eq "one" ? "1 learner" : "learner group"
set ylabel 'weak-scaling efficiency (env steps/s per actor vs 2 ranks)'
plot for [m in "sync async"] for [l in "one group"] 'plot-weak-'.m.'-'.l.'.csv' using 1:2 with linespoints lw 2 title m.', '.name(l)
set ylabel 'strong-scaling efficiency (4096 envs in all, vs the fewest ranks)'
plot for [m in "sync async"] for [l in "one group"] 'plot-strong-'.m.'-'.l.'.csv' using 1:2 with linespoints lw 2 title m.', '.name(l)
unset multiplot
EOF
if command -v gnuplot >/dev/null && (cd "$out" && gnuplot scaling.gp); then echo "plot: $out/scaling.png"; fi
echo "run.sh: $out/costs.csv $out/scaling.csv${real:+ $out/real.csv}"
