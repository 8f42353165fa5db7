#!/usr/bin/env bash
# bench/learn_plot.sh OUT.png COLUMN NAME [NAME...]: one learning curve per run of the named benchmark
# runs, COLUMN (e.g. ep_len_mean) of $D2M_RUNS/NAME-seed*/run/progress.csv (default runs/bench; older
# folders without run/ too) against env steps; the runs of one NAME share a colour. COLUMN det_success
# or det_ep_len_s: the checkpoints' deterministic evaluations (NAME-seed*/curve.csv, `learn.sh curve`;
# with D2M_EVAL_STARTS=sweep, curve-sweep.csv).
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
out=$1 col=$2
shift 2
runs="${D2M_RUNS:-runs/bench}"
tag=""
if [ "${D2M_EVAL_STARTS:-random}" = sweep ]; then tag=-sweep; fi
plot="" c=1
for name in "$@"; do
  first=1
  files=("$runs/$name"-seed*/run/progress.csv "$runs/$name"-seed*/progress.csv)
  case "$col" in det_*) files=("$runs/$name"-seed*/curve$tag.csv) ;; esac
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    t=$([ $first = 1 ] && echo "title '$name'" || echo "notitle")
    plot+="${plot:+, }'$f' using 'env_steps':'$col' with linespoints lc $c lw 1.5 pt 7 ps 0.5 $t"
    first=0
  done
  c=$((c + 1))
done
gnuplot <<GP
set datafile separator ','
set terminal pngcairo size 800,480 font ',11' noenhanced
set output '$out'
set xlabel 'env steps'
set format x '%.1s%c'
set ylabel '$col'
set key top left
set grid
plot $plot
GP
echo "$out"
