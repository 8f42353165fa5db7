#!/usr/bin/env bash
# tests/system/system_test.sh CASE DRL2MOVE CKPT_CMP FAKE_ACTOR: multi-rank tests of the real binary
# under mpirun (real processes, real msgpack, real MuJoCo). Exits non-zero with a message on failure.
#   e2e      3 ranks, sync: a short run leaves progress rows, a checkpoint and a clean exit; its log has
#            wall-clock times, budget share and ETA, a closing summary; seconds go on across a resume
#   repro    3 ranks, sync: two runs with one seed end with bit-identical weights and Adam state
#   resume   3 ranks, sync: 2 updates + resume to 4 equals 4 uninterrupted updates, bit for bit
#   resume_lattice  the same with the Lattice head (its per-env noise, held k = 3 steps, is actor state)
#   resume_experts  the same with a mixture of 2 experts (nn.experts = 2)
#   resume_mirror   the same with the mirror-symmetry loss (ppo.mirror = 1)
#   experts  the progressive scheme: 2 experts, resumed with nn.experts = 3 (the log says so, the net
#            grows, training goes on); eval runs the 3-expert policy file and refuses another nn.experts;
#            fewer experts on resume are refused; learner.group = 2 with 2 experts keeps the learners equal
#   resume_amp      the same with AMP (discriminator, its Adam state and replay buffer are checkpointed)
#   resume_clips    the same with imitate over a .list of two clips and imitate.mining = failure (the
#            clip weights sent to the actors and the per-clip counts are checkpointed; clips.csv agrees)
#   resume_rehab    the same with the rehabilitation loop (hemiparetic_r.subject, rehab.phase_updates = 2,
#            strength and spasticity recover): the body is checkpointed, rehab.csv agrees, and the
#            paretic side's strength rises and its reflex gain falls from phase to phase; a run with
#            rehab.rate = 0 has the same weights at update 2 and other weights at update 4 (the body
#            reaches the actors' envs); with learner.group = 2 it is refused by name
#   resume_assist   the same with imitate's balance assistant fading over 3 updates (the actors set its
#            strength from the policy version, so the resumed actors pick it up where it was); with
#            imitate.assist = 0 the weights at update 4 differ (the assistant reaches the rollouts)
#   jointso  3 ranks, sync: 2 updates of imitate with env.action_mode = joint_so (14 hinge actions); the
#            checkpoint carries the mode: eval runs it (80 excitation columns, SO's) and refuses another mode
#   sigterm  4 ranks: SIGTERM to every rank (as SLURM does) gives a checkpoint and exit status 0
#   garbage  2 real ranks + 1 hostile actor, async: malformed messages are dropped and counted
#   diskfull 3 ranks, the run directory on a full tmpfs: write errors stop the run after a checkpoint;
#            the resume drops rows cut short (skips without permission to mount)
#   kill     4 ranks under mpirun --enable-recovery: an actor killed with SIGKILL is dropped, the run
#            finishes (async and sync); so does a run whose hostile actor dies in the middle of sending
#            a 16 MB message the learner has already probed (a blocking receive would wait forever);
#            with the learner killed the actors stop (the job ends) and the run resumes
#   norank   1 rank, no mpirun: a bad config is reported before the rank count
#   silent   3 ranks: a frozen actor (SIGSTOP) is reported; async goes on and takes it back after
#            SIGCONT; sync writes a checkpoint and ends the job with a clear message
#   account  4 ranks, async, a checkpoint every update: every env step an actor sends is used by
#            exactly one update or counted as dropped (actors' "sent" lines against the learner's
#            closing "intake:" line), including batches that arrive while the learner publishes
#            weights or writes a checkpoint
#   group    4 ranks, learner.group = 2: two runs bit-identical (weights, Adam, statistics, actors, rows),
#            the layout in ranks.txt and the log, the learners checked equal; bad learner.group values
#            and clip mining with a group refused with the key named; with AMP two runs bit-identical
#            (discriminator, every learner's replay buffer, rows); async with 2 + 1 actors finishes
#   group_resume  learner.group = 2 on 5 ranks (2 + 1 actors): 2 updates + resume to 4 equals 4
#            uninterrupted; another learner.group or rank count is refused
#   group_resume_amp  the same with AMP (discriminator, Adam, normalisation, each learner's replay)
#   budget   a fresh run into a non-empty --run-dir is refused (--force-new moves the old run aside);
#            --time-limit without --steps has no step budget; the annealed learning rate of the last
#            update is not 0; --steps on resume extends the schedule and says so
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
[ "$case_" = resume_amp ] || [ "$case_" = group_resume_amp ] && small+=(--set amp.enabled=true --set amp.hidden=32,32 --set amp.minibatch=32
                                     --set amp.replay_size=100) && ampsec=(amp_params amp_adam_m amp_adam_v amp_meta amp_replay
                                     amp_norm_mean amp_norm_m2)
[ "$case_" = resume_lattice ] && small+=(--set nn.head=lattice --set lattice.resample_every=3) # 16 % 3: mid-block
[ "$case_" = resume_experts ] && small+=(--set nn.experts=2)
# The mirror's normalisation is the one published with the weights, so a resume must republish it.
[ "$case_" = resume_mirror ] && small+=(--set ppo.mirror=1)
rehabsec=()
if [ "$case_" = resume_rehab ]; then
  small+=(--set env.subject="$D2M_SOURCE_ROOT/configs/subjects/hemiparetic_r.subject" --set rehab.enabled=true
          --set rehab.phase_updates=2 --set rehab.recover=both --set rehab.rate=0.5)
  rehabsec=(rehab)
