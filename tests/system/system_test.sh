#!/usr/bin/env bash
# tests/system/system_test.sh CASE DRL2MOVE CKPT_CMP FAKE_ACTOR: multi-rank tests of the real binary
# under mpirun (real processes, real msgpack, real MuJoCo). Exits non-zero with a message on failure.
#   e2e      3 ranks, sync: a short run leaves progress rows, a checkpoint and a clean exit
#   repro    3 ranks, sync: two runs with one seed end with bit-identical weights and Adam state
#   resume   3 ranks, sync: 2 updates + resume to 4 equals 4 uninterrupted updates, bit for bit
#   resume_lattice  the same with the Lattice head (its per-env noise, held k = 3 steps, is actor state)
#   resume_amp      the same with AMP (discriminator, its Adam state and replay buffer are checkpointed)
#   sigterm  4 ranks: SIGTERM to every rank (as SLURM does) gives a checkpoint and exit status 0
#   garbage  2 real ranks + 1 hostile actor, async: malformed messages are dropped and counted
#   silent   3 ranks: a frozen actor (SIGSTOP) is reported; async goes on and takes it back after
#            SIGCONT; sync writes a checkpoint and ends the job with a clear message
#   account  4 ranks, async, a checkpoint every update: every env step an actor sends is used by
#            exactly one update or counted as dropped (actors' "sent" lines against the learner's
#            closing "intake:" line), including batches that arrive while the learner publishes
#            weights or writes a checkpoint
set -uo pipefail
case_=$1 bin=$2 cmp=$3 fake=$4
work=$(mktemp -d /tmp/d2m_system_XXXXXX)
trap 'rm -rf "$work"' EXIT
mpi=(mpirun --oversubscribe)
# Small and fast, but the real model, envs, learner and messages.
small=(--set env.num_envs=2 --set actor.rollout_steps=16 --set nn.hidden=32,32 --set ppo.minibatch=32
       --set ppo.epochs=2 --set ppo.anneal_lr=false --set run.plots=false --set run.checkpoint_every=2)
steps_per_update=64 # 2 actors x 2 envs x 16 steps
ampsec=()
[ "$case_" = resume_amp ] && small+=(--set amp.enabled=true --set amp.hidden=32,32 --set amp.minibatch=32
                                     --set amp.replay_size=100) && ampsec=(amp_params amp_adam_m amp_adam_v amp_meta amp_replay)
[ "$case_" = resume_lattice ] && small+=(--set nn.head=lattice --set lattice.resample_every=3) # 16 % 3: mid-block

