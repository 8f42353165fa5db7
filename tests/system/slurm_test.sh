#!/usr/bin/env bash
# tests/system/slurm_test.sh DRL2MOVE CKPT_CMP SBATCH_SCRIPT: deploy/slurm/train.sbatch on real SLURM
# daemons (munged, slurmctld, slurmd) that this test starts privately (own config, ports, socket and
# spool under a temporary folder; stopped at the end). Submit with -n 3, preempt with
# `scancel --signal=USR1 --batch` after a few updates, let the script requeue itself, and check that
# the resumed run ends bit-identical to an uninterrupted one (mpirun, same seed and rank count).
# Skips (exit 77) with a message where SLURM is not installed or cannot start (not root, no daemons).
set -uo pipefail
bin=$1 cmp=$2 sbatch_script=$3
skip() { echo "SKIP (slurm): $*"; exit 77; }
for c in munged slurmctld slurmd sbatch scontrol squeue scancel; do
  command -v $c >/dev/null || skip "$c not found: install slurm-wlm and munge (deploy/setup-debian.sh does)"
done
[ "$(id -u)" -eq 0 ] || skip "starting slurmd needs root"
work=$(mktemp -d /tmp/d2m_slurm_XXXXXX)
export SLURM_CONF=$work/slurm.conf
stop_daemons() {
  for p in "$work"/slurmd.pid "$work"/slurmctld.pid "$work"/munge/pid; do
    [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
  done
  sleep 1
  rm -rf "$work"
}
trap stop_daemons EXIT
fail() { echo "FAIL (slurm): $*"; cat "$work"/job-*.out 2>/dev/null | tail -30; tail -n 20 "$work"/log/*.log; exit 1; }

# ---- a private single-node cluster ----
host=$(hostname -s)
mkdir -p "$work/state" "$work/spool" "$work/munge" "$work/log" && chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/key" bs=1024 count=1 status=none && chmod 400 "$work/munge/key"
munged --key-file="$work/munge/key" --socket="$work/munge/sock" --pid-file="$work/munge/pid" \
  --log-file="$work/log/munged.log" --seed-file="$work/munge/seed" -f || skip "munged did not start"
port=$((20000 + RANDOM % 20000))
cat >"$SLURM_CONF" <<EOF
# A one-node cluster for this test only (DESIGN: proctrack/linuxproc and task/none work in containers).
ClusterName=d2mtest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/sock
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobRequeue=1
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# More CPUs than the machine has, so that 3 tasks fit on a 2-core test machine.
SlurmdParameters=config_overrides
ReturnToService=2
NodeName=$host CPUs=8 State=UNKNOWN
PartitionName=d2m Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -i || skip "slurmctld did not start (see $work/log/slurmctld.log)"
slurmd || skip "slurmd did not start"
for _ in $(seq 100); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 0.2; done
sinfo -h -o %T | grep -q idle || skip "the node never became idle: $(sinfo -h -o '%T %E' 2>&1)"
echo "slurm: private cluster up (slurmctld port $port)"

# ---- the uninterrupted reference and the preempted, requeued job ----
small=(--set env.num_envs=2 --set actor.rollout_steps=16 --set nn.hidden=32,32 --set ppo.minibatch=32
       --set ppo.epochs=2 --set ppo.anneal_lr=false --set run.plots=false --set run.checkpoint_every=2)
# 100 updates: the signal travels scancel -> slurmctld -> slurmd -> the batch shell -> mpirun, which
# on a loaded machine took longer than the 17 updates (about 1 s) a 20-update job had left.
updates=100 steps=$((100 * 64)) # 2 actors x 2 envs x 16 steps per update
mpirun --oversubscribe -np 3 "$bin" train "${small[@]}" --steps $steps --run-dir "$work/ref" >"$work/ref.out" 2>&1 ||
  { cat "$work/ref.out"; fail "the reference run failed"; }
jid=$(D2M_BIN=$bin D2M_RUN_DIR=$work/job sbatch --parsable -n 3 -o "$work/job-%j.out" "$sbatch_script" \
      "${small[@]}" --steps $steps) || fail "sbatch refused the job"
rows() { [ -f "$1/progress.csv" ] && tail -n +2 "$1/progress.csv" | wc -l || echo 0; }
for _ in $(seq 1200); do [ "$(rows "$work/job")" -ge 3 ] && break; sleep 0.1; done
[ "$(rows "$work/job")" -ge 3 ] || fail "the job made no progress"
scancel --signal=USR1 --batch "$jid" || fail "scancel --signal=USR1 --batch failed"
# SLURM holds a requeued job for a while (BeginTime); release it two seconds on. Not at once: slurmd
# revokes the old run's credential with a one-second timestamp, and a new start in that same second
# is killed as "Job credential revoked" (the job then ends FAILED).
state() { scontrol show job "$jid" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
released=0
for _ in $(seq 1800); do
  s=$(state)
  if [ "$s" = PENDING ] && [ $released -eq 0 ] && grep -q "requeueing" "$work"/job-*.out; then
    scontrol update JobId="$jid" StartTime=now+2 && released=1
  fi
  [ "$s" = COMPLETED ] && break
  # The batch shell that requeues its own job is ended by that requeue; on a loaded machine
  # slurmctld can show FAILED for a moment before the job turns PENDING: a failure must hold.
  if [ "$s" = FAILED ] || [ "$s" = CANCELLED ]; then
    sleep 3
    s2=$(state)
    [ "$s2" = FAILED ] || [ "$s2" = CANCELLED ] || [ "$s2" = COMPLETED ] && break
  fi
  sleep 0.1
done
[ "$(state)" = COMPLETED ] || fail "job $jid ended $(state), expected COMPLETED"
out=$(cat "$work"/job-*.out)
grep -q "restart 0\]: SIGUSR1: forwarding" <<<"$out" || fail "the batch shell did not take SIGUSR1"
grep -q "restart 0\].*stopping after update [0-9]*, [0-9]* env steps: SIGUSR1" <<<"$out" || fail "the run did not stop on SIGUSR1"
grep -q "restart 0\]: requeueing" <<<"$out" || fail "the job did not requeue itself"
grep -q "restart 1\]: .* train --resume $work/job" <<<"$out" || fail "the requeued job did not resume"
grep -q "restart 1\].*step budget reached" <<<"$out" || fail "the resumed run did not finish its budget"
grep -q "checkpoint .*SIGUSR1" "$work/job/train.log" || fail "no SIGUSR1 checkpoint"
stopped=$(grep -o "stopping after update [0-9]*, [0-9]* env steps: SIGUSR1" "$work/job/train.log" | grep -o "update [0-9]*")
[ "$(rows "$work/job")" -eq $updates ] || fail "progress.csv has $(rows "$work/job") rows, expected $updates"
dups=$(tail -n +2 "$work/job/progress.csv" | cut -d, -f1 | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "progress.csv repeats $dups updates"
last=$(printf 'checkpoints/ckpt-%08d.d2m' $updates)
"$cmp" "$work/ref/$last" "$work/job/$last" params adam_m adam_v obs_stats reward_scaling actor_states ||
  fail "the preempted and resumed job differs from the uninterrupted run"
echo "slurm: job $jid preempted (SIGUSR1) at $stopped, requeued, resumed, bit-identical to the uninterrupted run at update $updates"
echo "PASS (slurm)"