fi
minesec=()
if [ "$case_" = resume_clips ]; then
  # Two clips of the default gait as eval --playback --opensim writes it; short episodes so that some
  # reach their end (success) and the two clips' counts differ.
  "$bin" eval --playback --opensim --episodes 1 --out "$work/pb" >"$work/out.pb" 2>&1 || { cat "$work/out.pb"; exit 1; }
  cp "$work/pb/opensim/ep0/joint_angles.mot" "$work/a.mot"
  cp "$work/pb/opensim/ep0/joint_angles.mot" "$work/b.mot"
  printf 'a.mot 2 0 split=train\nb.mot 1 1 split=test\n' >"$work/clips.list"
  small+=(--set env.task=imitate --set imitate.motion="$work/clips.list" --set imitate.mining=failure
          --set imitate.mining_floor=0.3 --set imitate.episode_s=0.3)
  minesec=(mining)
fi

if [ "$case_" = resume_assist ]; then
  small+=(--set env.task=imitate --set imitate.assist=2 --set imitate.assist_steps=$((3 * steps_per_update)))
fi

fail() { echo "FAIL ($case_): $*"; for f in "$work"/*/train.log; do [ -f "$f" ] && tail -20 "$f"; done; exit 1; }
rows() { tail -n +2 "$1/progress.csv" | wc -l; }
newest() { ls "$1"/checkpoints/ckpt-*.d2m 2>/dev/null | sort | tail -1; }

case $case_ in
e2e)
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps $((3 * steps_per_update)) --run-dir "$work/a" >"$work/out" 2>&1 ||
    { rc=$?; cat "$work/out"; fail "exit status $rc"; }
  [ "$(rows "$work/a")" -eq 3 ] || fail "expected 3 progress rows, got $(rows "$work/a")"
  [ -n "$(newest "$work/a")" ] || fail "no checkpoint"
  for f in config.resolved.ini train.log ranks.txt progress.jsonl; do [ -s "$work/a/$f" ] || fail "missing $f"; done
  [ "$(wc -l <"$work/a/progress.jsonl")" -eq 3 ] || fail "progress.jsonl rows"
  grep -q "step budget reached" "$work/a/train.log" || fail "no clean stop in the log"
  # Set-up lines once per job, not once per rank (3 ranks here).
  nblis=$(grep -c "BLIS .*kernels" "$work/out")
  [ "$nblis" -eq 1 ] || { cat "$work/out"; fail "the BLIS set-up line appears $nblis times"; }
  # A long run's log: wall-clock date and time on each line, each update's share of the budget and an
  # ETA, a closing summary with the next command, and a learning-curve script with k/M steps and KL on
  # its own axis.
  grep -Eq '^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9.]+ r000 info\] ' "$work/a/train.log" ||
    fail "log lines carry no wall-clock time"
  grep -Eq 'update 3 .* 100\.0% of [0-9]+ steps, ETA ' "$work/a/train.log" || fail "no budget share and ETA on the update line"
  grep -q "summary: stopped after update 3" "$work/a/train.log" || fail "no closing summary"
  grep -q "summary: next: drl2move eval --checkpoint $work/a" "$work/a/train.log" || fail "the summary names no next command"
  # The seconds go on across a resume (the resumed session's first line is not back at 0).
  last_s=$(grep -Eo '^\[[^]]*\]' "$work/a/train.log" | tail -1 | awk '{print $3}')
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/a" --steps $((4 * steps_per_update)) --set run.plots=true >"$work/out.r" 2>&1 ||
    { cat "$work/out.r"; fail "resume to 4 updates failed"; }
  grep -q "axes x1y2" "$work/a/learning_curves.gp" && grep -q "episode length (s)" "$work/a/learning_curves.gp" ||
    fail "learning_curves.gp: KL not on its own axis or episode length not in seconds"
  # (lines before the checkpoint is read cannot know the offset yet: the first update after it is checked)
  first_s=$(grep -A1000 "resumed from" "$work/a/train.log" | grep -E '\] update [0-9]+ ' | grep -Eo '^\[[^]]*\]' | head -1 | awk '{print $3}')
  awk -v a="$last_s" -v b="$first_s" 'BEGIN{exit !(b >= a)}' ||
    fail "log seconds restart on resume: $first_s after $last_s"
  echo "e2e: 3 updates, then a 4th on resume ($(newest "$work/a")); log with time, ETA and summary; seconds $last_s -> $first_s across resume"
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
resume | resume_lattice | resume_amp | resume_clips | resume_experts | resume_rehab | resume_assist | resume_mirror)
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps $((4 * steps_per_update)) --run-dir "$work/full" >"$work/out.f" 2>&1 ||
    { cat "$work/out.f"; fail "uninterrupted run failed"; }
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps $((2 * steps_per_update)) --run-dir "$work/part" >"$work/out.p" 2>&1 ||
    { cat "$work/out.p"; fail "first half failed"; }
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/part" --steps $((4 * steps_per_update)) >"$work/out.r" 2>&1 ||
    { cat "$work/out.r"; fail "resume failed"; }
  grep -q "resumed from" "$work/part/train.log" || fail "the resumed run did not load a checkpoint"
  [ "$(rows "$work/part")" -eq 4 ] || fail "resumed progress.csv has $(rows "$work/part") rows, expected 4"
  "$cmp" "$work/full/checkpoints/ckpt-00000004.d2m" "$work/part/checkpoints/ckpt-00000004.d2m" \
    params adam_m adam_v obs_stats reward_scaling actor_states "${ampsec[@]}" "${minesec[@]}" "${rehabsec[@]}" ||
    fail "resumed run differs from the uninterrupted one"
  if [ "$case_" = resume_assist ]; then
    "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set imitate.assist=0 --steps $((4 * steps_per_update)) --run-dir "$work/free" \
      >"$work/out.a" 2>&1 || { cat "$work/out.a"; fail "the run without the assistant failed"; }
    "$cmp" "$work/full/checkpoints/ckpt-00000004.d2m" "$work/free/checkpoints/ckpt-00000004.d2m" params >/dev/null &&
      fail "the assistant did not change the rollouts (the actors do not apply it)"
  fi
  if [ "$case_" = resume_mirror ]; then
    grep -A1000 "resumed from" "$work/part/train.log" | grep -q "mirror: symmetry loss" ||
      fail "the resumed run logs no mirror loss (the term is off after the resume)"
    "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set ppo.mirror=0 --steps $((4 * steps_per_update)) --run-dir "$work/free" \
      >"$work/out.m" 2>&1 || { cat "$work/out.m"; fail "the run without the mirror loss failed"; }
    "$cmp" "$work/full/checkpoints/ckpt-00000004.d2m" "$work/free/checkpoints/ckpt-00000004.d2m" params >/dev/null &&
      fail "the mirror loss did not change the weights"
  fi
  if [ "$case_" = resume_rehab ]; then
    cmp -s "$work/full/rehab.csv" "$work/part/rehab.csv" || fail "rehab.csv of the resumed run differs: $(diff "$work/full/rehab.csv" "$work/part/rehab.csv" | head -5)"
    [ "$(tail -n +2 "$work/part/rehab.csv" | wc -l)" -eq 2 ] || fail "rehab.csv should hold 2 phases (updates 2 and 4)"
    # columns: update, phase, env_steps, side, use_mean, strength_mean, spas_gain_mean; start 0.5 and a mean gain
    # of 0.1 on the right side (4 x 0.5 + 3 x 0.3 over 40 muscles = 0.0725)
    awk -F, 'NR == 2 { u1 = $5; s1 = $6; g1 = $7 } NR == 3 { u2 = $5; s2 = $6; g2 = $7 }
             END { exit !(u1 > 0 && u2 > 0 && s1 > 0.5 && s2 > s1 && s2 < 1 && g1 < 0.0725 && g2 < g1) }' "$work/part/rehab.csv" ||
      fail "the paretic side does not recover phase by phase: $(cut -d, -f1-7 "$work/part/rehab.csv")"
    grep -q "rehab phase 2: paretic (right) side" "$work/part/train.log" || fail "no rehab phase line in the log"
    grep -q "body not taken\|a body of" "$work"/out.* "$work"/*/train.log && fail "an actor ignored the body"
    # The body reaches the envs: with rehab.rate = 0 it never changes, so the weights equal the recovering
    # run's up to the first phase (update 2) and differ after it (update 4), through the actors' rollouts only.
    "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set rehab.rate=0 --steps $((4 * steps_per_update)) --run-dir "$work/still" \
      >"$work/out.s" 2>&1 || { cat "$work/out.s"; fail "the run with rehab.rate = 0 failed"; }
    "$cmp" "$work/full/checkpoints/ckpt-00000002.d2m" "$work/still/checkpoints/ckpt-00000002.d2m" params >/dev/null ||
      fail "rehab.rate changed the weights before the first phase"
    "$cmp" "$work/full/checkpoints/ckpt-00000004.d2m" "$work/still/checkpoints/ckpt-00000004.d2m" params >/dev/null &&
      fail "the recovered body did not change the rollouts (the actors do not apply it)"
    # A learner group does not merge the use yet: refused with the keys named.
    "${mpi[@]}" -np 4 "$bin" train "${small[@]}" --set learner.group=2 --run-dir "$work/zh" >"$work/out.zh" 2>&1 &&
      fail "a learner group with the rehabilitation loop ran"
    grep -q "with rehab.enabled = true: the rehabilitation loop sums one learner" "$work/out.zh" ||
      { cat "$work/out.zh"; fail "no clear message (rehab with a learner group)"; }
  fi
  if [ "$case_" = resume_clips ]; then
    cmp -s "$work/full/clips.csv" "$work/part/clips.csv" || fail "clips.csv of the resumed run differs: $(diff "$work/full/clips.csv" "$work/part/clips.csv" | head -5)"
    [ "$(tail -n +2 "$work/part/clips.csv" | wc -l)" -eq 8 ] || fail "clips.csv should hold 4 updates x 2 clips"
    # the weights sent moved away from the list's 2:1 and still sum to 1
    awk -F, 'NR > 1 && $1 == 4 { s += $5; if ($3 == 0) w0 = $5 } END { exit !(s > 0.999 && s < 1.001 && (w0 < 0.666 || w0 > 0.667)) }' \
      "$work/part/clips.csv" || fail "clip weights at update 4 do not move or do not sum to 1: $(tail -2 "$work/part/clips.csv")"
    grep -q "clip weights.*ignored" "$work"/*/train.log && fail "an actor ignored the clip weights"
  fi
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
experts)
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set nn.experts=2 --steps $((2 * steps_per_update)) --run-dir "$work/m" \
    >"$work/out.m" 2>&1 || { cat "$work/out.m"; fail "a run with 2 experts failed"; }
  size2=$(stat -c %s "$(newest "$work/m")")
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/m" --set nn.experts=3 --steps $((4 * steps_per_update)) \
    >"$work/out.g" 2>&1 || { cat "$work/out.g"; fail "resume with nn.experts=3 failed"; }
  grep -q "nn.experts 2 -> 3" "$work/m/train.log" || fail "the growth of the experts is not logged"
  grep -Eq "experts: mean gate weight of each on the last minibatch: [0-9.]+ [0-9.]+ [0-9.]+$" "$work/m/train.log" ||
    fail "no gate weights of 3 experts in the log"
  grep -q "^experts = 3" "$work/m/config.resolved.ini" || fail "config.resolved.ini does not hold nn.experts = 3"
  [ "$(rows "$work/m")" -eq 4 ] || fail "the grown run has $(rows "$work/m") progress rows, expected 4"
  [ "$(stat -c %s "$(newest "$work/m")")" -gt "$size2" ] || fail "the checkpoint did not grow with the third expert"
  "$bin" policy export "$work/m" --out "$work/p3.d2m" >"$work/out.pe" 2>&1 || { cat "$work/out.pe"; fail "policy export failed"; }
  "$bin" eval --checkpoint "$work/p3.d2m" --episodes 1 --max-steps 5 --deterministic --out "$work/ev" >"$work/out.e" 2>&1 ||
    { cat "$work/out.e"; fail "eval of a 3-expert policy file failed"; }
  grep -q '"episodes"' "$work/ev/summary.json" || fail "eval of the 3-expert policy wrote no summary"
  "$bin" eval --checkpoint "$work/m" --episodes 1 --max-steps 5 --set nn.experts=2 --out "$work/ev2" >"$work/out.e2" 2>&1 &&
    fail "eval with another nn.experts ran"
  grep -q "nn.experts=2: the checkpoint was trained with nn.experts=3" "$work/out.e2" || { cat "$work/out.e2"; fail "no clear eval message"; }
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/m" --set nn.experts=2 --steps $((5 * steps_per_update)) >"$work/out.x" 2>&1 &&
    fail "a resume with fewer experts ran"
  grep -q "has 3 experts (nn.experts), this run 2: experts can be added on resume, not removed" "$work/m/train.log" ||
    { tail -5 "$work/m/train.log"; fail "no clear message for fewer experts"; }
  grep -q "^experts = 3" "$work/m/config.resolved.ini" || fail "a failed resume changed config.resolved.ini"
  "${mpi[@]}" -np 4 "$bin" train "${small[@]}" --set nn.experts=2 --set learner.group=2 --steps $((2 * steps_per_update)) \
    --run-dir "$work/g" >"$work/out.gr" 2>&1 || { cat "$work/out.gr"; fail "a group run with 2 experts failed"; }
  grep -q "identical on all 2 learners" "$work/g/train.log" || fail "no check that the learners agree"
  grep -q "diverged" "$work/g/train.log" && fail "the learners diverged"
  echo "experts: 2 -> 3 experts on resume, eval of the grown policy, refusals, a learner group of 2"
  ;;
jointso)
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set env.task=imitate --set env.action_mode=joint_so \
    --steps $((2 * steps_per_update)) --run-dir "$work/j" >"$work/out.j" 2>&1 || { cat "$work/out.j"; fail "joint_so training failed"; }
  [ "$(rows "$work/j")" -eq 2 ] || fail "expected 2 progress rows, got $(rows "$work/j")"
  grep -q "^action_mode = joint_so" "$work/j/config.resolved.ini" || fail "config.resolved.ini does not hold the mode"
  "$bin" eval --checkpoint "$work/j" --episodes 2 --max-steps 10 --deterministic --out "$work/ev" >"$work/out.e" 2>&1 ||
    { cat "$work/out.e"; fail "eval of the joint_so checkpoint failed"; }
  grep -q '"episodes"' "$work/ev/summary.json" || fail "eval wrote no summary"
  nexc=$(head -1 "$work/ev/frames.csv" | tr , '\n' | grep -c '^exc_')
  [ "$nexc" -eq 80 ] || fail "frames.csv has $nexc excitation columns, expected the 80 muscles"
  # the excitations are the static optimisation's, in [0, 1], not the policy's 14 outputs
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^exc_/) c[i] = 1; next }
           { for (i in c) if ($i < 0 || $i > 1) bad = 1; n++ } END { exit bad || n < 2 }' "$work/ev/frames.csv" ||
    fail "excitations outside [0, 1] or no frames"
  "$bin" eval --checkpoint "$work/j" --episodes 1 --max-steps 5 --set env.action_mode=excitation --out "$work/ev2" \
    >"$work/out.e2" 2>&1 && fail "eval with another env.action_mode ran"
  grep -q "the checkpoint was trained with env.action_mode=joint_so" "$work/out.e2" || { cat "$work/out.e2"; fail "no clear eval message"; }
  echo "jointso: 2 updates with 14 hinge actions, eval of the checkpoint with 80 SO excitations, the mode fixed"
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
  # SIGUSR1 to mpirun itself: Open MPI forwards SIGUSR1 and SIGUSR2 to every rank, so a job started by
  # hand stops with a checkpoint and status 0 (a SIGTERM to mpirun takes Open MPI's abort path instead:
  # README, "Time limits and preemption").
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps 100000000 --run-dir "$work/m" >"$work/out.m" 2>&1 &
  mpipid=$!
  for _ in $(seq 600); do [ -f "$work/m/progress.csv" ] && [ "$(rows "$work/m")" -ge 2 ] && break; sleep 0.1; done
  [ "$(rows "$work/m")" -ge 2 ] || { kill -9 $mpipid; fail "the run under mpirun never made progress"; }
  kill -USR1 $mpipid
  wait $mpipid
  status=$?
  [ "$status" -eq 0 ] || { cat "$work/out.m"; fail "exit status $status after SIGUSR1 to mpirun"; }
  grep -q "checkpoint .*SIGUSR1" "$work/m/train.log" || fail "SIGUSR1 to mpirun: no checkpoint"
  echo "sigterm: SIGUSR1 to mpirun ends with a checkpoint and status 0"
  ;;
garbage)
  nbad=8
  "${mpi[@]}" -np 2 "$bin" train "${small[@]}" --set learner.mode=async --steps $((4 * steps_per_update)) \
    --run-dir "$work/g" : -np 1 "$fake" $nbad >"$work/out" 2>&1 || { cat "$work/out"; fail "run with a hostile actor failed"; }
  grep -q "fake_actor: sent $nbad malformed" "$work/out" || fail "the fake actor did not run"
  n=$(grep -c "malformed message from rank 2 dropped" "$work/g/train.log")
  [ "$n" -eq $nbad ] || fail "$n of $nbad malformed messages reported"
  # Every bad message reaches the learner before the fake actor's bye, so the closing intake line
  # counts them all; the progress rows count those that came before each update (the budget can be
  # spent before the last ones arrive, as on a loaded machine), never more, never going down.
  grep -q "intake: .* $nbad malformed messages" "$work/g/train.log" ||
    fail "the closing intake line does not count $nbad malformed messages"
  col=$(head -1 "$work/g/progress.csv" | tr ',' '\n' | grep -n '^malformed$' | cut -d: -f1)
  tail -n +2 "$work/g/progress.csv" | cut -d, -f"$col" |
    awk -v n=$nbad '$1 < prev || $1 > n {bad = 1} {prev = $1} END {exit bad}' ||
    fail "progress.csv's malformed column goes down or past $nbad"
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
  # 3 actors keep sending while the learner publishes and checkpoints after every update. Whether a
  # batch lands between two updates is up to the scheduler (on a loaded machine it may not in one
  # run), so up to 3 runs are made until one has; every run's accounting must hold.
  for attempt in 1 2 3; do
    rm -rf "$work/ac"
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
    echo "account (run $attempt): actors sent $sent env steps; learner received $recv, used $used in $updates updates, dropped $dropped; $between batches arrived between updates"
    [ "$malformed" -eq 0 ] || fail "$malformed malformed messages"
    [ "$sent" -eq "$recv" ] || fail "actors sent $sent env steps, the learner received $recv"
    [ "$recv" -eq $((used + dropped)) ] || fail "received $recv != used $used + dropped $dropped: steps lost"
    [ "$used" -eq $((updates * 96)) ] || fail "$updates updates of 96 samples each should use $((updates * 96)) steps, not $used"
    [ "$between" -ge 1 ] && break
  done
  # The case this test is for happened: batches came in while the learner published or checkpointed.
  [ "$between" -ge 1 ] || fail "no batch arrived between updates in 3 runs: the queue was not exercised"
  ;;
budget)
  anneal=("${small[@]/ppo.anneal_lr=false/ppo.anneal_lr=true}")
  "${mpi[@]}" -np 3 "$bin" train "${anneal[@]}" --steps $((2 * steps_per_update)) --run-dir "$work/b" >"$work/out" 2>&1 ||
    { cat "$work/out"; fail "first run failed"; }
  col=$(head -1 "$work/b/progress.csv" | tr ',' '\n' | grep -n '^lr$' | cut -d: -f1)
  lr=$(tail -1 "$work/b/progress.csv" | cut -d, -f"$col")
  awk -v x="$lr" 'BEGIN{exit !(x > 0.000149 && x < 0.000151)}' || fail "last update's lr is $lr, expected 3e-4 / 2"
  "${mpi[@]}" -np 3 "$bin" train "${anneal[@]}" --steps $((2 * steps_per_update)) --run-dir "$work/b" >"$work/out.x" 2>&1 &&
    fail "a fresh run into a directory holding a run was not refused"
  grep -q "is not empty.*--resume.*--force-new" "$work/out.x" || { cat "$work/out.x"; fail "no clear refusal"; }
  [ "$(rows "$work/b")" -eq 2 ] || fail "the refused run touched progress.csv"
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/b" --steps $((3 * steps_per_update)) >"$work/out.r" 2>&1 ||
    { cat "$work/out.r"; fail "resume with a larger budget failed"; }
  grep -q "run.total_steps changed on resume from 128 to 192.*learning-rate schedule follow it.*from 0 to 0.0001" \
    "$work/b/train.log" || fail "the extended schedule was not logged"
  [ "$(rows "$work/b")" -eq 3 ] || fail "resume to 3 updates left $(rows "$work/b") rows"
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps "$steps_per_update" --force-new --run-dir "$work/b" >"$work/out.n" 2>&1 ||
    { cat "$work/out.n"; fail "--force-new failed"; }
  [ "$(rows "$work/b")" -eq 1 ] || fail "--force-new: $(rows "$work/b") rows, expected the new run's 1"
  old=$(ls -d "$work"/b/replaced-*/)
  [ "$(rows "$old")" -eq 3 ] && [ -n "$(newest "$old")" ] || fail "--force-new did not keep the old run in replaced-*/"
  budget_of() { "$bin" train "$@" --print-config | sed -n 's/^total_steps = //p'; }
  [ "$(budget_of --time-limit 5)" = 0 ] || fail "--time-limit alone kept a step budget"
  [ "$(budget_of --time-limit 5 --steps 1000)" = 1000 ] || fail "--steps with --time-limit lost"
  [ "$(budget_of --time-limit 5 --set run.total_steps=7)" = 7 ] || fail "--set budget lost"
  echo "budget: refusal, --force-new, no step budget under --time-limit, lr $lr at the last update, extension logged"
  ;;