fail() { echo "FAIL ($case_): $*"; for f in "$work"/*/train.log; do [ -f "$f" ] && tail -20 "$f"; done; exit 1; }
rows() { tail -n +2 "$1/progress.csv" | wc -l; }
newest() { ls "$1"/checkpoints/ckpt-*.d2m 2>/dev/null | sort | tail -1; }

case $case_ in
e2e)
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps $((3 * steps_per_update)) --run-dir "$work/a" >"$work/out" 2>&1 ||
    { cat "$work/out"; fail "exit status $?"; }
  [ "$(rows "$work/a")" -eq 3 ] || fail "expected 3 progress rows, got $(rows "$work/a")"
  [ -n "$(newest "$work/a")" ] || fail "no checkpoint"
  for f in config.resolved.ini train.log ranks.txt progress.jsonl; do [ -s "$work/a/$f" ] || fail "missing $f"; done
  [ "$(wc -l <"$work/a/progress.jsonl")" -eq 3 ] || fail "progress.jsonl rows"
  grep -q "step budget reached" "$work/a/train.log" || fail "no clean stop in the log"
  echo "e2e: 3 updates, $(newest "$work/a")"
  # Under SLURM the world size must match SLURM_NTASKS.
  SLURM_NTASKS=7 "${mpi[@]}" -np 2 -x SLURM_NTASKS "$bin" train "${small[@]}" --run-dir "$work/slurm" >"$work/out.s" 2>&1 &&
    fail "a world of 2 ranks ran although SLURM_NTASKS=7"
  grep -q "MPI world size is 2 but SLURM_NTASKS is 7" "$work/out.s" || { cat "$work/out.s"; fail "no clear SLURM message"; }
  ;;
repro)
  for r in a b; do
    "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps $((4 * steps_per_update)) --run-dir "$work/$r" >"$work/out.$r" 2>&1 ||
      { cat "$work/out.$r"; fail "run $r failed"; }
  done
  "$cmp" "$(newest "$work/a")" "$(newest "$work/b")" params adam_m adam_v obs_stats reward_scaling actor_states ||
    fail "two runs with the same seed differ"
  ;;
resume | resume_lattice | resume_amp)
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps $((4 * steps_per_update)) --run-dir "$work/full" >"$work/out.f" 2>&1 ||
    { cat "$work/out.f"; fail "uninterrupted run failed"; }
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps $((2 * steps_per_update)) --run-dir "$work/part" >"$work/out.p" 2>&1 ||
    { cat "$work/out.p"; fail "first half failed"; }
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/part" --steps $((4 * steps_per_update)) >"$work/out.r" 2>&1 ||
    { cat "$work/out.r"; fail "resume failed"; }
  grep -q "resumed from" "$work/part/train.log" || fail "the resumed run did not load a checkpoint"
  [ "$(rows "$work/part")" -eq 4 ] || fail "resumed progress.csv has $(rows "$work/part") rows, expected 4"
  "$cmp" "$work/full/checkpoints/ckpt-00000004.d2m" "$work/part/checkpoints/ckpt-00000004.d2m" \
    params adam_m adam_v obs_stats reward_scaling actor_states "${ampsec[@]}" || fail "resumed run differs from the uninterrupted one"
  # A resume that cannot work (another network) fails clearly and leaves the run resumable.
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/part" --set nn.hidden=64,64 >"$work/out.x" 2>&1 &&
    fail "a resume with another network ran"
  grep -q "^hidden = 32,32" "$work/part/config.resolved.ini" || fail "a failed resume changed config.resolved.ini"
  [ ! -e "$work/part/config.resolved.ini.resume" ] || fail "a failed resume left its pending config"
  # A corrupted newest checkpoint is reported and skipped for the previous one.
  ck=$(newest "$work/part")
  printf 'garbage' | dd of="$ck" bs=1 seek=100 conv=notrunc status=none
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/part" --steps $((5 * steps_per_update)) >"$work/out.c" 2>&1 ||
    { cat "$work/out.c"; fail "resume past a corrupted checkpoint failed"; }
  grep -q "skipping checkpoint.*checksum mismatch" "$work/part/train.log" || fail "the corrupted checkpoint was not reported"
  grep -q "resumed from .*ckpt-00000002.d2m" "$work/part/train.log" || fail "did not fall back to the previous checkpoint"
  # The progress log holds each update once: rows past the restored checkpoint were dropped.
  dups=$(tail -n +2 "$work/part/progress.csv" | cut -d, -f1 | sort | uniq -d | wc -l)
  [ "$dups" -eq 0 ] || fail "progress.csv repeats $dups updates after falling back to an older checkpoint"
  [ "$(tail -n +2 "$work/part/progress.csv" | wc -l)" -eq 5 ] || fail "progress.csv should hold updates 1..5"
  # Resuming a run whose budget is spent does no further update.
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/part" --steps $((5 * steps_per_update)) >"$work/out.d" 2>&1 ||
    { cat "$work/out.d"; fail "resume of a finished run failed"; }
  [ "$(tail -n +2 "$work/part/progress.csv" | wc -l)" -eq 5 ] || fail "a finished run did more updates on resume"
  ;;
sigterm)
  "${mpi[@]}" -np 4 "$bin" train "${small[@]}" --steps 100000000 --run-dir "$work/s" >"$work/out" 2>&1 &
  mpipid=$!
  for _ in $(seq 600); do [ -f "$work/s/progress.csv" ] && [ "$(rows "$work/s")" -ge 2 ] && break; sleep 0.1; done
  [ "$(rows "$work/s")" -ge 2 ] || { kill -9 $mpipid; fail "the run never made progress"; }
  t0=$(date +%s.%N)
  kill -TERM $(awk '{print $3}' "$work/s/ranks.txt")
  wait $mpipid
  status=$?
  t1=$(date +%s.%N)
  [ "$status" -eq 0 ] || { cat "$work/out"; fail "exit status $status after SIGTERM"; }
  grep -q "checkpoint .*SIGTERM" "$work/s/train.log" || fail "no SIGTERM checkpoint"
  echo "sigterm: clean exit $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s after the signal"
  ;;
garbage)
  nbad=8
  "${mpi[@]}" -np 2 "$bin" train "${small[@]}" --set learner.mode=async --steps $((4 * steps_per_update)) \
    --run-dir "$work/g" : -np 1 "$fake" $nbad >"$work/out" 2>&1 || { cat "$work/out"; fail "run with a hostile actor failed"; }
  grep -q "fake_actor: sent $nbad malformed" "$work/out" || fail "the fake actor did not run"
  n=$(grep -c "malformed message from rank 2 dropped" "$work/g/train.log")
  [ "$n" -eq $nbad ] || fail "$n of $nbad malformed messages reported"
  col=$(head -1 "$work/g/progress.csv" | tr ',' '\n' | grep -n '^malformed$' | cut -d: -f1)
  last=$(tail -1 "$work/g/progress.csv" | cut -d, -f"$col")
  [ "$last" -eq $nbad ] || fail "progress.csv counts $last malformed messages, expected $nbad"
  echo "garbage: $nbad malformed messages dropped and counted; the run finished"
  ;;
silent)
  pid_of() { awk -v r="$2" '$1 == r {print $3}' "$1/ranks.txt"; }
  wait_log() { for _ in $(seq 300); do grep -q "$2" "$1/train.log" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
  # async: freeze rank 2, see it reported, let it continue, and finish normally.
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set learner.mode=async --set learner.actor_timeout_s=2 \
    --steps $((40 * steps_per_update)) --run-dir "$work/as" >"$work/out.a" 2>&1 &
  mpipid=$!
  wait_log "$work/as" "update 2 " || { kill -9 $mpipid; fail "async run made no progress"; }
  kill -STOP "$(pid_of "$work/as" 2)"
  wait_log "$work/as" "actor rank 2 silent" || { kill -CONT "$(pid_of "$work/as" 2)"; kill -9 $mpipid; fail "async: silent actor not reported"; }
  kill -CONT "$(pid_of "$work/as" 2)"
  wait $mpipid || { cat "$work/out.a"; fail "async run with a frozen actor did not end cleanly"; }
  grep -q "going on with the others" "$work/as/train.log" || fail "async: no going-on message"
  grep -q "actor rank 2 is back" "$work/as/train.log" || fail "async: the actor was not taken back"
  # sync: the learner cannot go on; it checkpoints and ends the job.
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set learner.actor_timeout_s=2 --steps 100000000 \
    --run-dir "$work/ss" >"$work/out.s" 2>&1 &
  mpipid=$!
  wait_log "$work/ss" "update 2 " || { kill -9 $mpipid; fail "sync run made no progress"; }
  kill -STOP "$(pid_of "$work/ss" 2)"
  wait $mpipid && fail "sync run with a frozen actor exited 0"
  grep -q "sync mode cannot go on without it" "$work/ss/train.log" || fail "sync: no clear message"
  grep -q "checkpoint .*silent actor" "$work/ss/train.log" || fail "sync: no checkpoint before the stop"
  echo "silent: async went on and took the actor back; sync checkpointed and stopped"
  ;;
account)
  # 3 actors keep sending while the learner publishes and checkpoints after every update.
  "${mpi[@]}" -np 4 "$bin" train "${small[@]}" --set learner.mode=async --set run.checkpoint_every=1 \
    --set learner.max_policy_lag=1 --steps 2400 --run-dir "$work/ac" >"$work/out" 2>&1 ||
    { cat "$work/out"; fail "async run failed"; }
  sent=$(sed -n 's/.*actor done: sent [0-9]* batches, \([0-9]*\) env steps.*/\1/p' "$work/out" | awk '{s += $1} END {print s + 0}')
  nact=$(grep -c "actor done: sent" "$work/out")
  line=$(grep "intake: " "$work/ac/train.log" | tail -1)
  read -r recv used dropped between malformed < <(echo "$line" |
    sed -n 's/.*intake: \([0-9]*\) env steps received in batches, \([0-9]*\) used by updates, \([0-9]*\) dropped.*; \([0-9]*\) batches arrived between updates.*; \([0-9]*\) malformed.*/\1 \2 \3 \4 \5/p')
  [ "$nact" -eq 3 ] || fail "$nact of 3 actors reported what they sent"
  [ -n "${recv:-}" ] || fail "no intake line in train.log"
  updates=$(rows "$work/ac")
  echo "account: actors sent $sent env steps; learner received $recv, used $used in $updates updates, dropped $dropped; $between batches arrived between updates"
  [ "$malformed" -eq 0 ] || fail "$malformed malformed messages"
  [ "$sent" -eq "$recv" ] || fail "actors sent $sent env steps, the learner received $recv"
  [ "$recv" -eq $((used + dropped)) ] || fail "received $recv != used $used + dropped $dropped: steps lost"
  [ "$used" -eq $((updates * 96)) ] || fail "$updates updates of 96 samples each should use $((updates * 96)) steps, not $used"
  ;;
*) echo "unknown case $case_"; exit 2 ;;
esac
echo "PASS ($case_)"
