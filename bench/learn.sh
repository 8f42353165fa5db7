#!/usr/bin/env bash
# bench/learn.sh: the learning benchmark. Trains a task for a fixed env-step budget over a list of
# seeds (each seed one 2-rank job in the background, resumable), then evaluates each final policy
# deterministically with `drl2move eval` and prints one row per (task, seed).
#
#   bench/learn.sh start  NAME TASK STEPS "SEEDS" [train options...]   # background jobs, returns at once
#   bench/learn.sh fork   FROM NAME AT STEPS "SEEDS" [train options...] # FROM's runs resumed as NAME with other options
#   bench/learn.sh report NAME [NAME...]                                 # evaluate finished runs, print rows
#   bench/learn.sh wait   NAME [NAME...]                                 # block until their jobs have ended
#   bench/learn.sh curve  NAME [NAME...]                                 # success against env steps, and the seeds' median
#   bench/learn.sh compare A B [FROM_STEPS]                              # B's checkpoint medians against A's (after curve)
#
# Each (name, seed) gets a folder $D2M_RUNS/NAME-seedS (default runs/bench) holding the bench's own
# files (bench.cmd, bench.log, bench.rc, eval-det/) and the run directory run/ (train refuses to
# start a fresh run in a folder that is not empty). `start` on a run that has checkpoints but did
# not reach its step budget (it failed, or was stopped with SIGUSR1, SIGTERM or its time limit)
# resumes it (drl2move train --resume); a finished run is left alone. `fork` copies each seed's last
# checkpoint of FROM at or before AT env steps (with its config and its progress up to there) into
# NAME-seedS/run and resumes it there with the train options given (e.g. a larger batch: --set
# actor.rollout_steps=256 --set ppo.minibatch=2048), which it keeps in NAME-seedS/resume.args so
# that `start NAME - STEPS SEEDS` resumes a stopped fork with them. `curve` evaluates
# every checkpoint a run kept (start it with --set run.checkpoint_every=N --set
# run.keep_checkpoints=M to keep them all), prints name seed update env_steps success ep_len_s and
# writes them to NAME-seedS/curve.csv (bench/learn_plot.sh plots its det_success, det_ep_len_s).
# The row of `report`:
#   name task seed env_steps wall_s success ep_len_s | stand: knee_deg limits heel_min_bw excitation
#                                                    | imitate: mpjpe_mm
# success: fraction of deterministic episodes (D2M_EVAL_EPISODES, default 10; their starts:
# D2M_EVAL_STARTS, below; `curve` only) that last the task's full episode (stand: 10 s without a
# fall). Posture figures come from eval's summary.json (see analysis/eval.h): mean knee flexion
# (deg, both knees), hinges held at a limit (count), heel load (smaller foot, body weights), mean
# excitation, and which hinges were at a limit in how many episodes with the mean torque their limit
# carried (JOINT:EPISODES@TORQUE, eval's limit_torque_nm; older evals: none).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${D2M_BIN:-$root/build/deploy/drl2move}"
runs="${D2M_RUNS:-runs/bench}"
episodes="${D2M_EVAL_EPISODES:-10}"
# random: eval's random start frames; sweep (imitate): episode i of N at phase i/N of the clip
# (`drl2move eval --starts sweep`; D2M_EVAL_EPISODES=37 is every frame of the default gait). A sweep's
# evaluations and curve go to eval-sweep-ckpt-U/ and curve-sweep.csv, beside the random ones.
# D2M_CURVE_FROM=U: `curve` leaves out the checkpoints before update U.
starts="${D2M_EVAL_STARTS:-random}"
case "$starts" in random) tag="" ;; sweep) tag="-sweep" ;; *) echo "D2M_EVAL_STARTS: random or sweep" >&2; exit 2 ;; esac
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 2; }

# A run is finished when its job ended well and the learner stopped on the step budget; one stopped
# cleanly by a signal or its time limit (bench.rc 0 too) is resumed by `start`.
finished() {
  [ -f "$1/bench.rc" ] && [ "$(cat "$1/bench.rc")" = 0 ] || return 1
  local log; log="$(run_of "$1")/train.log"
  [ -f "$log" ] || return 0
  grep 'summary: stopped after update' "$log" | tail -n 1 | grep -q '(step budget reached)'
}