kill)
  # An actor killed with SIGKILL. Under `mpirun --enable-recovery` the job survives; the learner sees
  # the actor's pid gone (same host), goes on with the others and ends normally, in both modes.
  pid_of() { awk -v r="$2" '$1 == r {print $3}' "$1/ranks.txt"; }
  wait_log() { for _ in $(seq 300); do grep -q "$2" "$1/train.log" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
  for mode in async sync; do
    "${mpi[@]}" --enable-recovery -np 4 "$bin" train "${small[@]}" --set learner.mode=$mode \
      --steps $((12 * steps_per_update)) --run-dir "$work/$mode" >"$work/out.$mode" 2>&1 &
    mpipid=$!
    wait_log "$work/$mode" "update 2 " || { kill -9 $mpipid; fail "$mode: no progress"; }
    kill -9 "$(pid_of "$work/$mode" 2)"
    wait $mpipid || { rc=$?; tail -20 "$work/out.$mode"; fail "$mode: the job ended with status $rc after an actor was killed"; }
    grep -q "actor rank 2 (pid [0-9]*) died: going on with the 2 others" "$work/$mode/train.log" || fail "$mode: death not reported"
    grep -q "step budget reached" "$work/$mode/train.log" || fail "$mode: the run did not reach its budget"
    [ -n "$(newest "$work/$mode")" ] || fail "$mode: no checkpoint"
  done
  timeout 60 "${mpi[@]}" --enable-recovery -np 3 "$bin" train "${small[@]}" --set learner.mode=sync \
    --steps $((10 * steps_per_update)) --run-dir "$work/ms" : -np 1 "$fake" die >"$work/out.ms" 2>&1 ||
    { rc=$?; tail -20 "$work/out.ms"; fail "an actor dying mid-send: the job ended with status $rc (124: it hung)"; }
  grep -q "fake_actor: dying in the middle of a send" "$work/out.ms" || fail "mid-send: the fake actor did not run"
  grep -q "actor rank 3 (pid [0-9]*) died" "$work/ms/train.log" || fail "mid-send: death not reported"
  grep -q "step budget reached" "$work/ms/train.log" || fail "mid-send: the run did not reach its budget"
  # The learner killed: its actors notice (its pid, same host) and stop, so the job ends rather than
  # waiting forever; the run resumes from its last checkpoint.
  "${mpi[@]}" --enable-recovery -np 3 "$bin" train "${small[@]}" --set learner.mode=sync \
    --steps $((1000 * steps_per_update)) --run-dir "$work/ml" >"$work/out.ml" 2>&1 &
  mpipid=$!
  wait_log "$work/ml" "update 3 " || { kill -9 $mpipid; fail "learner kill: no progress"; }
  kill -9 "$(pid_of "$work/ml" 0)"
  for _ in $(seq 60); do kill -0 $mpipid 2>/dev/null || break; sleep 1; done
  kill -0 $mpipid 2>/dev/null && { kill -9 $mpipid; tail -20 "$work/out.ml"; fail "learner killed: the job did not end within 60 s"; }
  n=$(grep -c "the learner (pid [0-9]*) is gone: this actor stops" "$work/out.ml")
  [ "$n" -eq 2 ] || { tail -20 "$work/out.ml"; fail "learner killed: $n of 2 actors said they stop"; }
  u=$(basename "$(newest "$work/ml")" .d2m)
  u=$((10#${u#ckpt-}))
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/ml" --steps $(( (u + 2) * steps_per_update )) \
    >"$work/out.mr" 2>&1 || { tail -20 "$work/out.mr"; fail "learner killed: the run does not resume from update $u"; }
  grep -q "step budget reached" "$work/ml/train.log" || fail "learner killed: the resumed run did not reach its budget"
  echo "kill: async and sync went on without the killed actor and finished, also after a death mid-send;"
  echo "      with the learner killed the actors stopped and the run resumed"
  ;;
diskfull)
  # The run directory on a small tmpfs that fills up; checkpoints on the normal disk (a symlink), so
  # the checkpoint attempted after the write error succeeds and the run can be resumed.
  mnt="$work/mnt"
  mkdir -p "$mnt" "$work/ck"
  mount -t tmpfs -o size=32k tmpfs "$mnt" 2>/dev/null || { echo "SKIP: cannot mount a tmpfs here (needs root)"; exit 77; }
  trap 'umount "$mnt" 2>/dev/null; rm -rf "$work"' EXIT
  mkdir "$mnt/r" && ln -s "$work/ck" "$mnt/r/checkpoints"
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set run.checkpoint_every=1000 --steps $((400 * steps_per_update)) \
    --run-dir "$mnt/r" >"$work/out" 2>&1 && { tail -5 "$work/out"; fail "a run on a full disk exited 0"; }
  grep -Eq "progress.jsonl: write failed|writing the log file failed" "$work/out" || { tail -20 "$work/out"; fail "no write error reported"; }
  grep -Eq "checkpoint .*(progress|train.log) write error" "$work/out" || { tail -20 "$work/out"; fail "no checkpoint after the write error"; }
  cp -rL "$mnt/r" "$work/r" && umount "$mnt"
  u=$(tail -n +2 "$work/r/progress.csv" | wc -l)
  "${mpi[@]}" -np 3 "$bin" train --resume "$work/r" --steps $(((u + 2) * steps_per_update)) >"$work/out.r" 2>&1 ||
    { cat "$work/out.r"; fail "resume after a full disk failed"; }
  nf=$(head -1 "$work/r/progress.csv" | tr ',' '\n' | wc -l)
  bad=$(awk -F, -v nf="$nf" 'NF != nf' "$work/r/progress.csv" | wc -l)
  [ "$bad" -eq 0 ] || fail "progress.csv holds $bad rows without $nf fields after the resume"
  bad=$(grep -cv '^{"update":.*}$' "$work/r/progress.jsonl")
  [ "$bad" -eq 0 ] || fail "progress.jsonl holds $bad malformed lines after the resume"
  dups=$(tail -n +2 "$work/r/progress.csv" | cut -d, -f1 | sort | uniq -d | wc -l)
  [ "$dups" -eq 0 ] || fail "progress.csv repeats updates"
  grep -q "^\[.*\] .*resumed from" "$work/r/train.log" || fail "the resumed run's log line is glued to a cut one"
  echo "diskfull: stopped with a checkpoint after a write error; $u rows kept, resumed with whole rows"
  ;;
norank)
  # Without mpirun, a bad config is what the user must hear about first.
  printf '[ppo]\ngamma = 1.5\n' >"$work/bad.ini"
  "$bin" train --config "$work/bad.ini" >"$work/out" 2>&1 && fail "a single rank ran"
  grep -q "bad.ini:2: ppo.gamma: 1.5 is out of bounds" "$work/out" || { cat "$work/out"; fail "the config error is hidden"; }
  "$bin" train >"$work/out2" 2>&1 && fail "a single rank ran"
  grep -q "needs at least 2 MPI ranks" "$work/out2" || { cat "$work/out2"; fail "no rank message for a good config"; }
  echo "norank: the config error comes first"
  ;;
group)
  # learner.group = 2 on 4 ranks: two learners with one actor each. Two runs with one seed agree bit
  # for bit (weights, Adam state, statistics, every actor's state, the progress rows bar timing).
  grp=(--set learner.group=2)
  for r in a b; do
    "${mpi[@]}" -np 4 "$bin" train "${small[@]}" "${grp[@]}" --steps $((4 * steps_per_update)) --run-dir "$work/$r" \
      >"$work/out.$r" 2>&1 || { cat "$work/out.$r"; fail "group run $r failed"; }
  done
  [ "$(awk '$4 == "learner"' "$work/a/ranks.txt" | wc -l)" -eq 2 ] || { cat "$work/a/ranks.txt"; fail "ranks.txt: not 2 learners"; }
  awk '$1 == 2 && $4 == "learner" && $5 == 1' "$work/a/ranks.txt" | grep -q . || fail "ranks.txt: rank 2 is not learner 1"
  grep -q "learner group: 2 learners: learner 0 = rank 0 with actors 1; learner 1 = rank 2 with actors 3" \
    "$work/a/train.log" || fail "the layout is not logged"
  grep -q "identical on all 2 learners" "$work/a/train.log" || fail "no check that the learners agree"
  grep -q "diverged" "$work/a/train.log" && fail "the learners diverged"
  "$cmp" "$(newest "$work/a")" "$(newest "$work/b")" params adam_m adam_v obs_stats reward_scaling actor_states \
    learner_group || fail "two group runs with the same seed differ"
  notime() { cut -d, -f1,2,6-24,26- "$1/progress.csv"; } # without wall_s, sps, sps_per_actor, update_s
  [ "$(notime "$work/a" | md5sum)" = "$(notime "$work/b" | md5sum)" ] || fail "the progress rows of two group runs differ"
  [ "$(rows "$work/a")" -eq 4 ] && [ "$(tail -1 "$work/a/progress.csv" | cut -d, -f2)" -eq $((4 * steps_per_update)) ] ||
    fail "the rows do not count the group's env steps"
  # Bad learner.group: too many learners for the ranks, out of bounds, with AMP: clear errors naming the key.
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" "${grp[@]}" --run-dir "$work/x" >"$work/out.x" 2>&1 && fail "2 learners on 3 ranks ran"
  grep -q "learner.group = 2 needs at least 4 MPI ranks" "$work/out.x" || { cat "$work/out.x"; fail "no clear message (3 ranks)"; }
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set learner.group=-1 --run-dir "$work/y" >"$work/out.y" 2>&1 && fail "learner.group=-1 ran"
  grep -q "learner.group: -1 is out of bounds" "$work/out.y" || { cat "$work/out.y"; fail "no clear message (-1)"; }
  # AMP in a group (learner/amp.h, "learner group"): two runs with one seed agree bit for bit, the
  # discriminator and every learner's replay buffer included, and the learners' discriminators agree.
  amp=(--set amp.enabled=true --set amp.hidden=32,32 --set amp.minibatch=32 --set amp.replay_size=100)
  for r in za zb; do
    "${mpi[@]}" -np 4 "$bin" train "${small[@]}" "${grp[@]}" "${amp[@]}" --steps $((4 * steps_per_update)) \
      --run-dir "$work/$r" >"$work/out.$r" 2>&1 || { cat "$work/out.$r"; fail "group run with AMP ($r) failed"; }
  done
  grep -q "identical on all 2 learners" "$work/za/train.log" && grep -q "AMP discriminator" "$work/za/train.log" ||
    fail "no check that the learners' discriminators agree"
  grep -q "diverged" "$work/za/train.log" && fail "the learners diverged with AMP"
  "$cmp" "$(newest "$work/za")" "$(newest "$work/zb")" params adam_m adam_v obs_stats amp_params amp_adam_m amp_adam_v \
    amp_meta amp_replay amp_norm_mean amp_norm_m2 amp_group_fill amp_group_replay ||
    fail "two group runs with AMP and the same seed differ"
  [ "$(notime "$work/za" | md5sum)" = "$(notime "$work/zb" | md5sum)" ] || fail "the progress rows of two AMP group runs differ"
  awk -F, 'NR > 1 && $33 != "" && $33 != "nan" { n++ } END { exit !(n == 4) }' "$work/za/progress.csv" ||
    fail "AMP group run: no discriminator loss in the progress rows"
  "${mpi[@]}" -np 4 "$bin" train "${small[@]}" "${grp[@]}" "${amp[@]}" --set amp.replay_size=100000000 \
    --run-dir "$work/zr" >"$work/out.zr" 2>&1 && fail "a group whose replay buffers overflow the checkpoint gather ran"
  grep -q "amp.replay_size = 100000000: the replay buffers of 1 learners" "$work/zr/train.log" ||
    { cat "$work/out.zr"; fail "no clear message (amp.replay_size too large for a group)"; }
  "${mpi[@]}" -np 4 "$bin" train "${small[@]}" "${grp[@]}" --set imitate.mining=failure --run-dir "$work/zm" \
    >"$work/out.zm" 2>&1 && fail "a group with clip mining ran"
  grep -q "with imitate.mining = failure" "$work/out.zm" || { cat "$work/out.zm"; fail "no clear message (mining)"; }
  # Async, 5 ranks: learners with 2 and 1 actors update in lock-step and stop together.
  "${mpi[@]}" -np 5 "$bin" train "${small[@]}" "${grp[@]}" --set learner.mode=async --steps $((6 * steps_per_update)) \
    --run-dir "$work/as" >"$work/out.as" 2>&1 || { cat "$work/out.as"; fail "async group run failed"; }
  grep -q "step budget reached" "$work/as/train.log" || fail "the async group run did not reach its budget"
  [ "$(grep -c "gradient allreduces" "$work/out.as")" -eq 2 ] || fail "not both learners reported their allreduces"
  # learner.group = 1 (the default) is the one learner of before: rank 0, no group lines, no group
  # section in the checkpoint, and the same rows as a run that does not name the key.
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --set learner.group=1 --steps $((2 * steps_per_update)) \
    --run-dir "$work/one" >"$work/out.one" 2>&1 || { cat "$work/out.one"; fail "learner.group=1 failed"; }
  "${mpi[@]}" -np 3 "$bin" train "${small[@]}" --steps $((2 * steps_per_update)) --run-dir "$work/dflt" \
    >"$work/out.dflt" 2>&1 || { cat "$work/out.dflt"; fail "default run failed"; }
  [ "$(awk '$4 == "learner"' "$work/one/ranks.txt")" != "" ] && awk '$4 == "learner" {print $1}' "$work/one/ranks.txt" |
    grep -qx 0 && [ "$(awk '$4 == "learner"' "$work/one/ranks.txt" | wc -l)" -eq 1 ] || fail "L=1: rank 0 is not the one learner"
  grep -q "learner group" "$work/one/train.log" "$work/out.one" && fail "L=1 logs group lines"
  grep -aq learner_group "$(newest "$work/one")" && fail "L=1 checkpoint has a learner_group section"
  [ "$(notime "$work/one" | md5sum)" = "$(notime "$work/dflt" | md5sum)" ] || fail "learner.group=1 differs from the default"
  echo "group: 2 learners bit-identical across runs; bad learner.group refused; async with 2 + 1 actors finished; L=1 as before"
  ;;
