/* bench/bench.h: the benchmarks of `drl2move bench WHAT`. Each benchmark measures the project's path and its
 * peer side by side in one run and prints the ratio (these machines are noisy: never compare runs). */
#ifndef D2M_BENCH_H
#define D2M_BENCH_H

/* Each returns the exit status: 0, 1 (failed, message printed) or 2 (bad options). The command line
 * (`drl2move bench WHAT ...`) is parsed in deploy/bench_cli.c. */

/* bench/bench_model.c: mj_step/s of the project's model vs the reference MyoLegs model. */
typedef struct bench_model_opts {
  long steps;           /* >= 1000 */
  double dt;            /* physics timestep (s) */
  const char *ref;      /* the reference MJCF; NULL: D2M_SHARED_DATA's MyoLegs, if set */
} bench_model_opts;
int bench_model(const bench_model_opts *o);

/* bench/bench_env.c: control steps/s of each task's env vs bare mj_step. */
typedef struct bench_env_opts {
  int steps, rounds;
} bench_env_opts;
int bench_env(const bench_env_opts *o);

/* bench/bench_learner.c: PPO minibatch update samples/s (BLIS) vs PyTorch. */
typedef struct bench_learner_opts {
  double seconds;       /* per side and round */
  int rounds;
  int torch;            /* 0: ours only */
  const char *torch_script; /* NULL: bench/torch_ppo.py found next to the binary or the source */
} bench_learner_opts;
int bench_learner(const bench_learner_opts *o);

/* bench/bench_system.c: one actor alone vs 1 learner + 1..2 actors; messaging cost. */
typedef struct bench_system_opts {
  long steps;           /* env steps per MPI run */
  int rollouts;         /* of the actor alone */
  const char *set;      /* NULL or one "section.key=value" for every run */
} bench_system_opts;
int bench_system(const bench_system_opts *o);

/* bench/bench_memory.c: an actor's resident MB per env, and the MuJoCo arena it reserves vs uses. */
typedef struct bench_memory_opts {
  int envs, steps;      /* envs created and random control steps each */
  const char *task;     /* stand | walk | imitate */
} bench_memory_opts;
int bench_memory(const bench_memory_opts *o);

/* bench/bench_jointso.c: env.action_mode = joint_so's probe without learning (the defaults' evidence). */
typedef struct bench_jointso_opts {
  int imitate, stand;   /* episodes per row (0: skip the task) */
  int random;           /* 1: also imitate with N(0,1) actions for each env.jso_range */
  int random_only;      /* 1: only those rows */
  int assist;           /* 1: only imitate with the balance assistant at strengths 0, 1, 2, 4 */
  int gains;            /* 1: only env.jso_gains uniform against strength (imitate, stand) */
} bench_jointso_opts;
int bench_jointso(const bench_jointso_opts *o);

/* bench/bench_so.c: static optimisation's QP, the low-rank solver vs the dense one (embedded gait). */
typedef struct bench_so_opts {
  int rounds;
} bench_so_opts;
int bench_so(const bench_so_opts *o);

/* bench/bench_scaling.c: per-component costs for deploy/scaling (mpirun -np 2: the allreduce). */
#define BENCH_SCALING_MAX_SETS 32
typedef struct bench_scaling_opts {
  const char *out;      /* the CSV */
  int rollouts;         /* of the actor alone */
  double seconds;       /* per timed loop */
  const char *sets[BENCH_SCALING_MAX_SETS]; /* "section.key=value" over the defaults */
  int nsets;
} bench_scaling_opts;
int bench_scaling(const bench_scaling_opts *o);

#endif