start() {
  [ $# -ge 4 ] || usage
  local name=$1 task=$2 steps=$3 seeds=$4
  shift 4
  mkdir -p "$runs"
  for s in $seeds; do
    local dir="$runs/$name-seed$s"
    if finished "$dir"; then echo "$dir: finished"; continue; fi
    local args
    if ls "$dir"/run/checkpoints/ckpt-*.d2m >/dev/null 2>&1; then
      args=(--resume "$dir/run" --steps "$steps")
      if [ -f "$dir/resume.args" ]; then
        local extra
        mapfile -d '' extra < "$dir/resume.args"
        args+=("${extra[@]}")
      fi
    else
      if [ "$task" = - ]; then echo "$dir: no checkpoint to resume" >&2; continue; fi
      rm -rf "$dir"
      args=(--run-dir "$dir/run" --set env.task="$task" --set run.seed="$s" --set run.plots=false --steps "$steps" "$@")
    fi
    rm -f "$dir/bench.rc"
    mkdir -p "$dir"
    printf '%q ' "$0" start "$name" "$task" "$steps" "$s" "$@" > "$dir/bench.cmd"
    echo >> "$dir/bench.cmd"
    # --bind-to none: Open MPI binds a 2-rank job's rank r to core r, so several jobs side by side
    # would all put their actors (rank 1) on the same core and leave the other to the idle learners.
    nohup nice -n 5 bash -c 'mpirun --oversubscribe --bind-to none -np 2 "$@" > "$0/bench.log" 2>&1; echo $? > "$0/bench.rc"' \
      "$dir" "$bin" train "${args[@]}" > /dev/null 2>&1 &
    echo "$dir: started (pid $!)"
  done
}

# NAME-seedS/run made from FROM-seedS's run: the checkpoint, config.resolved.ini, ranks.txt, and the
# rows of progress.csv and progress.jsonl up to the checkpoint's update (resume appends to them).
fork() {
  [ $# -ge 5 ] || usage
  local from=$1 name=$2 at=$3 steps=$4 seeds=$5
  shift 5
  local rc=0
  for s in $seeds; do
    local dir="$runs/$name-seed$s"
    if [ ! -d "$dir/run" ]; then
      python3 - "$(run_of "$runs/$from-seed$s")" "$dir/run" "$at" <<'EOF' || { rc=1; continue; }
import csv, glob, json, os, re, shutil, sys
src, dst, at = sys.argv[1], sys.argv[2], int(sys.argv[3])
if not os.path.isfile(src + "/progress.csv"):
    sys.exit("fork: %s has no progress.csv" % src)
steps = {int(r["update"]): int(r["env_steps"]) for r in csv.DictReader(open(src + "/progress.csv"))}
cks = [(int(re.search(r"ckpt-(\d+)\.d2m$", p).group(1)), p) for p in glob.glob(src + "/checkpoints/ckpt-*.d2m")]
cks = sorted((u, p) for u, p in cks if u in steps and steps[u] <= at)
if not cks:
    sys.exit("fork: %s has no checkpoint at or before %d env steps" % (src, at))
u, ck = cks[-1]
os.makedirs(dst + "/checkpoints")
for f in ("config.resolved.ini", "ranks.txt"):
    if os.path.exists(src + "/" + f):
        shutil.copy(src + "/" + f, dst)
shutil.copy(ck, dst + "/checkpoints/")
with open(src + "/progress.csv") as fi, open(dst + "/progress.csv", "w") as fo:
    lines = fi.readlines()
    fo.writelines(lines[:1] + [l for l in lines[1:] if int(l.split(",", 1)[0]) <= u])
if os.path.exists(src + "/progress.jsonl"):
    with open(src + "/progress.jsonl") as fi, open(dst + "/progress.jsonl", "w") as fo:
        fo.writelines(l for l in fi if l.strip() and json.loads(l)["update"] <= u)
print("%s: update %d (%d env steps) of %s" % (dst, u, steps[u], src))
EOF
      printf '%s\0' "$@" > "$dir/resume.args"
      printf '%q ' "$0" fork "$from" "$name" "$at" "$steps" "$s" "$@" > "$dir/fork.cmd"
      echo >> "$dir/fork.cmd"
    elif [ $# -gt 0 ]; then
      echo "$dir: forked before ($dir/fork.cmd); resumed with the options kept then, not these" >&2
    fi
    start "$name" - "$steps" "$s"
  done
  return $rc
}

wait_runs() {
  for name in "$@"; do
    for dir in "$runs/$name"-seed*; do
      while [ ! -f "$dir/bench.rc" ]; do sleep 10; done
    done
  done
}

# The run directory of a bench folder (run/; folders of older versions of this script were the run).
run_of() { if [ -d "$1/run" ]; then echo "$1/run"; else echo "$1"; fi; }

# One row for a finished run; evaluates it once (eval-det/summary.json is reused).
row() {
  local dir=$1 name=$2
  local seed=${dir##*-seed} rd
  rd=$(run_of "$dir")
  if [ ! -f "$dir/bench.rc" ]; then echo "$name $seed (running)"; return; fi
  if [ ! -f "$dir/eval-det/summary.json" ] || [ "$dir/eval-det/summary.json" -ot "$dir/bench.rc" ]; then
    nice -n 5 "$bin" eval --checkpoint "$rd" --episodes "$episodes" --deterministic --out "$dir/eval-det" \
      > "$dir/eval-det.log" 2>&1 || { echo "$name $seed eval failed: see $dir/eval-det.log"; return; }
  fi
  python3 - "$dir" "$name" "$seed" "$rd" <<'EOF'
import csv, json, sys
d, name, seed, rd = sys.argv[1:5]
rows = list(csv.DictReader(open(rd + "/progress.csv")))
last = rows[-1] if rows else {}
s = json.load(open(d + "/eval-det/summary.json"))
eps = s["episodes"]
n = len(eps)
succ = sum(e.get("success", 0) for e in eps) / n
ln = sum(e["duration_s"] for e in eps) / n
out = [name, s["task"], seed, last.get("env_steps", "?"), "%.0f" % float(last.get("wall_s", "nan")),
       "%.2f" % succ, "%.2f" % ln]
p = s.get("posture")
if s["task"] == "imitate":
    out.append("mpjpe_mm=%.1f" % (sum(e["mpjpe_mm"] for e in eps) / n))
elif p:
    out += ["knee_deg=%.1f" % p["knee_flexion_deg"], "limits=%.1f" % p["hinges_at_limit"],
            "heel_bw=%.2f" % p["heel_load_min_bw"], "exc=%.3f" % p["mean_excitation"]]
    held, torque = {}, {}
    for e in eps:
        tq = e.get("limit_torque_nm") or []
        for i, j in enumerate(e.get("limit_joints") or []):
            held[j] = held.get(j, 0) + 1
            if i < len(tq): torque[j] = torque.get(j, 0) + tq[i]
    out.append("at_limit=" + (",".join("%s:%d%s" % (j, k, "@%.1fNm" % (torque[j] / k) if j in torque else "")
                                       for j, k in sorted(held.items())) or "none"))
print(" ".join(out))
EOF
}

report() {
  [ $# -ge 1 ] || usage
  echo "name task seed env_steps wall_s success ep_len_s metrics"
  for name in "$@"; do
    for dir in "$runs/$name"-seed*; do
      [ -d "$dir" ] && row "$dir" "$name"
    done
  done
}

# Deterministic success of every kept checkpoint (each evaluated once: eval-ckpt-U/summary.json).
curve() {
  [ $# -ge 1 ] || usage
  echo "name seed update env_steps success ep_len_s"
  for name in "$@"; do
    for dir in "$runs/$name"-seed*; do
      [ -d "$dir" ] || continue
      local rd seed=${dir##*-seed}
      rd=$(run_of "$dir")
      rm -f "$dir/curve$tag.csv"
      for ck in "$rd"/checkpoints/ckpt-*.d2m; do
        [ -f "$ck" ] || continue
        local u=${ck##*/ckpt-}
        u=${u%.d2m}
        [ "$((10#$u))" -ge "${D2M_CURVE_FROM:-0}" ] || continue
        local ev="$dir/eval$tag-ckpt-$u"
        if [ ! -f "$ev/summary.json" ]; then
          nice -n 5 "$bin" eval --checkpoint "$ck" --episodes "$episodes" --deterministic ${tag:+--starts sweep} --out "$ev" \
            > "$ev.log" 2>&1 || { echo "$name $seed $u eval failed: see $ev.log"; continue; }
        fi
        python3 - "$rd/progress.csv" "$ev/summary.json" "$name" "$seed" "$((10#$u))" "$dir/curve$tag.csv" <<'EOF'
import csv, json, os, sys
prog, summ, name, seed, u, out = sys.argv[1:7]
steps = next((r["env_steps"] for r in csv.DictReader(open(prog)) if r["update"] == u), "?")
eps = json.load(open(summ))["episodes"]
n = len(eps)
succ = sum(e.get("success", 0) for e in eps) / n
ln = sum(e["duration_s"] for e in eps) / n
print(name, seed, u, steps, "%.2f" % succ, "%.2f" % ln)
new = not os.path.exists(out)
with open(out, "a") as f:
    if new:
        f.write("update,env_steps,det_success,det_ep_len_s\n")
    f.write("%s,%s,%.4f,%.4f\n" % (u, steps, succ, ln))
EOF
      done
    done
    curve_medians "$name"
  done
}

# The median over a name's seeds of each checkpoint every seed has (the issue's targets are medians).
curve_medians() {
  python3 - "$runs" "$1" "curve$tag.csv" <<'EOF'
import csv, glob, statistics, sys
runs, name, fname = sys.argv[1:4]
per = [{r["update"]: r for r in csv.DictReader(open(f))} for f in sorted(glob.glob("%s/%s-seed*/%s" % (runs, name, fname)))]
if len(per) < 2:
    sys.exit(0)
common = sorted(set.intersection(*(set(p) for p in per)), key=int)
print("median of %d seeds of %s: update env_steps success ep_len_s" % (len(per), name))
for u in common:
    rows = [p[u] for p in per]
    print("%s median %s %s %.2f %.2f" % (name, u, rows[0]["env_steps"],
          statistics.median(float(r["det_success"]) for r in rows), statistics.median(float(r["det_ep_len_s"]) for r in rows)))
EOF
}

# B against A, for a rule written before the runs ("B's median at least X above A's from S steps on"):
# per seed, each of B's evaluated checkpoints is paired with A's nearest in env steps (at most 60k
# apart; B may be a fork of A that resumed with another batch size), then per B checkpoint update the
# medians over the seeds both have; prints them and the mean of the differences from FROM steps on.
compare() {
  [ $# -ge 2 ] || usage
  python3 - "$runs" "$1" "$2" "${3:-0}" "curve$tag.csv" <<'EOF'
import csv, glob, statistics, sys
runs, a, b, frm, fname = sys.argv[1:6]
def load(name):
    out = {}
    for f in glob.glob("%s/%s-seed*/%s" % (runs, name, fname)):
        seed = f.split("-seed")[-1].split("/")[0]
        out[seed] = [(int(r["update"]), int(r["env_steps"]), float(r["det_ep_len_s"])) for r in csv.DictReader(open(f))
                     if r["env_steps"] != "?"]
    return out
A, B = load(a), load(b)
seeds = sorted(set(A) & set(B))
if not seeds:
    sys.exit("compare: no seed has curves of both %s and %s (run curve first)" % (a, b))
rows = {}
for s in seeds:
    for u, st, ln in B[s]:
        near = min(A[s], key=lambda r: abs(r[1] - st), default=None)
        if near and abs(near[1] - st) <= 60000:
            rows.setdefault(u, []).append((st, ln, near[2]))
print("update env_steps median_%s median_%s diff (seeds %s)" % (b, a, " ".join(seeds)))
diffs = []
for u in sorted(rows):
    r = rows[u]
    if len(r) < len(seeds):
        continue
    st = statistics.median(x[0] for x in r)
    mb, ma = statistics.median(x[1] for x in r), statistics.median(x[2] for x in r)
    print("%d %d %.2f %.2f %+.2f" % (u, st, mb, ma, mb - ma))
    if st >= int(frm):
        diffs.append(mb - ma)
if diffs:
    print("mean difference from %s steps on: %+.3f s over %d checkpoints" % (frm, statistics.mean(diffs), len(diffs)))
EOF
}

cmd=${1:-}
shift || true
case "$cmd" in
  start) start "$@" ;;
  fork) fork "$@" ;;
  report) report "$@" ;;
  wait) wait_runs "$@" ;;
  curve) curve "$@" ;;
  compare) compare "$@" ;;
  *) usage ;;
esac