group_resume | group_resume_amp)
  # (group_resume_amp: the same with AMP; each learner's replay buffer comes back from the checkpoint)
  # learner.group = 2 on 5 ranks (learner 0 with actors 1-2, learner 1 with actor 4: batches of two
  # sizes): 2 updates + resume to 4 equals 4 uninterrupted updates, bit for bit; a resume with
  # another learner.group or rank count is refused.
  grp=(--set learner.group=2)
  spu=$((3 * 2 * 16)) # 3 actors x 2 envs x 16 steps
  "${mpi[@]}" -np 5 "$bin" train "${small[@]}" "${grp[@]}" --steps $((4 * spu)) --run-dir "$work/full" \
    >"$work/out.f" 2>&1 || { cat "$work/out.f"; fail "uninterrupted run failed"; }
  "${mpi[@]}" -np 5 "$bin" train "${small[@]}" "${grp[@]}" --steps $((2 * spu)) --run-dir "$work/part" \
    >"$work/out.p" 2>&1 || { cat "$work/out.p"; fail "first half failed"; }
  "${mpi[@]}" -np 5 "$bin" train --resume "$work/part" --steps $((4 * spu)) >"$work/out.r" 2>&1 ||
    { cat "$work/out.r"; fail "resume failed"; }
  grep -q "resumed from" "$work/part/train.log" || fail "the resumed run did not load a checkpoint"
  [ "$(rows "$work/part")" -eq 4 ] || fail "resumed progress.csv has $(rows "$work/part") rows, expected 4"
  "$cmp" "$work/full/checkpoints/ckpt-00000004.d2m" "$work/part/checkpoints/ckpt-00000004.d2m" \
    params adam_m adam_v obs_stats reward_scaling actor_states learner_rng learner_group \
    ${ampsec[@]+"${ampsec[@]}"} $([ "$case_" = group_resume_amp ] && echo amp_group_fill amp_group_replay) ||
    fail "resumed group run differs from the uninterrupted one"
  notime() { cut -d, -f1,2,6-24,26- "$1/progress.csv"; }
  [ "$(notime "$work/full" | md5sum)" = "$(notime "$work/part" | md5sum)" ] || fail "progress rows differ after resume"
  grep -q "identical on all 2 learners" "$work/part/train.log" || fail "no check that the learners agree"
  "${mpi[@]}" -np 4 "$bin" train --resume "$work/part" --set learner.group=1 --steps $((5 * spu)) \
    >"$work/out.x" 2>&1 && fail "a resume with another learner.group ran"
  grep -q "written by a learner group of 2 learners (learner.group), this run has 1" "$work/out.x" ||
    { cat "$work/out.x"; fail "no clear message (learner.group=1)"; }
  "${mpi[@]}" -np 6 "$bin" train --resume "$work/part" --steps $((5 * spu)) >"$work/out.y" 2>&1 &&
    fail "a resume on another rank count ran"
  grep -q "rank count" "$work/out.y" || { cat "$work/out.y"; fail "no clear message (6 ranks)"; }
  [ "$(rows "$work/part")" -eq 4 ] || fail "a refused resume changed progress.csv"
  echo "group_resume: 2 + 2 updates equal 4 uninterrupted with 2 learners; other layouts refused"
  ;;
*) echo "unknown case $case_"; exit 2 ;;
esac
echo "PASS ($case_)"
