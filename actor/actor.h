/* actor/actor.h: the rollout loop of ranks 1..N-1.
 *
 * Each actor steps cfg.env.num_envs environments with the rollout loop (actor/rollout.h: the policy
 * on all of them at once, one GEMM per layer), and every actor.rollout_steps control steps ships the
 * trajectory batch it filled to rank 0 with
 * MPI_Isend from one of two buffers (the next rollout runs while the previous batch is in flight).
 * Weights arrive as point-to-point messages (proto WEIGHTS header + raw floats) that the actor picks
 * up with MPI_Iprobe between control steps, so the simulation never stops for them (async), or that
 * it waits for after each batch (sync: every batch comes from the newest policy).
 */
#ifndef D2M_ACTOR_H
#define D2M_ACTOR_H

#include <mpi.h>

#include "common/config.h"

typedef struct actor_bench_result {
  double steps_per_s;        /* env steps/s of rollouts alone (envs + batched policy) */
  double rollout_s, encode_s, decode_s; /* totals over the rollouts */
  double batch_bytes;        /* size of one encoded batch */
} actor_bench_result;

/* The actor alone, without a learner: `rollouts` rollouts of the real step loop with freshly
 * initialised weights, each followed by encoding and decoding its batch (bench system). */
int actor_bench(const cfg_t *cfg, int rollouts, actor_bench_result *out);

/* actor_run's status when its learner is gone: no collective with it can complete any more. */
#define ACTOR_LEARNER_GONE 2

/* Runs until the learner (rank 0 of comm) sends STOP; returns 0, 1 after a fatal setup error, or
 * ACTOR_LEARNER_GONE (both logged). stream: the rank's world rank, which names its random
 * streams (so an actor's rollouts do not depend on how the job is cut into learner groups);
 * all_actors: actors of the whole job (the imitate curriculum counts the job's env steps);
 * learner_pid: the learner's pid when it runs on this host (launch_report_in), else 0. The learner is
 * gone when that process no longer exists, or after actor.learner_timeout_s of waiting for it. */
int actor_run(const cfg_t *cfg, MPI_Comm comm, int stream, int all_actors, long learner_pid);

#endif
